/*
 * spin.c - a busy-wait: main holds the lock and waits for the thread,
 * which polls the lock with trylock and never blocks.
 */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *spinner(void *arg)
{
    (void)arg;
    while (pthread_mutex_trylock(&lock) != 0)
        continue;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;

    pthread_mutex_lock(&lock);
    pthread_create(&t, NULL, spinner, NULL);
    pthread_join(t, NULL);
    pthread_mutex_unlock(&lock);
    return 0;
}
