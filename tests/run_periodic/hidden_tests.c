/*
 * hidden_tests.c - the grader's tests for run_periodic (SPEC 2.3, 2.7).
 *
 * The tests run under the controlled scheduler, in virtual time
 * (periodic_tests.h): clocks and timed waits are exact, so every timing
 * check is an equality.  A job's run k starts at exactly t0 + k *
 * interval, a deadline that comes while the job still runs is skipped, an
 * rp_stop, rp_cancel or rp_destroy with no fn running returns at the very
 * instant it was called, and one that waits for a run returns at the
 * instant that run ends.  No instant of the tests is two things at once
 * (a deadline and the end of the test's sleep), so each result is the
 * same under every schedule.  Busy-waiting and deadlocks are the
 * scheduler's verdicts.
 */
#include "racecourse_test.h"
#include "run_periodic.h"
#include "periodic_tests.h"
#include "fault_inject.h"
#include "rc_sched.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

RC_SUITE(run_periodic);

/* ---- errors and ids ------------------------------------------------- */

RC_TEST(run_periodic, add_rejects_bad_arguments)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    struct { double interval; const char *name; } bad[] = {
        { NAN, "NaN" }, { INFINITY, "INFINITY" }, { -INFINITY, "-INFINITY" },
        { 0.0, "0" }, { -1.0, "-1" }, { -0.0, "-0.0" },
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int id;

        errno = 0;
        id = rp_add(rp, bad[i].interval, count_run, &c);
        cr_assert_eq(id, -1, "rp_add with interval %s returned %d, expected "
                     "-1 (the interval must be a finite number > 0)",
                     bad[i].name, id);
        cr_assert_eq(errno, EINVAL, "rp_add with interval %s set errno to %d, "
                     "expected EINVAL (%d)", bad[i].name, errno, EINVAL);
    }
    errno = 0;
    cr_assert_eq(rp_add(rp, 1.0, NULL, &c), -1,
                 "rp_add with a NULL fn should return -1");
    cr_assert_eq(errno, EINVAL, "rp_add with a NULL fn set errno to %d, "
                 "expected EINVAL (%d)", errno, EINVAL);
    rp_destroy(rp);
}

RC_TEST(run_periodic, null_scheduler_errors)
{
    counter c = { 0 };
    int err;

    errno = 0;
    cr_assert_eq(rp_add(NULL, 1.0, count_run, &c), -1,
                 "rp_add(NULL, ...) should return -1");
    cr_assert_eq(errno, EINVAL, "rp_add(NULL, ...) set errno to %d, expected "
                 "EINVAL (%d)", errno, EINVAL);
    err = rp_cancel(NULL, 0);
    cr_assert_eq(err, EINVAL, "rp_cancel(NULL, 0) returned %d, expected "
                 "EINVAL (%d)", err, EINVAL);
    err = rp_start(NULL);
    cr_assert_eq(err, EINVAL, "rp_start(NULL) returned %d, expected EINVAL "
                 "(%d)", err, EINVAL);
    rp_stop(NULL);
    rp_destroy(NULL);
}

RC_TEST(run_periodic, ids_never_reused)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    int ids[5];
    int err;

    ids[0] = add_job(rp, 1000, &c);
    ids[1] = add_job(rp, 1000, &c);
    ids[2] = add_job(rp, 1000, &c);
    err = rp_cancel(rp, ids[1]);
    cr_assert_eq(err, 0, "rp_cancel of job %d (just added) returned %d, "
                 "expected 0", ids[1], err);
    ids[3] = add_job(rp, 1000, &c);
    err = rp_cancel(rp, ids[0]);
    cr_assert_eq(err, 0, "rp_cancel of job %d returned %d, expected 0",
                 ids[0], err);
    ids[4] = add_job(rp, 1000, &c);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < i; j++)
            cr_assert_neq(ids[i], ids[j], "rp_add returned id %d for two "
                          "jobs (add #%d and add #%d, with cancels in "
                          "between): ids must never be reused", ids[i],
                          j + 1, i + 1);

    err = rp_cancel(rp, ids[1]);
    cr_assert_eq(err, ENOENT, "cancelling job %d a second time returned %d, "
                 "expected ENOENT (%d)", ids[1], err, ENOENT);
    err = rp_cancel(rp, -1);
    cr_assert_eq(err, ENOENT, "rp_cancel(rp, -1) returned %d, expected "
                 "ENOENT (%d)", err, ENOENT);
    err = rp_cancel(rp, 123456);
    cr_assert_eq(err, ENOENT, "rp_cancel of an id never given returned %d, "
                 "expected ENOENT (%d)", err, ENOENT);
    err = rp_cancel(rp, ids[4]);
    cr_assert_eq(err, 0, "rp_cancel of job %d returned %d, expected 0",
                 ids[4], err);
    err = rp_cancel(rp, ids[4]);
    cr_assert_eq(err, ENOENT, "cancelling job %d a second time returned %d, "
                 "expected ENOENT (%d)", ids[4], err, ENOENT);
    cr_assert_eq(atomic_load(&c.runs), 0, "a job ran although the scheduler "
                 "was never started");
    rp_destroy(rp);
}

RC_TEST(run_periodic, start_twice_ealready)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    int err;

    add_job(rp, 10, &c);
    start(rp);
    err = rp_start(rp);
    cr_assert_eq(err, EALREADY, "rp_start on a started scheduler returned %d, "
                 "expected EALREADY (%d)", err, EALREADY);
    rp_stop(rp);
    rp_destroy(rp);
}

/* rp_stop on a scheduler never started, and a second rp_stop in a row,
 * return at once. */
RC_TEST(run_periodic, stop_twice_harmless)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    double first, second, t0;

    add_job(rp, 1, &c);
    first = timed_stop(rp, "on a scheduler never started");
    cr_assert(first == 0, "rp_stop on a scheduler never started took %g s, expected to "
              "return at once", first);
    t0 = start(rp);
    rc_sleep(2.5);
    rp_stop(rp);
    check_runs(&c, t0, 1, 2, "a job");
    second = timed_stop(rp, "the second rp_stop in a row");
    cr_assert(second == 0, "the second rp_stop in a row took %g s, expected to return at "
              "once", second);
    rp_destroy(rp);
}

/* ---- timing --------------------------------------------------------- */

/* Interval 2 s for 21 s: runs at exactly 2, 4, ..., 20 s: 10 runs. */
RC_TEST(run_periodic, runs_once_per_interval)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    double t0;

    add_job(rp, 2, &c);
    t0 = start(rp);
    rc_sleep(21);
    rp_stop(rp);
    check_runs(&c, t0, 2, 10, "a job");
    rp_destroy(rp);
}

/* Interval 4 s, added 3 s before rp_start: the first run comes exactly
 * 4 s after the start (not at the start, not 4 s after the add). */
RC_TEST(run_periodic, first_run_one_interval_after_start)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    double t0;

    add_job(rp, 4, &c);
    rc_sleep(3);
    t0 = start(rp);
    rc_sleep(9);
    rp_stop(rp);
    check_runs(&c, t0, 4, 2, "a job added 3 s before rp_start");
    rp_destroy(rp);
}

/* Intervals 2, 3 and 5 s for 31 s: 15, 10 and 6 runs, each at its own
 * t0 + k * interval. */
RC_TEST(run_periodic, several_jobs_different_intervals)
{
    run_periodic *rp = new_scheduler();
    static counter c[3];
    const double interval[3] = { 2, 3, 5 };
    const int expected[3] = { 15, 10, 6 };
    double t0;

    for (int i = 0; i < 3; i++)
        add_job(rp, interval[i], &c[i]);
    t0 = start(rp);
    rc_sleep(31);
    rp_stop(rp);
    for (int i = 0; i < 3; i++)
        check_runs(&c[i], t0, interval[i], expected[i], "one of three jobs at once");
    rp_destroy(rp);
}

/* Fixed deadlines, not an interval after each run (periodic_tests.h). */
RC_TEST(run_periodic, no_drift_with_slow_fn)
{
    check_no_drift("a job whose fn takes 0.75 s (no drift)");
}

/* Interval 2 s; the first run takes 9 s (2 to 11), so the deadlines 4, 6,
 * 8 and 10 are skipped and runs go on at 12, 14, 16 and 18: 5 runs in
 * 19 s, never two at once.  Catching up the missed deadlines gives a
 * burst of runs at 11. */
RC_TEST(run_periodic, missed_deadlines_skipped_no_overlap)
{
    run_periodic *rp = new_scheduler();
    counter c = { .first_work_s = 9 };
    const double expected[5] = { 2, 12, 14, 16, 18 };
    double t0;
    int runs;

    add_job(rp, 2, &c);
    t0 = start(rp);
    rc_sleep(19);
    rp_stop(rp);
    cr_assert_eq(atomic_load(&c.overlaps), 0, "two runs of the same job "
                 "overlapped: skip a deadline while the job is still running");
    runs = atomic_load(&c.runs);
    for (int k = 0; k < runs && k < 5; k++)
        cr_assert(c.starts[k] == t0 + expected[k], "a job with an interval of 2 s whose "
                  "first run takes 9 s: run %d started %g s after t0, expected exactly %g s "
                  "(the deadlines at 4, 6, 8 and 10 s come while the first run goes on: "
                  "skip them, do not make up for them at 11 s)", k + 1, c.starts[k] - t0,
                  expected[k]);
    cr_assert_eq(runs, 5, "a job with an interval of 2 s whose first run takes 9 s ran %d "
                 "times in 19 s, expected 5 (at 2, 12, 14, 16 and 18 s)", runs);
    rp_destroy(rp);
}

/* A job whose first run takes 9.5 s and a fast job, both every second,
 * for 12.5 s: the fast one runs at exactly 1, 2, ..., 12 s. */
RC_TEST(run_periodic, slow_job_does_not_delay_others)
{
    run_periodic *rp = new_scheduler();
    counter slow = { .first_work_s = 9.5 }, fast = { 0 };
    double t0;

    add_job(rp, 1, &slow);
    add_job(rp, 1, &fast);
    t0 = start(rp);
    rc_sleep(12.5);
    rp_stop(rp);
    check_runs(&fast, t0, 1, 12, "a fast job next to one whose first run takes 9.5 s (a "
               "slow job must not delay the others: run each fn on a thread of its own)");
    rp_destroy(rp);
}

/* Added 5 s after rp_start with an interval of 4 s: runs at exactly 4 and
 * 8 s after the add. */
RC_TEST(run_periodic, add_after_start_waits_one_interval)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    double added;

    start(rp);
    rc_sleep(5);
    added = rc_now();
    add_job(rp, 4, &c);
    rc_sleep(9);
    rp_stop(rp);
    check_runs(&c, added, 4, 2, "a job added to a started scheduler (t0 = the time of "
               "rp_add)");
    rp_destroy(rp);
}

/* Stopped 1 s after the start (before any run), started again 5 s later:
 * runs at exactly 4 and 8 s after the second rp_start. */
RC_TEST(run_periodic, restart_counts_from_new_start)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    double restarted;
    int err;

    add_job(rp, 4, &c);
    start(rp);
    rc_sleep(1);
    rp_stop(rp);
    rc_sleep(5);
    restarted = rc_now();
    err = rp_start(rp);
    cr_assert_eq(err, 0, "rp_start after rp_stop returned %d, expected 0 (a "
                 "stopped scheduler can be started again)", err);
    rc_sleep(9);
    rp_stop(rp);
    check_runs(&c, restarted, 4, 2, "after rp_stop and rp_start, a job (the new start is "
               "the new t0)");
    rp_destroy(rp);
}

/* ---- stop, cancel, destroy ------------------------------------------ */

RC_TEST(run_periodic, stop_is_prompt_with_long_intervals)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    double took;

    add_job(rp, 3600, &c);                  /* an hour */
    add_job(rp, 7200, &c);
    start(rp);
    rc_sleep(2);
    took = timed_stop(rp, "with intervals of an hour and no fn running");
    cr_assert(took == 0, "rp_stop took %g s with intervals of an hour and no fn "
              "running, expected to return at once: wake the scheduler when "
              "stopping", took);
    rp_destroy(rp);
}

/* Interval 2 s, each run takes 3.5 s: rp_stop 3 s after the start,
 * during the first run (2 to 5.5), returns when that run ends, at exactly
 * 5.5 s; after rp_stop nothing runs. */
RC_TEST(run_periodic, stop_waits_for_running_fn)
{
    run_periodic *rp = new_scheduler();
    counter c = { .work_s = 3.5 };
    double t0;

    add_job(rp, 2, &c);
    t0 = start(rp);
    rc_sleep(3);
    rp_stop(rp);
    cr_assert_eq(atomic_load(&c.in_fn), 0, "rp_stop returned while a job's fn "
                 "was still running: it must wait for runs in progress");
    cr_assert(rc_now() == t0 + 5.5, "rp_stop called during a run that ends at 5.5 s "
              "returned at %g s, expected exactly when that run ended", rc_now() - t0);
    rc_sleep(8);
    check_runs(&c, t0, 2, 1, "a job stopped during its first run (after rp_stop no fn may "
               "run)");
    rp_destroy(rp);
}

/* Intervals 1 and 1.5 s, stopped at 3.25 s: 3 and 2 runs, none after. */
RC_TEST(run_periodic, nothing_runs_after_stop)
{
    run_periodic *rp = new_scheduler();
    counter c[2] = { { 0 }, { 0 } };
    double t0;

    add_job(rp, 1, &c[0]);
    add_job(rp, 1.5, &c[1]);
    t0 = start(rp);
    rc_sleep(3.25);
    rp_stop(rp);
    rc_sleep(6);
    check_runs(&c[0], t0, 1, 3, "a job stopped at 3.25 s (after rp_stop no fn may run)");
    check_runs(&c[1], t0, 1.5, 2, "a job stopped at 3.25 s (after rp_stop no fn may run)");
    rp_destroy(rp);
}

/* Two jobs every second; one cancelled at 2.5 s returns at once, never
 * runs again, and the other goes on at its deadlines. */
RC_TEST(run_periodic, cancel_stops_only_that_job)
{
    run_periodic *rp = new_scheduler();
    counter gone = { 0 }, kept = { 0 };
    double t0;
    int id, err;

    id = add_job(rp, 1, &gone);
    add_job(rp, 1, &kept);
    t0 = start(rp);
    rc_sleep(2.5);
    err = rp_cancel(rp, id);
    cr_assert_eq(err, 0, "rp_cancel of a running scheduler's job %d returned "
                 "%d, expected 0", id, err);
    cr_assert(rc_now() == t0 + 2.5, "rp_cancel of a job whose fn was not running took %g "
              "s, expected to return at once", rc_now() - t0 - 2.5);
    rc_sleep(6);
    err = rp_cancel(rp, id);
    cr_assert_eq(err, ENOENT, "cancelling job %d a second time returned %d, "
                 "expected ENOENT (%d)", id, err, ENOENT);
    rp_stop(rp);
    check_runs(&gone, t0, 1, 2, "a job cancelled at 2.5 s");
    check_runs(&kept, t0, 1, 8, "the job not cancelled (rp_cancel must not stop the "
               "others)");
    rp_destroy(rp);
}

/* Interval 2 s, each run takes 5 s: rp_cancel at 3 s, during the first run
 * (2 to 7), returns when it ends, at exactly 7 s; no run after. */
RC_TEST(run_periodic, cancel_waits_for_running_fn)
{
    run_periodic *rp = new_scheduler();
    counter c = { .work_s = 5 };
    double t0;
    int id, err;

    id = add_job(rp, 2, &c);
    t0 = start(rp);
    rc_sleep(3);
    err = rp_cancel(rp, id);
    cr_assert_eq(err, 0, "rp_cancel of job %d while its fn ran returned %d, "
                 "expected 0", id, err);
    cr_assert_eq(atomic_load(&c.in_fn), 0, "rp_cancel returned 0 while the "
                 "job's fn was still running: it must wait until that run "
                 "ends");
    cr_assert(rc_now() == t0 + 7, "rp_cancel called during a run that ends at 7 s "
              "returned at %g s, expected exactly when that run ended", rc_now() - t0);
    rc_sleep(6);
    rp_stop(rp);
    check_runs(&c, t0, 2, 1, "a job cancelled during its first run");
    rp_destroy(rp);
}

/* Interval 1 s, each run 1.5 s: runs at 1 (to 2.5) and 3 (to 4.5), the
 * deadline at 2 skipped; rp_destroy at 3.25 s, during the second run,
 * returns when it ends, at exactly 4.5 s. */
RC_TEST(run_periodic, destroy_without_stop)
{
    run_periodic *rp = new_scheduler();
    counter c = { .work_s = 1.5 };
    const double expected[2] = { 1, 3 };
    double t0;

    add_job(rp, 1, &c);
    t0 = start(rp);
    rc_sleep(3.25);
    rp_destroy(rp);
    cr_assert_eq(atomic_load(&c.in_fn), 0, "rp_destroy returned while a job's "
                 "fn was still running: it must stop the scheduler first");
    cr_assert(rc_now() == t0 + 4.5, "rp_destroy called during a run that ends at 4.5 s "
              "returned at %g s, expected exactly when that run ended", rc_now() - t0);
    rc_sleep(5);
    for (int k = 0; k < 2; k++)
        cr_assert(c.starts[k] == t0 + expected[k], "a job with an interval of 1 s whose "
                  "runs take 1.5 s: run %d started at %g s, expected exactly %g s", k + 1,
                  c.starts[k] - t0, expected[k]);
    cr_assert_eq(atomic_load(&c.runs), 2, "a job ran %d times, expected 2 (at 1 and 3 s) "
                 "before rp_destroy, and none after", atomic_load(&c.runs));
}

/*
 * A started scheduler whose next deadline is far away sleeps.  A loop
 * around a clock read, sched_yield or a trylock is the scheduler's
 * busy-wait verdict; one that sleeps a little between looks is caught by
 * counting scheduling points: in 100 s with no deadline, every design
 * makes a handful (the reference: 1), a loop that looks every second 100
 * or more.
 */
#define IDLE_MAX_STEPS 40

RC_TEST(run_periodic, no_busy_waiting)
{
    run_periodic *rp = new_scheduler();
    counter c = { 0 };
    unsigned long steps;

    add_job(rp, 3600, &c);
    add_job(rp, 10000, &c);
    start(rp);
    rc_sleep(1);
    steps = rc_sched_steps();
    rc_sleep(100);
    steps = rc_sched_steps() - steps;
    cr_assert(steps <= IDLE_MAX_STEPS, "while waiting 100 s for a deadline an hour away, "
              "the threads made %lu calls of pthread, clock or sleep functions (a sleeping "
              "scheduler makes a few): sleep in one timed wait until the deadline "
              "(pthread_cond_timedwait), do not wake up to look", steps);
    cr_assert(timed_stop(rp, "with intervals of an hour and no fn running") == 0,
              "rp_stop with no fn running did not return at once");
    rp_destroy(rp);
}

/* ---- error paths (fault injection, see fault_inject.h) ---------------- */

#define FAULT_MAX_K 64

/*
 * rp_create() with call k of `families` (named `what`) failing with `err`,
 * for k = 1, 2, ...: NULL with errno `err`, nothing left allocated and no
 * thread left, until k is past the last such call; then a scheduler.
 */
static void check_create_faults(unsigned families, const char *what, int err)
{
    for (unsigned long k = 1; k <= FAULT_MAX_K; k++) {
        long blocks = rc_fault_live_blocks(), threads = rc_fault_live_threads();
        unsigned long failed;
        run_periodic *rp;
        int saved;

        errno = 0;
        rc_fault_arm(families, k, err);
        rp = rp_create();
        saved = errno;
        failed = rc_fault_disarm();
        blocks = rc_fault_live_blocks() - blocks;
        threads = rc_fault_live_threads() - threads;
        if (failed == 0) {
            cr_assert_not_null(rp, "rp_create returned NULL (errno %d: %s), expected a new "
                               "scheduler", saved, strerror(saved));
            rp_destroy(rp);
            return;
        }
        cr_assert_null(rp, "rp_create returned a scheduler although call %lu of %s failed "
                       "with %s: return NULL with errno set", k, what, strerror(err));
        cr_assert_eq(saved, err, "rp_create returned NULL with errno %d (%s) when call %lu of "
                     "%s failed with %s: set errno to that error",
                     saved, strerror(saved), k, what, strerror(err));
        cr_assert_leq(blocks, 0, "rp_create returned NULL (call %lu of %s failed) without "
                      "freeing %ld block(s) it had allocated", k, what, blocks);
        cr_assert_eq(threads, 0, "rp_create returned NULL (call %lu of %s failed) with %ld "
                     "thread(s) it had started not joined", k, what, threads);
    }
}

RC_TEST(run_periodic, create_failure_returns_null)
{
    check_create_faults(RC_FAULT_ALLOC, "malloc/calloc/realloc", ENOMEM);
    check_create_faults(RC_FAULT_MUTEX | RC_FAULT_COND, "pthread_mutex_init/pthread_cond_init",
                        EAGAIN);
}

/* Static: a job that wrongly runs after its test failed writes here. */
static counter FAULT_A, FAULT_B;

/*
 * rp_start with its k-th pthread_create failing, for k = 1, 2, ...: it
 * returns the error, joins what it started, no job runs, and the
 * scheduler is left stopped (a second rp_start starts it).
 */
RC_TEST(run_periodic, start_failure_leaves_it_stopped)
{
    for (unsigned long k = 1; k <= FAULT_MAX_K; k++) {
        long threads0 = rc_fault_live_threads(), threads;
        run_periodic *rp = new_scheduler();
        unsigned long failed;
        int rc, runs;

        memset(&FAULT_A, 0, sizeof FAULT_A);
        add_job(rp, 5, &FAULT_A);
        threads = rc_fault_live_threads();
        rc_fault_arm(RC_FAULT_THREAD, k, EAGAIN);
        rc = rp_start(rp);
        failed = rc_fault_disarm();
        runs = atomic_load(&FAULT_A.runs);
        threads = rc_fault_live_threads() - threads;
        if (failed == 0) {
            cr_assert_eq(rc, 0, "rp_start returned %d (%s), expected 0", rc, strerror(rc));
            cr_assert(wait_for(&FAULT_A.runs, 1, 40), "a job every 5 s did not run within "
                      "40 s of rp_start");
            rp_destroy(rp);
            cr_assert_eq(rc_fault_live_threads(), threads0, "rp_destroy left %ld thread(s) "
                         "not joined", rc_fault_live_threads() - threads0);
            return;
        }
        cr_assert_eq(rc, EAGAIN, "rp_start returned %d (%s) when its pthread_create number "
                     "%lu failed with EAGAIN: return that error", rc, strerror(rc), k);
        cr_assert_eq(threads, 0, "rp_start failed (pthread_create number %lu) but left %ld "
                     "thread(s) it had started running: join them before returning the error",
                     k, threads);
        rc_sleep(8);
        cr_assert_eq(atomic_load(&FAULT_A.runs), runs, "a job ran after rp_start had failed "
                     "(pthread_create number %lu): a failed start leaves the scheduler stopped",
                     k);
        rc = rp_start(rp);
        cr_assert_eq(rc, 0, "rp_start after a failed rp_start returned %d (%s), expected 0: "
                     "a start that failed must leave the scheduler stopped, not started",
                     rc, strerror(rc));
        cr_assert(wait_for(&FAULT_A.runs, runs + 1, 40), "after a failed rp_start and a "
                  "successful one, a job every 5 s did not run within 40 s");
        rp_destroy(rp);
        cr_assert_eq(rc_fault_live_threads(), threads0, "rp_destroy left %ld thread(s) not "
                     "joined", rc_fault_live_threads() - threads0);
    }
}

/*
 * rp_add on a stopped scheduler (whose threads, if any, are idle) with
 * call k of `families` failing with `err`, for k = 1, 2, ...: -1 with
 * errno `err`, nothing allocated or started left behind, and once the
 * scheduler is started the other job runs and the refused one never does.
 */
static void check_add_faults(unsigned families, const char *what, int err)
{
    for (unsigned long k = 1; k <= FAULT_MAX_K; k++) {
        long threads0 = rc_fault_live_threads(), threads, blocks;
        run_periodic *rp = new_scheduler();
        unsigned long failed;
        int id, saved;

        memset(&FAULT_A, 0, sizeof FAULT_A);
        memset(&FAULT_B, 0, sizeof FAULT_B);
        add_job(rp, 2, &FAULT_A);
        threads = rc_fault_live_threads();
        blocks = rc_fault_live_blocks();
        errno = 0;
        rc_fault_arm(families, k, err);
        id = rp_add(rp, 2, count_run, &FAULT_B);
        saved = errno;
        failed = rc_fault_disarm();
        threads = rc_fault_live_threads() - threads;
        blocks = rc_fault_live_blocks() - blocks;
        if (failed == 0) {
            cr_assert_geq(id, 0, "rp_add returned %d (errno %d: %s), expected a job id",
                          id, saved, strerror(saved));
            rp_destroy(rp);
            return;
        }
        cr_assert_eq(id, -1, "rp_add returned %d although call %lu of %s failed with %s: "
                     "return -1 with errno set", id, k, what, strerror(err));
        cr_assert_eq(saved, err, "rp_add returned -1 with errno %d (%s) when call %lu of %s "
                     "failed with %s: set errno to that error",
                     saved, strerror(saved), k, what, strerror(err));
        cr_assert_eq(threads, 0, "rp_add failed (call %lu of %s) but left %ld thread(s) it had "
                     "started", k, what, threads);
        cr_assert_leq(blocks, 0, "rp_add failed (call %lu of %s) without freeing %ld block(s) "
                      "it had allocated", k, what, blocks);
        start(rp);
        cr_assert(wait_for(&FAULT_A.runs, 3, 40), "after a failed rp_add, the job added "
                  "before it did not run 3 times within 40 s of rp_start");
        cr_assert_eq(atomic_load(&FAULT_B.runs), 0, "the job whose rp_add failed (call %lu "
                     "of %s) ran: a refused job must never run", k, what);
        rp_destroy(rp);
        cr_assert_eq(rc_fault_live_threads(), threads0, "rp_destroy left %ld thread(s) not "
                     "joined", rc_fault_live_threads() - threads0);
    }
}

RC_TEST(run_periodic, add_failure_returns_minus_one)
{
    check_add_faults(RC_FAULT_ALLOC, "malloc/calloc/realloc", ENOMEM);
    check_add_faults(RC_FAULT_THREAD, "pthread_create", EAGAIN);
    /* ENOMEM, which the header documents, is also an error of *_init. */
    check_add_faults(RC_FAULT_MUTEX | RC_FAULT_COND, "pthread_mutex_init/pthread_cond_init",
                     ENOMEM);
}
