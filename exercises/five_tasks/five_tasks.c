/*
 * five_tasks.c - YOUR solution: sync, parallel, pool and async plans.
 *
 * Read five_tasks.h first: it is the exact spec the grader tests.
 * Every function below returns ENOSYS ("not implemented") until you
 * write it.  Check your work with `make check EX=five_tasks` and
 * `make demo EX=five_tasks`.
 */
#include "five_tasks.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * TODO: a helper shared by the three thread plans saves a lot of typing:
 *     static void run_one(const task_spec *task, task_work work, void *ctx,
 *                         task_record *record)
 * reads CLOCK_MONOTONIC into record->started, calls work(task, ctx),
 * then reads it into record->finished.
 */

int run_sync(const task_spec *tasks, size_t n, task_work work, void *ctx,
             task_record *records)
{
    /*
     * TODO:
     *  - n == 0: return 0 (before any other check);
     *  - tasks, work or records NULL: return EINVAL;
     *  - for i = 0 .. n-1: record the start, work(&tasks[i], ctx), record
     *    the finish.
     */
    (void)tasks;
    (void)n;
    (void)work;
    (void)ctx;
    (void)records;
    return ENOSYS;
}

int run_parallel(const task_spec *tasks, size_t n, task_work work, void *ctx,
                 task_record *records)
{
    /*
     * TODO:
     *  - the same checks as run_sync;
     *  - malloc an array of n pthread_t and an array of n small structs
     *    (task, work, ctx, record): one struct PER THREAD, so that thread
     *    i reads "task i" however late it starts (never pass &i);
     *  - a first loop creates every thread, a SECOND loop joins them all
     *    (joining inside the first loop runs the tasks one by one);
     *  - if pthread_create fails: join those started, return its error;
     *  - free what you allocated.
     */
    (void)tasks;
    (void)n;
    (void)work;
    (void)ctx;
    (void)records;
    return ENOSYS;
}

int run_pool(const task_spec *tasks, size_t n, size_t workers,
             task_work work, void *ctx, task_record *records)
{
    /*
     * TODO:
     *  - the same checks, plus workers == 0: EINVAL;
     *  - one shared struct: a mutex, the index of the next task nobody
     *    has taken, and everything a worker needs (tasks, n, work, ctx,
     *    records);
     *  - each worker loops: lock, take index = next and increment next
     *    (if it is < n), unlock, run that task OUTSIDE the lock; stop when
     *    nothing is left;
     *  - start min(workers, n) workers, then join them all.
     */
    (void)tasks;
    (void)n;
    (void)workers;
    (void)work;
    (void)ctx;
    (void)records;
    return ENOSYS;
}

int run_async(uv_loop_t *loop, const task_spec *tasks, size_t n,
              task_record *records)
{
    /*
     * TODO:
     *  - n == 0: return 0; loop, tasks or records NULL, or a time that is
     *    NaN (or above 1e9 s): EINVAL, before any timer is started;
     *  - one uv_timer_t PER TASK (malloc an array of structs holding the
     *    timer and what its callback needs; handle.data points to it);
     *  - uv_update_time(loop), then for each task: uv_timer_init, record
     *    the start, uv_timer_start(timer, callback, milliseconds, 0)
     *    (negative seconds: 0 ms);
     *  - the timer callback records the finish and uv_close()s its timer;
     *    the close callback counts closed timers;
     *  - run uv_run(loop, UV_RUN_ONCE) until all are closed (UV_RUN_DEFAULT
     *    would also wait for the caller's other handles); then free.
     */
    (void)loop;
    (void)tasks;
    (void)n;
    (void)records;
    return ENOSYS;
}
