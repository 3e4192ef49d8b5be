/*
 * DESIGN atomic_next.c - correct five_tasks plans on other primitives than
 * the reference's.
 *
 * Design: run_pool takes the next index with one C11 atomic fetch-and-add
 * (no lock at all); run_parallel gives each thread an argument allocated
 * on its own, which the thread frees, and joins in index order; run_async
 * keeps every timer open until the last one has fired, then closes them
 * all at once and runs the loop (UV_RUN_ONCE) until the close callbacks
 * ran.
 */
#include "five_tasks.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
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

/* ---- parallel: each thread owns (and frees) its argument -------------- */

typedef struct owned_arg {
    const task_spec *task;
    task_work work;
    void *ctx;
    task_record *record;
} owned_arg;

static void *owned_thread(void *p)
{
    owned_arg arg = *(owned_arg *)p;

    free(p);
    run_one(arg.task, arg.work, arg.ctx, arg.record);
    return NULL;
}

int run_parallel(const task_spec *tasks, size_t n, task_work work, void *ctx,
                 task_record *records)
{
    pthread_t *threads;
    size_t started;
    int err = 0;

    if (n == 0)
        return 0;
    if (!tasks || !work || !records)
        return EINVAL;
    threads = malloc(n * sizeof *threads);
    if (!threads)
        return ENOMEM;
    for (started = 0; started < n; started++) {
        owned_arg *arg = malloc(sizeof *arg);

        if (!arg) {
            err = ENOMEM;
            break;
        }
        *arg = (owned_arg){ &tasks[started], work, ctx, &records[started] };
        err = pthread_create(&threads[started], NULL, owned_thread, arg);
        if (err) {
            free(arg);          /* no thread got it */
            break;
        }
    }
    for (size_t i = 0; i < started; i++)
        if (pthread_join(threads[i], NULL) != 0)
            abort();
    free(threads);
    return err;
}

/* ---- pool: the next index is an atomic counter ------------------------ */

typedef struct atomic_pool {
    atomic_size_t next;         /* the first index nobody took (may pass n) */
    const task_spec *tasks;
    size_t n;
    task_work work;
    void *ctx;
    task_record *records;
} atomic_pool;

static void *atomic_worker(void *arg)
{
    atomic_pool *p = arg;
    size_t i;

    while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
        run_one(&p->tasks[i], p->work, p->ctx, &p->records[i]);
    return NULL;
}

int run_pool(const task_spec *tasks, size_t n, size_t workers,
             task_work work, void *ctx, task_record *records)
{
    atomic_pool p = { .tasks = tasks, .n = n, .work = work, .ctx = ctx,
                      .records = records };
    pthread_t *threads;
    size_t started;
    int err = 0;

    if (n == 0)
        return 0;
    if (!tasks || !work || !records || workers == 0)
        return EINVAL;
    if (workers > n)
        workers = n;
    atomic_init(&p.next, 0);
    threads = malloc(workers * sizeof *threads);
    if (!threads)
        return ENOMEM;
    for (started = 0; started < workers; started++) {
        err = pthread_create(&threads[started], NULL, atomic_worker, &p);
        if (err)
            break;
    }
    for (size_t i = 0; i < started; i++)
        if (pthread_join(threads[i], NULL) != 0)
            abort();
    free(threads);
    return err;
}

/* ---- async: all timers closed together after the last one fired ------- */

typedef struct batch {
    uv_timer_t *timers;
    task_record *records;
    size_t opened;              /* timers initialised on the loop */
    size_t fired, closed;
} batch;

static void on_batch_closed(uv_handle_t *handle)
{
    batch *b = handle->data;

    b->closed++;
}

static void close_batch(batch *b)
{
    for (size_t i = 0; i < b->opened; i++)
        uv_close((uv_handle_t *)&b->timers[i], on_batch_closed);
}

static void on_batch_fired(uv_timer_t *timer)
{
    batch *b = timer->data;

    clock_gettime(CLOCK_MONOTONIC, &b->records[timer - b->timers].finished);
    if (++b->fired == b->opened)
        close_batch(b);
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
    batch b = { .records = records };
    int err = 0;

    if (n == 0)
        return 0;
    if (!loop || !tasks || !records)
        return EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!(tasks[i].seconds <= ASYNC_MAX_SECONDS))
            return EINVAL;
    b.timers = calloc(n, sizeof *b.timers);
    if (!b.timers)
        return ENOMEM;
    for (; b.opened < n; b.opened++) {
        err = -uv_timer_init(loop, &b.timers[b.opened]);
        if (err)
            break;
        b.timers[b.opened].data = &b;
    }
    uv_update_time(loop);
    for (size_t i = 0; i < b.opened && !err; i++) {
        clock_gettime(CLOCK_MONOTONIC, &records[i].started);
        err = -uv_timer_start(&b.timers[i], on_batch_fired,
                              async_millis(tasks[i].seconds), 0);
    }
    if (err) {                  /* stop those started, close them all */
        for (size_t i = 0; i < b.opened; i++)
            uv_timer_stop(&b.timers[i]);
        close_batch(&b);
    }
    while (b.closed < b.opened)
        uv_run(loop, UV_RUN_ONCE);
    free(b.timers);
    return err;
}
