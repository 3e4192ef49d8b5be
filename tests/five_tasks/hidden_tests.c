/*
 * hidden_tests.c - five_tasks: the grader's tests.
 *
 * Times are in units of rc_unit() (20 ms), in virtual time: the tests run
 * under the controlled scheduler (five_tasks_tests.h), so every plan's
 * time is exact, whatever the machine's load.  The thread plans get a
 * work callback that sleeps task->seconds * `unit_per_second` units and
 * records who ran what, when and on which thread; run_async gets its task
 * times in seconds directly (seed time x units, in whole milliseconds:
 * async_seconds).  Task arrays carry one extra "sentinel" entry after the
 * last task, so that code reading one past the end runs a known task that
 * the recorder reports instead of crashing.
 */
#define _GNU_SOURCE
#include "five_tasks.h"
#include "five_tasks_tests.h"
#include "racecourse_test.h"
#include "fault_inject.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uv.h>

RC_SUITE(five_tasks);

#define MAX_TASKS 512
#define SEED_N 5

/* The seed course's five tasks; the extra entry is the sentinel. */
static const task_spec SEED[SEED_N + 1] = {
    { "A", 3 }, { "B", 15 }, { "C", 8 }, { "D", 20 }, { "E", 10 },
    { "sentinel past the end", 0 },
};

/* ---- the recording work callback ------------------------------------- */

typedef struct recorder {
    pthread_mutex_t lock;
    const task_spec *tasks;
    size_t n;
    double unit_per_second;     /* units slept per task second */
    int calls[MAX_TASKS];       /* how many times each task ran */
    int thread[MAX_TASKS];      /* thread_number() of the thread that ran it */
    double start[MAX_TASKS];    /* rc_now() when work began */
    double end[MAX_TASKS];      /* rc_now() when work ended */
    size_t order[MAX_TASKS];    /* order[k]: the k-th task to start */
    int started, finished;      /* work calls begun / returned */
    int active, max_active;     /* calls running at once */
    int strangers;              /* calls with a task not in tasks[0..n) */
    size_t stranger_index;      /* index of the first one (n: sentinel) */
    int wrong_spec;             /* calls whose spec differs from tasks[i] */
    double late_locks_s;        /* after a task, the worker's locks are this late */
} recorder;

static recorder R;

static void recorder_reset(const task_spec *tasks, size_t n, double unit_per_second)
{
    memset(&R, 0, sizeof R);
    pthread_mutex_init(&R.lock, NULL);
    R.tasks = tasks;
    R.n = n;
    R.unit_per_second = unit_per_second;
    R.stranger_index = (size_t)-1;
}

/* Index of `task` in R.tasks[0..n): by pointer, else by name; -1 if none. */
static long identify(const task_spec *task, bool *spec_ok, bool *is_sentinel)
{
    *spec_ok = true;
    *is_sentinel = false;
    if (task >= R.tasks && task < R.tasks + R.n)
        return task - R.tasks;
    if (task == R.tasks + R.n) {
        *is_sentinel = true;
        return -1;
    }
    if (!task || !task->name)
        return -1;
    for (size_t i = 0; i < R.n; i++)        /* a copy of the spec is fine */
        if (strcmp(task->name, R.tasks[i].name) == 0) {
            *spec_ok = task->seconds == R.tasks[i].seconds;
            return (long)i;
        }
    return -1;
}

/*
 * A number for the calling thread, 1, 2 ... in the order of its first
 * call.  Unlike a pthread_t, which the C library gives again to a thread
 * started after another one was joined, it tells two threads apart even
 * when one ended before the other began.
 */
static int thread_number(void)
{
    static atomic_int numbered;
    static _Thread_local int number;

    if (number == 0)
        number = atomic_fetch_add(&numbered, 1) + 1;
    return number;
}

static void record_work(const task_spec *task, void *ctx)
{
    recorder *r = ctx;
    bool spec_ok, sentinel;
    long i = identify(task, &spec_ok, &sentinel);
    double now = rc_now();

    pthread_mutex_lock(&r->lock);
    if (i >= 0) {
        r->calls[i]++;
        r->thread[i] = thread_number();
        r->start[i] = now;
        if (r->started < MAX_TASKS)
            r->order[r->started] = (size_t)i;
        if (!spec_ok)
            r->wrong_spec++;
    } else {
        if (r->strangers++ == 0)
            r->stranger_index = sentinel ? r->n : (size_t)-1;
    }
    r->started++;
    if (++r->active > r->max_active)
        r->max_active = r->active;
    pthread_mutex_unlock(&r->lock);

    if (i >= 0)
        rc_sleep(task->seconds * r->unit_per_second * rc_unit());
    else
        sched_yield();

    pthread_mutex_lock(&r->lock);
    r->active--;
    r->finished++;
    if (i >= 0)
        r->end[i] = rc_now();
    pthread_mutex_unlock(&r->lock);
    rc_delay_locks(r->late_locks_s);
}

/* ---- checks shared by the tests -------------------------------------- */

static double units_since(double t0)
{
    return (rc_now() - t0) / rc_unit();
}

/* Each task ran exactly once with its own spec, and nothing else ran. */
static void check_each_once(const char *plan)
{
    cr_assert_eq(R.strangers, 0,
                 "%s called work() %d time(s) with a task that is not one of tasks[0..%zu)%s",
                 plan, R.strangers, R.n,
                 R.stranger_index == R.n
                     ? " (it ran tasks[n], one past the end: check your bounds)" : "");
    for (size_t i = 0; i < R.n; i++) {
        cr_assert_neq(R.calls[i], 0,
                      "%s never ran task %zu (\"%s\"): every task must run exactly once%s",
                      plan, i, R.tasks[i].name,
                      R.started >= (int)R.n
                          ? " (another task ran in its place: does each thread get ITS OWN task, not a pointer to a shared index?)"
                          : "");
        cr_assert_eq(R.calls[i], 1,
                     "%s ran task %zu (\"%s\") %d times: every task must run exactly once "
                     "(do two threads read the same index? take it under a lock and never pass &i)",
                     plan, i, R.tasks[i].name, R.calls[i]);
    }
    cr_assert_eq(R.wrong_spec, 0,
                 "%s passed work() a task_spec whose seconds differ from tasks[i]'s", plan);
}

/*
 * records[i] brackets the work call of task i, on CLOCK_MONOTONIC: it
 * started before work began and finished after it ended.
 */
static void check_records_bracket_work(const char *plan, const task_record *records)
{
    const double eps = EXACT;

    for (size_t i = 0; i < R.n; i++) {
        double started = seconds_of(records[i].started);
        double finished = seconds_of(records[i].finished);

        cr_assert(started > R.start[i] - 1.0 && finished < R.end[i] + 1.0,
                  "%s: records[%zu] (%.3f .. %.3f s) is nowhere near when the task ran (%.3f .. %.3f s "
                  "on CLOCK_MONOTONIC): use clock_gettime(CLOCK_MONOTONIC, ...)",
                  plan, i, started, finished, R.start[i], R.end[i]);
        cr_assert(started <= R.start[i] + eps,
                  "%s: records[%zu].started (%.3f s) is after work() began (%.3f s): "
                  "read the clock just BEFORE calling work()",
                  plan, i, started, R.start[i]);
        cr_assert(finished >= R.end[i] - eps,
                  "%s: records[%zu].finished (%.3f s) is before work() returned (%.3f s): "
                  "read the clock just AFTER work() returns",
                  plan, i, finished, R.end[i]);
    }
}

/* Every record lies within [before, after] and started <= finished. */
static void check_records_within(const char *plan, const task_record *records,
                                 size_t n, double before, double after)
{
    const double eps = EXACT;

    for (size_t i = 0; i < n; i++) {
        double started = seconds_of(records[i].started);
        double finished = seconds_of(records[i].finished);

        cr_assert(started >= before - eps && finished <= after + eps,
                  "%s: records[%zu] says %.3f .. %.3f s, but the call ran from %.3f to %.3f s "
                  "on CLOCK_MONOTONIC: fill records with clock_gettime(CLOCK_MONOTONIC, ...)",
                  plan, i, started, finished, before, after);
        cr_assert(started <= finished,
                  "%s: records[%zu].started (%.3f s) is after its finished (%.3f s)",
                  plan, i, started, finished);
    }
}

/* True once records[i].finished has been filled in (records zeroed before the run). */
static bool record_filled(const task_record *record)
{
    const volatile struct timespec *finished = &record->finished;

    return finished->tv_sec != 0 || finished->tv_nsec != 0;
}

/*
 * Every timer of run_async fired before it returned: records[0..n)'s
 * `finished` filled in (records zeroed before the run).
 */
static void check_timers_fired(const task_record *records, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(record_filled(&records[i]),
                  "run_async returned, but timer %zu never fired (records[%zu].finished was not "
                  "filled in): give each task a timer of its own and run the loop until every one "
                  "has fired", i, i);
}

/* Fills tasks[0..n) with unique names and the given times, plus a sentinel. */
static void make_tasks(task_spec *tasks, size_t n, char (*names)[32],
                       double (*seconds_of_task)(size_t))
{
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "task %zu", i);
        tasks[i] = (task_spec){ names[i], seconds_of_task(i) };
    }
    tasks[n] = (task_spec){ "sentinel past the end", 0 };
}

/* ---- common rules ---------------------------------------------------- */

RC_TEST(five_tasks, zero_tasks_returns_zero)
{
    task_record records[1];

    recorder_reset(SEED, SEED_N, 0);
    cr_assert_eq(run_sync(NULL, 0, NULL, NULL, NULL), 0,
                 "run_sync(NULL, 0, NULL, NULL, NULL) must return 0: n == 0 is checked before anything else");
    cr_assert_eq(run_parallel(NULL, 0, NULL, NULL, NULL), 0,
                 "run_parallel(NULL, 0, NULL, NULL, NULL) must return 0: n == 0 is checked before anything else");
    cr_assert_eq(run_pool(NULL, 0, 0, NULL, NULL, NULL), 0,
                 "run_pool(NULL, 0, 0, ...) must return 0: n == 0 is checked before anything else, workers too");
    cr_assert_eq(run_async(NULL, NULL, 0, NULL), 0,
                 "run_async(NULL, NULL, 0, NULL) must return 0: n == 0 is checked before anything else");
    cr_assert_eq(run_sync(SEED, 0, record_work, &R, records), 0,
                 "run_sync with n == 0 must return 0");
    cr_assert_eq(run_parallel(SEED, 0, record_work, &R, records), 0,
                 "run_parallel with n == 0 must return 0");
    cr_assert_eq(run_pool(SEED, 0, 2, record_work, &R, records), 0,
                 "run_pool with n == 0 must return 0");
    cr_assert_eq(R.started, 0, "a plan called work() although n was 0");
}

RC_TEST(five_tasks, null_arguments_einval)
{
    task_record records[SEED_N];
    uv_loop_t loop;

    recorder_reset(SEED, SEED_N, 0);
    cr_assert_eq(run_sync(NULL, SEED_N, record_work, &R, records), EINVAL,
                 "run_sync with tasks NULL must return EINVAL");
    cr_assert_eq(run_sync(SEED, SEED_N, NULL, &R, records), EINVAL,
                 "run_sync with work NULL must return EINVAL");
    cr_assert_eq(run_sync(SEED, SEED_N, record_work, &R, NULL), EINVAL,
                 "run_sync with records NULL must return EINVAL");
    cr_assert_eq(run_parallel(NULL, SEED_N, record_work, &R, records), EINVAL,
                 "run_parallel with tasks NULL must return EINVAL");
    cr_assert_eq(run_parallel(SEED, SEED_N, NULL, &R, records), EINVAL,
                 "run_parallel with work NULL must return EINVAL");
    cr_assert_eq(run_parallel(SEED, SEED_N, record_work, &R, NULL), EINVAL,
                 "run_parallel with records NULL must return EINVAL");
    cr_assert_eq(run_pool(NULL, SEED_N, 2, record_work, &R, records), EINVAL,
                 "run_pool with tasks NULL must return EINVAL");
    cr_assert_eq(run_pool(SEED, SEED_N, 2, NULL, &R, records), EINVAL,
                 "run_pool with work NULL must return EINVAL");
    cr_assert_eq(run_pool(SEED, SEED_N, 2, record_work, &R, NULL), EINVAL,
                 "run_pool with records NULL must return EINVAL");
    cr_assert_eq(run_pool(SEED, SEED_N, 0, record_work, &R, records), EINVAL,
                 "run_pool with workers == 0 must return EINVAL");
    cr_assert_eq(R.started, 0, "work() was called although the arguments were invalid");

    cr_assert_eq(uv_loop_init(&loop), 0, "test setup: uv_loop_init failed");
    cr_assert_eq(run_async(NULL, SEED, SEED_N, records), EINVAL,
                 "run_async with loop NULL must return EINVAL");
    cr_assert_eq(run_async(&loop, NULL, SEED_N, records), EINVAL,
                 "run_async with tasks NULL must return EINVAL");
    cr_assert_eq(run_async(&loop, SEED, SEED_N, NULL), EINVAL,
                 "run_async with records NULL must return EINVAL");
    cr_assert_eq(uv_loop_close(&loop), 0,
                 "run_async returned EINVAL but left a handle on the loop (uv_loop_close failed)");
}

/* ---- run_sync -------------------------------------------------------- */

RC_TEST(five_tasks, sync_runs_in_order_on_caller)
{
    task_record records[SEED_N];
    int rc;

    recorder_reset(SEED, SEED_N, 0.25);
    rc = run_sync(SEED, SEED_N, record_work, &R, records);
    cr_assert_eq(rc, 0, "run_sync returned %d (%s), expected 0", rc, strerror(rc));
    check_each_once("run_sync");
    for (size_t k = 0; k < SEED_N; k++)
        cr_assert_eq(R.order[k], k,
                     "run_sync ran task %zu as number %zu: tasks must run in index order 0, 1, 2, ...",
                     R.order[k], k);
    for (size_t i = 0; i < SEED_N; i++)
        cr_assert(R.thread[i] == thread_number(),
                  "run_sync ran task %zu on another thread: the sync plan runs every task on the calling thread",
                  i);
    cr_assert_eq(R.max_active, 1,
                 "run_sync had %d tasks running at once: each must start after the previous one returned",
                 R.max_active);
}

RC_TEST(five_tasks, sync_takes_the_sum)
{
    task_record records[SEED_N];
    double t0, took;
    int rc;

    recorder_reset(SEED, SEED_N, 0.5);
    t0 = rc_now();
    rc = run_sync(SEED, SEED_N, record_work, &R, records);
    took = units_since(t0);
    cr_assert_eq(rc, 0, "run_sync returned %d (%s), expected 0", rc, strerror(rc));
    check_each_once("run_sync");
    cr_assert(same_units(took, 28),
              "run_sync took %.3f units; the five tasks take exactly 28 units one after the other",
              took);
    check_records_bracket_work("run_sync", records);
    for (size_t i = 0; i < SEED_N; i++) {
        double length = record_units(&records[i]);
        double expected = SEED[i].seconds * 0.5;

        cr_assert(same_units(length, expected),
                  "run_sync: records[%zu] lasts %.3f units, but task %zu took exactly %.1f units: "
                  "read the clock just before work() and just after it returns",
                  i, length, i, expected);
    }
    for (size_t i = 1; i < SEED_N; i++)
        cr_assert(seconds_of(records[i].started) >= seconds_of(records[i - 1].finished),
                  "run_sync: task %zu started before task %zu finished", i, i - 1);
}

/* ---- run_parallel ---------------------------------------------------- */

/*
 * Waits (at most 25 units) until work() has been called for n tasks, no
 * call is still running and, with records, every records[i].finished is
 * filled in.  The tests that check what ran, not when, call it after
 * run_parallel returns: a run_parallel that returns before its threads are
 * done then gets the same verdict on every run, however far its threads
 * got meanwhile (parallel_joins_before_return is the test that catches it).
 */
static void let_work_settle(const task_record *records, size_t n)
{
    double until = rc_now() + 25 * rc_unit();
    bool settled = false;

    while (!settled && rc_now() < until) {
        pthread_mutex_lock(&R.lock);
        settled = R.started >= (int)n && R.active == 0;
        pthread_mutex_unlock(&R.lock);
        for (size_t i = 0; settled && records && i < n; i++)
            settled = record_filled(&records[i]);
        if (!settled)
            rc_sleep(0.001);
    }
}

RC_TEST(five_tasks, parallel_each_task_once_own_spec)
{
    task_record records[SEED_N + 1];
    int rc;

    memset(records, 0, sizeof records);
    recorder_reset(SEED, SEED_N, 0.25);
    rc = run_parallel(SEED, SEED_N, record_work, &R, records);
    cr_assert_eq(rc, 0, "run_parallel returned %d (%s), expected 0", rc, strerror(rc));
    let_work_settle(records, SEED_N);
    check_each_once("run_parallel");
    for (size_t i = 0; i < SEED_N; i++)
        for (size_t j = 0; j < i; j++)
            cr_assert(R.thread[i] != R.thread[j],
                      "run_parallel ran tasks %zu and %zu on the same thread: start one thread per task",
                      j, i);
    check_records_bracket_work("run_parallel", records);
}

static double one_to_three(size_t i)
{
    return 1.0 + (double)(i % 3);
}

RC_TEST(five_tasks, parallel_many_tasks_each_once)
{
    enum { N = 64 };
    static task_spec tasks[N + 1];
    static char names[N][32];
    static task_record records[N + 1];
    double t0, took;
    int rc;

    make_tasks(tasks, N, names, one_to_three);
    for (int round = 0; round < 3; round++) {
        recorder_reset(tasks, N, 1.0);
        t0 = rc_now();
        rc = run_parallel(tasks, N, record_work, &R, records);
        took = units_since(t0);
        cr_assert_eq(rc, 0, "run_parallel with %d tasks returned %d (%s), expected 0", N, rc, strerror(rc));
        let_work_settle(NULL, N);
        check_each_once("run_parallel");
        cr_assert(same_units(took, 3),
                  "run_parallel took %.3f units for %d tasks of 1-3 units each, expected exactly 3: "
                  "they all run at once, and it returns when the longest has ended", took, N);
    }
}

RC_TEST(five_tasks, parallel_takes_the_longest)
{
    task_record records[SEED_N + 1];
    double t0, took;
    int rc;

    recorder_reset(SEED, SEED_N, 1.0);
    t0 = rc_now();
    rc = run_parallel(SEED, SEED_N, record_work, &R, records);
    took = units_since(t0);
    cr_assert_eq(rc, 0, "run_parallel returned %d (%s), expected 0", rc, strerror(rc));
    check_each_once("run_parallel");
    cr_assert(took > 20 || same_units(took, 20),
              "run_parallel took %.3f units, but the longest task alone takes 20: did it wait for "
              "every thread?", took);
    cr_assert(same_units(took, 20),
              "run_parallel took %.3f units: with one thread per task it takes exactly 20 (the "
              "longest task), not 56 (the sum). Create ALL threads first, then join them in a "
              "second loop", took);
}

RC_TEST(five_tasks, parallel_joins_before_return)
{
    task_record records[SEED_N + 1];
    int rc, finished, started, active;

    memset(records, 0, sizeof records);
    recorder_reset(SEED, SEED_N, 0.25);
    rc = run_parallel(SEED, SEED_N, record_work, &R, records);
    pthread_mutex_lock(&R.lock);
    finished = R.finished;
    active = R.active;
    pthread_mutex_unlock(&R.lock);
    cr_assert_eq(rc, 0, "run_parallel returned %d (%s), expected 0", rc, strerror(rc));
    cr_assert_eq(finished, SEED_N,
                 "when run_parallel returned, only %d of the %d tasks had finished (%d still running): "
                 "join every thread before returning (never detach them)",
                 finished, SEED_N, active);
    check_each_once("run_parallel");
    for (size_t i = 0; i < SEED_N; i++)
        cr_assert(records[i].finished.tv_sec != 0 || records[i].finished.tv_nsec != 0,
                  "when run_parallel returned, records[%zu].finished was not filled in yet", i);
    rc_sleep(3 * rc_unit());
    pthread_mutex_lock(&R.lock);
    started = R.started;
    pthread_mutex_unlock(&R.lock);
    cr_assert_eq(started, SEED_N,
                 "work() was called %d times, %d of them after run_parallel had returned",
                 started, started - SEED_N);
}

/* ---- run_pool -------------------------------------------------------- */

/*
 * Which worker runs which task is the point of this test: in virtual
 * time a free worker takes the next task at the very instant it is free,
 * so the split is the same on every run (3, 8, 20 and 15, 10: 31 units).
 */
RC_TEST(five_tasks, pool_two_workers_makespan)
{
    task_record records[SEED_N + 1];
    double t0, took;
    int rc;

    recorder_reset(SEED, SEED_N, 1.0);
    t0 = rc_now();
    rc = run_pool(SEED, SEED_N, 2, record_work, &R, records);
    took = units_since(t0);
    cr_assert_eq(rc, 0, "run_pool(2 workers) returned %d (%s), expected 0", rc, strerror(rc));
    check_each_once("run_pool(2 workers)");
    check_records_bracket_work("run_pool(2 workers)", records);
    cr_assert(R.thread[0] != R.thread[1],
              "run_pool(2 workers) ran tasks 0 and 1 on the same thread: both workers start at "
              "once, and each takes one of the first two tasks");
    cr_assert(R.thread[2] == R.thread[0],
              "run_pool(2 workers): task 2 (8 s) must go to the worker that finished task 0 (3 s) "
              "first: a free worker takes the NEXT task in index order (no fixed split of the "
              "tasks)");
    cr_assert(R.thread[3] == R.thread[0],
              "run_pool(2 workers): task 3 (20 s) must go to the worker that is free first (at "
              "11 s, after tasks 0 and 2), not be fixed in advance");
    cr_assert(R.thread[4] == R.thread[1],
              "run_pool(2 workers): task 4 (10 s) must go to the worker that ran task 1 (free at "
              "15 s)");
    cr_assert(same_units(took, 31),
              "run_pool(2 workers) took %.3f units; with the tasks 3, 15, 8, 20, 10 units it takes "
              "exactly 31", took);
}

/*
 * Runs the seed tasks on a pool of `workers` (a task second is
 * `unit_per_second` units) with `records` (SEED_N + 1 of them), checks that it returned 0 and ran each task
 * once (`plan` names the call in messages); returns how long it took, in
 * units.
 */
static double time_seed_pool(task_record *records, size_t workers, double unit_per_second,
                             const char *plan)
{
    double t0, took;
    int rc;

    recorder_reset(SEED, SEED_N, unit_per_second);
    t0 = rc_now();
    rc = run_pool(SEED, SEED_N, workers, record_work, &R, records);
    took = units_since(t0);
    cr_assert_eq(rc, 0, "%s returned %d (%s), expected 0", plan, rc, strerror(rc));
    check_each_once(plan);
    return took;
}

RC_TEST(five_tasks, pool_one_worker_is_sequential)
{
    task_record records[SEED_N + 1];
    double took = time_seed_pool(records, 1, 0.25, "run_pool(1 worker)");

    for (size_t k = 0; k < SEED_N; k++)
        cr_assert_eq(R.order[k], k,
                     "run_pool(1 worker) ran task %zu as number %zu: workers take tasks in index order",
                     R.order[k], k);
    cr_assert_eq(R.max_active, 1, "run_pool(1 worker) ran %d tasks at once", R.max_active);
    for (size_t i = 1; i < SEED_N; i++)
        cr_assert(R.thread[i] == R.thread[0],
                  "run_pool(1 worker) ran tasks 0 and %zu on different threads: start only `workers` threads", i);
    cr_assert(same_units(took, 14),
              "run_pool(1 worker) took %.3f units; one worker runs the tasks one after the other: "
              "exactly 14 units", took);
}

RC_TEST(five_tasks, pool_five_workers_takes_longest)
{
    task_record records[SEED_N + 1];
    double took = time_seed_pool(records, 5, 1.0, "run_pool(5 workers)");

    cr_assert(same_units(took, 20),
              "run_pool(5 workers) took %.3f units; with a worker per task it takes exactly the "
              "longest task, 20", took);
}

static double no_time(size_t i)
{
    (void)i;
    return 0;
}

static double tiny_time(size_t i)
{
    return i % 7 == 0 ? 0.05 : 0;
}

static double five_units(size_t i)
{
    (void)i;
    return 5;
}

RC_TEST(five_tasks, pool_stress_each_once)
{
    enum { N = 200 };
    static task_spec tasks[N + 1];
    static char names[N][32];
    static task_record records[N + 1];
    static const size_t workers[] = { 8, 3, 16 };
    char plan[64];
    int rc;

    for (int round = 0; round < 6; round++) {
        size_t w = workers[round % 3];
        size_t n = round == 5 ? 3 : N;      /* last round: more workers than tasks */

        make_tasks(tasks, n, names, round % 2 ? tiny_time : no_time);
        recorder_reset(tasks, n, 1.0);
        snprintf(plan, sizeof plan, "run_pool(%zu tasks, %zu workers)", n, w);
        rc = run_pool(tasks, n, w, record_work, &R, records);
        cr_assert_eq(rc, 0, "%s returned %d (%s), expected 0", plan, rc, strerror(rc));
        check_each_once(plan);
        cr_assert(R.max_active <= (int)w, "%s ran %d tasks at once", plan, R.max_active);
    }

    /*
     * 3 tasks of 5 units, 2 workers: both finish their first task together
     * and come back for the last one, each taking its lock 2 units late.
     * A worker that checks what is left before it takes the lock
     * (check-then-act) lets both in, on every run.
     */
    make_tasks(tasks, 3, names, five_units);
    recorder_reset(tasks, 3, 1.0);
    R.late_locks_s = 2 * rc_unit();
    rc = run_pool(tasks, 3, 2, record_work, &R, records);
    cr_assert_eq(rc, 0, "run_pool(3 tasks, 2 workers) returned %d (%s), expected 0", rc, strerror(rc));
    check_each_once("run_pool(3 tasks, 2 workers), both workers back for the last task at once");
}

/* ---- run_async ------------------------------------------------------- */

/*
 * Fills tasks[0..n) with the seed's times times `units` units, in seconds
 * (whole milliseconds: each timer lasts async_units(seed time x units)).
 */
static void seed_async(task_spec *tasks, double units)
{
    for (size_t i = 0; i < SEED_N; i++)
        tasks[i] = (task_spec){ SEED[i].name, async_seconds(SEED[i].seconds * units) };
}

/* What a timer of the test's own saw while run_async was running. */
typedef struct probe {
    bool fired;
    pthread_t thread;
    int threads;
} probe;

static void on_probe(uv_timer_t *timer)
{
    probe *p = timer->data;

    p->fired = true;
    p->thread = pthread_self();
    p->threads = rc_thread_count();
}

static void on_test_handle_closed(uv_handle_t *handle)
{
    (void)handle;
}

/* Closes the test's own timer, then checks that the loop closes. */
static void close_loop_with(uv_loop_t *loop, uv_timer_t *own, const char *what)
{
    int rc;

    if (own)
        uv_close((uv_handle_t *)own, on_test_handle_closed);
    uv_run(loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(loop);
    cr_assert_eq(rc, 0,
                 "%s: uv_loop_close failed (%s): run_async left a handle on the loop; "
                 "uv_close every timer and run the loop until the close callbacks ran",
                 what, uv_strerror(rc));
}

RC_TEST(five_tasks, async_no_thread_on_caller)
{
    task_spec tasks[SEED_N];
    task_record records[SEED_N];
    uv_loop_t loop;
    uv_timer_t own;
    probe seen = { .fired = false };
    int before, rc;
    double t0, took;

    seed_async(tasks, 1.0);
    cr_assert_eq(uv_loop_init(&loop), 0, "test setup: uv_loop_init failed");
    uv_timer_init(&loop, &own);
    own.data = &seen;
    uv_timer_start(&own, on_probe, (uint64_t)(5 * rc_unit() * 1000), 0);
    before = rc_thread_count();
    t0 = rc_now();
    rc = run_async(&loop, tasks, SEED_N, records);
    took = units_since(t0);
    cr_assert_eq(rc, 0, "run_async returned %d (%s), expected 0", rc, strerror(rc));
    cr_assert(seen.fired,
              "the loop did not run while run_async waited (a timer of the test, due after 5 units, "
              "did not fire): run the loop with uv_run on the calling thread");
    cr_assert(pthread_equal(seen.thread, pthread_self()),
              "run_async ran the loop on another thread: run it on the calling thread");
    cr_assert_eq(seen.threads, before,
                 "while run_async ran, the process had %d threads instead of %d: the async plan creates no thread",
                 seen.threads, before);
    cr_assert(same_units(took, async_units(20)),
              "run_async took %.3f units; all timers run at once, so it takes exactly the longest "
              "one, 20", took);
    close_loop_with(&loop, &own, "after run_async");
}

/*
 * Every timer is started at once, when the call begins (no virtual time
 * passes before), each lasts exactly its own time, and they fire in the
 * order of their times.
 */
RC_TEST(five_tasks, async_records_timers)
{
    task_spec tasks[SEED_N];
    task_record records[SEED_N];
    uv_loop_t loop;
    double t0, t1;
    int rc;
    static const size_t by_time[SEED_N] = { 0, 2, 4, 1, 3 };

    seed_async(tasks, 0.5);
    memset(records, 0, sizeof records);
    cr_assert_eq(uv_loop_init(&loop), 0, "test setup: uv_loop_init failed");
    t0 = rc_now();
    rc = run_async(&loop, tasks, SEED_N, records);
    t1 = rc_now();
    cr_assert_eq(rc, 0, "run_async returned %d (%s), expected 0", rc, strerror(rc));
    check_timers_fired(records, SEED_N);
    check_records_within("run_async", records, SEED_N, t0, t1);
    for (size_t i = 0; i < SEED_N; i++) {
        double started = (seconds_of(records[i].started) - t0) / rc_unit();
        double took = record_units(&records[i]);
        double expected = async_units(SEED[i].seconds * 0.5);

        cr_assert(same_units(started, 0),
                  "run_async: records[%zu].started is %.3f units after the call began: every timer "
                  "is started at once, and `started` is when its timer was started", i, started);
        cr_assert(same_units(took, expected),
                  "run_async: timer %zu fired %.3f units after it started, expected exactly %.1f "
                  "(each task gets its own timer of tasks[i].seconds)", i, took, expected);
    }
    for (size_t k = 1; k < SEED_N; k++)
        cr_assert(seconds_of(records[by_time[k]].finished) >= seconds_of(records[by_time[k - 1]].finished),
                  "run_async: the %.0f-unit timer fired before the %.0f-unit one",
                  SEED[by_time[k]].seconds * 0.5, SEED[by_time[k - 1]].seconds * 0.5);
    close_loop_with(&loop, NULL, "after run_async");
}

RC_TEST(five_tasks, async_stale_loop_time)
{
    task_spec tasks[3];
    task_record records[3];
    uv_loop_t loop;
    int rc;

    for (size_t i = 0; i < 3; i++)
        tasks[i] = (task_spec){ SEED[i].name, async_seconds(4.0 * (double)(i + 1)) };
    memset(records, 0, sizeof records);
    cr_assert_eq(uv_loop_init(&loop), 0, "test setup: uv_loop_init failed");
    rc_sleep(15 * rc_unit());           /* the loop's cached "now" goes stale */
    rc = run_async(&loop, tasks, 3, records);
    cr_assert_eq(rc, 0, "run_async returned %d (%s), expected 0", rc, strerror(rc));
    check_timers_fired(records, 3);
    for (size_t i = 0; i < 3; i++) {
        double length = record_units(&records[i]);
        double expected = async_units(4.0 * (double)(i + 1));

        cr_assert(same_units(length, expected),
                  "run_async on a loop that sat idle for 15 units: timer %zu fired after %.3f units "
                  "instead of exactly %.0f. libuv caches the loop's \"now\": call "
                  "uv_update_time(loop) before starting the timers", i, length, expected);
    }
    close_loop_with(&loop, NULL, "after run_async");
}

RC_TEST(five_tasks, async_returns_when_own_timers_fired)
{
    task_spec tasks[3];
    task_record records[3];
    uv_loop_t loop;
    uv_timer_t own;
    probe seen = { .fired = false };
    double t0, took;
    int rc;

    for (size_t i = 0; i < 3; i++)
        tasks[i] = (task_spec){ SEED[i].name, async_seconds(2.0 * (double)(i + 1)) };
    cr_assert_eq(uv_loop_init(&loop), 0, "test setup: uv_loop_init failed");
    uv_timer_init(&loop, &own);
    own.data = &seen;
    uv_timer_start(&own, on_probe, (uint64_t)(40 * rc_unit() * 1000), 0);
    t0 = rc_now();
    rc = run_async(&loop, tasks, 3, records);
    took = units_since(t0);
    cr_assert_eq(rc, 0, "run_async returned %d (%s), expected 0", rc, strerror(rc));
    cr_assert(same_units(took, async_units(6)),
              "run_async took %.3f units although its longest timer takes exactly 6: did it wait for "
              "a timer of the caller's (due at 40 units)? Run the loop (UV_RUN_ONCE) only until your "
              "own timers have fired, not with UV_RUN_DEFAULT", took);
    cr_assert(uv_is_active((uv_handle_t *)&own) && !seen.fired,
              "run_async stopped or ran a timer of the caller's that was still pending");
    uv_timer_stop(&own);
    close_loop_with(&loop, &own, "after run_async");
}

RC_TEST(five_tasks, async_leaves_no_handle)
{
    task_spec tasks[SEED_N];
    task_record records[SEED_N];
    uv_loop_t loop;
    int rc;

    seed_async(tasks, 0.25);
    cr_assert_eq(uv_loop_init(&loop), 0, "test setup: uv_loop_init failed");
    rc = run_async(&loop, tasks, SEED_N, records);
    cr_assert_eq(rc, 0, "run_async returned %d (%s), expected 0", rc, strerror(rc));
    cr_assert(!uv_loop_alive(&loop),
              "after run_async returned, the loop still had an active handle or request");
    rc = uv_loop_close(&loop);
    cr_assert_eq(rc, 0,
                 "after run_async returned, uv_loop_close failed (%s): a timer is still on the loop. "
                 "uv_close every timer and run the loop until its close callback ran",
                 uv_strerror(rc));
}

RC_TEST(five_tasks, async_nan_and_negative)
{
    task_spec tasks[3];
    task_record records[3];
    uv_loop_t loop;
    double took;
    int rc;

    cr_assert_eq(uv_loop_init(&loop), 0, "test setup: uv_loop_init failed");
    tasks[0] = (task_spec){ "A", async_seconds(1) };
    tasks[1] = (task_spec){ "B", async_seconds(2) };
    tasks[2] = (task_spec){ "not a number", NAN };
    rc = run_async(&loop, tasks, 3, records);
    cr_assert_eq(rc, EINVAL, "run_async with a NaN time (the last task's) returned %d (%s), expected EINVAL",
                 rc, strerror(rc));
    cr_assert(!uv_loop_alive(&loop),
              "run_async returned EINVAL for a NaN time but left timers running on the loop: "
              "check every time before starting any timer");
    close_loop_with(&loop, NULL, "after run_async returned EINVAL");

    cr_assert_eq(uv_loop_init(&loop), 0, "test setup: uv_loop_init failed");
    tasks[0] = (task_spec){ "negative", -5.0 };
    tasks[1] = (task_spec){ "B", async_seconds(3) };
    memset(records, 0, sizeof records);
    rc = run_async(&loop, tasks, 2, records);
    cr_assert_eq(rc, 0, "run_async with a negative time returned %d (%s), expected 0 (it counts as 0)",
                 rc, strerror(rc));
    check_timers_fired(records, 2);
    took = record_units(&records[0]);
    cr_assert(same_units(took, 0), "run_async: a timer of -5 s must fire at once (a negative time "
              "counts as 0); it fired after %.3f units", took);
    took = record_units(&records[1]);
    cr_assert(same_units(took, async_units(3)),
              "run_async: the 3-unit timer fired after %.3f units, expected exactly 3", took);
    close_loop_with(&loop, NULL, "after run_async");
}

/* ---- records --------------------------------------------------------- */

/* A thread plan on the seed tasks with the recording work callback. */
typedef int (*thread_plan)(task_record *records);

static int plan_sync(task_record *records)
{
    return run_sync(SEED, SEED_N, record_work, &R, records);
}

static int plan_parallel(task_record *records)
{
    return run_parallel(SEED, SEED_N, record_work, &R, records);
}

static int plan_pool(task_record *records)
{
    return run_pool(SEED, SEED_N, 2, record_work, &R, records);
}

/* Runs `plan` (named `name`): 0, each task once, records within the call. */
static void check_plan_records(const char *name, thread_plan plan, task_record *records)
{
    double t0, t1;
    int rc;

    recorder_reset(SEED, SEED_N, 0.1);
    t0 = rc_now();
    rc = plan(records);
    t1 = rc_now();
    cr_assert_eq(rc, 0, "%s returned %d (%s), expected 0", name, rc, strerror(rc));
    check_each_once(name);
    check_records_within(name, records, SEED_N, t0, t1);
}

RC_TEST(five_tasks, records_use_monotonic_clock)
{
    task_record records[SEED_N + 1];
    task_spec tasks[SEED_N];
    uv_loop_t loop;
    double t0, t1;
    int rc;

    check_plan_records("run_sync", plan_sync, records);
    check_plan_records("run_parallel", plan_parallel, records);
    check_plan_records("run_pool", plan_pool, records);

    seed_async(tasks, 0.1);
    memset(records, 0, sizeof records);
    cr_assert_eq(uv_loop_init(&loop), 0, "test setup: uv_loop_init failed");
    t0 = rc_now();
    rc = run_async(&loop, tasks, SEED_N, records);
    t1 = rc_now();
    cr_assert_eq(rc, 0, "run_async returned %d (%s), expected 0", rc, strerror(rc));
    check_timers_fired(records, SEED_N);
    check_records_within("run_async", records, SEED_N, t0, t1);
    close_loop_with(&loop, NULL, "after run_async");
}

/* ---- error paths (fault injection, see fault_inject.h) ---------------- */

/* Beyond this many failing calls a plan is taken to loop on a failure. */
#define FAULT_MAX_K 64

/* What one run of a plan with a failing call left behind. */
typedef struct fault_run {
    int rc;
    unsigned long failed;       /* calls made to fail */
    unsigned long created;      /* threads it did start */
    unsigned long joins;        /* join calls it made */
    long threads, blocks;       /* still live after it returned */
    int started, finished;      /* work() calls at its return */
} fault_run;

static void run_with_fault(thread_plan plan, unsigned families, unsigned long k, int err,
                           fault_run *run)
{
    task_record records[SEED_N + 1];
    long threads = rc_fault_live_threads(), blocks = rc_fault_live_blocks();
    unsigned long creates = rc_fault_calls(RC_FAULT_THREAD);
    unsigned long joins = rc_fault_calls(RC_FAULT_JOIN);
    unsigned long failed_creates;

    memset(records, 0, sizeof records);
    recorder_reset(SEED, SEED_N, 0.1);
    rc_fault_arm(families, k, err);
    run->rc = plan(records);
    run->failed = rc_fault_disarm();
    pthread_mutex_lock(&R.lock);
    run->started = R.started;
    run->finished = R.finished;
    pthread_mutex_unlock(&R.lock);
    run->threads = rc_fault_live_threads() - threads;
    run->blocks = rc_fault_live_blocks() - blocks;
    failed_creates = (families & RC_FAULT_THREAD) ? run->failed : 0;
    run->created = rc_fault_calls(RC_FAULT_THREAD) - creates - failed_creates;
    run->joins = rc_fault_calls(RC_FAULT_JOIN) - joins;
}

/*
 * Runs `plan` with the k-th call of `families` (named `what`) failing with
 * `err`, for k = 1, 2, ... until a run makes fewer such calls than k:
 * that run took the normal path and must succeed.  After each failed run:
 * the plan returned `err`, joined every thread it had started, freed what
 * it allocated, no work() call was still running or came later; with
 * `started_ran`, as many tasks ran as threads started.  Only counts are
 * checked, which do not depend on timing (the other tests check which
 * task ran where).
 */
static void check_plan_faults(const char *name, thread_plan plan, unsigned families,
                              const char *what, int err, bool started_ran)
{
    for (unsigned long k = 1; k <= FAULT_MAX_K; k++) {
        fault_run run;
        int later;

        run_with_fault(plan, families, k, err, &run);
        if (run.failed == 0) {
            cr_assert_eq(run.rc, 0, "%s returned %d (%s), expected 0", name, run.rc,
                         strerror(run.rc));
            cr_assert_eq(run.started, SEED_N, "%s ran %d task(s) of %d", name, run.started,
                         SEED_N);
            cr_assert_eq(run.threads, 0, "%s returned with %ld thread(s) not joined", name,
                         run.threads);
            cr_assert_geq(run.joins, run.created, "%s started %lu thread(s) but joined %lu: "
                          "join every thread (pthread_detach does not wait)",
                          name, run.created, run.joins);
            return;
        }
        cr_assert_eq(run.rc, err,
                     "%s returned %d (%s) when call %lu of %s failed with %s: return that error",
                     name, run.rc, strerror(run.rc), k, what, strerror(err));
        cr_assert_eq(run.threads, 0,
                     "%s returned %s (call %lu of %s failed) with %ld thread(s) it had started "
                     "not joined: join every thread that did start before returning the error",
                     name, strerror(err), k, what, run.threads);
        cr_assert_geq(run.joins, run.created,
                      "%s returned %s (call %lu of %s failed) after starting %lu thread(s) but "
                      "joining %lu: join every thread that did start (pthread_detach does not "
                      "wait)", name, strerror(err), k, what, run.created, run.joins);
        cr_assert_eq(run.started, run.finished,
                     "%s returned %s (call %lu of %s failed) while %d work() call(s) still ran: "
                     "join the threads that did start first",
                     name, strerror(err), k, what, run.started - run.finished);
        cr_assert_leq(run.blocks, 0,
                      "%s returned %s (call %lu of %s failed) without freeing %ld block(s) it "
                      "had allocated: free them on the error path too",
                      name, strerror(err), k, what, run.blocks);
        rc_sleep(2 * rc_unit());
        pthread_mutex_lock(&R.lock);
        later = R.started - run.started;
        pthread_mutex_unlock(&R.lock);
        cr_assert_eq(later, 0,
                     "%s returned %s (call %lu of %s failed), then work() was still called %d "
                     "time(s): no task may run after the plan returned",
                     name, strerror(err), k, what, later);
        if (started_ran)
            cr_assert_eq((unsigned long)run.started, run.created,
                         "%s started %lu thread(s) before pthread_create failed (call %lu), "
                         "but %d task(s) ran: each thread that did start runs its task, "
                         "the others do not",
                         name, run.created, k, run.started);
    }
}

RC_TEST(five_tasks, parallel_start_failure_joins_started)
{
    check_plan_faults("run_parallel", plan_parallel, RC_FAULT_THREAD, "pthread_create", EAGAIN,
                      true);
}

RC_TEST(five_tasks, parallel_out_of_memory_cleans_up)
{
    check_plan_faults("run_parallel", plan_parallel, RC_FAULT_ALLOC, "malloc/calloc/realloc",
                      ENOMEM, false);
}

RC_TEST(five_tasks, pool_start_failure_joins_started)
{
    check_plan_faults("run_pool", plan_pool, RC_FAULT_THREAD, "pthread_create", EAGAIN, false);
    check_plan_faults("run_pool", plan_pool, RC_FAULT_MUTEX | RC_FAULT_COND,
                      "pthread_mutex_init/pthread_cond_init", EAGAIN, false);
}

RC_TEST(five_tasks, pool_out_of_memory_cleans_up)
{
    check_plan_faults("run_pool", plan_pool, RC_FAULT_ALLOC, "malloc/calloc/realloc", ENOMEM,
                      false);
}

/*
 * run_async with the k-th uv_* call (or allocation) failing: it returns
 * that error and leaves nothing on the loop, for every k.
 */
static void check_async_faults(unsigned families, const char *what, int err)
{
    task_spec tasks[SEED_N];
    task_record records[SEED_N];

    seed_async(tasks, 0.1);
    for (unsigned long k = 1; k <= FAULT_MAX_K; k++) {
        long blocks = rc_fault_live_blocks();
        unsigned long failed;
        uv_loop_t loop;
        int rc, closed;

        cr_assert_eq(uv_loop_init(&loop), 0, "test setup: uv_loop_init failed");
        rc_fault_arm(families, k, err);
        rc = run_async(&loop, tasks, SEED_N, records);
        failed = rc_fault_disarm();
        closed = uv_loop_close(&loop);  /* frees libuv's own blocks, counted too */
        blocks = rc_fault_live_blocks() - blocks;
        if (failed == 0) {
            cr_assert_eq(rc, 0, "run_async returned %d (%s), expected 0", rc, strerror(rc));
            cr_assert_eq(closed, 0, "after run_async, uv_loop_close failed (%s)",
                         uv_strerror(closed));
            return;
        }
        cr_assert_eq(rc, err,
                     "run_async returned %d (%s) when call %lu of %s failed with %s: return "
                     "that error (positive: libuv returns it negated)",
                     rc, strerror(rc), k, what, strerror(err));
        cr_assert_eq(closed, 0,
                     "run_async returned %s (call %lu of %s failed) but left a handle on the "
                     "loop (uv_loop_close: %s): uv_close the timers already initialised and run "
                     "the loop until their close callbacks ran",
                     strerror(err), k, what, uv_strerror(closed));
        cr_assert_leq(blocks, 0,
                      "run_async returned %s (call %lu of %s failed) without freeing %ld "
                      "block(s) it had allocated", strerror(err), k, what, blocks);
    }
}

RC_TEST(five_tasks, async_failure_leaves_no_handle)
{
    check_async_faults(RC_FAULT_UV, "uv_timer_init/uv_timer_start", ENOMEM);
    check_async_faults(RC_FAULT_ALLOC, "malloc/calloc/realloc", ENOMEM);
}
