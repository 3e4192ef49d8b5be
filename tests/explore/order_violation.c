/*
 * order_violation.c - an order violation: main starts the worker, then
 * publishes the job the worker uses.  The worker reads the job pointer
 * under the lock (a synchronisation call, so a switch can happen there);
 * when it runs before main has published it, it follows a NULL pointer.
 *
 * Expect: crash
 * Fixed twin: order_violation_fixed.c (the job is published before the
 * worker starts: pthread_create orders the two).
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
    return (void *)(intptr_t)job->id;       /* NULL when main has not set it yet */
}

int main(void)
{
    static struct job the_job = { 7 };
    pthread_t t;
    void *id;

    pthread_create(&t, NULL, worker, NULL);
    pthread_mutex_lock(&lock);
    current = &the_job;
    pthread_mutex_unlock(&lock);
    pthread_join(t, &id);
    return (intptr_t)id == 7 ? 0 : 1;
}
