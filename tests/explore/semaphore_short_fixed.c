/*
 * semaphore_short_fixed.c - semaphore_short.c fixed: one start token per
 * worker.
 *
 * Expect: pass
 */
#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>

#define WORKERS 3

static sem_t start, done;

static void *worker(void *arg)
{
    (void)arg;
    sem_wait(&start);
    sem_post(&done);
    return NULL;
}

int main(void)
{
    pthread_t t[WORKERS];

    sem_init(&start, 0, 0);
    sem_init(&done, 0, 0);
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < WORKERS; i++)
        sem_post(&start);
    for (int i = 0; i < WORKERS; i++)
        sem_wait(&done);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    return 0;
}
