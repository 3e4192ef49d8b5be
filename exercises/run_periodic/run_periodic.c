/*
 * run_periodic.c - your cron-like scheduler.  See run_periodic.h for what
 * each function must do and README.md for the task and hints.
 *
 * Every function below is a stub that reports "not implemented" (ENOSYS),
 * so this file compiles and scores 0.  Replace the stubs.  Run
 * `make check EX=run_periodic` to try the public tests and the race check.
 */
#include "run_periodic.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/*
 * TODO: describe a job.  It needs at least its id, interval, fn and arg,
 * the time its deadlines count from (its t0) and its next deadline, and
 * whatever tells you whether it is running right now.
 */

struct run_periodic {
    /*
     * TODO: your scheduler's state: a mutex protecting the job list, a
     * condition variable the scheduler sleeps on (create it with
     * pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) so that a timed
     * wait uses the same clock as your deadlines), whether it is started,
     * its thread(s), and the next job id.
     */
    int not_done;
};

run_periodic *rp_create(void)
{
    /* TODO: allocate, initialise the mutex and condition variables. */
    errno = ENOSYS;
    return NULL;
}

int rp_add(run_periodic *rp, double interval_s, periodic_fn fn, void *arg)
{
    /*
     * TODO: check the arguments (isfinite() from <math.h> is handy), give
     * the job a new id, link it in under the mutex.  If the scheduler is
     * started, the job's t0 is now; wake the scheduler, since this job's
     * first deadline may be the earliest.
     */
    (void)rp;
    (void)interval_s;
    (void)fn;
    (void)arg;
    errno = ENOSYS;
    return -1;
}

int rp_cancel(run_periodic *rp, int job)
{
    /*
     * TODO: find and unlink the job under the mutex (ENOENT if it is not
     * there), then make sure its fn is not running before you return and
     * cannot run again.
     */
    (void)rp;
    (void)job;
    return ENOSYS;
}

int rp_start(run_periodic *rp)
{
    /*
     * TODO: EALREADY if started.  Set every job's t0 to now, then start
     * the thread that sleeps until the earliest deadline (a timed wait on
     * your condition variable, never a polling loop) and hands each due
     * run to a thread that is not busy with another job.
     */
    (void)rp;
    return ENOSYS;
}

void rp_stop(run_periodic *rp)
{
    /*
     * TODO: tell the scheduler to end AND wake it (it may be asleep until
     * a deadline hours away), wait for functions that are running, join
     * the scheduler's thread(s).  A second call does nothing.
     */
    (void)rp;
}

void rp_destroy(run_periodic *rp)
{
    /* TODO: stop, then free every job and the scheduler itself. */
    (void)rp;
}
