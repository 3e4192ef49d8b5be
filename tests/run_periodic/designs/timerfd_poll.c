/*
 * DESIGN timerfd_poll.c - a correct run_periodic on another plan than the
 * reference's.
 *
 * Design: the scheduler thread sleeps in poll() on two descriptors: a
 * timerfd (CLOCK_MONOTONIC, armed with the earliest deadline as an
 * absolute time) and an eventfd that rp_add and rp_stop write to wake it.
 * Each job has a worker thread that waits on a POSIX semaphore, posted by
 * the scheduler when the job is due; one condition variable lets rp_stop
 * wait for the runs in progress.
 */
#define _GNU_SOURCE
#include "run_periodic.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_WAIT_S 3600.0

enum job_state { IDLE, DUE, RUNNING };
enum rp_state { STOPPED, STARTED, STOPPING };

typedef struct job {
    run_periodic *rp;
    int id;
    double interval_s;
    periodic_fn fn;
    void *arg;
    double base, due;           /* under lock: t0 and the next deadline */
    enum job_state state;       /* under lock */
    bool quit;                  /* under lock: the worker must end */
    sem_t go;                   /* posted when due or told to quit */
    pthread_t worker;
    struct job *next;
} job;

struct run_periodic {
    pthread_mutex_t lock;       /* guards all fields and jobs' fields */
    pthread_cond_t changed;     /* a run ended, or a stop finished */
    enum rp_state state;
    int timer_fd;               /* the earliest deadline */
    int wake_fd;                /* an eventfd: "look again" */
    pthread_t scheduler;
    job *jobs;
    int next_id;
    int running;                /* runs in progress */
};

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

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

static void wake_scheduler(run_periodic *rp)
{
    eventfd_write(rp->wake_fd, 1);
}

/* Arms the timerfd for `at` (seconds on CLOCK_MONOTONIC, > 0). */
static void arm(run_periodic *rp, double at)
{
    struct itimerspec spec = { { 0, 0 }, { 0, 0 } };
    double whole = floor(at);

    spec.it_value.tv_sec = (time_t)whole;
    spec.it_value.tv_nsec = (long)((at - whole) * 1e9);
    if (spec.it_value.tv_nsec > 999999999L)
        spec.it_value.tv_nsec = 999999999L;
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
        spec.it_value.tv_nsec = 1;      /* 0 would disarm it */
    timerfd_settime(rp->timer_fd, TFD_TIMER_ABSTIME, &spec, NULL);
}

static void *worker_main(void *arg)
{
    job *j = arg;
    run_periodic *rp = j->rp;

    for (;;) {
        while (sem_wait(&j->go) != 0)
            ;
        pthread_mutex_lock(&rp->lock);
        if (j->quit)
            break;
        if (j->state != DUE) {          /* un-marked by rp_stop */
            pthread_mutex_unlock(&rp->lock);
            continue;
        }
        j->state = RUNNING;
        rp->running++;
        pthread_mutex_unlock(&rp->lock);

        j->fn(j->arg);

        pthread_mutex_lock(&rp->lock);
        j->state = IDLE;
        rp->running--;
        pthread_cond_broadcast(&rp->changed);
        pthread_mutex_unlock(&rp->lock);
    }
    pthread_mutex_unlock(&rp->lock);
    return NULL;
}

/* Marks the due jobs; returns the earliest next deadline (lock held). */
static double mark_due(run_periodic *rp)
{
    double now = now_s();
    double earliest = now + MAX_WAIT_S;

    for (job *j = rp->jobs; j; j = j->next) {
        if (j->due <= now) {
            if (j->state == IDLE) {     /* a busy job skips this deadline */
                j->state = DUE;
                sem_post(&j->go);
            }
            j->due = deadline_after(j, now);
        }
        if (j->due < earliest)
            earliest = j->due;
    }
    return earliest;
}

static void *scheduler_main(void *arg)
{
    run_periodic *rp = arg;
    struct pollfd fds[2] = {
        { .fd = rp->timer_fd, .events = POLLIN },
        { .fd = rp->wake_fd, .events = POLLIN },
    };

    for (;;) {
        uint64_t count;
        double earliest;

        pthread_mutex_lock(&rp->lock);
        if (rp->state != STARTED) {
            pthread_mutex_unlock(&rp->lock);
            return NULL;
        }
        earliest = mark_due(rp);
        pthread_mutex_unlock(&rp->lock);

        arm(rp, earliest);
        if (poll(fds, 2, -1) < 0)
            continue;                   /* EINTR */
        if (fds[0].revents & POLLIN)
            (void)!read(rp->timer_fd, &count, sizeof count);
        if (fds[1].revents & POLLIN)
            (void)!read(rp->wake_fd, &count, sizeof count);
    }
}

/* Ends an unlinked job's worker (waiting for its run) and frees the job. */
static void job_finish(job *j)
{
    run_periodic *rp = j->rp;

    pthread_mutex_lock(&rp->lock);
    j->quit = true;
    pthread_mutex_unlock(&rp->lock);
    sem_post(&j->go);
    if (pthread_join(j->worker, NULL) != 0)
        abort();
    sem_destroy(&j->go);
    free(j);
}

run_periodic *rp_create(void)
{
    run_periodic *rp = calloc(1, sizeof *rp);
    int err;

    if (!rp)
        return NULL;
    rp->timer_fd = rp->wake_fd = -1;
    err = pthread_mutex_init(&rp->lock, NULL);
    if (err)
        goto fail_lock;
    err = pthread_cond_init(&rp->changed, NULL);
    if (err)
        goto fail_cond;
    rp->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (rp->timer_fd < 0)
        goto fail_fd;
    rp->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (rp->wake_fd < 0)
        goto fail_fd;
    rp->state = STOPPED;
    return rp;

fail_fd:
    err = errno;
    if (rp->timer_fd >= 0)
        close(rp->timer_fd);
    pthread_cond_destroy(&rp->changed);
fail_cond:
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
    *j = (job){ .rp = rp, .interval_s = interval_s, .fn = fn, .arg = arg,
                .state = IDLE };
    if (sem_init(&j->go, 0, 0) != 0) {
        err = errno;
        free(j);
        errno = err;
        return -1;
    }
    pthread_mutex_lock(&rp->lock);
    if (rp->next_id == INT_MAX)
        err = EOVERFLOW;
    else
        err = pthread_create(&j->worker, NULL, worker_main, j);
    if (err) {
        pthread_mutex_unlock(&rp->lock);
        sem_destroy(&j->go);
        free(j);
        errno = err;
        return -1;
    }
    id = j->id = rp->next_id++;
    if (rp->state == STARTED) {
        j->base = now_s();
        j->due = j->base + interval_s;
    }
    j->next = rp->jobs;
    rp->jobs = j;
    pthread_mutex_unlock(&rp->lock);
    wake_scheduler(rp);         /* its deadline may come first */
    return id;
}

int rp_cancel(run_periodic *rp, int id)
{
    job **link, *j;

    if (!rp)
        return EINVAL;
    pthread_mutex_lock(&rp->lock);
    for (link = &rp->jobs; *link && (*link)->id != id; link = &(*link)->next)
        ;
    j = *link;
    if (j)
        *link = j->next;
    pthread_mutex_unlock(&rp->lock);
    if (!j)
        return ENOENT;
    job_finish(j);
    return 0;
}

int rp_start(run_periodic *rp)
{
    double t0;
    int err;

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
        j->base = t0;
        j->due = t0 + j->interval_s;
    }
    err = pthread_create(&rp->scheduler, NULL, scheduler_main, rp);
    if (!err)
        rp->state = STARTED;
    pthread_mutex_unlock(&rp->lock);
    return err;
}

void rp_stop(run_periodic *rp)
{
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
        if (j->state == DUE)
            j->state = IDLE;            /* marked, not begun: never begins */
    wake_scheduler(rp);
    while (rp->running > 0)
        pthread_cond_wait(&rp->changed, &rp->lock);
    pthread_mutex_unlock(&rp->lock);

    if (pthread_join(rp->scheduler, NULL) != 0)
        abort();

    pthread_mutex_lock(&rp->lock);
    rp->state = STOPPED;
    pthread_cond_broadcast(&rp->changed);
    pthread_mutex_unlock(&rp->lock);
}

void rp_destroy(run_periodic *rp)
{
    job *jobs;

    if (!rp)
        return;
    rp_stop(rp);
    pthread_mutex_lock(&rp->lock);
    jobs = rp->jobs;
    rp->jobs = NULL;
    pthread_mutex_unlock(&rp->lock);
    while (jobs) {
        job *next = jobs->next;

        job_finish(jobs);
        jobs = next;
    }
    close(rp->wake_fd);
    close(rp->timer_fd);
    pthread_cond_destroy(&rp->changed);
    pthread_mutex_destroy(&rp->lock);
    free(rp);
}
