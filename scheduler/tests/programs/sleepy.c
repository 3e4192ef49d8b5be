/*
 * sleepy.c - virtual time: a 20 s sleep and a timed wait that times out
 * exactly at its deadline; exits 0 when every time read is exact.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static long long ns(clockid_t clock)
{
    struct timespec now;

    clock_gettime(clock, &now);
    return now.tv_sec * 1000000000ll + now.tv_nsec;
}

static void *sleeper(void *arg)
{
    (void)arg;
    sleep(20);
    return NULL;
}

int main(void)
{
    long long start = ns(CLOCK_MONOTONIC), real_start = ns(CLOCK_REALTIME);
    struct timespec at;
    pthread_t t;
    int rc;

    pthread_create(&t, NULL, sleeper, NULL);
    pthread_join(t, NULL);
    assert(ns(CLOCK_MONOTONIC) - start == 20000000000ll);
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += 1;
    at.tv_nsec = 250000000;
    pthread_mutex_lock(&lock);
    rc = pthread_cond_timedwait(&never, &lock, &at);
    pthread_mutex_unlock(&lock);
    assert(rc == ETIMEDOUT);
    assert(ns(CLOCK_REALTIME) == at.tv_sec * 1000000000ll + at.tv_nsec);
    usleep(500);
    assert(ns(CLOCK_REALTIME) - real_start == 21250000000ll - (real_start % 1000000000ll) +
           500000);
    printf("virtual time ok\n");
    return 0;
}
