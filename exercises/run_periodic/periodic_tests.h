/*
 * periodic_tests.h - what the public and the hidden tests of run_periodic
 * share: a new scheduler and a new job, each checked as it is made, so
 * that a test fails with a plain message where rp_create or rp_add does;
 * a job's fn that records when each run starts; and rp_stop on a thread
 * of its own, so that a stop that hangs fails a test instead of hanging
 * it.
 *
 * The tests run under the kit's controlled scheduler (docs/scheduler.md):
 * one thread at a time, and the clocks, sleeps and timed waits your code
 * calls (clock_gettime, pthread_cond_timedwait, nanosleep, poll, timerfds
 * ...) read and advance a virtual clock that moves only when every thread
 * waits.  So a job with an interval of 2 s runs at exactly t0 + 2 s,
 * t0 + 4 s ..., however busy the machine, and a test of 41 seconds takes
 * a few milliseconds: the tests compare times exactly.  Your code needs
 * nothing special: use the standard calls.  A thread that polls (a loop
 * around clock_gettime, sched_yield or a trylock) never sees the clock
 * move: the scheduler stops it and names the line ("busy-wait").
 *
 * Times are in seconds of virtual time, chosen so that every deadline is
 * exact in a double and in nanoseconds (multiples of 1/16 s).
 *
 * Included once, by the file of tests (public_tests.c, or the hidden
 * tests when your instructor grades); nothing here is for your code.
 */
#ifndef PERIODIC_TESTS_H
#define PERIODIC_TESTS_H

#include "racecourse_test.h"
#include "run_periodic.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define MAX_STARTS 64

/* What a job's fn records; the `arg` of count_run. */
typedef struct counter {
    atomic_int runs;        /* runs started (counted once starts[] is set) */
    atomic_int in_fn;       /* runs in progress now */
    atomic_int overlaps;    /* runs that began while another was going */
    double work_s;          /* how long each run takes */
    double first_work_s;    /* how long the first run takes (if > 0) */
    double starts[MAX_STARTS]; /* rc_now() at the start of each run */
} counter;

/* The job's fn: records the run in the counter `arg`, then takes its time. */
static inline void count_run(void *arg)
{
    counter *c = arg;
    int n = atomic_load(&c->runs);
    double work = n == 0 && c->first_work_s > 0 ? c->first_work_s : c->work_s;

    if (n < MAX_STARTS)
        c->starts[n] = rc_now();
    atomic_fetch_add(&c->runs, 1);
    if (atomic_fetch_add(&c->in_fn, 1) > 0)
        atomic_fetch_add(&c->overlaps, 1);
    rc_sleep(work);
    atomic_fetch_sub(&c->in_fn, 1);
}

/* rp_create, which must return a scheduler. */
static inline run_periodic *new_scheduler(void)
{
    run_periodic *rp;

    errno = 0;
    rp = rp_create();
    cr_assert_not_null(rp, "rp_create returned NULL (errno %d: %s), expected "
                       "a new scheduler", errno, strerror(errno));
    return rp;
}

/* Adds count_run(c) every `interval_s`; returns its id (>= 0). */
static inline int add_job(run_periodic *rp, double interval_s, counter *c)
{
    int id;

    errno = 0;
    id = rp_add(rp, interval_s, count_run, c);
    cr_assert_geq(id, 0, "rp_add(rp, %g s, fn, arg) returned %d (errno %d: "
                  "%s), expected a job id >= 0", interval_s, id, errno,
                  strerror(errno));
    return id;
}

/* rp_start, which must return 0; returns its virtual time (t0). */
static inline double start(run_periodic *rp)
{
    double t0 = rc_now();
    int err = rp_start(rp);

    cr_assert_eq(err, 0, "rp_start returned %d, expected 0 on a scheduler "
                 "that is not started", err);
    return t0;
}

/*
 * Checks that job `c` (interval `interval_s`, t0 `t0`) ran exactly `n`
 * times, its run k (from 0) starting at exactly t0 + (k + 1) * interval;
 * `what` names the job in messages.
 */
static inline void check_runs(const counter *c, double t0, double interval_s, int n,
                              const char *what)
{
    int runs = atomic_load(&c->runs);

    for (int k = 0; k < runs && k < n && k < MAX_STARTS; k++)
        cr_assert(c->starts[k] == t0 + (k + 1) * interval_s, "%s (interval %g s): run %d "
                  "started %g s after t0, expected exactly %g s (t0 + %d * interval: "
                  "deadlines are computed from t0, never from the end of a run or from "
                  "the time the scheduler woke up)", what, interval_s, k + 1,
                  c->starts[k] - t0, (k + 1) * interval_s, k + 1);
    cr_assert_eq(runs, n, "%s (interval %g s) ran %d times, expected %d (runs at t0 + k * "
                 "interval, k = 1, 2 ...)", what, interval_s, runs, n);
}

/* rp_stop on a helper thread, so that a stop that hangs fails the test
 * instead of hanging it. */
typedef struct stop_call {
    run_periodic *rp;
    double seconds;         /* how long rp_stop took */
    atomic_int done;
} stop_call;

static inline void *call_stop(void *arg)
{
    stop_call *call = arg;
    double began = rc_now();

    rp_stop(call->rp);
    call->seconds = rc_now() - began;
    atomic_store(&call->done, 1);
    return NULL;
}

/* Waits up to `max_s` until *value >= at_least, looking every 1/16 s;
 * whether it got there. */
static inline bool wait_for(atomic_int *value, int at_least, double max_s)
{
    double end = rc_now() + max_s;

    while (atomic_load(value) < at_least) {
        if (rc_now() >= end)
            return false;
        rc_sleep(0.0625);
    }
    return true;
}

/*
 * Runs rp_stop(rp) on a helper thread and returns how long it took (0
 * when no fn runs: rp_stop returns at the same virtual instant).  Fails
 * the test if rp_stop has not returned after 25 s; `when` says when it
 * was called, for that message.
 */
static inline double timed_stop(run_periodic *rp, const char *when)
{
    stop_call call = { .rp = rp };
    pthread_t helper;

    cr_assert_eq(pthread_create(&helper, NULL, call_stop, &call), 0,
                 "test setup: pthread_create failed");
    cr_assert(wait_for(&call.done, 1, 25), "rp_stop has not returned after 25 s (%s): wake "
              "the scheduler thread when stopping instead of letting it sleep until its "
              "next deadline", when);
    pthread_join(helper, NULL);
    return call.seconds;
}

/*
 * Interval 2 s, each run 0.75 s, for 41 s: deadlines at t0 + 2k give 20
 * runs, at exactly those times; "next deadline = end of this run +
 * interval" gives one every 2.75 s, 14 at most.  `what` names the job in
 * messages.
 */
static inline void check_no_drift(const char *what)
{
    run_periodic *rp = new_scheduler();
    counter c = { .work_s = 0.75 };
    double t0;

    add_job(rp, 2, &c);
    t0 = start(rp);
    rc_sleep(41);
    rp_stop(rp);
    check_runs(&c, t0, 2, 20, what);
    rp_destroy(rp);
}

#endif /* PERIODIC_TESTS_H */
