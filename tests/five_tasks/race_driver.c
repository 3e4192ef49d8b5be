/*
 * race_driver.c - five_tasks under Helgrind: the pool and parallel plans.
 *
 * Runs run_pool with many tiny tasks and several workers (so that the
 * workers take tasks from the shared index at the same time), then
 * run_parallel with a batch of short tasks.  Every tenth task sleeps a
 * little, so that several workers are inside the plan at once: Helgrind
 * only reports accesses that nothing ordered in the run it watched.  The
 * work callback's own state is guarded by a mutex, so any report points
 * at the student's code.
 *
 * Exits with RC_EXIT_PASSED when it ran to the end; it does not judge
 * results (the hidden tests do), except to stop early on an error.  A plan
 * that never returns ends it with RC_EXIT_STUCK (rc_watchdog_start).
 */
#include "five_tasks.h"
#include "racecourse_test.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define POOL_TASKS 120
#define PARALLEL_TASKS 8

static task_spec tasks[POOL_TASKS];
static char names[POOL_TASKS][32];
static task_record records[POOL_TASKS];

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int calls[POOL_TASKS];

static void work(const task_spec *task, void *ctx)
{
    long i = task - tasks;
    (void)ctx;
    rc_progress();
    pthread_mutex_lock(&lock);
    if (i >= 0 && i < POOL_TASKS)
        calls[i]++;
    pthread_mutex_unlock(&lock);
    rc_sleep(task->seconds);
}

int main(void)
{
    int rc;

    rc_thread_name("main", -1);
    if (rc_watchdog_start() != 0) {
        fprintf(stderr, "race driver: cannot start the watchdog thread\n");
        return 2;
    }
    for (int i = 0; i < POOL_TASKS; i++) {
        snprintf(names[i], sizeof names[i], "task %d", i);
        tasks[i] = (task_spec){ names[i], i % 10 == 0 ? 0.002 : 0 };
    }

    rc = RC_CALL(run_pool(tasks, POOL_TASKS, 4, work, NULL, records));
    if (rc != 0) {
        fprintf(stderr, "race driver: run_pool returned %d\n", rc);
        return 1;
    }
    rc = RC_CALL(run_pool(tasks, 10, 3, work, NULL, records));
    if (rc != 0) {
        fprintf(stderr, "race driver: run_pool returned %d\n", rc);
        return 1;
    }

    for (int i = 0; i < PARALLEL_TASKS; i++)
        tasks[i].seconds = 0.001 * (i % 3);
    rc = RC_CALL(run_parallel(tasks, PARALLEL_TASKS, work, NULL, records));
    if (rc != 0) {
        fprintf(stderr, "race driver: run_parallel returned %d\n", rc);
        return 1;
    }

    /* Read what the plans wrote, as a caller would. */
    pthread_mutex_lock(&lock);
    for (int i = 0; i < POOL_TASKS; i++)
        if (calls[i] == 0 || records[i].finished.tv_sec < records[i].started.tv_sec)
            rc = 1;
    pthread_mutex_unlock(&lock);
    if (rc)
        fprintf(stderr, "race driver: a task did not run or its record is wrong\n");
    return RC_EXIT_PASSED;
}
