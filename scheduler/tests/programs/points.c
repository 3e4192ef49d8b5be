/*
 * points.c - the cost of a scheduling point: two threads lock and unlock
 * one mutex $POINTS times each (default 50000): about 2 * 2 * POINTS
 * scheduling points.
 */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter, points = 50000;

static void *work(void *arg)
{
    (void)arg;
    for (long i = 0; i < points; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[2];

    if (getenv("POINTS"))
        points = atol(getenv("POINTS"));
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, work, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    return counter == 2 * points ? 0 : 1;
}
