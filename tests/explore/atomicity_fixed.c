/*
 * atomicity_fixed.c - atomicity.c fixed: the check and the subtraction
 * are one critical section, so no withdrawal acts on a stale check.
 *
 * Expect: pass
 */
#include <assert.h>
#include <pthread.h>
#include <stddef.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int balance = 100;

static void *withdraw_70(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    if (balance >= 70)
        balance -= 70;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;

    pthread_create(&t1, NULL, withdraw_70, NULL);
    pthread_create(&t2, NULL, withdraw_70, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert(balance == 30);
    return 0;
}
