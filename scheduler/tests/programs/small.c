/*
 * small.c - a small correct program: two threads add under a mutex, a
 * semaphore says when each is done.  The benchmark's and the "never
 * fails" program.
 */
#include <assert.h>
#include <pthread.h>
#include <semaphore.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t done;
static int total;

static void *add(void *arg)
{
    for (int i = 0; i < 5; i++) {
        pthread_mutex_lock(&lock);
        total += *(int *)arg;
        pthread_mutex_unlock(&lock);
    }
    sem_post(&done);
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    int one = 1;

    sem_init(&done, 0, 0);
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, add, &one);
    for (int i = 0; i < 2; i++)
        sem_wait(&done);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert(total == 10);
    return 0;
}
