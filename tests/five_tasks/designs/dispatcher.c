/*
 * DESIGN dispatcher.c - correct five_tasks plans on other primitives than
 * the reference's.
 *
 * Design: run_pool has no shared index: the caller is a dispatcher that
 * hands the tasks out one at a time, in index order, through a one-task
 * mailbox (one mutex, ONE condition variable broadcast both ways), and a
 * free worker takes what is in it.  run_parallel starts its threads behind
 * a mutex-and-condvar "go" flag and joins them last to first.  run_async
 * gives each task a timer of its own allocated apart (freed by its close
 * callback) and runs the loop with UV_RUN_DEFAULT until the last close
 * callback calls uv_stop.
 */
#include "five_tasks.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define ASYNC_MAX_SECONDS 1e9

static void run_one(const task_spec *task, task_work work, void *ctx,
                    task_record *record)
{
    clock_gettime(CLOCK_MONOTONIC, &record->started);
    work(task, ctx);
    clock_gettime(CLOCK_MONOTONIC, &record->finished);
}

int run_sync(const task_spec *tasks, size_t n, task_work work, void *ctx,
             task_record *records)
{
    if (n == 0)
        return 0;
    if (!tasks || !work || !records)
        return EINVAL;
    for (size_t i = 0; i < n; i++)
        run_one(&tasks[i], work, ctx, &records[i]);
    return 0;
}

/* ---- parallel: a "go" flag, then joins from the last to the first ----- */

typedef struct start_line {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool go;                    /* under lock */
} start_line;

typedef struct runner {
    start_line *line;
    const task_spec *task;
    task_work work;
    void *ctx;
    task_record *record;
    pthread_t thread;
} runner;

static void *runner_main(void *arg)
{
    runner *r = arg;

    pthread_mutex_lock(&r->line->lock);
    while (!r->line->go)
        pthread_cond_wait(&r->line->cond, &r->line->lock);
    pthread_mutex_unlock(&r->line->lock);
    run_one(r->task, r->work, r->ctx, r->record);
    return NULL;
}

int run_parallel(const task_spec *tasks, size_t n, task_work work, void *ctx,
                 task_record *records)
{
    start_line line = { .go = false };
    runner *runners;
    size_t started;
    int err;

    if (n == 0)
        return 0;
    if (!tasks || !work || !records)
        return EINVAL;
    runners = malloc(n * sizeof *runners);
    if (!runners)
        return ENOMEM;
    err = pthread_mutex_init(&line.lock, NULL);
    if (err)
        goto fail_lock;
    err = pthread_cond_init(&line.cond, NULL);
    if (err)
        goto fail_cond;
    for (started = 0; started < n; started++) {
        runners[started] = (runner){ .line = &line, .task = &tasks[started],
                                     .work = work, .ctx = ctx,
                                     .record = &records[started] };
        err = pthread_create(&runners[started].thread, NULL, runner_main,
                             &runners[started]);
        if (err)
            break;
    }
    pthread_mutex_lock(&line.lock);
    line.go = true;
    pthread_cond_broadcast(&line.cond);
    pthread_mutex_unlock(&line.lock);
    while (started > 0)
        if (pthread_join(runners[--started].thread, NULL) != 0)
            abort();
    pthread_cond_destroy(&line.cond);
fail_cond:
    pthread_mutex_destroy(&line.lock);
fail_lock:
    free(runners);
    return err;
}

/* ---- pool: a dispatcher and a one-task mailbox ------------------------ */

typedef struct mailbox {
    pthread_mutex_t lock;
    pthread_cond_t changed;     /* a task was put or taken, or closed */
    bool full;                  /* under lock: `task` waits for a worker */
    bool closed;                /* under lock: no more tasks will come */
    size_t task;
    const task_spec *tasks;     /* the rest never changes */
    task_work work;
    void *ctx;
    task_record *records;
} mailbox;

static void *mailbox_worker(void *arg)
{
    mailbox *m = arg;

    for (;;) {
        size_t i;

        pthread_mutex_lock(&m->lock);
        while (!m->full && !m->closed)
            pthread_cond_wait(&m->changed, &m->lock);
        if (!m->full) {
            pthread_mutex_unlock(&m->lock);
            return NULL;
        }
        i = m->task;
        m->full = false;
        pthread_cond_broadcast(&m->changed);
        pthread_mutex_unlock(&m->lock);
        run_one(&m->tasks[i], m->work, m->ctx, &m->records[i]);
    }
}

/* Hands out tasks 0..n-1 in order, each once a worker took the last. */
static void dispatch(mailbox *m, size_t n)
{
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < n; i++) {
        while (m->full)
            pthread_cond_wait(&m->changed, &m->lock);
        m->task = i;
        m->full = true;
        pthread_cond_broadcast(&m->changed);
    }
    pthread_mutex_unlock(&m->lock);
}

static void mailbox_close(mailbox *m)
{
    pthread_mutex_lock(&m->lock);
    m->closed = true;
    pthread_cond_broadcast(&m->changed);
    pthread_mutex_unlock(&m->lock);
}

int run_pool(const task_spec *tasks, size_t n, size_t workers,
             task_work work, void *ctx, task_record *records)
{
    mailbox m = { .tasks = tasks, .work = work, .ctx = ctx,
                  .records = records };
    pthread_t *threads;
    size_t started;
    int err;

    if (n == 0)
        return 0;
    if (!tasks || !work || !records || workers == 0)
        return EINVAL;
    if (workers > n)
        workers = n;
    threads = malloc(workers * sizeof *threads);
    if (!threads)
        return ENOMEM;
    err = pthread_mutex_init(&m.lock, NULL);
    if (err)
        goto fail_lock;
    err = pthread_cond_init(&m.changed, NULL);
    if (err)
        goto fail_cond;
    for (started = 0; started < workers; started++) {
        err = pthread_create(&threads[started], NULL, mailbox_worker, &m);
        if (err)
            break;
    }
    if (!err)
        dispatch(&m, n);
    mailbox_close(&m);          /* the workers end once the box is empty */
    for (size_t i = 0; i < started; i++)
        if (pthread_join(threads[i], NULL) != 0)
            abort();
    pthread_cond_destroy(&m.changed);
fail_cond:
    pthread_mutex_destroy(&m.lock);
fail_lock:
    free(threads);
    return err;
}

/* ---- async: timers allocated apart, the loop stopped by the last ------ */

typedef struct async_run {
    size_t open;                /* timers not closed yet */
} async_run;

typedef struct own_timer {
    uv_timer_t timer;
    async_run *run;
    task_record *record;
} own_timer;

static void on_own_closed(uv_handle_t *handle)
{
    own_timer *t = handle->data;
    async_run *run = t->run;
    uv_loop_t *loop = handle->loop;

    free(t);
    if (--run->open == 0)
        uv_stop(loop);          /* uv_run returns after this turn */
}

static void on_own_fired(uv_timer_t *timer)
{
    own_timer *t = timer->data;

    clock_gettime(CLOCK_MONOTONIC, &t->record->finished);
    uv_close((uv_handle_t *)timer, on_own_closed);
}

static uint64_t async_millis(double seconds)
{
    if (!(seconds > 0))
        return 0;
    return (uint64_t)(seconds * 1000.0 + 0.5);
}

int run_async(uv_loop_t *loop, const task_spec *tasks, size_t n,
              task_record *records)
{
    async_run run = { .open = 0 };
    own_timer **timers;
    size_t made;
    int err = 0;

    if (n == 0)
        return 0;
    if (!loop || !tasks || !records)
        return EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!(tasks[i].seconds <= ASYNC_MAX_SECONDS))
            return EINVAL;
    timers = calloc(n, sizeof *timers);
    if (!timers)
        return ENOMEM;
    /* Allocate and initialise every timer first; start them together. */
    for (made = 0; made < n; made++) {
        own_timer *t = malloc(sizeof *t);

        if (!t) {
            err = ENOMEM;
            break;
        }
        t->run = &run;
        t->record = &records[made];
        err = -uv_timer_init(loop, &t->timer);
        if (err) {
            free(t);
            break;
        }
        t->timer.data = t;
        timers[made] = t;
        run.open++;
    }
    uv_update_time(loop);
    for (size_t i = 0; i < made && !err; i++) {
        clock_gettime(CLOCK_MONOTONIC, &records[i].started);
        err = -uv_timer_start(&timers[i]->timer, on_own_fired,
                              async_millis(tasks[i].seconds), 0);
    }
    if (err)                    /* none has fired yet: close them all */
        for (size_t i = 0; i < made; i++)
            uv_close((uv_handle_t *)&timers[i]->timer, on_own_closed);
    free(timers);               /* the timers free themselves */
    if (run.open > 0)
        uv_run(loop, UV_RUN_DEFAULT);
    return err;
}
