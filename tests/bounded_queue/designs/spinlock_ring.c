/*
 * spinlock_ring.c - an alternative correct design of bounded_queue.
 *
 * Design: the semaphores design (semaphores.c) with a spin lock in place
 * of the mutex.  Two counting semaphores say how many slots are free and
 * how many items wait, so no thread ever waits while it holds the lock;
 * a pthread_spinlock_t guards the ring only for the few instructions that
 * move an item in or out, or read its count.  bq_close posts one extra
 * "closed" token on each semaphore; a thread that takes it and finds
 * nothing to do puts it back for the next one, so every waiter wakes in
 * turn.  Timed waits use sem_clockwait on CLOCK_MONOTONIC, a timeout of
 * 0 sem_trywait.
 * Primitives: sem_t (sem_wait, sem_trywait, sem_clockwait, sem_post) and
 * one pthread spin lock (pthread_spin_init, _lock, _unlock, _destroy); no
 * mutex, no condition variable.
 *
 * It keeps the race check honest: under Helgrind 3.19 and glibc 2.36 a
 * pthread_spin_lock that had to spin is reported as "recursive write lock
 * granted", a false report the grader leaves out (helgrind_report.c).
 */
#define _GNU_SOURCE
#include "bounded_queue.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>

#define FOREVER_S 1e9           /* longer timeouts wait as long as it takes */

struct bqueue {
    pthread_spinlock_t lock;    /* guards items, head, count, closed */
    sem_t slots;                /* free slots, plus 1 once closed */
    sem_t filled;               /* items not yet claimed, plus 1 once closed */
    void **items;
    size_t capacity, head, count;
    bool closed;
};

/* How a call waits on a semaphore. */
typedef struct wait_plan {
    enum { WAIT_ALWAYS, WAIT_NEVER, WAIT_UNTIL } kind;
    struct timespec until;      /* CLOCK_MONOTONIC */
} wait_plan;

static int plan_wait(double timeout_s, wait_plan *plan)
{
    struct timespec now;
    double whole;

    if (isnan(timeout_s))
        return EINVAL;
    if (timeout_s < 0 || timeout_s > FOREVER_S) {
        plan->kind = WAIT_ALWAYS;
    } else if (timeout_s == 0) {
        plan->kind = WAIT_NEVER;
    } else {
        clock_gettime(CLOCK_MONOTONIC, &now);
        plan->kind = WAIT_UNTIL;
        plan->until.tv_nsec = now.tv_nsec + (long)(modf(timeout_s, &whole) * 1e9);
        plan->until.tv_sec = now.tv_sec + (time_t)whole + plan->until.tv_nsec / 1000000000L;
        plan->until.tv_nsec %= 1000000000L;
    }
    return 0;
}

/* Takes one token of `s` as the plan says; 0, or ETIMEDOUT. */
static int take_token(sem_t *s, const wait_plan *plan)
{
    int rc;

    do {
        switch (plan->kind) {
        case WAIT_ALWAYS:
            rc = sem_wait(s);
            break;
        case WAIT_NEVER:
            rc = sem_trywait(s);
            break;
        default:
            rc = sem_clockwait(s, CLOCK_MONOTONIC, &plan->until);
            break;
        }
    } while (rc != 0 && errno == EINTR);
    return rc == 0 ? 0 : ETIMEDOUT;     /* EAGAIN or ETIMEDOUT */
}

bqueue *bq_create(size_t capacity)
{
    bqueue *q;
    int err;

    if (capacity == 0 || capacity > SEM_VALUE_MAX) {
        errno = capacity == 0 ? EINVAL : ENOMEM;
        return NULL;
    }
    q = calloc(1, sizeof *q);
    if (q == NULL)
        return NULL;
    q->items = calloc(capacity, sizeof *q->items);
    if (q->items == NULL) {
        free(q);
        errno = ENOMEM;
        return NULL;
    }
    err = pthread_spin_init(&q->lock, PTHREAD_PROCESS_PRIVATE);
    if (err != 0) {
        free(q->items);
        free(q);
        errno = err;
        return NULL;
    }
    if (sem_init(&q->slots, 0, (unsigned)capacity) != 0)  /* capacity <= SEM_VALUE_MAX */
        goto fail_slots;
    if (sem_init(&q->filled, 0, 0) != 0)
        goto fail_filled;
    q->capacity = capacity;
    return q;

fail_filled:
    err = errno;
    sem_destroy(&q->slots);
    errno = err;
fail_slots:
    err = errno;
    pthread_spin_destroy(&q->lock);
    free(q->items);
    free(q);
    errno = err;
    return NULL;
}

void bq_destroy(bqueue *q)
{
    if (q == NULL)
        return;
    sem_destroy(&q->filled);
    sem_destroy(&q->slots);
    pthread_spin_destroy(&q->lock);
    free(q->items);
    free(q);
}

static int put_planned(bqueue *q, void *item, const wait_plan *plan)
{
    if (take_token(&q->slots, plan) != 0) {
        bool closed;

        pthread_spin_lock(&q->lock);
        closed = q->closed;
        pthread_spin_unlock(&q->lock);
        return closed ? EPIPE : ETIMEDOUT;
    }
    pthread_spin_lock(&q->lock);
    if (q->closed) {
        pthread_spin_unlock(&q->lock);
        sem_post(&q->slots);            /* pass the token on */
        return EPIPE;
    }
    q->items[(q->head + q->count) % q->capacity] = item;
    q->count++;
    pthread_spin_unlock(&q->lock);
    sem_post(&q->filled);
    return 0;
}

static int get_planned(bqueue *q, void **item, const wait_plan *plan)
{
    if (take_token(&q->filled, plan) != 0) {
        bool closed;

        pthread_spin_lock(&q->lock);
        closed = q->closed && q->count == 0;
        pthread_spin_unlock(&q->lock);
        return closed ? EPIPE : ETIMEDOUT;
    }
    pthread_spin_lock(&q->lock);
    if (q->count == 0) {                /* the closed token: nothing left */
        pthread_spin_unlock(&q->lock);
        sem_post(&q->filled);
        return EPIPE;
    }
    *item = q->items[q->head];
    q->head = (q->head + 1) % q->capacity;
    q->count--;
    pthread_spin_unlock(&q->lock);
    sem_post(&q->slots);
    return 0;
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
    wait_plan plan;

    if (q == NULL || plan_wait(timeout_s, &plan) != 0)
        return EINVAL;
    return put_planned(q, item, &plan);
}

int bq_get_timed(bqueue *q, void **item, double timeout_s)
{
    wait_plan plan;

    if (q == NULL || item == NULL || plan_wait(timeout_s, &plan) != 0)
        return EINVAL;
    return get_planned(q, item, &plan);
}

size_t bq_size(bqueue *q)
{
    size_t count;

    if (q == NULL)
        return 0;
    pthread_spin_lock(&q->lock);
    count = q->count;
    pthread_spin_unlock(&q->lock);
    return count;
}

bool bq_empty(bqueue *q)
{
    return bq_size(q) == 0;
}

bool bq_full(bqueue *q)
{
    return q != NULL && bq_size(q) == q->capacity;
}

void bq_close(bqueue *q)
{
    if (q == NULL)
        return;
    pthread_spin_lock(&q->lock);
    if (!q->closed) {
        q->closed = true;
        sem_post(&q->slots);
        sem_post(&q->filled);
    }
    pthread_spin_unlock(&q->lock);
}
