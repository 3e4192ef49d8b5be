/*
 * public_tests.c - a few visible tests for run_periodic.
 *
 * Run them with `make check EX=run_periodic`.  The grader's hidden tests
 * check much more (skipped deadlines, slow jobs, cancel during a
 * run, restart ...): passing these is a start, not the finish line.
 *
 * The tests run in virtual time (periodic_tests.h): a job with an
 * interval of 2 s runs at exactly t0 + 2 s, t0 + 4 s ..., and the whole
 * file takes milliseconds.
 */
#include "racecourse_test.h"
#include "run_periodic.h"
#include "periodic_tests.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

RC_SUITE(run_periodic_public);

/* Interval 2 s for 11 s: runs at exactly t0 + 2, 4, 6, 8 and 10 s; rp_stop
 * returns at once (no fn is running). */
RC_TEST(run_periodic_public, job_runs_every_interval)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    double t0, stopped;

    add_job(rp, 2, &c);
    t0 = start(rp);
    rc_sleep(11);
    rp_stop(rp);
    stopped = rc_now();
    check_runs(&c, t0, 2, 5, "a job");
    cr_assert(stopped == t0 + 11, "rp_stop took %g s with no fn running, expected to "
              "return at once", stopped - t0 - 11);
    rp_destroy(rp);
}

RC_TEST(run_periodic_public, add_rejects_bad_interval)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    const double bad[] = { NAN, INFINITY, 0.0, -1.0 };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int id;

        errno = 0;
        id = rp_add(rp, bad[i], count_run, &c);
        cr_assert(id == -1 && errno == EINVAL, "rp_add with interval %g "
                  "returned %d with errno %d, expected -1 with errno EINVAL "
                  "(%d)", bad[i], id, errno, EINVAL);
    }
    errno = 0;
    cr_assert(rp_add(rp, 1.0, NULL, &c) == -1 && errno == EINVAL,
              "rp_add with a NULL fn should return -1 with errno EINVAL");
    rp_destroy(rp);
}

/* Two jobs every second, one cancelled before rp_start: in 6.5 s the
 * other runs 6 times, the cancelled one never. */
RC_TEST(run_periodic_public, cancel_then_enoent)
{
    run_periodic *rp = new_scheduler();
    counter gone = { 0 }, kept = { 0 };
    int id, other, err;
    double t0;

    id = add_job(rp, 1, &gone);
    other = add_job(rp, 1, &kept);
    cr_assert_neq(id, other, "two jobs got the same id %d", id);
    err = rp_cancel(rp, id);
    cr_assert_eq(err, 0, "rp_cancel of job %d returned %d, expected 0", id,
                 err);
    err = rp_cancel(rp, id);
    cr_assert_eq(err, ENOENT, "cancelling job %d a second time returned %d, "
                 "expected ENOENT (%d)", id, err, ENOENT);
    t0 = start(rp);
    rc_sleep(6.5);
    rp_stop(rp);
    cr_assert_eq(atomic_load(&gone.runs), 0, "a cancelled job ran %d times",
                 atomic_load(&gone.runs));
    check_runs(&kept, t0, 1, 6, "the job that was not cancelled");
    rp_destroy(rp);
}

/* A job once an hour: rp_start twice gives EALREADY, and rp_stop 2 s
 * later returns at once, the scheduler woken instead of left asleep until
 * its deadline. */
RC_TEST(run_periodic_public, start_twice_and_prompt_stop)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    double took;
    int err;

    add_job(rp, 3600, &c);
    start(rp);
    err = rp_start(rp);
    cr_assert_eq(err, EALREADY, "rp_start on a started scheduler "
                 "returned %d, expected EALREADY (%d)", err, EALREADY);
    rc_sleep(2);
    took = timed_stop(rp, "2 s after rp_start, with a job once an hour");
    cr_assert(took == 0, "rp_stop took %g s with no fn running, expected to return at "
              "once: wake the scheduler thread when stopping", took);
    rp_stop(rp);                            /* twice is harmless */
    rp_destroy(rp);
}

/* Sleeping one interval after each run (or "next deadline = end of this
 * run + interval") makes the runs drift (periodic_tests.h). */
RC_TEST(run_periodic_public, no_drift_with_slow_fn)
{
    check_no_drift("a job whose fn takes 0.75 s");
}
