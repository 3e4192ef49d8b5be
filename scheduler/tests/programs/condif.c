/*
 * condif.c - `if` where `while` belongs around a condition wait: only a
 * spurious wakeup (which the scheduler makes now and then) breaks it.
 */
#include <assert.h>
#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cv = PTHREAD_COND_INITIALIZER;
static int ready;

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        sched_yield();
    pthread_mutex_lock(&lock);
    ready = 1;
    pthread_cond_signal(&ready_cv);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;

    pthread_create(&t, NULL, producer, NULL);
    pthread_mutex_lock(&lock);
    if (!ready)
        pthread_cond_wait(&ready_cv, &lock);
    assert(ready);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    return 0;
}
