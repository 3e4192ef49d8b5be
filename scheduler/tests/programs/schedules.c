/*
 * schedules.c - a Criterion test binary linked as the grader links one
 * under the scheduler (the Makefile's rule for this program), whose tests
 * run under RC_SCHED_RUNS schedules each (harness/test_schedules.c):
 *
 *   order_matters  passes only when thread 1 appends before thread 2,
 *                  which some schedules do not do;
 *   order_free     passes under every schedule; it says once, in its
 *                  output file (RC_OUTPUT_DIR), that it ran;
 *   alone          one thread: every seed gives the same schedule, so
 *                  one trial is enough;
 *   deadlocks      thread 2 takes the locks in the opposite order: some
 *                  schedules deadlock, a verdict of the scheduler;
 *   process_bound  passes only in the test process itself, not in a
 *                  trial: a test that depends on more than the schedule.
 */
#include "racecourse_test.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

int rc_print_test_output(const char *data, size_t len);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER, other = PTHREAD_MUTEX_INITIALIZER;
static int order[2], appended;

static void *append(void *arg)
{
    pthread_mutex_lock(&lock);
    order[appended++] = (int)(intptr_t)arg;
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* Adds a byte to $RC_RUNS_FILE: one for each run of a test's body. */
static void count_run(void)
{
    const char *path = getenv("RC_RUNS_FILE");
    int fd = path ? open(path, O_WRONLY | O_APPEND | O_CREAT, 0644) : -1;

    if (fd >= 0) {
        cr_assert(write(fd, "r", 1) == 1);
        close(fd);
    }
}

static void run_two(void *(*fn)(void *))
{
    pthread_t one, two;

    appended = 0;
    cr_assert(pthread_create(&one, NULL, fn, (void *)1) == 0);
    cr_assert(pthread_create(&two, NULL, fn, (void *)2) == 0);
    cr_assert(pthread_join(one, NULL) == 0);
    cr_assert(pthread_join(two, NULL) == 0);
}

RC_TEST(sched, order_matters)
{
    run_two(append);
    cr_assert(order[0] == 1, "thread 2 appended first");
}

RC_TEST(sched, order_free)
{
    static const char said[] = "order_free ran\n";

    rc_print_test_output(said, strlen(said));
    count_run();
    run_two(append);
    cr_assert(appended == 2, "%d appended", appended);
}

RC_TEST(sched, alone)
{
    count_run();
    pthread_mutex_lock(&lock);
    pthread_mutex_unlock(&lock);
}

/* Thread 2 takes the locks in the opposite order unless it runs alone. */
static void *lock_both(void *arg)
{
    pthread_mutex_t *first = arg == (void *)1 ? &lock : &other;
    pthread_mutex_t *second = arg == (void *)1 ? &other : &lock;

    pthread_mutex_lock(first);
    pthread_mutex_lock(second);
    pthread_mutex_unlock(second);
    pthread_mutex_unlock(first);
    return NULL;
}

RC_TEST(sched, deadlocks)
{
    run_two(lock_both);
}

static pid_t test_process;

__attribute__((constructor)) static void remember_process(void)
{
    test_process = getpid();
}

RC_TEST(sched, process_bound)
{
    cr_assert(getpid() == test_process, "not the test process");
}
