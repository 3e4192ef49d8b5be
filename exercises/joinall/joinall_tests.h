/*
 * joinall_tests.h - what the public and the hidden tests of joinall
 * share: the value each test thread returns (value_of), the lock and the
 * condition variable a "hung" thread waits on until the test releases it,
 * the deadline after which it gives up, so that a wrong joinall that
 * waits for it can never hang a test, and the check that a timeout is one
 * deadline for the whole call (expect_one_deadline).
 *
 * The tests run under the kit's controlled scheduler (docs/scheduler.md):
 * one thread at a time, and the clocks, sleeps and timed joins your code
 * calls (clock_gettime, pthread_clockjoin_np, nanosleep ...) read and
 * advance a virtual clock that moves only when every thread waits.  A
 * timed join that times out does so exactly at its deadline, and a thread
 * that sleeps 8 units ends exactly 8 units later, so the tests compare
 * times exactly (same_units).  Your code needs nothing special: use the
 * standard calls.
 *
 * Included once, by the file of tests (public_tests.c, or the hidden
 * tests when your instructor grades); nothing here is for your code.
 */
#ifndef JOINALL_TESTS_H
#define JOINALL_TESTS_H

#include "joinall.h"
#include "racecourse_test.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define MAX_THREADS 8
#define HANG_UNITS 40.0         /* a hung thread gives up after this long */

/*
 * Two instants of virtual time are the same when they differ by less than
 * this (seconds): a timeout given as a double becomes whole nanoseconds.
 */
#define EXACT 1e-6

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed;  /* on CLOCK_MONOTONIC, see init_once */
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* What thread i returns: a result in the wrong slot shows. */
static inline void *value_of(size_t i)
{
    return (void *)(uintptr_t)(0xc0de00 + i);
}

/* Makes `changed` wait on CLOCK_MONOTONIC (run it with pthread_once). */
static inline void init_once(void)
{
    pthread_condattr_t cattr;

    pthread_condattr_init(&cattr);
    pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
    pthread_cond_init(&changed, &cattr);
    pthread_condattr_destroy(&cattr);
}

/* When a hung thread gives up: HANG_UNITS from now on CLOCK_MONOTONIC. */
static inline struct timespec hang_deadline(void)
{
    double wait = HANG_UNITS * rc_unit();
    struct timespec give_up;

    clock_gettime(CLOCK_MONOTONIC, &give_up);
    give_up.tv_sec += (time_t)wait;
    give_up.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
    if (give_up.tv_nsec >= 1000000000L) {
        give_up.tv_sec++;
        give_up.tv_nsec -= 1000000000L;
    }
    return give_up;
}

/* Whether `took` units of virtual time are exactly `units` (see EXACT). */
static inline bool same_units(double took, double units)
{
    return fabs(took - units) * rc_unit() < EXACT;
}

/*
 * Asserts that a joinall with a timeout of `timeout` units, on `running`
 * threads that do not end in time, returned after exactly `timeout` units
 * (`took`, virtual time): not before the deadline (a relative time given
 * to the timed join), not later (a fresh timeout for each thread).
 */
static inline void expect_one_deadline(double took, double timeout, size_t running)
{
    cr_assert(took > timeout || same_units(took, timeout), "joinall with a timeout of %g "
              "units returned after %.6f units (virtual time), before the deadline: is the "
              "time given to the timed join an ABSOLUTE CLOCK_MONOTONIC time (now + "
              "timeout)?", timeout, took);
    cr_assert(same_units(took, timeout), "joinall with %zu running threads and a timeout of "
              "%g units took %.6f units (virtual time), expected exactly %g: the timeout is "
              "ONE deadline for the whole call, not a fresh timeout for each thread "
              "(%g units)", running, timeout, took, timeout, (double)running * timeout);
}

#endif /* JOINALL_TESTS_H */
