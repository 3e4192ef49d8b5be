/*
 * rw_starvation.c - writer starvation under a readers-first lock.  Three
 * readers hold the lock in turns that overlap (each reads for 100 ms, at
 * staggered times, and comes straight back); a new reader gets in
 * whenever any reader is inside, so the count of readers never drops to
 * 0 and the writer waits until every reader has finished, about a
 * second.  The writer's requirement, written as an assertion on virtual
 * time: it gets the lock within 300 ms of asking.
 *
 * Expect: assert
 * Fixed twin: rw_starvation_fixed.c (writers first: a waiting writer
 * keeps new readers out).
 */
#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stddef.h>
#include <time.h>

#define READERS 3
#define READS 10

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int readers, writers_waiting;
static int writing;

static void read_lock(void)
{
    pthread_mutex_lock(&lock);
    while (writing)                     /* a waiting writer does not stop readers */
        pthread_cond_wait(&changed, &lock);
    readers++;
    pthread_mutex_unlock(&lock);
}

static void write_lock(void)
{
    pthread_mutex_lock(&lock);
    writers_waiting++;
    while (writing || readers > 0)
        pthread_cond_wait(&changed, &lock);
    writers_waiting--;
    writing = 1;
    pthread_mutex_unlock(&lock);
}

static void unlock_side(int writer)
{
    pthread_mutex_lock(&lock);
    if (writer)
        writing = 0;
    else
        readers--;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&t, NULL);
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *reader(void *arg)
{
    sleep_ms(30 * (intptr_t)arg);
    for (int i = 0; i < READS; i++) {
        read_lock();
        sleep_ms(100);
        unlock_side(0);
    }
    return NULL;
}

static void *writer(void *arg)
{
    double asked;

    (void)arg;
    sleep_ms(50);
    asked = now();
    write_lock();
    assert(now() - asked < 0.3);        /* the writer's deadline */
    unlock_side(1);
    return NULL;
}

int main(void)
{
    pthread_t r[READERS], w;

    for (intptr_t i = 0; i < READERS; i++)
        pthread_create(&r[i], NULL, reader, (void *)i);
    pthread_create(&w, NULL, writer, NULL);
    for (int i = 0; i < READERS; i++)
        pthread_join(r[i], NULL);
    pthread_join(w, NULL);
    return 0;
}
