/*
 * MUTANT busy_wait_trylock
 *
 * Bug: bq_put and bq_get never sleep: they take the lock with
 * pthread_mutex_trylock in a loop, look at the queue, and when they cannot
 * go on they let go, sched_yield() and try again.  Every answer is right,
 * but a thread waiting on an empty or a full queue burns a whole CPU.
 * Caught by: blocked_waiters_use_no_cpu.
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
#include <sched.h>
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

/* BUG: takes the lock by spinning on trylock instead of sleeping. */
static void spin_lock(bqueue *q)
{
    while (pthread_mutex_trylock(&q->lock) != 0)
        sched_yield();
}

/* Whether the caller must give up instead of looking again. */
static bool gives_up(const deadline *d)
{
    struct timespec now;

    if (d->kind == WAIT_FOREVER)
        return false;
    if (d->kind == TRY_ONCE)
        return true;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > d->at.tv_sec ||
           (now.tv_sec == d->at.tv_sec && now.tv_nsec >= d->at.tv_nsec);
}

static int put_before(bqueue *q, void *item, const deadline *d)
{
    for (;;) {
        spin_lock(q);
        if (q->closed) {
            pthread_mutex_unlock(&q->lock);
            return EPIPE;
        }
        if (q->count < q->capacity) {
            q->items[(q->head + q->count) % q->capacity] = item;
            q->count++;
            pthread_mutex_unlock(&q->lock);
            return 0;
        }
        pthread_mutex_unlock(&q->lock);
        if (gives_up(d))
            return ETIMEDOUT;
        sched_yield();                  /* BUG: spinning */
    }
}

static int get_before(bqueue *q, void **item, const deadline *d)
{
    for (;;) {
        spin_lock(q);
        if (q->count > 0) {
            *item = q->items[q->head];
            q->head = (q->head + 1) % q->capacity;
            q->count--;
            pthread_mutex_unlock(&q->lock);
            return 0;
        }
        if (q->closed) {
            pthread_mutex_unlock(&q->lock);
            return EPIPE;
        }
        pthread_mutex_unlock(&q->lock);
        if (gives_up(d))
            return ETIMEDOUT;
        sched_yield();                  /* BUG: spinning */
    }
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
