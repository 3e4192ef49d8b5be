/*
 * DESIGN watchers_cancel.c - a correct joinall on another plan than the
 * reference's.
 *
 * Design: one watcher thread per thread to join makes a plain pthread_join
 * and reports under a mutex; the caller sleeps on a condition variable
 * (CLOCK_MONOTONIC) until every watcher has reported or the one deadline
 * has passed.  At the deadline it cancels the watchers still waiting (a
 * pthread_join that is cancelled leaves its target joinable), joins every
 * watcher, and joins the targets that ended meanwhile with
 * pthread_tryjoin_np.  A self-join is refused before any watcher starts.
 * A watcher that cannot be started (no memory, no thread) leaves its
 * thread to the caller, which joins it against the same deadline.
 */
#define _GNU_SOURCE
#include "joinall.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define FOREVER_S 1e15          /* longer timeouts count as "forever" */
#define WATCHER_STACK (64 * 1024)

typedef struct watch watch;

typedef struct watcher {
    watch *w;
    pthread_t target;
    pthread_t thread;
    bool started;               /* the caller joins thread */
    bool reported;              /* under w->lock: the join returned */
    int err;                    /* under w->lock: its result */
    void *result;               /* under w->lock */
} watcher;

struct watch {
    pthread_mutex_t lock;
    pthread_cond_t reported;    /* CLOCK_MONOTONIC */
    size_t waiting;             /* under lock: started watchers not reported */
    size_t n;
    watcher *watchers;
};

static struct timespec deadline_after(double timeout_s)
{
    struct timespec at;
    double whole = floor(timeout_s);

    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_sec += (time_t)whole;
    at.tv_nsec += (long)((timeout_s - whole) * 1e9);
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    return at;
}

static void *watcher_main(void *arg)
{
    watcher *wr = arg;
    watch *w = wr->w;
    void *result = NULL;
    int err, old;

    err = pthread_join(wr->target, &result);    /* the cancellation point */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    pthread_mutex_lock(&w->lock);
    wr->reported = true;
    wr->err = err;
    wr->result = result;
    w->waiting--;
    pthread_cond_broadcast(&w->reported);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static int watch_init(watch *w, size_t n)
{
    pthread_condattr_t attr;
    int err;

    w->waiting = 0;
    w->n = n;
    w->watchers = calloc(n, sizeof *w->watchers);
    if (!w->watchers)
        return ENOMEM;
    err = pthread_mutex_init(&w->lock, NULL);
    if (err)
        goto fail_lock;
    err = pthread_condattr_init(&attr);
    if (err)
        goto fail_attr;
    err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (!err)
        err = pthread_cond_init(&w->reported, &attr);
    pthread_condattr_destroy(&attr);
    if (!err)
        return 0;
fail_attr:
    pthread_mutex_destroy(&w->lock);
fail_lock:
    free(w->watchers);
    return err;
}

static void watch_destroy(watch *w)
{
    pthread_cond_destroy(&w->reported);
    pthread_mutex_destroy(&w->lock);
    free(w->watchers);
}

/* Starts a watcher per thread not joined yet (as many as can be). */
static void start_watchers(watch *w, const pthread_t *threads, size_t n,
                           const bool *joined)
{
    pthread_attr_t attr;
    bool small = pthread_attr_init(&attr) == 0;

    if (small && pthread_attr_setstacksize(&attr, WATCHER_STACK) != 0) {
        pthread_attr_destroy(&attr);
        small = false;
    }
    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < n; i++) {
        watcher *wr = &w->watchers[i];

        *wr = (watcher){ .w = w, .target = threads[i] };
        if (joined && joined[i])
            continue;
        wr->started = pthread_create(&wr->thread, small ? &attr : NULL,
                                     watcher_main, wr) == 0;
        if (wr->started)
            w->waiting++;
    }
    pthread_mutex_unlock(&w->lock);
    if (small)
        pthread_attr_destroy(&attr);
}

/*
 * Sleeps until every watcher reported or the deadline (NULL: none) passed;
 * then cancels the watchers still in pthread_join.  Under the lock, a
 * watcher that has not reported is still in pthread_join or about to
 * report with cancellation disabled: either way the cancel is right.
 */
static void wait_for_watchers(watch *w, const struct timespec *deadline)
{
    pthread_mutex_lock(&w->lock);
    while (w->waiting > 0) {
        if (!deadline)
            pthread_cond_wait(&w->reported, &w->lock);
        else if (pthread_cond_timedwait(&w->reported, &w->lock,
                                        deadline) == ETIMEDOUT)
            break;
    }
    for (size_t i = 0; w->waiting > 0 && i < w->n; i++) {
        watcher *wr = &w->watchers[i];

        if (wr->started && !wr->reported)
            pthread_cancel(wr->thread);
    }
    pthread_mutex_unlock(&w->lock);
}

/*
 * Thread i's outcome, once its watcher (if any) has ended: 0 and its
 * result when joined, ETIMEDOUT when still running, or a join's error.
 */
static int outcome(watcher *wr, const struct timespec *deadline, void **result)
{
    int err;

    if (!wr->started) {
        if (!deadline)
            return pthread_join(wr->target, result);
        return pthread_clockjoin_np(wr->target, result, CLOCK_MONOTONIC,
                                    deadline);
    }
    if (pthread_join(wr->thread, NULL) != 0)
        abort();
    if (wr->reported) {
        *result = wr->result;
        return wr->err;
    }
    /* Cancelled in pthread_join: the target is still joinable.  Join it
     * if it has ended by now. */
    err = pthread_tryjoin_np(wr->target, result);
    return err == EBUSY ? ETIMEDOUT : err;
}

int joinall(const pthread_t *threads, size_t n, double timeout_s,
            void **results, bool *joined)
{
    bool forever = timeout_s < 0 || timeout_s >= FOREVER_S;
    struct timespec at, *deadline = NULL;
    watch w;
    int left = 0, first_err = 0, err;

    if (isnan(timeout_s) || (!threads && n > 0)) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if ((!joined || !joined[i]) && pthread_equal(threads[i], pthread_self())) {
            errno = EDEADLK;
            return -1;
        }
    if (n == 0)
        return 0;
    if (!forever) {
        at = deadline_after(timeout_s);
        deadline = &at;
    }
    err = watch_init(&w, n);
    if (err) {
        /* No watchers at all: the caller joins each thread itself. */
        w.n = 0;
    } else {
        start_watchers(&w, threads, n, joined);
        wait_for_watchers(&w, deadline);
    }

    for (size_t i = 0; i < n; i++) {
        watcher alone = { .target = threads[i] };
        watcher *wr = w.n ? &w.watchers[i] : &alone;
        void *result = NULL;

        if (joined && joined[i])
            continue;
        err = outcome(wr, deadline, &result);
        if (err == ETIMEDOUT) {
            left++;
        } else if (err) {
            if (!first_err)
                first_err = err;
        } else {
            if (results)
                results[i] = result;
            if (joined)
                joined[i] = true;
        }
    }
    if (w.n)
        watch_destroy(&w);
    if (first_err) {
        errno = first_err;
        return -1;
    }
    return left;
}
