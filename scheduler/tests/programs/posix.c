/*
 * posix.c - correct uses of the pthread calls a student may make, each of
 * which must behave under the scheduler as POSIX says: no hang, no false
 * verdict, the same results.  HOW (environment) picks one:
 *
 *   barrier    three threads meet at a pthread_barrier twice; one of them
 *              is the serial thread each time
 *   spin       two threads count under a pthread_spinlock whose holder
 *              sleeps (a wrapped call) while it holds it
 *   once       two threads call pthread_once; the init routine sleeps
 *   exit       a thread holding a mutex calls pthread_exit: its cleanup
 *              handler unlocks the mutex, under the scheduler
 *   recursive  a recursive mutex locked twice by its owner, and taken by
 *              another thread only once it is fully unlocked
 *   errorcheck an error-checking mutex: EDEADLK relocking, EPERM unlocking
 *              another's lock
 *   selfjoin   a thread joins itself: EDEADLK from pthread_join and the
 *              timed joins, EBUSY from pthread_tryjoin_np (as glibc: the
 *              caller has not ended)
 *   condclock  a condition variable on CLOCK_MONOTONIC times out on that
 *              clock at its deadline
 *   static     statically initialised mutexes (normal, recursive,
 *              error-checking) and condition variable
 *   robust     a robust mutex whose owner ends holding it: EOWNERDEAD,
 *              pthread_mutex_consistent, then usable again (not modelled
 *              yet: a deadlock under the scheduler, docs/scheduler.md)
 *
 * Exits 0 when every result is the one POSIX gives; an assert fails otherwise.
 * pthread_cancel has a program of its own, cancel.c.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int counter;

/* ---- barrier ---- */

static pthread_barrier_t barrier;
static int arrived, serial;

static void *barrier_thread(void *arg)
{
    (void)arg;
    for (int round = 1; round <= 2; round++) {
        int err;

        __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
        err = pthread_barrier_wait(&barrier);
        assert(err == 0 || err == PTHREAD_BARRIER_SERIAL_THREAD);
        assert(__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) >= 3 * round);
        if (err == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_add_fetch(&serial, 1, __ATOMIC_SEQ_CST);
        err = pthread_barrier_wait(&barrier);
        assert(err == 0 || err == PTHREAD_BARRIER_SERIAL_THREAD);
    }
    return NULL;
}

static void run_barrier(void)
{
    pthread_t t[3];

    assert(pthread_barrier_init(&barrier, NULL, 3) == 0);
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, barrier_thread, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert(serial == 2);
    assert(pthread_barrier_destroy(&barrier) == 0);
}

/* ---- spin ---- */

static pthread_spinlock_t spin;

static void *spin_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++) {
        assert(pthread_spin_lock(&spin) == 0);
        int seen = counter;
        usleep(100);
        counter = seen + 1;
        assert(pthread_spin_unlock(&spin) == 0);
    }
    return NULL;
}

static void run_spin(void)
{
    pthread_t t[2];

    assert(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE) == 0);
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, spin_thread, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert(counter == 10);
    assert(pthread_spin_trylock(&spin) == 0);
    assert(pthread_spin_trylock(&spin) == EBUSY);
    assert(pthread_spin_unlock(&spin) == 0);
    assert(pthread_spin_destroy(&spin) == 0);
}

/* ---- once ---- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int inits;

static void init_once(void)
{
    usleep(1000);
    inits++;
}

static void *once_thread(void *arg)
{
    (void)arg;
    assert(pthread_once(&once, init_once) == 0);
    assert(inits == 1);
    return NULL;
}

static void run_once(void)
{
    pthread_t t[2];

    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, once_thread, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert(inits == 1);
}

/* ---- exit ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int cleaned;

static void unlock_it(void *m)
{
    cleaned++;
    pthread_mutex_unlock(m);
}

static void *exit_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    pthread_cleanup_push(unlock_it, &lock);
    usleep(1000);
    pthread_exit(&counter);
    pthread_cleanup_pop(0);
    return NULL;
}

static void run_exit(void)
{
    pthread_t t;
    void *ret;

    pthread_create(&t, NULL, exit_thread, NULL);
    usleep(500);
    pthread_mutex_lock(&lock);      /* waits for the cleanup handler */
    assert(cleaned == 1);
    pthread_mutex_unlock(&lock);
    assert(pthread_join(t, &ret) == 0);
    assert(ret == &counter);
}

/* ---- recursive, errorcheck ---- */

static pthread_mutex_t typed;

static void make_typed(int type)
{
    pthread_mutexattr_t a;

    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, type);
    assert(pthread_mutex_init(&typed, &a) == 0);
    pthread_mutexattr_destroy(&a);
}

static void *other_locks(void *arg)
{
    (void)arg;
    assert(pthread_mutex_trylock(&typed) == EBUSY);
    assert(pthread_mutex_unlock(&typed) == EPERM);
    return NULL;
}

static void *recursive_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&typed);
    counter++;
    pthread_mutex_unlock(&typed);
    return NULL;
}

static void run_recursive(void)
{
    pthread_t t;

    make_typed(PTHREAD_MUTEX_RECURSIVE);
    assert(pthread_mutex_lock(&typed) == 0);
    pthread_create(&t, NULL, recursive_thread, NULL);
    assert(pthread_mutex_lock(&typed) == 0);
    assert(pthread_mutex_trylock(&typed) == 0);
    counter = 10;
    assert(pthread_mutex_unlock(&typed) == 0);
    assert(pthread_mutex_unlock(&typed) == 0);
    usleep(1000);
    assert(counter == 10);      /* still held once */
    assert(pthread_mutex_unlock(&typed) == 0);
    pthread_join(t, NULL);
    assert(counter == 11);
    assert(pthread_mutex_destroy(&typed) == 0);
}

static void run_errorcheck(void)
{
    pthread_t t;

    make_typed(PTHREAD_MUTEX_ERRORCHECK);
    assert(pthread_mutex_unlock(&typed) == EPERM);
    assert(pthread_mutex_lock(&typed) == 0);
    assert(pthread_mutex_lock(&typed) == EDEADLK);
    pthread_create(&t, NULL, other_locks, NULL);
    pthread_join(t, NULL);
    assert(pthread_mutex_unlock(&typed) == 0);
    assert(pthread_mutex_unlock(&typed) == EPERM);
    assert(pthread_mutex_destroy(&typed) == 0);
}

/* ---- selfjoin ---- */

static void run_selfjoin(void)
{
    pthread_t self = pthread_self();
    struct timespec at;

    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_sec += 1;
    assert(pthread_join(self, NULL) == EDEADLK);
    assert(pthread_tryjoin_np(self, NULL) == EBUSY);
    assert(pthread_clockjoin_np(self, NULL, CLOCK_MONOTONIC, &at) == EDEADLK);
    assert(pthread_timedjoin_np(self, NULL, &at) == EDEADLK);
}

/* ---- condclock ---- */

static void run_condclock(void)
{
    pthread_condattr_t a;
    pthread_cond_t c;
    struct timespec start, at, end;
    int err;

    pthread_condattr_init(&a);
    assert(pthread_condattr_setclock(&a, CLOCK_MONOTONIC) == 0);
    assert(pthread_cond_init(&c, &a) == 0);
    pthread_condattr_destroy(&a);
    clock_gettime(CLOCK_MONOTONIC, &start);
    at = start;
    at.tv_sec += 2;
    pthread_mutex_lock(&lock);
    do
        err = pthread_cond_timedwait(&c, &lock, &at);
    while (err == 0);
    pthread_mutex_unlock(&lock);
    assert(err == ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &end);
    assert(end.tv_sec > at.tv_sec || (end.tv_sec == at.tv_sec && end.tv_nsec >= at.tv_nsec));
    assert(end.tv_sec - start.tv_sec < 3);
    pthread_cond_destroy(&c);
}

/* ---- static ---- */

static pthread_mutex_t s_normal = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t s_rec = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t s_err = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static pthread_cond_t s_cond = PTHREAD_COND_INITIALIZER;

static void *static_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&s_normal);
    counter = 1;
    pthread_cond_signal(&s_cond);
    pthread_mutex_unlock(&s_normal);
    return NULL;
}

static void run_static(void)
{
    pthread_t t;

    assert(pthread_mutex_lock(&s_rec) == 0 && pthread_mutex_lock(&s_rec) == 0);
    assert(pthread_mutex_unlock(&s_rec) == 0 && pthread_mutex_unlock(&s_rec) == 0);
    assert(pthread_mutex_lock(&s_err) == 0 && pthread_mutex_lock(&s_err) == EDEADLK);
    assert(pthread_mutex_unlock(&s_err) == 0);
    pthread_create(&t, NULL, static_thread, NULL);
    pthread_mutex_lock(&s_normal);
    while (!counter)
        pthread_cond_wait(&s_cond, &s_normal);
    pthread_mutex_unlock(&s_normal);
    pthread_join(t, NULL);
}

/* ---- robust ---- */

static pthread_mutex_t robust;

static void *robust_dies(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&robust);
    counter = 1;
    return NULL;                /* ends holding it */
}

static void run_robust(void)
{
    pthread_mutexattr_t a;
    pthread_t t;

    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    assert(pthread_mutex_init(&robust, &a) == 0);
    pthread_mutexattr_destroy(&a);
    pthread_create(&t, NULL, robust_dies, NULL);
    pthread_join(t, NULL);
    assert(pthread_mutex_lock(&robust) == EOWNERDEAD);
    assert(pthread_mutex_consistent(&robust) == 0);
    assert(pthread_mutex_unlock(&robust) == 0);
    assert(pthread_mutex_lock(&robust) == 0);
    assert(pthread_mutex_unlock(&robust) == 0);
}

int main(void)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        { "barrier", run_barrier }, { "spin", run_spin }, { "once", run_once },
        { "exit", run_exit }, { "recursive", run_recursive },
        { "errorcheck", run_errorcheck }, { "selfjoin", run_selfjoin }, { "condclock", run_condclock },
        { "static", run_static }, { "robust", run_robust },
    };
    const char *how = getenv("HOW");

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (how && !strcmp(how, cases[i].name)) {
            cases[i].run();
            return 0;
        }
    return 2;
}
