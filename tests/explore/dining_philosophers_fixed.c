/*
 * dining_philosophers_fixed.c - dining_philosophers.c fixed: each
 * philosopher takes the lower-numbered of its two forks first, so the
 * forks are always taken in one global order and no cycle of waits can
 * form.
 *
 * Expect: pass
 */
#include <assert.h>
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
    int first = left < right ? left : right, second = left < right ? right : left;

    for (int round = 0; round < 2; round++) {
        pthread_mutex_lock(&fork_lock[first]);
        pthread_mutex_lock(&fork_lock[second]);
        meals[i]++;
        pthread_mutex_unlock(&fork_lock[second]);
        pthread_mutex_unlock(&fork_lock[first]);
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
    for (int i = 0; i < N; i++)
        assert(meals[i] == 2);
    return 0;
}
