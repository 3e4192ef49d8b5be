/*
 * MUTANT pool_check_outside_lock (a copy of the reference solution with one bug).
 *
 * run_pool's worker checks "is a task left?" without the lock and only
 * then locks to take it (check-then-act): two workers can both see the
 * last task left, and the second one takes index n, past the end.
 * Caught by: the race check (unlocked read of p->next against the locked
 * increment, flagged every run) and pool_stress_each_once (its last part
 * makes both workers take their lock late when they come back for the
 * last task).
 */
#include "five_tasks.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/* Longest time run_async accepts (about 31 years). */
#define ASYNC_MAX_SECONDS 1e9

/* Calls work() for one task, recording when it started and finished. */
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

/* ---- parallel: one thread per task ---------------------------------- */

/*
 * What thread i needs.  Each thread gets a struct of its own, which no
 * one changes after pthread_create: a pointer to a loop variable or to
 * one shared struct would be read after the loop has moved on.
 */
typedef struct parallel_job {
    const task_spec *task;
    task_work work;
    void *ctx;
    task_record *record;
} parallel_job;

static void *parallel_thread(void *arg)
{
    parallel_job *job = arg;

    run_one(job->task, job->work, job->ctx, job->record);
    return NULL;
}

int run_parallel(const task_spec *tasks, size_t n, task_work work, void *ctx,
                 task_record *records)
{
    pthread_t *threads;
    parallel_job *jobs;
    size_t started;
    int err = 0;

    if (n == 0)
        return 0;
    if (!tasks || !work || !records)
        return EINVAL;
    threads = calloc(n, sizeof *threads);
    jobs = calloc(n, sizeof *jobs);
    if (!threads || !jobs) {
        err = ENOMEM;
        goto out;
    }

    /* Start them all first... */
    for (started = 0; started < n; started++) {
        jobs[started] = (parallel_job){ &tasks[started], work, ctx,
                                        &records[started] };
        err = pthread_create(&threads[started], NULL, parallel_thread,
                             &jobs[started]);
        if (err)
            break;
    }
    /* ...then wait for them all (joining inside the loop above would run
     * the tasks one after the other, like run_sync). */
    for (size_t i = 0; i < started; i++)
        if (pthread_join(threads[i], NULL) != 0)
            abort();
out:
    free(jobs);
    free(threads);
    return err;
}

/* ---- pool: a few workers share a list of tasks ---------------------- */

typedef struct pool {
    pthread_mutex_t lock;       /* guards next */
    size_t next;                /* index of the first task nobody took */
    const task_spec *tasks;     /* the rest never changes once started */
    size_t n;
    task_work work;
    void *ctx;
    task_record *records;
} pool;

static void *pool_worker(void *arg)
{
    pool *p = arg;
    size_t i;

    while (p->next < p->n) {
        pthread_mutex_lock(&p->lock);
        i = p->next++;
        pthread_mutex_unlock(&p->lock);
        run_one(&p->tasks[i], p->work, p->ctx, &p->records[i]);
    }
    return NULL;
}

int run_pool(const task_spec *tasks, size_t n, size_t workers,
             task_work work, void *ctx, task_record *records)
{
    pool p = { .next = 0, .tasks = tasks, .n = n, .work = work,
               .ctx = ctx, .records = records };
    pthread_t *threads;
    size_t started;
    int err;

    if (n == 0)
        return 0;
    if (!tasks || !work || !records || workers == 0)
        return EINVAL;
    if (workers > n)
        workers = n;            /* the extra ones would find nothing */
    threads = calloc(workers, sizeof *threads);
    if (!threads)
        return ENOMEM;
    err = pthread_mutex_init(&p.lock, NULL);
    if (err) {
        free(threads);
        return err;
    }

    for (started = 0; started < workers; started++) {
        err = pthread_create(&threads[started], NULL, pool_worker, &p);
        if (err)
            break;
    }
    for (size_t i = 0; i < started; i++)
        if (pthread_join(threads[i], NULL) != 0)
            abort();

    pthread_mutex_destroy(&p.lock);
    free(threads);
    return err;
}

/* ---- async: timers on one event loop --------------------------------- */

/* One task's timer; timer.data points back to it. */
typedef struct async_task {
    uv_timer_t timer;
    task_record *record;
    size_t *closed;             /* run_async's count of closed timers */
} async_task;

static void on_closed(uv_handle_t *handle)
{
    async_task *t = handle->data;

    (*t->closed)++;
}

static void on_fired(uv_timer_t *timer)
{
    async_task *t = timer->data;

    clock_gettime(CLOCK_MONOTONIC, &t->record->finished);
    /* A one-shot timer is done: take it off the loop at once. */
    uv_close((uv_handle_t *)timer, on_closed);
}

/* Milliseconds for uv_timer_start: rounded, negative counted as 0. */
static uint64_t async_millis(double seconds)
{
    if (!(seconds > 0))
        return 0;
    return (uint64_t)(seconds * 1000.0 + 0.5);
}

int run_async(uv_loop_t *loop, const task_spec *tasks, size_t n,
              task_record *records)
{
    async_task *timers;
    size_t opened = 0;          /* timers initialised on the loop */
    size_t closed = 0;
    int err = 0;

    if (n == 0)
        return 0;
    if (!loop || !tasks || !records)
        return EINVAL;
    /* Check every time before touching the loop. */
    for (size_t i = 0; i < n; i++)
        if (!(tasks[i].seconds <= ASYNC_MAX_SECONDS))     /* NaN too */
            return EINVAL;
    timers = calloc(n, sizeof *timers);
    if (!timers)
        return ENOMEM;

    /* The loop's idea of "now" is read at each turn of the loop and may
     * be stale; the timers must count from the real now. */
    uv_update_time(loop);
    for (; opened < n; opened++) {
        async_task *t = &timers[opened];

        t->record = &records[opened];
        t->closed = &closed;
        err = -uv_timer_init(loop, &t->timer);
        if (err)
            break;
        t->timer.data = t;
        clock_gettime(CLOCK_MONOTONIC, &t->record->started);
        err = -uv_timer_start(&t->timer, on_fired,
                              async_millis(tasks[opened].seconds), 0);
        if (err) {
            opened++;           /* initialised: it must be closed too */
            break;
        }
    }
    if (err)                    /* none has fired yet: close them all */
        for (size_t i = 0; i < opened; i++)
            uv_close((uv_handle_t *)&timers[i].timer, on_closed);

    /* Each timer closes itself when it fires, and close callbacks run at
     * the end of the same turn of the loop.  UV_RUN_ONCE, not
     * UV_RUN_DEFAULT: the caller's own handles must not keep us here. */
    while (closed < opened)
        uv_run(loop, UV_RUN_ONCE);

    free(timers);
    return err;
}
