/*
 * DESIGN thread_per_job.c - a correct run_periodic on another plan than
 * the reference's.
 *
 * Design: no scheduler thread.  While the scheduler is started, every job
 * has a thread of its own that sleeps until the job's next deadline in a
 * timed wait on ONE condition variable shared by all (CLOCK_MONOTONIC),
 * runs fn itself, and works out its next deadline from t0.  rp_start
 * creates the job threads, rp_stop tells them to quit and joins them
 * (which waits for the runs in progress); rp_add on a started scheduler
 * and rp_cancel create or join one job's thread.
 */
#include "run_periodic.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#define MAX_WAIT_S 3600.0       /* longest single sleep */

enum rp_state { STOPPED, STARTED, STOPPING };

typedef struct job {
    run_periodic *rp;
    int id;
    double interval_s;
    periodic_fn fn;
    void *arg;
    double base, due;           /* t0, and the next deadline */
    bool has_thread;            /* under lock: `thread` runs this job */
    bool quit;                  /* under lock: the thread must end */
    pthread_t thread;
    struct job *next;           /* the scheduler's list */
    struct job *next_to_join;   /* rp_stop's own list */
} job;

struct run_periodic {
    pthread_mutex_t lock;       /* guards everything */
    pthread_cond_t wake;        /* CLOCK_MONOTONIC: job threads sleep here */
    pthread_cond_t changed;     /* a stop finished */
    enum rp_state state;
    job *jobs;
    int next_id;
};

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, double at)
{
    struct timespec t;
    double whole = floor(at);

    t.tv_sec = (time_t)whole;
    t.tv_nsec = (long)((at - whole) * 1e9);
    if (t.tv_nsec > 999999999L)
        t.tv_nsec = 999999999L;
    pthread_cond_timedwait(cond, lock, &t);
}

/* The first deadline base + k * interval (k >= 1) after `now`. */
static double deadline_after(const job *j, double now)
{
    double k = floor((now - j->base) / j->interval_s) + 1.0;
    double due;

    if (k < 1.0)
        k = 1.0;
    due = j->base + k * j->interval_s;
    if (due <= now)
        due += j->interval_s;
    return due;
}

static void *job_main(void *arg)
{
    job *j = arg;
    run_periodic *rp = j->rp;

    pthread_mutex_lock(&rp->lock);
    while (!j->quit) {
        double now = now_s();

        if (now < j->due) {
            double until = j->due < now + MAX_WAIT_S ? j->due : now + MAX_WAIT_S;

            wait_until(&rp->wake, &rp->lock, until);
            continue;
        }
        pthread_mutex_unlock(&rp->lock);
        j->fn(j->arg);          /* fn, arg and interval never change */
        pthread_mutex_lock(&rp->lock);
        /* Deadlines that passed during the run are skipped. */
        j->due = deadline_after(j, now_s());
    }
    pthread_mutex_unlock(&rp->lock);
    return NULL;
}

/* Starts j's thread with t0 = `t0` (lock held). */
static int job_launch(job *j, double t0)
{
    int err;

    j->base = t0;
    j->due = t0 + j->interval_s;
    j->quit = false;
    err = pthread_create(&j->thread, NULL, job_main, j);
    j->has_thread = err == 0;
    return err;
}

/* Tells the threads on the `to_join` list to quit and joins them (lock not
 * held; the jobs stay allocated because cancels wait while STOPPING). */
static void join_threads(run_periodic *rp, job *to_join)
{
    pthread_mutex_lock(&rp->lock);
    for (job *j = to_join; j; j = j->next_to_join)
        j->quit = true;
    pthread_cond_broadcast(&rp->wake);
    pthread_mutex_unlock(&rp->lock);
    for (job *j = to_join; j; j = j->next_to_join)
        if (pthread_join(j->thread, NULL) != 0)
            abort();
    pthread_mutex_lock(&rp->lock);
    for (job *j = to_join; j; j = j->next_to_join)
        j->has_thread = false;
    pthread_mutex_unlock(&rp->lock);
}

run_periodic *rp_create(void)
{
    run_periodic *rp = calloc(1, sizeof *rp);
    pthread_condattr_t attr;
    int err;

    if (!rp)
        return NULL;
    err = pthread_mutex_init(&rp->lock, NULL);
    if (err)
        goto fail_lock;
    err = pthread_condattr_init(&attr);
    if (err)
        goto fail_attr;
    err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (!err)
        err = pthread_cond_init(&rp->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (err)
        goto fail_attr;
    err = pthread_cond_init(&rp->changed, NULL);
    if (err)
        goto fail_changed;
    rp->state = STOPPED;
    return rp;

fail_changed:
    pthread_cond_destroy(&rp->wake);
fail_attr:
    pthread_mutex_destroy(&rp->lock);
fail_lock:
    free(rp);
    errno = err;
    return NULL;
}

int rp_add(run_periodic *rp, double interval_s, periodic_fn fn, void *arg)
{
    job *j;
    int id, err = 0;

    if (!rp || !fn || !isfinite(interval_s) || interval_s <= 0) {
        errno = EINVAL;
        return -1;
    }
    j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    *j = (job){ .rp = rp, .interval_s = interval_s, .fn = fn, .arg = arg };

    pthread_mutex_lock(&rp->lock);
    if (rp->next_id == INT_MAX)
        err = EOVERFLOW;
    else if (rp->state == STARTED)
        err = job_launch(j, now_s());   /* t0 is now */
    if (err) {
        pthread_mutex_unlock(&rp->lock);
        free(j);
        errno = err;
        return -1;
    }
    id = j->id = rp->next_id++;
    j->next = rp->jobs;
    rp->jobs = j;
    pthread_mutex_unlock(&rp->lock);
    return id;
}

int rp_cancel(run_periodic *rp, int id)
{
    job **link, *j;

    if (!rp)
        return EINVAL;
    pthread_mutex_lock(&rp->lock);
    while (rp->state == STOPPING)       /* rp_stop owns the threads now */
        pthread_cond_wait(&rp->changed, &rp->lock);
    for (link = &rp->jobs; *link && (*link)->id != id; link = &(*link)->next)
        ;
    j = *link;
    if (j)
        *link = j->next;
    pthread_mutex_unlock(&rp->lock);
    if (!j)
        return ENOENT;
    j->next_to_join = NULL;
    if (j->has_thread)          /* ours alone once unlinked */
        join_threads(rp, j);
    free(j);
    return 0;
}

int rp_start(run_periodic *rp)
{
    job *started = NULL;
    double t0;
    int err = 0;

    if (!rp)
        return EINVAL;
    pthread_mutex_lock(&rp->lock);
    while (rp->state == STOPPING)
        pthread_cond_wait(&rp->changed, &rp->lock);
    if (rp->state == STARTED) {
        pthread_mutex_unlock(&rp->lock);
        return EALREADY;
    }
    t0 = now_s();
    for (job *j = rp->jobs; j; j = j->next) {
        err = job_launch(j, t0);
        if (err)
            break;
        j->next_to_join = started;
        started = j;
    }
    if (!err) {
        rp->state = STARTED;
        pthread_mutex_unlock(&rp->lock);
        return 0;
    }
    /* Undo: the threads already started quit before anything runs. */
    rp->state = STOPPING;
    pthread_mutex_unlock(&rp->lock);
    join_threads(rp, started);
    pthread_mutex_lock(&rp->lock);
    rp->state = STOPPED;
    pthread_cond_broadcast(&rp->changed);
    pthread_mutex_unlock(&rp->lock);
    return err;
}

void rp_stop(run_periodic *rp)
{
    job *to_join = NULL;

    if (!rp)
        return;
    pthread_mutex_lock(&rp->lock);
    while (rp->state == STOPPING)
        pthread_cond_wait(&rp->changed, &rp->lock);
    if (rp->state == STOPPED) {
        pthread_mutex_unlock(&rp->lock);
        return;
    }
    rp->state = STOPPING;
    for (job *j = rp->jobs; j; j = j->next)
        if (j->has_thread) {
            j->next_to_join = to_join;
            to_join = j;
        }
    pthread_mutex_unlock(&rp->lock);

    join_threads(rp, to_join);

    pthread_mutex_lock(&rp->lock);
    rp->state = STOPPED;
    pthread_cond_broadcast(&rp->changed);
    pthread_mutex_unlock(&rp->lock);
}

void rp_destroy(run_periodic *rp)
{
    if (!rp)
        return;
    rp_stop(rp);
    while (rp->jobs) {
        job *next = rp->jobs->next;

        free(rp->jobs);
        rp->jobs = next;
    }
    pthread_cond_destroy(&rp->changed);
    pthread_cond_destroy(&rp->wake);
    pthread_mutex_destroy(&rp->lock);
    free(rp);
}
