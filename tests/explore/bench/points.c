/*
 * points.c - the cost of one scheduling point (scripts/bench-explore):
 * two threads take and release one mutex POINTS times each, four
 * scheduling points per round of the pair, in one schedule.
 */
#include <assert.h>
#include <pthread.h>
#include <stddef.h>

#define POINTS 50000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long count;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < POINTS; i++) {
        pthread_mutex_lock(&lock);
        count++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t a, b;

    pthread_create(&a, NULL, worker, NULL);
    pthread_create(&b, NULL, worker, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(count == 2L * POINTS);
    return 0;
}
