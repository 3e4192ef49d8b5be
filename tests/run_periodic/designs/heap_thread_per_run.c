/*
 * DESIGN heap_thread_per_run.c - a correct run_periodic on another plan
 * than the reference's.
 *
 * Design: one scheduler thread keeps the jobs in a binary min-heap by next
 * deadline and sleeps (timed condition variable wait, CLOCK_MONOTONIC)
 * until the top one.  Jobs have no thread of their own: each run gets a
 * new thread, created by the scheduler at the deadline and joined before
 * the job's next run (or by rp_cancel, rp_stop).  A job whose last run is
 * still going skips the deadline.
 */
#include "run_periodic.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#define MAX_WAIT_S 3600.0

enum rp_state { STOPPED, STARTED, STOPPING };

typedef struct job {
    run_periodic *rp;
    int id;
    double interval_s;
    periodic_fn fn;
    void *arg;
    double base, due;           /* t0 and the next deadline */
    bool running;               /* a run's thread is inside fn */
    bool has_run;               /* run_thread exists and is not joined */
    pthread_t run_thread;
} job;

struct run_periodic {
    pthread_mutex_t lock;       /* guards everything, jobs included */
    pthread_cond_t tick;        /* CLOCK_MONOTONIC: wakes the scheduler */
    pthread_cond_t changed;     /* a run ended, or a stop finished */
    enum rp_state state;
    pthread_t scheduler;
    job **heap;                 /* min-heap by due */
    size_t count, capacity;
    int next_id;
    int running;                /* runs inside fn, all jobs */
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

/* ---- the heap (lock held) ---------------------------------------------- */

static void heap_swap(run_periodic *rp, size_t a, size_t b)
{
    job *t = rp->heap[a];

    rp->heap[a] = rp->heap[b];
    rp->heap[b] = t;
}

static void sift_up(run_periodic *rp, size_t i)
{
    while (i > 0 && rp->heap[(i - 1) / 2]->due > rp->heap[i]->due) {
        heap_swap(rp, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void sift_down(run_periodic *rp, size_t i)
{
    for (;;) {
        size_t least = i, l = 2 * i + 1, r = 2 * i + 2;

        if (l < rp->count && rp->heap[l]->due < rp->heap[least]->due)
            least = l;
        if (r < rp->count && rp->heap[r]->due < rp->heap[least]->due)
            least = r;
        if (least == i)
            return;
        heap_swap(rp, i, least);
        i = least;
    }
}

static void heap_remove(run_periodic *rp, size_t i)
{
    rp->heap[i] = rp->heap[--rp->count];
    if (i < rp->count) {
        sift_up(rp, i);
        sift_down(rp, i);
    }
}

/* ---- runs ---------------------------------------------------------------- */

static void *run_main(void *arg)
{
    job *j = arg;
    run_periodic *rp = j->rp;

    j->fn(j->arg);
    pthread_mutex_lock(&rp->lock);
    j->running = false;
    rp->running--;
    pthread_cond_broadcast(&rp->changed);
    pthread_mutex_unlock(&rp->lock);
    return NULL;
}

/* Joins j's last run thread, which has left fn and the lock for good. */
static void reap_run(job *j)
{
    if (j->has_run && !j->running) {
        if (pthread_join(j->run_thread, NULL) != 0)
            abort();
        j->has_run = false;
    }
}

/* Starts a run of j on a new thread (lock held); a run that cannot get
 * a thread is skipped like a missed deadline. */
static void launch_run(run_periodic *rp, job *j)
{
    reap_run(j);
    j->running = true;
    rp->running++;
    if (pthread_create(&j->run_thread, NULL, run_main, j) == 0) {
        j->has_run = true;
    } else {
        j->running = false;
        rp->running--;
    }
}

static void *scheduler_main(void *arg)
{
    run_periodic *rp = arg;

    pthread_mutex_lock(&rp->lock);
    while (rp->state == STARTED) {
        double now = now_s();
        double wake = now + MAX_WAIT_S;

        while (rp->count > 0 && rp->heap[0]->due <= now) {
            job *j = rp->heap[0];

            if (!j->running)            /* busy: skip this deadline */
                launch_run(rp, j);
            j->due = deadline_after(j, now);
            sift_down(rp, 0);
        }
        if (rp->count > 0 && rp->heap[0]->due < wake)
            wake = rp->heap[0]->due;
        wait_until(&rp->tick, &rp->lock, wake);
    }
    pthread_mutex_unlock(&rp->lock);
    return NULL;
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
        err = pthread_cond_init(&rp->tick, &attr);
    pthread_condattr_destroy(&attr);
    if (err)
        goto fail_attr;
    err = pthread_cond_init(&rp->changed, NULL);
    if (err)
        goto fail_changed;
    rp->state = STOPPED;
    return rp;

fail_changed:
    pthread_cond_destroy(&rp->tick);
fail_attr:
    pthread_mutex_destroy(&rp->lock);
fail_lock:
    free(rp);
    errno = err;
    return NULL;
}

/* Makes room for one more job in the heap (lock held); 0 or ENOMEM. */
static int heap_reserve(run_periodic *rp)
{
    size_t capacity = rp->capacity ? 2 * rp->capacity : 8;
    job **heap;

    if (rp->count < rp->capacity)
        return 0;
    heap = realloc(rp->heap, capacity * sizeof *heap);
    if (!heap)
        return ENOMEM;
    rp->heap = heap;
    rp->capacity = capacity;
    return 0;
}

int rp_add(run_periodic *rp, double interval_s, periodic_fn fn, void *arg)
{
    job *j;
    int id, err;

    if (!rp || !fn || !isfinite(interval_s) || interval_s <= 0) {
        errno = EINVAL;
        return -1;
    }
    j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    *j = (job){ .rp = rp, .interval_s = interval_s, .fn = fn, .arg = arg };
    pthread_mutex_lock(&rp->lock);
    err = rp->next_id == INT_MAX ? EOVERFLOW : heap_reserve(rp);
    if (err) {
        pthread_mutex_unlock(&rp->lock);
        free(j);
        errno = err;
        return -1;
    }
    id = j->id = rp->next_id++;
    if (rp->state == STARTED) {
        j->base = now_s();
        j->due = j->base + interval_s;
    }                           /* else rp_start sets them */
    rp->heap[rp->count++] = j;
    sift_up(rp, rp->count - 1);
    pthread_cond_signal(&rp->tick);
    pthread_mutex_unlock(&rp->lock);
    return id;
}

int rp_cancel(run_periodic *rp, int id)
{
    job *j = NULL;

    if (!rp)
        return EINVAL;
    pthread_mutex_lock(&rp->lock);
    for (size_t i = 0; i < rp->count; i++)
        if (rp->heap[i]->id == id) {
            j = rp->heap[i];
            heap_remove(rp, i);         /* the scheduler never sees it again */
            break;
        }
    if (!j) {
        pthread_mutex_unlock(&rp->lock);
        return ENOENT;
    }
    while (j->running)
        pthread_cond_wait(&rp->changed, &rp->lock);
    reap_run(j);
    pthread_mutex_unlock(&rp->lock);
    free(j);
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
    for (size_t i = 0; i < rp->count; i++) {
        rp->heap[i]->base = t0;
        rp->heap[i]->due = t0 + rp->heap[i]->interval_s;
    }
    for (size_t i = rp->count / 2; i-- > 0;)
        sift_down(rp, i);
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
    pthread_cond_signal(&rp->tick);
    while (rp->running > 0)
        pthread_cond_wait(&rp->changed, &rp->lock);
    pthread_mutex_unlock(&rp->lock);

    if (pthread_join(rp->scheduler, NULL) != 0)
        abort();

    pthread_mutex_lock(&rp->lock);
    for (size_t i = 0; i < rp->count; i++)
        reap_run(rp->heap[i]);
    rp->state = STOPPED;
    pthread_cond_broadcast(&rp->changed);
    pthread_mutex_unlock(&rp->lock);
}

void rp_destroy(run_periodic *rp)
{
    if (!rp)
        return;
    rp_stop(rp);
    for (size_t i = 0; i < rp->count; i++)
        free(rp->heap[i]);
    free(rp->heap);
    pthread_cond_destroy(&rp->changed);
    pthread_cond_destroy(&rp->tick);
    pthread_mutex_destroy(&rp->lock);
    free(rp);
}
