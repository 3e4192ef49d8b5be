/*
 * signal_before_wait.c - a condition variable used as if it remembered
 * signals: the worker waits with no predicate.  When main signals before
 * the worker has started waiting, the signal is lost (a condition
 * variable has no memory) and the worker waits forever.
 *
 * Expect: deadlock
 * Fixed twin: signal_before_wait_fixed.c (a "started" flag is the state;
 * the signal only says it changed).
 */
#include <pthread.h>
#include <stddef.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    pthread_cond_wait(&go, &lock);          /* waits for a signal, not for a state */
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;

    pthread_create(&t, NULL, worker, NULL);
    pthread_mutex_lock(&lock);
    pthread_cond_signal(&go);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    return 0;
}
