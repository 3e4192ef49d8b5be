/*
 * dining_philosophers.c - three philosophers, three forks: each takes
 * the fork on the left, then the one on the right.  When all three hold
 * their left fork, each waits for a right fork its neighbour holds.
 *
 * Expect: deadlock
 * Fixed twin: dining_philosophers_fixed.c (forks taken in one global
 * order: the lower-numbered first).
 */
#include <pthread.h>
#include <stdint.h>
#include <stddef.h>

#define N 3

static pthread_mutex_t fork_lock[N] = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                                        PTHREAD_MUTEX_INITIALIZER };
static int meals[N];

static void *philosopher(void *arg)
{
    int i = (int)(intptr_t)arg, left = i, right = (i + 1) % N;

    for (int round = 0; round < 2; round++) {
        pthread_mutex_lock(&fork_lock[left]);
        pthread_mutex_lock(&fork_lock[right]);
        meals[i]++;
        pthread_mutex_unlock(&fork_lock[right]);
        pthread_mutex_unlock(&fork_lock[left]);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[N];

    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, philosopher, (void *)(intptr_t)i);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    return 0;
}
