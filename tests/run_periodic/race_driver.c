/*
 * race_driver.c - run_periodic under Helgrind: jobs added, run, cancelled
 * and the scheduler stopped and started, from several threads at once.
 *
 * Three adder threads each add short-interval jobs to one started
 * scheduler (all three at the same moment: a barrier starts each round),
 * let them run a few times, cancel them and read what the job's fn wrote
 * (rp_cancel promises that fn is over, so that read must be ordered after
 * the fn's writes).  A fourth thread stops and starts the scheduler
 * meanwhile, and two jobs live through it all.  Each fn holds on for a
 * moment (a short sleep) so that runs, adds, cancels and stops overlap.
 * An adder cancels its job while a run of it is under way (the fn says
 * when it has started, then holds on for 20 ms before it writes): an
 * rp_cancel that does not wait for that run is seen on every run of the
 * driver, not only when the scheduler happens to be in the fn.
 *
 * Exits with RC_EXIT_PASSED when it ran to the end and every call
 * returned what the header promises; 1 (with a message) otherwise;
 * RC_EXIT_STUCK when a call never returns (rc_watchdog_start).
 */
#include "racecourse_test.h"
#include "run_periodic.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#define ADDERS 3
#define ROUNDS 6
#define RESTARTS 4
#define MAX_IDS (2 + ADDERS * ROUNDS)

typedef struct job_data {
    int runs;               /* written by the job's fn only */
    double hold_s;          /* each run holds on this long before it writes */
    bool started;           /* a run has started (under started_lock) */
} job_data;

static run_periodic *rp;
static job_data adder_data[ADDERS][ROUNDS];
static job_data lasting_data[2];
static job_data last_run_data;  /* a run still going when rp_stop is called */
static int ids[MAX_IDS];    /* a slot per rp_add, checked at the end */
static int adder_runs[ADDERS];
static pthread_barrier_t round_start;   /* adders add at the same moment */
static pthread_mutex_t started_lock = PTHREAD_MUTEX_INITIALIZER;

static void job_fn(void *arg)
{
    job_data *data = arg;

    /* Says "started" before the write, so it orders nothing of it. */
    pthread_mutex_lock(&started_lock);
    data->started = true;
    pthread_mutex_unlock(&started_lock);
    rc_sleep(data->hold_s);     /* overlap point: runs take a moment */
    data->runs++;
}

/* Waits (2 s at most) until a run of the job `data` has started. */
static void wait_for_a_run(job_data *data)
{
    bool started = false;

    for (int i = 0; i < 2000 && !started; i++) {
        pthread_mutex_lock(&started_lock);
        started = data->started;
        pthread_mutex_unlock(&started_lock);
        if (!started)
            rc_sleep(0.001);
    }
}

static void *adder_main(void *arg)
{
    int me = (int)(long)arg;

    rc_thread_name("adder", me + 1);
    for (int round = 0; round < ROUNDS; round++) {
        job_data *data = &adder_data[me][round];
        int id, err;

        pthread_barrier_wait(&round_start);
        id = RC_CALL(rp_add(rp, 0.001 * (1 + me), job_fn, data));

        ids[2 + me * ROUNDS + round] = id;
        if (id < 0) {
            rc_driver_fail("rp_add of a valid job failed (got %d)", errno);
            return (void *)1;
        }
        rc_sleep(0.004);
        wait_for_a_run(data);
        err = RC_CALL(rp_cancel(rp, id));
        if (err != 0) {
            rc_driver_fail("rp_cancel of a job just added did not return 0 (got %d)", err);
            return (void *)1;
        }
        adder_runs[me] += data->runs;   /* fn is over: no race with it */
        err = RC_CALL(rp_cancel(rp, id));
        if (err != ENOENT) {
            rc_driver_fail("a second rp_cancel did not return ENOENT (got %d)", err);
            return (void *)1;
        }
    }
    return NULL;
}

static void *restarter_main(void *arg)
{
    (void)arg;
    rc_thread_name("the thread that stops and restarts the scheduler", -1);
    for (int i = 0; i < RESTARTS; i++) {
        int err;

        rc_sleep(0.005);
        RC_DO(rp_stop(rp));
        rc_sleep(0.001);
        err = RC_CALL(rp_start(rp));
        if (err != 0) {
            rc_driver_fail("rp_start after rp_stop did not return 0 (got %d)", err);
            return (void *)1;
        }
    }
    return NULL;
}

int main(void)
{
    pthread_t adders[ADDERS], restarter;
    void *result;
    int failed = 0;

    rc_thread_name("main", -1);
    if (rc_watchdog_start() != 0) {
        fprintf(stderr, "race driver: cannot start the watchdog thread\n");
        return 2;
    }
    for (int i = 0; i < 2; i++)
        lasting_data[i].hold_s = 0.0003;
    for (int a = 0; a < ADDERS; a++)
        for (int r = 0; r < ROUNDS; r++)
            adder_data[a][r].hold_s = 0.02;
    rp = RC_CALL(rp_create());
    if (!rp) {
        rc_driver_fail("rp_create returned NULL (got %d)", errno);
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        ids[i] = RC_CALL(rp_add(rp, 0.002, job_fn, &lasting_data[i]));
        if (ids[i] < 0) {
            rc_driver_fail("rp_add of a valid job failed (got %d)", errno);
            return 1;
        }
    }
    if (RC_CALL(rp_start(rp)) != 0) {
        rc_driver_fail("rp_start did not return 0 (got %d)", -1);
        return 1;
    }
    pthread_barrier_init(&round_start, NULL, ADDERS);

    for (long i = 0; i < ADDERS; i++)
        pthread_create(&adders[i], NULL, adder_main, (void *)i);
    pthread_create(&restarter, NULL, restarter_main, NULL);
    for (int i = 0; i < ADDERS; i++) {
        pthread_join(adders[i], &result);
        failed |= result != NULL;
    }
    pthread_join(restarter, &result);
    failed |= result != NULL;

    /* rp_stop is called while a run of a job lasts 0.05 s, on every run of
     * the driver: a stop that does not wait for it returns before the run
     * writes, and the reads below race with that write every time. */
    last_run_data.hold_s = 0.05;
    if (RC_CALL(rp_add(rp, 0.001, job_fn, &last_run_data)) < 0) {
        rc_driver_fail("rp_add of a valid job failed (got %d)", errno);
        return 1;
    }
    wait_for_a_run(&last_run_data);
    RC_DO(rp_stop(rp));
    RC_DO(rp_stop(rp));
    /* After rp_stop no fn runs: reading what the jobs wrote is safe. */
    printf("race driver: lasting jobs ran %d and %d times, adders' jobs %d, "
           "%d and %d times, the last job %d times\n", lasting_data[0].runs,
           lasting_data[1].runs, adder_runs[0], adder_runs[1], adder_runs[2],
           last_run_data.runs);
    RC_DO(rp_destroy(rp));
    pthread_barrier_destroy(&round_start);

    for (int i = 0; i < MAX_IDS; i++)
        for (int j = 0; j < i; j++)
            if (ids[i] == ids[j] && ids[i] >= 0) {
                rc_driver_fail("rp_add gave the same id twice (got %d)", ids[i]);
                failed = 1;
            }
    return failed ? 1 : RC_EXIT_PASSED;
}
