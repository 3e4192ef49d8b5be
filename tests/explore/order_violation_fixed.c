/*
 * order_violation_fixed.c - order_violation.c fixed: main publishes the
 * job before it starts the worker; everything done before
 * pthread_create is visible to the new thread.
 *
 * Expect: pass
 */
#include <pthread.h>
#include <stdint.h>
#include <stddef.h>

struct job {
    int id;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct job *current;

static void *worker(void *arg)
{
    struct job *job;

    (void)arg;
    pthread_mutex_lock(&lock);
    job = current;
    pthread_mutex_unlock(&lock);
    return (void *)(intptr_t)job->id;
}

int main(void)
{
    static struct job the_job = { 7 };
    pthread_t t;
    void *id;

    pthread_mutex_lock(&lock);
    current = &the_job;
    pthread_mutex_unlock(&lock);
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, &id);
    return (intptr_t)id == 7 ? 0 : 1;
}
