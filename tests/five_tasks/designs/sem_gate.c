/*
 * DESIGN sem_gate.c - correct five_tasks plans on other primitives than
 * the reference's.
 *
 * Design: POSIX semaphores instead of a mutex.  run_parallel holds its
 * threads at a start gate (a semaphore posted once per started thread
 * after the last pthread_create); run_pool guards the next index with a
 * binary semaphore; run_async drives ONE libuv timer, re-armed for the
 * next deadline in time order, instead of a timer per task.
 */
#define _GNU_SOURCE             /* qsort_r */
#include "five_tasks.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
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

/* ---- parallel: every thread waits at a gate until all are started ---- */

typedef struct gate_job {
    sem_t *gate;
    const task_spec *task;
    task_work work;
    void *ctx;
    task_record *record;
    pthread_t thread;
} gate_job;

static void *gate_thread(void *arg)
{
    gate_job *job = arg;

    while (sem_wait(job->gate) != 0)
        ;                       /* EINTR: wait again */
    run_one(job->task, job->work, job->ctx, job->record);
    return NULL;
}

int run_parallel(const task_spec *tasks, size_t n, task_work work, void *ctx,
                 task_record *records)
{
    gate_job *jobs;
    sem_t gate;
    size_t started;
    int err = 0;

    if (n == 0)
        return 0;
    if (!tasks || !work || !records)
        return EINVAL;
    jobs = calloc(n, sizeof *jobs);
    if (!jobs)
        return ENOMEM;
    if (sem_init(&gate, 0, 0) != 0) {
        err = errno;
        free(jobs);
        return err;
    }
    for (started = 0; started < n; started++) {
        jobs[started] = (gate_job){ .gate = &gate, .task = &tasks[started],
                                    .work = work, .ctx = ctx,
                                    .record = &records[started] };
        err = pthread_create(&jobs[started].thread, NULL, gate_thread,
                             &jobs[started]);
        if (err)
            break;
    }
    for (size_t i = 0; i < started; i++)       /* open the gate */
        sem_post(&gate);
    for (size_t i = 0; i < started; i++)
        if (pthread_join(jobs[i].thread, NULL) != 0)
            abort();
    sem_destroy(&gate);
    free(jobs);
    return err;
}

/* ---- pool: the next index under a binary semaphore -------------------- */

typedef struct sem_pool {
    sem_t lock;                 /* 1: free, 0: taken; guards next */
    size_t next;
    const task_spec *tasks;
    size_t n;
    task_work work;
    void *ctx;
    task_record *records;
} sem_pool;

static size_t sem_pool_take(sem_pool *p)
{
    size_t i;

    while (sem_wait(&p->lock) != 0)
        ;
    i = p->next;
    if (i < p->n)
        p->next++;
    sem_post(&p->lock);
    return i;
}

static void *sem_pool_worker(void *arg)
{
    sem_pool *p = arg;
    size_t i;

    while ((i = sem_pool_take(p)) < p->n)
        run_one(&p->tasks[i], p->work, p->ctx, &p->records[i]);
    return NULL;
}

int run_pool(const task_spec *tasks, size_t n, size_t workers,
             task_work work, void *ctx, task_record *records)
{
    sem_pool p = { .next = 0, .tasks = tasks, .n = n, .work = work,
                   .ctx = ctx, .records = records };
    pthread_t *threads;
    size_t started;
    int err = 0;

    if (n == 0)
        return 0;
    if (!tasks || !work || !records || workers == 0)
        return EINVAL;
    if (workers > n)
        workers = n;
    threads = malloc(workers * sizeof *threads);
    if (!threads)
        return ENOMEM;
    if (sem_init(&p.lock, 0, 1) != 0) {
        err = errno;
        free(threads);
        return err;
    }
    for (started = 0; started < workers; started++) {
        err = pthread_create(&threads[started], NULL, sem_pool_worker, &p);
        if (err)
            break;
    }
    for (size_t i = 0; i < started; i++)
        if (pthread_join(threads[i], NULL) != 0)
            abort();
    sem_destroy(&p.lock);
    free(threads);
    return err;
}

/* ---- async: one timer, re-armed for each deadline in time order ------- */

typedef struct one_timer {
    uv_timer_t timer;
    uint64_t base;              /* uv_now when the plan started */
    uint64_t *due;              /* due[i]: task i's milliseconds after base */
    size_t *order;              /* task indexes by due time */
    size_t n, next;             /* order[next] is the next task to fire */
    task_record *records;
    int error;                  /* a failed re-arm, as a positive errno */
    int closed;
} one_timer;

static uint64_t async_millis(double seconds)
{
    if (!(seconds > 0))
        return 0;
    return (uint64_t)(seconds * 1000.0 + 0.5);
}

static int by_due(const void *a, const void *b, void *arg)
{
    const uint64_t *due = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;

    if (due[i] != due[j])
        return due[i] < due[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

static void on_one_closed(uv_handle_t *handle)
{
    one_timer *t = handle->data;

    t->closed = 1;
}

static void on_one_fired(uv_timer_t *timer)
{
    one_timer *t = timer->data;
    uint64_t now = uv_now(timer->loop) - t->base;

    while (t->next < t->n && t->due[t->order[t->next]] <= now) {
        clock_gettime(CLOCK_MONOTONIC, &t->records[t->order[t->next]].finished);
        t->next++;
    }
    if (t->next < t->n)
        t->error = -uv_timer_start(timer, on_one_fired, t->due[t->order[t->next]] - now, 0);
    if (t->next == t->n || t->error)
        uv_close((uv_handle_t *)timer, on_one_closed);
}

int run_async(uv_loop_t *loop, const task_spec *tasks, size_t n,
              task_record *records)
{
    one_timer t = { .n = n, .records = records };
    int err = 0;

    if (n == 0)
        return 0;
    if (!loop || !tasks || !records)
        return EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!(tasks[i].seconds <= ASYNC_MAX_SECONDS))
            return EINVAL;
    t.due = malloc(n * sizeof *t.due);
    t.order = malloc(n * sizeof *t.order);
    if (!t.due || !t.order) {
        err = ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        t.due[i] = async_millis(tasks[i].seconds);
        t.order[i] = i;
    }
    qsort_r(t.order, n, sizeof *t.order, by_due, t.due);

    err = -uv_timer_init(loop, &t.timer);
    if (err)
        goto out;
    t.timer.data = &t;
    uv_update_time(loop);
    t.base = uv_now(loop);
    for (size_t i = 0; i < n; i++)
        clock_gettime(CLOCK_MONOTONIC, &records[i].started);
    err = -uv_timer_start(&t.timer, on_one_fired, t.due[t.order[0]], 0);
    if (err)
        uv_close((uv_handle_t *)&t.timer, on_one_closed);
    while (!t.closed)
        uv_run(loop, UV_RUN_ONCE);
    if (!err)
        err = t.error;
out:
    free(t.order);
    free(t.due);
    return err;
}
