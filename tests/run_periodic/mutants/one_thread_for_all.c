/*
 * mutant one_thread_for_all: the scheduler thread calls each due job's fn
 * itself instead of handing it to the job's worker, so a slow fn holds up
 * every other job (the workers are created but never get work).
 * Caught by: slow_job_does_not_delay_others (the fast job runs about 3
 * times instead of 12); it also breaks cancel during a run.
 * Grade varies: the race check (Helgrind sees the unordered calls of fn on some runs only)
 */
#include "run_periodic.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* Longest single sleep of the scheduler; it just goes round again after
 * it.  Keeps huge intervals (1e300 s) from overflowing a timespec. */
#define MAX_WAIT_S 3600.0

enum job_state {
    JOB_IDLE,       /* waiting for its next deadline */
    JOB_DUE,        /* deadline reached; its worker is about to run fn */
    JOB_RUNNING,    /* its worker is inside fn */
};

enum rp_state {
    RP_STOPPED,     /* no scheduler thread */
    RP_RUNNING,     /* the scheduler thread runs the jobs */
    RP_STOPPING,    /* rp_stop is waiting for runs and the scheduler to end */
};

typedef struct rp_job {
    run_periodic *rp;
    int id;
    double interval_s;
    periodic_fn fn;
    void *arg;
    double base;            /* the job's t0: the start, or the add */
    double due;             /* next deadline: base + k * interval_s */
    enum job_state state;
    bool quit;              /* set when cancelled: the worker must end */
    pthread_cond_t wake;    /* the worker waits here */
    pthread_t worker;
    struct rp_job *next;
} rp_job;

struct run_periodic {
    pthread_mutex_t lock;   /* protects every field below and all jobs */
    pthread_cond_t tick;    /* wakes the scheduler (CLOCK_MONOTONIC) */
    pthread_cond_t changed; /* a run ended, or a stop finished */
    enum rp_state state;
    pthread_t scheduler;
    rp_job *jobs;           /* the job list, in no particular order */
    int next_id;            /* ids are handed out in order, never reused */
    int running;            /* functions running now, all jobs together */
};

/* Seconds on CLOCK_MONOTONIC. */
static double mono_now(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Waits on `cond` until `deadline` (seconds on CLOCK_MONOTONIC), a signal
 * or a spurious wakeup; callers check their condition again anyway. */
static void wait_until(pthread_cond_t *cond, pthread_mutex_t *lock,
                       double deadline)
{
    struct timespec until;

    until.tv_sec = (time_t)deadline;
    until.tv_nsec = (long)((deadline - (double)until.tv_sec) * 1e9);
    if (until.tv_nsec < 0)
        until.tv_nsec = 0;
    if (until.tv_nsec > 999999999)
        until.tv_nsec = 999999999;
    pthread_cond_timedwait(cond, lock, &until);
}

/* The first deadline base + k * interval_s (k >= 1) that is after `now`. */
static double next_deadline(const rp_job *job, double now)
{
    double k = floor((now - job->base) / job->interval_s) + 1.0;
    double due;

    if (k < 1.0)
        k = 1.0;
    due = job->base + k * job->interval_s;
    if (due <= now)             /* rounding: make sure it is in the future */
        due += job->interval_s;
    return due;
}

/* A job's worker: runs fn each time the scheduler marks the job due. */
static void *worker_main(void *arg)
{
    rp_job *job = arg;
    run_periodic *rp = job->rp;

    pthread_mutex_lock(&rp->lock);
    for (;;) {
        while (!job->quit && job->state != JOB_DUE)
            pthread_cond_wait(&job->wake, &rp->lock);
        if (job->quit)
            break;
        job->state = JOB_RUNNING;
        rp->running++;
        pthread_mutex_unlock(&rp->lock);

        job->fn(job->arg);      /* fn and arg never change: no lock needed */

        pthread_mutex_lock(&rp->lock);
        job->state = JOB_IDLE;
        rp->running--;
        pthread_cond_broadcast(&rp->changed);
    }
    pthread_mutex_unlock(&rp->lock);
    return NULL;
}

/* The scheduler: sleeps until the earliest deadline, marks due jobs. */
static void *scheduler_main(void *arg)
{
    run_periodic *rp = arg;

    pthread_mutex_lock(&rp->lock);
    while (rp->state == RP_RUNNING) {
        double now = mono_now();
        double earliest = now + MAX_WAIT_S;

        for (rp_job *job = rp->jobs; job; job = job->next) {
            if (job->due <= now) {
                /* A job still busy with its previous run skips this
                 * deadline: runs of one job never overlap. */
                job->due = next_deadline(job, now);
                if (job->state == JOB_IDLE) {
                    /* BUG: runs fn on the scheduler thread */
                    job->state = JOB_RUNNING;
                    rp->running++;
                    pthread_mutex_unlock(&rp->lock);
                    job->fn(job->arg);
                    pthread_mutex_lock(&rp->lock);
                    job->state = JOB_IDLE;
                    rp->running--;
                    pthread_cond_broadcast(&rp->changed);
                }
            }
            if (job->due < earliest)
                earliest = job->due;
        }
        wait_until(&rp->tick, &rp->lock, earliest);
    }
    pthread_mutex_unlock(&rp->lock);
    return NULL;
}

/* Tells the worker of an unlinked job to end, joins it and frees the job.
 * Returns once the job's function is not running (join waits for it). */
static void job_finish(rp_job *job)
{
    run_periodic *rp = job->rp;

    pthread_mutex_lock(&rp->lock);
    job->quit = true;
    pthread_cond_signal(&job->wake);
    pthread_mutex_unlock(&rp->lock);

    pthread_join(job->worker, NULL);
    pthread_cond_destroy(&job->wake);
    free(job);
}

run_periodic *rp_create(void)
{
    run_periodic *rp = calloc(1, sizeof *rp);
    pthread_condattr_t attr;
    int err;

    if (!rp)
        return NULL;            /* calloc set errno to ENOMEM */
    err = pthread_mutex_init(&rp->lock, NULL);
    if (err)
        goto fail_mutex;
    err = pthread_condattr_init(&attr);
    if (err)
        goto fail_attr;
    err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (!err)
        err = pthread_cond_init(&rp->tick, &attr);
    pthread_condattr_destroy(&attr);
    if (err)
        goto fail_attr;
    err = pthread_cond_init(&rp->changed, NULL);
    if (err)
        goto fail_changed;
    rp->state = RP_STOPPED;
    return rp;

fail_changed:
    pthread_cond_destroy(&rp->tick);
fail_attr:
    pthread_mutex_destroy(&rp->lock);
fail_mutex:
    free(rp);
    errno = err;
    return NULL;
}

int rp_add(run_periodic *rp, double interval_s, periodic_fn fn, void *arg)
{
    rp_job *job;
    int id, err;

    if (!rp || !fn || !isfinite(interval_s) || interval_s <= 0) {
        errno = EINVAL;
        return -1;
    }
    job = calloc(1, sizeof *job);
    if (!job)
        return -1;              /* calloc set errno to ENOMEM */
    job->rp = rp;
    job->interval_s = interval_s;
    job->fn = fn;
    job->arg = arg;
    job->state = JOB_IDLE;
    err = pthread_cond_init(&job->wake, NULL);
    if (err) {
        free(job);
        errno = err;
        return -1;
    }

    pthread_mutex_lock(&rp->lock);
    if (rp->next_id == INT_MAX) {
        err = EOVERFLOW;
        goto fail_locked;
    }
    /* The worker blocks on rp->lock until we unlock: it sees a complete
     * job. */
    err = pthread_create(&job->worker, NULL, worker_main, job);
    if (err)
        goto fail_locked;
    id = job->id = rp->next_id++;
    if (rp->state == RP_RUNNING) {
        /* Added to a running scheduler: t0 is now. */
        job->base = mono_now();
        job->due = job->base + interval_s;
    }                           /* else rp_start sets base and due */
    job->next = rp->jobs;
    rp->jobs = job;
    /* The new deadline may come before the one the scheduler sleeps
     * towards. */
    pthread_cond_signal(&rp->tick);
    pthread_mutex_unlock(&rp->lock);
    return id;                  /* not job->id: it may be cancelled by now */

fail_locked:
    pthread_mutex_unlock(&rp->lock);
    pthread_cond_destroy(&job->wake);
    free(job);
    errno = err;
    return -1;
}

int rp_cancel(run_periodic *rp, int id)
{
    rp_job **link;
    rp_job *job;

    if (!rp)
        return EINVAL;
    pthread_mutex_lock(&rp->lock);
    for (link = &rp->jobs; *link && (*link)->id != id; link = &(*link)->next)
        ;
    job = *link;
    if (job)
        *link = job->next;      /* from now on the job is ours alone */
    pthread_mutex_unlock(&rp->lock);

    if (!job)
        return ENOENT;
    /* The scheduler may still sleep towards this job's deadline; it wakes,
     * finds nothing due and sleeps again.  No need to wake it. */
    job_finish(job);
    return 0;
}

int rp_start(run_periodic *rp)
{
    double t0;
    int err;

    if (!rp)
        return EINVAL;
    pthread_mutex_lock(&rp->lock);
    while (rp->state == RP_STOPPING)    /* let a stop in progress finish */
        pthread_cond_wait(&rp->changed, &rp->lock);
    if (rp->state == RP_RUNNING) {
        pthread_mutex_unlock(&rp->lock);
        return EALREADY;
    }
    t0 = mono_now();
    for (rp_job *job = rp->jobs; job; job = job->next) {
        job->base = t0;
        job->due = t0 + job->interval_s;
    }
    /* The scheduler blocks on rp->lock until we unlock: it sees
     * RP_RUNNING. */
    err = pthread_create(&rp->scheduler, NULL, scheduler_main, rp);
    if (!err)
        rp->state = RP_RUNNING;
    pthread_mutex_unlock(&rp->lock);
    return err;
}

void rp_stop(run_periodic *rp)
{
    if (!rp)
        return;
    pthread_mutex_lock(&rp->lock);
    while (rp->state == RP_STOPPING)    /* another rp_stop is at work */
        pthread_cond_wait(&rp->changed, &rp->lock);
    if (rp->state == RP_STOPPED) {
        pthread_mutex_unlock(&rp->lock);
        return;
    }
    rp->state = RP_STOPPING;
    pthread_cond_signal(&rp->tick);     /* wake the scheduler: it ends */
    /* Runs marked due but not begun will not begin. */
    for (rp_job *job = rp->jobs; job; job = job->next)
        if (job->state == JOB_DUE)
            job->state = JOB_IDLE;
    while (rp->running > 0)             /* runs in progress end first */
        pthread_cond_wait(&rp->changed, &rp->lock);
    pthread_mutex_unlock(&rp->lock);

    pthread_join(rp->scheduler, NULL);

    pthread_mutex_lock(&rp->lock);
    rp->state = RP_STOPPED;
    pthread_cond_broadcast(&rp->changed);
    pthread_mutex_unlock(&rp->lock);
}

void rp_destroy(run_periodic *rp)
{
    rp_job *jobs;

    if (!rp)
        return;
    rp_stop(rp);
    pthread_mutex_lock(&rp->lock);
    jobs = rp->jobs;
    rp->jobs = NULL;
    pthread_mutex_unlock(&rp->lock);
    while (jobs) {
        rp_job *next = jobs->next;

        job_finish(jobs);
        jobs = next;
    }
    pthread_cond_destroy(&rp->changed);
    pthread_cond_destroy(&rp->tick);
    pthread_mutex_destroy(&rp->lock);
    free(rp);
}
