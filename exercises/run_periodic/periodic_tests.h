/*
 * periodic_tests.h - what the public and the hidden tests of run_periodic
 * share: a new scheduler and a new job, each checked as it is made, so
 * that a test fails with a plain message where rp_create or rp_add does,
 * and rp_stop on a thread of its own, so that a stop that hangs fails a
 * test instead of hanging it.
 *
 * The file of tests that includes it defines count_run, the job's fn (it
 * counts the runs in `arg`).  Included once, by the file of tests
 * (public_tests.c, or the hidden tests when your instructor grades);
 * nothing here is for your code.
 */
#ifndef PERIODIC_TESTS_H
#define PERIODIC_TESTS_H

#include "racecourse_test.h"
#include "run_periodic.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

/* The job's fn: counts its runs in `arg` (defined by the file of tests). */
static void count_run(void *arg);

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

/* Adds count_run(arg) every `interval_units`; returns its id (>= 0). */
static inline int add_job(run_periodic *rp, double interval_units, void *arg)
{
    int id;

    errno = 0;
    id = rp_add(rp, interval_units * rc_unit(), count_run, arg);
    cr_assert_geq(id, 0, "rp_add(rp, %g s, fn, arg) returned %d (errno %d: "
                  "%s), expected a job id >= 0", interval_units * rc_unit(),
                  id, errno, strerror(errno));
    return id;
}

/* rp_stop on a helper thread, so that a stop that hangs fails the test
 * quickly instead of waiting for the test timeout. */
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

#endif /* PERIODIC_TESTS_H */
