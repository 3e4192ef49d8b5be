/*
 * barrier.c - a barrier that is not reusable.  The last thread to arrive
 * resets the count to 0 and wakes the others, who wait "while the count
 * is not 0".  Used twice in a row, a fast thread can arrive at the second
 * use (count 1) before a slow one has woken from the first: the slow one
 * then sees a count that is not 0 and waits again, and so does the fast
 * one: nobody is left to arrive.
 *
 * Expect: deadlock
 * Fixed twin: barrier_fixed.c (a generation number: each thread waits
 * for the generation it arrived in to end).
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
static int done[ROUNDS];

static void barrier_wait(void)
{
    pthread_mutex_lock(&lock);
    if (++count == N) {
        count = 0;
        pthread_cond_broadcast(&all_here);
    } else {
        while (count != 0)
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
        assert(done[round] == N);           /* everyone finished the round */
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
