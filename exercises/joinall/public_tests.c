/*
 * public_tests.c - a few of the grader's checks, for you to run:
 *
 *     make check EX=joinall
 *
 * The tests run under the kit's controlled scheduler, in virtual time
 * (joinall_tests.h): a timed join gives up exactly at its deadline, so a
 * timeout of 5 units must end the call after exactly 5 units; a thread
 * that polls instead of waiting is stopped as a busy-wait, with its call
 * and line.  The grader has more tests (hidden) and also runs a race
 * check.  Every
 * thread these tests start returns a value that tells which one it is
 * (value_of(i)), so a result stored in the wrong slot shows.  "Hung"
 * threads wait until the test releases them (or give up after 40 units,
 * so that a wrong joinall never hangs a test).
 */
#define _GNU_SOURCE
#include "joinall.h"
#include "racecourse_test.h"
#include "joinall_tests.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

RC_SUITE(joinall_public);

static bool released[MAX_THREADS];     /* under lock */
static char kinds[MAX_THREADS + 1];     /* 'Q' quick, 'S' sleeps, 'H' hung */
static double sleep_units;

static void *worker_main(void *arg)
{
    size_t i = (size_t)(uintptr_t)arg;

    if (kinds[i] == 'S') {
        rc_sleep(sleep_units * rc_unit());
    } else if (kinds[i] == 'H') {
        struct timespec give_up = hang_deadline();

        pthread_mutex_lock(&lock);
        while (!released[i] &&
               pthread_cond_timedwait(&changed, &lock, &give_up) != ETIMEDOUT)
            ;
        pthread_mutex_unlock(&lock);
    }
    return value_of(i);
}

/* Starts one thread per letter of `kind_letters`; returns how many. */
static size_t start_threads(pthread_t *threads, const char *kind_letters,
                            double units)
{
    size_t n = strlen(kind_letters);

    pthread_once(&once, init_once);
    strcpy(kinds, kind_letters);
    sleep_units = units;
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, worker_main,
                                    (void *)(uintptr_t)i), 0,
                     "test setup: pthread_create failed");
    return n;
}

static void release_all(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < MAX_THREADS; i++)
        released[i] = true;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void expect_count(int got, int expected, const char *call)
{
    cr_assert_neq(got, -1, "%s returned -1 with errno %d (%s), expected %d",
                  call, errno, strerror(errno), expected);
    cr_assert_eq(got, expected, "%s returned %d, expected %d (the number of "
                 "threads NOT joined)", call, got, expected);
}

RC_TEST(joinall_public, joins_every_thread)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS] = { NULL };
    bool joined[MAX_THREADS] = { false };
    size_t n = start_threads(t, "SQS", 3);
    int got = joinall(t, n, -1, results, joined);

    expect_count(got, 0, "joinall(threads, 3, -1, results, joined)");
    for (size_t i = 0; i < n; i++) {
        cr_assert(joined[i], "joined[%zu] is false after joinall(timeout -1)", i);
        cr_assert_eq(results[i], value_of(i), "results[%zu] is %p, expected "
                     "%p (what thread %zu returned)", i, results[i],
                     value_of(i), i);
    }
}

RC_TEST(joinall_public, timeout_leaves_running_threads_joinable)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS] = { NULL };
    bool joined[MAX_THREADS] = { false };
    /* Four running threads: a fresh timeout for each would take 20 units. */
    size_t n = start_threads(t, "QHHHH", 0);
    double start = rc_now(), took;
    int got = joinall(t, n, 5 * rc_unit(), results, joined);
    void *result = NULL;

    took = (rc_now() - start) / rc_unit();
    expect_count(got, 4, "joinall(1 quick and 4 running threads, 5 units)");
    expect_one_deadline(took, 5, 4);
    cr_assert(joined[0] && results[0] == value_of(0),
              "thread 0 had ended: it must be joined, with its result in "
              "results[0]");
    for (size_t i = 1; i < n; i++)
        cr_assert(!joined[i], "thread %zu was still running: it must not be marked "
                  "joined", i);
    release_all();
    for (size_t i = 1; i < n; i++)
        cr_assert_eq(pthread_join(t[i], &result), 0, "thread %zu must stay joinable", i);
}

RC_TEST(joinall_public, second_call_joins_the_rest)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS] = { NULL };
    bool joined[MAX_THREADS] = { false };
    size_t n = start_threads(t, "HQ", 0);
    int got = joinall(t, n, 3 * rc_unit(), results, joined);

    expect_count(got, 1, "the first joinall(1 running and 1 quick thread, 3 units)");
    release_all();
    got = joinall(t, n, -1, results, joined);
    expect_count(got, 0, "the second joinall(same threads, -1, same joined "
                 "array): it must skip thread 1, already joined");
    cr_assert(joined[0] && joined[1], "after the second call, every thread "
              "must be marked joined");
    cr_assert(results[0] == value_of(0) && results[1] == value_of(1),
              "results are { %p, %p }, expected { %p, %p }",
              results[0], results[1], value_of(0), value_of(1));
}

RC_TEST(joinall_public, bad_arguments_are_einval)
{
    pthread_t t[MAX_THREADS];
    void *result = NULL;
    int got;

    errno = 0;
    got = joinall(NULL, 2, -1, NULL, NULL);
    cr_assert(got == -1 && errno == EINVAL, "joinall(NULL, 2, ...) returned "
              "%d with errno %d, expected -1 with EINVAL", got, errno);

    start_threads(t, "Q", 0);
    errno = 0;
    got = joinall(t, 1, NAN, NULL, NULL);
    cr_assert(got == -1 && errno == EINVAL, "joinall(threads, 1, NAN, ...) "
              "returned %d with errno %d, expected -1 with EINVAL", got, errno);
    cr_assert_eq(pthread_join(t[0], &result), 0, "joinall with a NaN timeout "
                 "must not join anything");

    got = joinall(NULL, 0, -1, NULL, NULL);
    expect_count(got, 0, "joinall(NULL, 0, -1, NULL, NULL)");
}
