/*
 * wrong_clock.c - a timed wait on the wrong clock.  The consumer waits
 * up to one second for an item, with a deadline computed on
 * CLOCK_MONOTONIC, but its condition variable has the default clock,
 * CLOCK_REALTIME: the deadline lies far in the past of that clock, so the
 * wait times out at once and the consumer gives up on an item the
 * producer delivers 200 ms later.  (On a real machine the same bug makes
 * waits end early or hang when the wall clock is set.)
 *
 * Expect: assert
 * Fixed twin: wrong_clock_fixed.c (pthread_condattr_setclock with
 * CLOCK_MONOTONIC: the condition variable's clock is the deadline's).
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t arrived;
static bool item;

static void *producer(void *arg)
{
    struct timespec t = { 0, 200000000L };

    (void)arg;
    nanosleep(&t, NULL);
    pthread_mutex_lock(&lock);
    item = true;
    pthread_cond_signal(&arrived);
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* Waits up to one second for the item; whether it came. */
static bool wait_for_item(void)
{
    struct timespec deadline;
    int err = 0;
    bool got;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 1;
    pthread_mutex_lock(&lock);
    while (!item && err != ETIMEDOUT)
        err = pthread_cond_timedwait(&arrived, &lock, &deadline);
    got = item;
    pthread_mutex_unlock(&lock);
    return got;
}

int main(void)
{
    pthread_t p;
    bool got;

    pthread_cond_init(&arrived, NULL);      /* the default clock: CLOCK_REALTIME */
    pthread_create(&p, NULL, producer, NULL);
    got = wait_for_item();
    pthread_join(p, NULL);
    assert(got);                            /* it came within the second */
    return 0;
}
