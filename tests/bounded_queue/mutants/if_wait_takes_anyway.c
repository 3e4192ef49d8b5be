/*
 * MUTANT if_wait_takes_anyway
 *
 * Bug: the classic student version of `if` instead of `while`: after one
 * wait, get assumes there is an item (or that the queue was closed) and
 * takes a slot from an empty queue; put writes into a full one.  Items are
 * delivered twice, the count wraps around.
 * Caught by: woken_get_rechecks_queue, woken_put_rechecks_queue (and
 * usually mpmc_no_loss_or_duplicate).
 * Grade varies: the race check (Helgrind sees a driver thread end holding the lock on some runs only)
 */
/*
 * bounded_queue.c - reference solution: a bounded blocking FIFO queue.
 *
 * Theory of operation
 *
 * One mutex guards everything in the struct.  The items live in a ring
 * buffer: `head` is the slot of the oldest item and the `count` items
 * follow it, wrapping around at `capacity`.
 *
 * Two condition variables say what a waiter is waiting for:
 *   not_full   producers wait here while count == capacity;
 *   not_empty  consumers wait here while count == 0.
 * A put signals not_empty once (one new item is enough for one consumer)
 * and a get signals not_full once (one free slot is enough for one
 * producer).  With one condition variable for both kinds of waiters, a
 * signal could wake a thread of the wrong kind, which would go back to
 * sleep and the wake-up would be lost.
 *
 * Every wait sits in a while loop that checks the condition again after
 * waking: by the time a woken thread holds the mutex again, another
 * thread may have taken the item (or the slot) it was woken for, and
 * condition variables may also wake a thread for no reason at all.
 *
 * bq_close sets `closed` and broadcasts on both condition variables: every
 * waiter must wake up to see the flag, not just one of them.
 *
 * Timed waits use pthread_cond_timedwait, whose deadline is an absolute
 * time on the condition variable's clock.  The condition variables are
 * created with CLOCK_MONOTONIC (pthread_condattr_setclock) and deadlines
 * are read from the same clock, so that setting the wall clock neither
 * cuts a wait short nor stretches it.
 */
#include "bounded_queue.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/* Timeouts longer than this (about 31 years) wait as long as it takes. */
#define MAX_TIMEOUT_S 1e9

struct bqueue {
    pthread_mutex_t lock;       /* guards every field below */
    pthread_cond_t not_full;    /* producers wait here while full */
    pthread_cond_t not_empty;   /* consumers wait here while empty */
    void **items;               /* ring buffer of `capacity` slots */
    size_t capacity;
    size_t head;                /* slot of the oldest item */
    size_t count;               /* items in the queue */
    bool closed;                /* set by bq_close, never cleared */
};

/* When a blocking call gives up. */
typedef struct deadline {
    enum { WAIT_FOREVER, TRY_ONCE, WAIT_UNTIL } kind;
    struct timespec at;         /* WAIT_UNTIL: CLOCK_MONOTONIC time */
} deadline;

/*
 * Turns a timeout in seconds into a deadline (see bounded_queue.h for the
 * meaning of negative, zero and infinite timeouts).  Returns 0 or EINVAL
 * for NaN.
 */
static int deadline_after(double timeout_s, deadline *d)
{
    struct timespec now;
    time_t seconds;
    long nanoseconds;

    if (isnan(timeout_s))
        return EINVAL;
    if (timeout_s < 0 || timeout_s > MAX_TIMEOUT_S) {
        d->kind = WAIT_FOREVER;
        return 0;
    }
    if (timeout_s == 0) {
        d->kind = TRY_ONCE;
        return 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    seconds = (time_t)timeout_s;
    nanoseconds = (long)((timeout_s - (double)seconds) * 1e9);
    d->kind = WAIT_UNTIL;
    d->at.tv_sec = now.tv_sec + seconds;
    d->at.tv_nsec = now.tv_nsec + nanoseconds;
    if (d->at.tv_nsec >= 1000000000L) {
        d->at.tv_sec += 1;
        d->at.tv_nsec -= 1000000000L;
    }
    return 0;
}

/*
 * Waits on `cond` (with q->lock held) until it is signalled or the
 * deadline passes.  Returns false when the deadline has passed: the
 * caller then looks at the queue one last time and gives up.
 */
static bool wait_before(bqueue *q, pthread_cond_t *cond, const deadline *d)
{
    switch (d->kind) {
    case WAIT_FOREVER:
        pthread_cond_wait(cond, &q->lock);
        return true;
    case TRY_ONCE:
        return false;
    default:
        return pthread_cond_timedwait(cond, &q->lock, &d->at) != ETIMEDOUT;
    }
}

static int put_before(bqueue *q, void *item, const deadline *d)
{
    int err = 0;

    pthread_mutex_lock(&q->lock);
    /* while, not if: see the top of this file. */
    if (!q->closed && q->count == q->capacity) {
        if (!wait_before(q, &q->not_full, d)) {
            pthread_mutex_unlock(&q->lock);
            return ETIMEDOUT;
        }
    }
    if (q->closed) {
        err = EPIPE;
    } else {
        q->items[(q->head + q->count) % q->capacity] = item;
        q->count++;
        pthread_cond_signal(&q->not_empty);
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}

static int get_before(bqueue *q, void **item, const deadline *d)
{
    int err = 0;

    pthread_mutex_lock(&q->lock);
    if (!q->closed && q->count == 0) {
        if (!wait_before(q, &q->not_empty, d)) {
            pthread_mutex_unlock(&q->lock);
            return ETIMEDOUT;
        }
    }
    if (!q->closed || q->count > 0) {
        /* Items left in a closed queue are still handed out. */
        *item = q->items[q->head];
        q->head = (q->head + 1) % q->capacity;
        q->count--;
        pthread_cond_signal(&q->not_full);
    } else {
        err = q->closed ? EPIPE : ETIMEDOUT;
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}

bqueue *bq_create(size_t capacity)
{
    pthread_condattr_t attr;
    bqueue *q;
    int err;

    if (capacity == 0) {
        errno = EINVAL;
        return NULL;
    }
    q = calloc(1, sizeof *q);
    if (!q)
        return NULL;                    /* errno is ENOMEM */
    q->items = calloc(capacity, sizeof *q->items);
    if (!q->items) {
        free(q);
        return NULL;
    }
    q->capacity = capacity;

    err = pthread_mutex_init(&q->lock, NULL);
    if (err)
        goto no_mutex;
    err = pthread_condattr_init(&attr);
    if (err)
        goto no_attr;
    err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (err)
        goto no_not_full;
    err = pthread_cond_init(&q->not_full, &attr);
    if (err)
        goto no_not_full;
    err = pthread_cond_init(&q->not_empty, &attr);
    if (err)
        goto no_not_empty;
    pthread_condattr_destroy(&attr);
    return q;

no_not_empty:
    pthread_cond_destroy(&q->not_full);
no_not_full:
    pthread_condattr_destroy(&attr);
no_attr:
    pthread_mutex_destroy(&q->lock);
no_mutex:
    free(q->items);
    free(q);
    errno = err;
    return NULL;
}

void bq_destroy(bqueue *q)
{
    if (!q)
        return;
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    pthread_mutex_destroy(&q->lock);
    free(q->items);
    free(q);
}

int bq_put(bqueue *q, void *item)
{
    return bq_put_timed(q, item, -1);
}

int bq_get(bqueue *q, void **item)
{
    return bq_get_timed(q, item, -1);
}

int bq_put_timed(bqueue *q, void *item, double timeout_s)
{
    deadline d;

    if (!q || deadline_after(timeout_s, &d) != 0)
        return EINVAL;
    return put_before(q, item, &d);
}

int bq_get_timed(bqueue *q, void **item, double timeout_s)
{
    deadline d;

    if (!q || !item || deadline_after(timeout_s, &d) != 0)
        return EINVAL;
    return get_before(q, item, &d);
}

size_t bq_size(bqueue *q)
{
    size_t count;

    if (!q)
        return 0;
    pthread_mutex_lock(&q->lock);
    count = q->count;
    pthread_mutex_unlock(&q->lock);
    return count;
}

bool bq_empty(bqueue *q)
{
    return bq_size(q) == 0;
}

bool bq_full(bqueue *q)
{
    bool full;

    if (!q)
        return false;
    pthread_mutex_lock(&q->lock);
    full = q->count == q->capacity;
    pthread_mutex_unlock(&q->lock);
    return full;
}

void bq_close(bqueue *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    /* Broadcast, not signal: every waiter must see the flag. */
    pthread_cond_broadcast(&q->not_full);
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}
