/*
 * DESIGN validate_first.c - a correct joinall on another plan than the
 * reference's.
 *
 * Design: checks every entry before joining anything (a thread joining
 * itself is refused with EDEADLK at once, nothing joined), then joins the
 * threads that have already ended in one non-blocking sweep
 * (pthread_tryjoin_np), then waits for the rest from the last to the
 * first with pthread_clockjoin_np on one absolute deadline (pthread_join
 * when there is none).  Should the sweep's small array not be had
 * (malloc failing), it skips the sweep: still correct, only in order.
 */
#define _GNU_SOURCE
#include "joinall.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define FOREVER_S 1e15          /* longer timeouts count as "forever" */

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

static void mark(size_t i, void *result, void **results, bool *joined)
{
    if (results)
        results[i] = result;
    if (joined)
        joined[i] = true;
}

static int fail(bool *pending, int err)
{
    free(pending);
    errno = err;
    return -1;
}

int joinall(const pthread_t *threads, size_t n, double timeout_s,
            void **results, bool *joined)
{
    bool forever = timeout_s < 0 || timeout_s >= FOREVER_S;
    struct timespec deadline;
    bool *pending;              /* still running after the sweep */
    int left = 0;

    if (isnan(timeout_s) || (!threads && n > 0)) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if ((!joined || !joined[i]) && pthread_equal(threads[i], pthread_self())) {
            errno = EDEADLK;
            return -1;
        }
    if (!forever)
        deadline = deadline_after(timeout_s);

    /* The threads that have already ended, without waiting. */
    pending = n ? malloc(n * sizeof *pending) : NULL;

    for (size_t i = 0; i < n; i++) {
        void *result;
        int err;

        if (!pending)
            break;
        pending[i] = false;
        if (joined && joined[i])
            continue;
        err = pthread_tryjoin_np(threads[i], &result);
        if (err == 0)
            mark(i, result, results, joined);
        else if (err == EBUSY)
            pending[i] = true;
        else
            return fail(pending, err);
    }

    /* The others, last to first, all before the same deadline. */
    for (size_t i = n; i-- > 0;) {
        void *result;
        int err;

        if (pending ? !pending[i] : joined && joined[i])
            continue;
        if (forever)
            err = pthread_join(threads[i], &result);
        else
            err = pthread_clockjoin_np(threads[i], &result, CLOCK_MONOTONIC,
                                       &deadline);
        if (err == ETIMEDOUT) {
            left++;
            continue;
        }
        if (err != 0)
            return fail(pending, err);
        mark(i, result, results, joined);
    }
    free(pending);
    return left;
}
