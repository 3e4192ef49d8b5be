/*
 * MUTANT negative_timeout_as_zero.c - the reference solution with one bug.
 *
 * Bug: only INFINITY (and huge values) mean "wait forever"; a negative
 * timeout gives a deadline in the past, so joinall(threads, n, -1, ...)
 * joins only the threads that have already ended and returns at once.
 * Caught by: negative_timeout_waits_as_long_as_it_takes (returns 3,
 * expected 0), joins_every_thread_results_in_slots,
 * results_and_joined_may_be_null, no_busy_waiting.
 */
#define _GNU_SOURCE
#include "joinall.h"

#include <errno.h>
#include <math.h>              /* isnan */
#include <pthread.h>
#include <time.h>

/*
 * Timeouts at least this long (about 31 million years) count as "forever":
 * the largest ones would not even fit in a time_t.
 */
#define FOREVER_S 1e15

#define NSEC_PER_SEC 1000000000L

/* Stores in *deadline the CLOCK_MONOTONIC time `timeout_s` (>= 0) from now. */
static void deadline_after(double timeout_s, struct timespec *deadline)
{
    time_t whole = (time_t)timeout_s;     /* rounds down: timeout_s >= 0 */

    clock_gettime(CLOCK_MONOTONIC, deadline);
    deadline->tv_sec += whole;
    deadline->tv_nsec += (long)((timeout_s - (double)whole) * 1e9);
    while (deadline->tv_nsec >= NSEC_PER_SEC) {
        deadline->tv_sec += 1;
        deadline->tv_nsec -= NSEC_PER_SEC;
    }
}

int joinall(const pthread_t *threads, size_t n, double timeout_s,
            void **results, bool *joined)
{
    bool forever = timeout_s >= FOREVER_S;
    struct timespec deadline;
    int left = 0;

    if (isnan(timeout_s) || (threads == NULL && n > 0)) {
        errno = EINVAL;
        return -1;
    }
    if (!forever)
        deadline_after(timeout_s, &deadline);

    for (size_t i = 0; i < n; i++) {
        void *result;
        int err;

        if (joined && joined[i])
            continue;                   /* joined by an earlier call */
        if (forever)
            err = pthread_join(threads[i], &result);
        else
            err = pthread_clockjoin_np(threads[i], &result,
                                       CLOCK_MONOTONIC, &deadline);
        if (err == ETIMEDOUT) {
            left++;                     /* still running: leave it joinable */
            continue;
        }
        if (err != 0) {
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
