/*
 * lost_wakeup.c - a lost wakeup: the waiter checks the flag under the
 * lock, lets the lock go, then takes it again to wait.  If the signaller
 * sets the flag and signals in that gap, the signal wakes nobody and the
 * waiter then sleeps forever.
 *
 * Expect: deadlock
 * Fixed twin: lost_wakeup_fixed.c (check and wait under one holding of
 * the lock, in a while loop).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static bool ready;

static void *waiter(void *arg)
{
    bool seen;

    (void)arg;
    pthread_mutex_lock(&lock);
    seen = ready;
    pthread_mutex_unlock(&lock);
    if (!seen) {
        pthread_mutex_lock(&lock);          /* the gap: ready may be set by now */
        pthread_cond_wait(&changed, &lock);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *signaller(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    ready = true;
    pthread_cond_signal(&changed);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t w, s;

    pthread_create(&w, NULL, waiter, NULL);
    pthread_create(&s, NULL, signaller, NULL);
    pthread_join(w, NULL);
    pthread_join(s, NULL);
    return 0;
}
