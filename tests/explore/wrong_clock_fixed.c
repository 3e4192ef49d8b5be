/*
 * wrong_clock_fixed.c - wrong_clock.c fixed: the condition variable is
 * made with pthread_condattr_setclock(CLOCK_MONOTONIC), the clock its
 * deadline is computed on, so the wait lasts until the item comes.
 *
 * Expect: pass
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
    pthread_condattr_t attr;
    pthread_t p;
    bool got;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&arrived, &attr);
    pthread_condattr_destroy(&attr);
    pthread_create(&p, NULL, producer, NULL);
    got = wait_for_item();
    pthread_join(p, NULL);
    assert(got);                            /* it came within the second */
    return 0;
}
