/*
 * MUTANT ignores_joined_on_entry.c - the reference solution with one bug.
 *
 * Bug: it never looks at joined[i] on entry, so a second call joins again
 * the threads the first call already joined.  That is undefined behaviour:
 * glibc 2.36 answers ESRCH as long as no new thread reused the memory (the
 * tests create none between the calls); otherwise it may crash, which
 * fails the test too.
 * Caught by: second_call_waits_for_the_rest and
 * second_call_counts_only_the_rest (the second call returns -1).
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
    if (!forever)
        deadline_after(timeout_s, &deadline);

    for (size_t i = 0; i < n; i++) {
        void *result;
        int err;

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
