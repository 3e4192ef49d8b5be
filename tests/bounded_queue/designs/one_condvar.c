/*
 * one_condvar.c - an alternative correct design of bounded_queue.
 *
 * Design: one mutex and ONE condition variable for producers and
 * consumers alike; every change of the queue (an item in, an item out,
 * the close) broadcasts, and every waiter looks again in a while loop, so
 * no wake-up is lost to a thread of the wrong kind.  The ring is kept as
 * two running totals (items ever put, items ever taken).
 * Primitives: pthread mutex, one pthread condition variable on
 * CLOCK_MONOTONIC (pthread_cond_broadcast, pthread_cond_timedwait).
 */
#include "bounded_queue.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct bqueue {
    pthread_mutex_t lock;       /* guards all below */
    pthread_cond_t changed;     /* broadcast whenever anything changes */
    void **ring;
    size_t capacity;
    unsigned long long put, taken;  /* totals; put - taken items inside */
    bool closed;
};

/* 0 with *forever/*at set, or EINVAL for NaN.  *at is NULL for "try once". */
static int deadline_for(double timeout_s, bool *forever, struct timespec *at)
{
    struct timespec now;
    double ns;

    if (isnan(timeout_s))
        return EINVAL;
    *forever = timeout_s < 0 || timeout_s >= 1e9;
    if (*forever || timeout_s == 0)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    ns = (double)now.tv_nsec + timeout_s * 1e9;
    at->tv_sec = now.tv_sec + (time_t)(ns / 1e9);
    at->tv_nsec = (long)fmod(ns, 1e9);
    return 0;
}

/* Waits for a change; false when the time is up (or timeout was 0). */
static bool wait_change(bqueue *q, bool forever, double timeout_s,
                        const struct timespec *at)
{
    if (forever)
        return pthread_cond_wait(&q->changed, &q->lock) == 0;
    if (timeout_s == 0)
        return false;
    return pthread_cond_timedwait(&q->changed, &q->lock, at) != ETIMEDOUT;
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
    if (q == NULL)
        goto no_memory;
    q->ring = calloc(capacity, sizeof *q->ring);
    if (q->ring == NULL)
        goto no_memory;
    q->capacity = capacity;
    err = pthread_mutex_init(&q->lock, NULL);
    if (err != 0)
        goto fail;
    err = pthread_condattr_init(&attr);
    if (err == 0) {
        err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        if (err == 0)
            err = pthread_cond_init(&q->changed, &attr);
        pthread_condattr_destroy(&attr);
    }
    if (err != 0) {
        pthread_mutex_destroy(&q->lock);
        goto fail;
    }
    return q;

no_memory:
    err = ENOMEM;
fail:
    if (q != NULL)
        free(q->ring);
    free(q);
    errno = err;
    return NULL;
}

void bq_destroy(bqueue *q)
{
    if (q == NULL)
        return;
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->lock);
    free(q->ring);
    free(q);
}

int bq_put_timed(bqueue *q, void *item, double timeout_s)
{
    struct timespec at;
    bool forever;
    int err = 0;

    if (q == NULL || deadline_for(timeout_s, &forever, &at) != 0)
        return EINVAL;
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->put - q->taken == q->capacity)
        if (!wait_change(q, forever, timeout_s, &at))
            break;
    if (q->closed) {
        err = EPIPE;
    } else if (q->put - q->taken == q->capacity) {
        err = ETIMEDOUT;
    } else {
        q->ring[q->put % q->capacity] = item;
        q->put++;
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}

int bq_get_timed(bqueue *q, void **item, double timeout_s)
{
    struct timespec at;
    bool forever;
    int err = 0;

    if (q == NULL || item == NULL || deadline_for(timeout_s, &forever, &at) != 0)
        return EINVAL;
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->put == q->taken)
        if (!wait_change(q, forever, timeout_s, &at))
            break;
    if (q->put != q->taken) {
        *item = q->ring[q->taken % q->capacity];
        q->taken++;
        pthread_cond_broadcast(&q->changed);
    } else {
        err = q->closed ? EPIPE : ETIMEDOUT;
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}

int bq_put(bqueue *q, void *item)
{
    return bq_put_timed(q, item, -1);
}

int bq_get(bqueue *q, void **item)
{
    return bq_get_timed(q, item, -1);
}

size_t bq_size(bqueue *q)
{
    size_t n;

    if (q == NULL)
        return 0;
    pthread_mutex_lock(&q->lock);
    n = (size_t)(q->put - q->taken);
    pthread_mutex_unlock(&q->lock);
    return n;
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
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}
