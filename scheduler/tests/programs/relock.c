/*
 * relock.c - a busy-wait through a lock: the thread waits for a flag by
 * letting the lock go, yielding and taking it again, while main sleeps
 * before it sets the flag.  The thread's own locks change nothing it can
 * see, and virtual time moves only when it blocks: a busy-wait.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool ready;

static void *poller(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!ready) {
        pthread_mutex_unlock(&lock);
        sched_yield();
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t t;

    pthread_create(&t, NULL, poller, NULL);
    sleep(1);
    pthread_mutex_lock(&lock);
    ready = true;
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    return 0;
}
