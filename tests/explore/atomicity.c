/*
 * atomicity.c - an atomicity violation across two critical sections: a
 * withdrawal checks the balance under the lock, lets the lock go, then
 * takes it again to subtract.  Each step is locked, the whole is not:
 * two withdrawals of 70 from 100 can both pass the check, and the
 * balance goes negative.
 *
 * Expect: assert
 * Fixed twin: atomicity_fixed.c (check and subtract in one critical
 * section).
 */
#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int balance = 100;

static void *withdraw_70(void *arg)
{
    bool enough;

    (void)arg;
    pthread_mutex_lock(&lock);
    enough = balance >= 70;
    pthread_mutex_unlock(&lock);
    if (enough) {
        pthread_mutex_lock(&lock);      /* the check above may be stale by now */
        balance -= 70;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;

    pthread_create(&t1, NULL, withdraw_70, NULL);
    pthread_create(&t2, NULL, withdraw_70, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert(balance >= 0);
    return 0;
}
