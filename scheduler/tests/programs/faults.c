/*
 * faults.c - fault injection under the scheduler: the 2nd pthread_create
 * after arming fails with EAGAIN, then a malloc with ENOMEM; exits 0 when
 * both failed as planned and the counts agree.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "rc_sched.h"

static void *work(void *arg)
{
    return arg;
}

int main(void)
{
    pthread_t t[3];
    int rc[3];
    void *block;

    assert(rc_sched_active());
    rc_fault_arm(RC_FAULT_THREAD, 2, EAGAIN);
    for (int i = 0; i < 3; i++)
        rc[i] = pthread_create(&t[i], NULL, work, NULL);
    assert(rc_fault_disarm() == 1);
    assert(rc[0] == 0 && rc[1] == EAGAIN && rc[2] == 0);
    assert(rc_fault_live_threads() == 2);
    pthread_join(t[0], NULL);
    pthread_join(t[2], NULL);
    assert(rc_fault_live_threads() == 0);
    rc_fault_arm(RC_FAULT_ALLOC, 1, ENOMEM);
    block = malloc(16);
    assert(rc_fault_disarm() == 1 && block == NULL);
    rc_fault_arm(RC_FAULT_MUTEX | RC_FAULT_SEM, 1, ENOMEM);
    pthread_mutex_t m;
    assert(pthread_mutex_init(&m, NULL) == ENOMEM);
    rc_fault_disarm();
    printf("faults ok\n");
    return 0;
}
