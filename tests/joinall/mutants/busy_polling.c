/*
 * MUTANT busy_polling.c - the reference solution with one bug.
 *
 * Bug: with a timeout, it polls the threads with pthread_tryjoin_np in a
 * loop until all are joined or the deadline passes, never sleeping: the
 * results are right, but waiting burns a whole CPU.
 * Caught by: no_busy_waiting (joinall uses ~95% as much CPU as a spinning
 * probe thread beside it, limit 25%; a blocking joinall uses ~0.2%), and
 * join_error_is_reported (pthread_tryjoin_np on the calling thread says
 * EBUSY, never EDEADLK).
 */
#define _GNU_SOURCE
#include "joinall.h"

#include <errno.h>
#include <math.h>              /* isnan */
#include <pthread.h>
#include <stdlib.h>
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

static bool deadline_passed(const struct timespec *deadline)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
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

    bool *done = calloc(n > 0 ? n : 1, sizeof *done);

    if (done == NULL) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        done[i] = joined && joined[i];
    for (;;) {
        bool late = !forever && deadline_passed(&deadline);

        left = 0;
        for (size_t i = 0; i < n; i++) {
            void *result;
            int err;

            if (done[i])
                continue;
            if (forever)
                err = pthread_join(threads[i], &result);
            else
                err = pthread_tryjoin_np(threads[i], &result);
            if (err == EBUSY) {
                left++;                 /* not yet: try again right away */
                continue;
            }
            if (err != 0) {
                free(done);
                errno = err;
                return -1;
            }
            done[i] = true;
            if (results)
                results[i] = result;
            if (joined)
                joined[i] = true;
        }
        if (left == 0 || late)
            break;
    }
    free(done);
    return left;
}
