/*
 * five_tasks_tests.h - what the public and the hidden tests of five_tasks
 * share: how exactly a time must match in virtual time, and task times
 * for run_async in whole milliseconds.
 *
 * The tests run under the kit's controlled scheduler (docs/scheduler.md):
 * one thread at a time, and the clocks and sleeps your code and the tests
 * call (clock_gettime, nanosleep, libuv's timers and its uv_now ...) read
 * and advance a virtual clock that moves only when every thread waits.  A
 * task that sleeps 20 units ends exactly 20 units later, so the tests
 * compare times exactly: the parallel plan takes exactly the longest
 * task, the pool of two exactly 31 units.  Your code needs nothing
 * special: use the standard calls.
 *
 * Included once, by the file of tests (public_tests.c, or the hidden
 * tests when your instructor grades); nothing here is for your code.
 */
#ifndef FIVE_TASKS_TESTS_H
#define FIVE_TASKS_TESTS_H

#include "five_tasks.h"
#include "racecourse_test.h"

#include <math.h>
#include <stdbool.h>
#include <time.h>

/*
 * Two instants of virtual time are the same when they differ by less than
 * this (seconds): a time given as a double becomes whole nanoseconds.
 */
#define EXACT 1e-6

/* Whether `took` units of virtual time are exactly `units` (see EXACT). */
static inline bool same_units(double took, double units)
{
    return fabs(took - units) * rc_unit() < EXACT;
}

/* A timespec (a record's field) in seconds. */
static inline double seconds_of(struct timespec t)
{
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* How long a record lasts, in units. */
static inline double record_units(const task_record *record)
{
    return (seconds_of(record->finished) - seconds_of(record->started)) / rc_unit();
}

/*
 * `units` (not negative) as a task's seconds for run_async: a whole
 * number of milliseconds (below 1000 at the default unit, so that any way
 * of turning it back into milliseconds gives the same number), since
 * libuv's timers count in milliseconds.  Its timer then lasts exactly
 * async_units(units) units.
 */
static inline double async_seconds(double units)
{
    return (double)(long long)(units * rc_unit() * 1000.0 + 0.5) / 1000.0;
}

/* What a timer of async_seconds(units) lasts, in units. */
static inline double async_units(double units)
{
    return async_seconds(units) / rc_unit();
}

#endif /* FIVE_TASKS_TESTS_H */
