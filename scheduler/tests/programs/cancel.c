/*
 * cancel.c - pthread_cancel of threads blocked in the scheduler's waits
 * (sem_wait, a condition wait, a sleep, a join), a cleanup handler that
 * unlocks, and a thread that ignores the request while it has
 * cancellation disabled, then acts on it at pthread_testcancel once it
 * enables it again; exits 0 when each behaved as POSIX says.
 */
#include <assert.h>
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>

static sem_t never;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int cleaned, went_on;

static void *in_sem(void *arg)
{
    (void)arg;
    sem_wait(&never);
    return NULL;
}

static void unlock(void *arg)
{
    cleaned++;
    pthread_mutex_unlock(arg);
}

static void *in_cond(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    pthread_cleanup_push(unlock, &lock);
    for (;;)
        pthread_cond_wait(&cond, &lock);
    pthread_cleanup_pop(1);
    return NULL;
}

static void *in_sleep(void *arg)
{
    (void)arg;
    sleep(1000);
    return NULL;
}

static void *in_join(void *arg)
{
    pthread_join(*(pthread_t *)arg, NULL);
    return NULL;
}

/*
 * Cancelled while cancellation is disabled: its sem_wait goes on; the
 * request waits until it enables cancellation and tests for it.
 */
static void *deaf(void *arg)
{
    int old;

    (void)arg;
    assert(pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old) == 0);
    assert(old == PTHREAD_CANCEL_ENABLE);
    sem_wait(&never);
    went_on = 1;
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
    pthread_testcancel();
    went_on = 2;                /* never reached */
    return NULL;
}

static void cancel_and_join(pthread_t t)
{
    void *result = NULL;

    assert(pthread_cancel(t) == 0);
    assert(pthread_join(t, &result) == 0);
    assert(result == PTHREAD_CANCELED);
}

int main(void)
{
    pthread_t t[5], sleeper;
    void *result = NULL;

    sem_init(&never, 0, 0);
    pthread_create(&t[0], NULL, in_sem, NULL);
    pthread_create(&t[1], NULL, in_cond, NULL);
    pthread_create(&sleeper, NULL, in_sleep, NULL);
    pthread_create(&t[2], NULL, in_join, &sleeper);
    usleep(1000);               /* every one of them blocked */
    cancel_and_join(t[0]);
    cancel_and_join(t[1]);
    assert(cleaned == 1 && pthread_mutex_trylock(&lock) == 0);
    pthread_mutex_unlock(&lock);
    cancel_and_join(t[2]);
    cancel_and_join(sleeper);
    pthread_create(&t[3], NULL, deaf, NULL);
    usleep(1000);
    assert(pthread_cancel(t[3]) == 0);
    sem_post(&never);
    assert(pthread_join(t[3], &result) == 0 && result == PTHREAD_CANCELED);
    assert(went_on == 1);
    return 0;
}
