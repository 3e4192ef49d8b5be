/*
 * public_tests.c - five_tasks: tests you can read and run.
 *
 * Run them with `make check EX=five_tasks`.  The grader runs more tests
 * (hidden) of the same kind: timing of every plan, records, error cases,
 * many tasks and many workers at once.
 *
 * Times are in "units" of rc_unit() (20 ms): the work callback below
 * sleeps task->seconds units, so the course's 3, 15, 8, 20 and 10 second
 * tasks take 3 to 20 units.  The tests run under the kit's controlled
 * scheduler, in virtual time (five_tasks_tests.h): a sleep of 20 units
 * ends exactly 20 units later and costs no real time, so the tests expect
 * exact times: the parallel plan takes exactly 20 units, the pool of two
 * exactly 31.
 */
#include "five_tasks.h"
#include "five_tasks_tests.h"
#include "racecourse_test.h"

#include <pthread.h>
#include <string.h>
#include <uv.h>

RC_SUITE(five_tasks_public);

#define N 5

static const task_spec TASKS[N] = {
    { "A", 3 }, { "B", 15 }, { "C", 8 }, { "D", 20 }, { "E", 10 },
};

/* What the work callback saw; every field is guarded by `lock`. */
typedef struct seen {
    pthread_mutex_t lock;
    int calls[N];               /* how many times each task ran */
    size_t order[N];            /* order[k]: the k-th task to start */
    int started;
    int strangers;              /* calls with a task not in tasks[0..5) */
    pthread_t thread[N];        /* the thread that ran each task */
} seen;

static seen S = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Sleeps task->seconds units and notes which task ran where. */
static void work(const task_spec *task, void *ctx)
{
    seen *s = ctx;
    long i = task - TASKS;

    pthread_mutex_lock(&s->lock);
    if (i < 0 || i >= N) {      /* (no cr_assert outside the test's thread) */
        s->strangers++;
        pthread_mutex_unlock(&s->lock);
        return;
    }
    s->calls[i]++;
    if (s->started < N)
        s->order[s->started] = (size_t)i;
    s->started++;
    s->thread[i] = pthread_self();
    pthread_mutex_unlock(&s->lock);
    rc_sleep(task->seconds * rc_unit());
}

static void check_each_once(const char *plan)
{
    cr_assert_eq(S.strangers, 0, "%s called work() with a task that is not &tasks[i] for an i in 0..4",
                 plan);
    for (size_t i = 0; i < N; i++)
        cr_assert_eq(S.calls[i], 1, "%s ran task %zu (\"%s\") %d times, expected exactly once",
                     plan, i, TASKS[i].name, S.calls[i]);
}

RC_TEST(five_tasks_public, sync_runs_each_task_in_order)
{
    task_record records[N];
    int rc = run_sync(TASKS, N, work, &S, records);

    cr_assert_eq(rc, 0, "run_sync returned %d (%s), expected 0", rc, strerror(rc));
    check_each_once("run_sync");
    for (size_t k = 0; k < N; k++)
        cr_assert_eq(S.order[k], k, "run_sync ran task %zu as number %zu: tasks run in index order",
                     S.order[k], k);
    for (size_t i = 0; i < N; i++)
        cr_assert(pthread_equal(S.thread[i], pthread_self()),
                  "run_sync ran task %zu on another thread: sync runs everything on the caller's thread", i);
}

RC_TEST(five_tasks_public, parallel_takes_the_longest_task)
{
    task_record records[N];
    double t0 = rc_now();
    int rc = run_parallel(TASKS, N, work, &S, records);
    double took = (rc_now() - t0) / rc_unit();

    cr_assert_eq(rc, 0, "run_parallel returned %d (%s), expected 0", rc, strerror(rc));
    check_each_once("run_parallel");
    cr_assert(took > 20 || same_units(took, 20),
              "run_parallel returned after %.3f units, before its longest task (20) had ended: join "
              "every thread before returning", took);
    cr_assert(same_units(took, 20),
              "run_parallel took %.3f units: all five tasks run at once, so it takes exactly the "
              "longest one (20), not the sum (56)", took);
}

RC_TEST(five_tasks_public, pool_of_two_takes_31)
{
    task_record records[N];
    double t0 = rc_now();
    int rc = run_pool(TASKS, N, 2, work, &S, records);
    double took = (rc_now() - t0) / rc_unit();

    cr_assert_eq(rc, 0, "run_pool returned %d (%s), expected 0", rc, strerror(rc));
    check_each_once("run_pool(2 workers)");
    cr_assert(same_units(took, 31),
              "run_pool(2 workers) took %.3f units; expected exactly 31: worker 1 runs 3, 8, 20 and "
              "worker 2 runs 15, 10, each taking the next task as soon as it is free", took);
}

RC_TEST(five_tasks_public, async_fires_every_timer)
{
    task_spec tasks[N];
    task_record records[N];
    uv_loop_t loop;
    double t0, took;
    int rc;

    for (size_t i = 0; i < N; i++)
        tasks[i] = (task_spec){ TASKS[i].name, async_seconds(TASKS[i].seconds) };
    memset(records, 0, sizeof records);
    cr_assert_eq(uv_loop_init(&loop), 0, "test setup: uv_loop_init failed");
    t0 = rc_now();
    rc = run_async(&loop, tasks, N, records);
    took = (rc_now() - t0) / rc_unit();
    cr_assert_eq(rc, 0, "run_async returned %d (%s), expected 0", rc, strerror(rc));
    cr_assert(same_units(took, async_units(20)),
              "run_async took %.3f units: its timers all run at once, so it takes exactly the "
              "longest (20)", took);
    for (size_t i = 0; i < N; i++) {
        double ran = record_units(&records[i]);

        cr_assert(same_units(ran, async_units(TASKS[i].seconds)),
                  "run_async: timer %zu fired %.3f units after it started, expected exactly %.0f",
                  i, ran, TASKS[i].seconds);
    }
    rc = uv_loop_close(&loop);
    cr_assert_eq(rc, 0, "after run_async, uv_loop_close failed (%s): close every timer you started",
                 uv_strerror(rc));
}
