/*
 * DESIGN timed_helpers.c - a correct joinall on another plan than the
 * reference's.
 *
 * Design: one helper thread per thread to join; every helper makes its
 * own pthread_clockjoin_np against the same absolute deadline (or a plain
 * pthread_join when there is none), all at the same time, and the caller
 * only joins the helpers (pthread_join) and copies their findings.  A
 * self-join is refused before any helper starts (a helper could not see
 * it).  If a helper cannot be started (no memory, no thread), the caller
 * joins that thread itself, against the same deadline.
 */
#define _GNU_SOURCE
#include "joinall.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define FOREVER_S 1e15          /* longer timeouts count as "forever" */
#define HELPER_STACK (64 * 1024)

typedef struct helper {
    pthread_t target;
    const struct timespec *deadline;    /* NULL: no deadline */
    pthread_t thread;
    bool started;               /* thread runs: the caller joins it */
    int err;                    /* the join's result, written by the helper */
    void *result;
} helper;

static struct timespec deadline_after(double timeout_s)
{
    struct timespec at;
    double whole = floor(timeout_s);

    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_sec += (time_t)whole;
    at.tv_nsec += (long)((timeout_s - whole) * 1e9);
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    return at;
}

/* One join, timed or not; 0, ETIMEDOUT or the join's error. */
static int join_one(pthread_t target, const struct timespec *deadline,
                    void **result)
{
    if (!deadline)
        return pthread_join(target, result);
    return pthread_clockjoin_np(target, result, CLOCK_MONOTONIC, deadline);
}

static void *helper_main(void *arg)
{
    helper *h = arg;

    h->err = join_one(h->target, h->deadline, &h->result);
    return NULL;
}

/* Starts helpers for the threads not joined yet; a helper that cannot be
 * started is left to the caller (started stays false). */
static void start_helpers(helper *helpers, const pthread_t *threads, size_t n,
                          const bool *joined, const struct timespec *deadline)
{
    pthread_attr_t attr;
    bool small = pthread_attr_init(&attr) == 0;

    if (small && pthread_attr_setstacksize(&attr, HELPER_STACK) != 0) {
        pthread_attr_destroy(&attr);
        small = false;
    }
    for (size_t i = 0; i < n; i++) {
        helper *h = &helpers[i];

        *h = (helper){ .target = threads[i], .deadline = deadline };
        if (joined && joined[i])
            continue;
        h->started = pthread_create(&h->thread, small ? &attr : NULL,
                                    helper_main, h) == 0;
    }
    if (small)
        pthread_attr_destroy(&attr);
}

/* The caller's own loop, for when no helper can be had at all. */
static int join_here(const pthread_t *threads, size_t n,
                     const struct timespec *deadline, void **results,
                     bool *joined)
{
    int left = 0;

    for (size_t i = 0; i < n; i++) {
        void *result;
        int err;

        if (joined && joined[i])
            continue;
        err = join_one(threads[i], deadline, &result);
        if (err == ETIMEDOUT) {
            left++;
            continue;
        }
        if (err) {
            errno = err;
            return -1;
        }
        if (results)
            results[i] = result;
        if (joined)
            joined[i] = true;
    }
    return left;
}

int joinall(const pthread_t *threads, size_t n, double timeout_s,
            void **results, bool *joined)
{
    bool forever = timeout_s < 0 || timeout_s >= FOREVER_S;
    struct timespec at, *deadline = NULL;
    helper *helpers;
    int left = 0, first_err = 0;

    if (isnan(timeout_s) || (!threads && n > 0)) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if ((!joined || !joined[i]) && pthread_equal(threads[i], pthread_self())) {
            errno = EDEADLK;
            return -1;
        }
    if (n == 0)
        return 0;
    if (!forever) {
        at = deadline_after(timeout_s);
        deadline = &at;
    }
    helpers = malloc(n * sizeof *helpers);
    if (!helpers)
        return join_here(threads, n, deadline, results, joined);
    start_helpers(helpers, threads, n, joined, deadline);

    for (size_t i = 0; i < n; i++) {
        helper *h = &helpers[i];

        if (joined && joined[i])
            continue;
        if (h->started) {
            if (pthread_join(h->thread, NULL) != 0)
                abort();
        } else {
            h->err = join_one(h->target, deadline, &h->result);
        }
        if (h->err == ETIMEDOUT) {
            left++;
        } else if (h->err) {
            if (!first_err)
                first_err = h->err;
        } else {
            if (results)
                results[i] = h->result;
            if (joined)
                joined[i] = true;
        }
    }
    free(helpers);
    if (first_err) {
        errno = first_err;
        return -1;
    }
    return left;
}
