/*
 * barrier_fixed.c - barrier.c fixed: a generation number.  A thread
 * waits until the generation it arrived in has ended, which a later use
 * of the barrier cannot undo.
 *
 * Expect: pass
 */
#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stddef.h>

#define N 2
#define ROUNDS 2

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_here = PTHREAD_COND_INITIALIZER;
static int count;
static unsigned generation;
static int done[ROUNDS];

static void barrier_wait(void)
{
    pthread_mutex_lock(&lock);
    unsigned mine = generation;

    if (++count == N) {
        count = 0;
        generation++;
        pthread_cond_broadcast(&all_here);
    } else {
        while (generation == mine)
            pthread_cond_wait(&all_here, &lock);
    }
    pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
    (void)arg;
    for (int round = 0; round < ROUNDS; round++) {
        pthread_mutex_lock(&lock);
        done[round]++;
        pthread_mutex_unlock(&lock);
        barrier_wait();
        pthread_mutex_lock(&lock);
        assert(done[round] == N);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[N];

    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    return 0;
}
