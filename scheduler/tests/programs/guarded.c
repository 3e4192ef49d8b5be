/*
 * guarded.c - a program linked like a test binary: the scheduler plus the
 * harness's exit guard (harness/exit_guard.c, test_support.c) and
 * its --wrap=exit,... (the Makefile's rule for this program).  Checks that
 * the guard's rules hold under the scheduler: rc_spurious_wakeups(),
 * rc_delay_locks() and rc_late_wakeups() (in virtual time), pthread_exit()
 * on a started thread; and, as $HOW says, that pthread_exit() on the test's
 * own thread ("main-exit") or exit() on another ("thread-exit") ends with
 * RC_EXIT_CALLED.
 */
#include "racecourse_test.h"

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int ready, waiting;

static int64_t now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Nobody signals: only the asked-for spurious wake-up ends the wait. */
static void *spurious(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    rc_spurious_wakeups(1);
    assert(pthread_cond_wait(&changed, &lock) == 0);
    assert(!ready);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *delayed(void *arg)
{
    int64_t start = now_ns();

    (void)arg;
    rc_delay_locks(5);
    pthread_mutex_lock(&lock);
    pthread_mutex_unlock(&lock);
    rc_delay_locks(0);
    assert(now_ns() - start == 5000000000);
    return NULL;
}

/*
 * Every return from a wait comes 2 s after its wake-up (the scheduler may
 * add wake-ups of its own): the waits took at least 2 s each.
 */
static void *late(void *arg)
{
    int64_t start;
    int waits = 0;

    (void)arg;
    rc_late_wakeups(2);
    pthread_mutex_lock(&lock);
    waiting = 1;
    pthread_cond_broadcast(&changed);
    start = now_ns();
    while (!ready) {
        pthread_cond_wait(&changed, &lock);
        waits++;
    }
    assert(waits >= 1 && now_ns() - start >= waits * INT64_C(2000000000));
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *ended(void *arg)
{
    pthread_exit(arg);
}

static void *exits(void *arg)
{
    (void)arg;
    exit(0);
}

static void run_alone(void *(*fn)(void *), void *arg, void *want)
{
    pthread_t t;
    void *got;

    assert(pthread_create(&t, NULL, fn, arg) == 0);
    assert(pthread_join(t, &got) == 0);
    assert(got == want);
}

int main(void)
{
    const char *how = getenv("HOW");
    int value;
    pthread_t t;

    if (how && strcmp(how, "main-exit") == 0)
        pthread_exit(NULL);
    if (how && strcmp(how, "thread-exit") == 0)
        run_alone(exits, NULL, NULL);
    run_alone(spurious, NULL, NULL);
    run_alone(delayed, NULL, NULL);
    run_alone(ended, &value, &value);
    assert(pthread_create(&t, NULL, late, NULL) == 0);
    pthread_mutex_lock(&lock);
    while (!waiting)
        pthread_cond_wait(&changed, &lock);
    ready = 1;
    pthread_cond_signal(&changed);
    pthread_mutex_unlock(&lock);
    assert(pthread_join(t, NULL) == 0);
    printf("guarded: ok\n");
    return 0;
}
