/*
 * MUTANT sleeps_out_the_timeout.c - the reference solution with one bug.
 *
 * Bug: with a timeout it first sleeps the whole timeout, then joins what has
 * ended with pthread_tryjoin_np: never busy, but it always takes the whole
 * timeout even when every thread ended long before.
 * Caught by: returns_as_soon_as_all_are_joined (took 50 units, limit 15),
 * zero_threads_returns_zero (n == 0 still sleeps 5 units, limit 3) and
 * join_error_is_reported (tryjoin says EBUSY, never EDEADLK).
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
    bool forever = timeout_s < 0 || timeout_s >= FOREVER_S;
    struct timespec deadline;
    int left = 0;

    if (isnan(timeout_s) || (threads == NULL && n > 0)) {
        errno = EINVAL;
        return -1;
    }
    if (!forever) {
        struct timespec pause;

        deadline_after(timeout_s, &deadline);
        pause.tv_sec = (time_t)timeout_s;
        pause.tv_nsec = (long)((timeout_s - (double)pause.tv_sec) * 1e9);
        while (nanosleep(&pause, &pause) == -1 && errno == EINTR)
            ;
    }

    for (size_t i = 0; i < n; i++) {
        void *result;
        int err;

        if (joined && joined[i])
            continue;                   /* joined by an earlier call */
        if (forever)
            err = pthread_join(threads[i], &result);
        else if ((err = pthread_tryjoin_np(threads[i], &result)) == EBUSY)
            err = ETIMEDOUT;
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
