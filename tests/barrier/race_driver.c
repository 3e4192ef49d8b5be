/*
 * race_driver.c - runs barrier from several threads for the race check
 * (Helgrind watches this program; it is not a Criterion test).
 *
 * Phase 1: three threads wait on an event (untimed, timed, and looking
 * with timeout 0) while a setter sets and clears it and an observer that
 * shares no lock with them calls event_is_set.
 *
 * Phase 2: four threads go through many cycles of a barrier with an
 * action, with and without timeouts, while an observer calls
 * barrier_waiting and barrier_broken.
 *
 * Phase 3: the broken state: waiters released by barrier_abort, by a
 * timeout, by a failing action and by barrier_reset, each followed by a
 * reset and a full cycle.
 *
 * The driver's own data is ordered by its own mutex or atomics, never by
 * the student's primitives (docs/grader.md): Helgrind judges only the
 * accesses the event and the barrier make to their own fields.  Finding
 * deadlocks and lost wake-ups is the tests' job: when threads are still
 * blocked after PHASE_LIMIT_S, it says so on stderr and ends at once.
 *
 * main returns RC_EXIT_PASSED when it ran to the end.
 */
#include "barrier.h"
#include "racecourse_test.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define EVENT_WAITERS 3
#define PARTIES 4
#define CYCLES 25
#define PHASE_LIMIT_S 10

static event *ev;
static barrier *bar;

/* Threads report here when they end, so that main never joins a blocked thread. */
static pthread_mutex_t finish_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t finish_cond;
static int finished;
static bool observing;
static atomic_int actions_run;
static atomic_int action_value;

static void thread_finished(void)
{
    pthread_mutex_lock(&finish_lock);
    finished++;
    pthread_cond_broadcast(&finish_cond);
    pthread_mutex_unlock(&finish_lock);
}

static bool still_observing(void)
{
    bool on;

    pthread_mutex_lock(&finish_lock);
    on = observing;
    pthread_mutex_unlock(&finish_lock);
    return on;
}

static void set_observing(bool on)
{
    pthread_mutex_lock(&finish_lock);
    observing = on;
    finished = 0;
    pthread_mutex_unlock(&finish_lock);
}

/* Waits until `count` threads have finished; false after PHASE_LIMIT_S. */
static bool wait_finished(int count)
{
    struct timespec deadline;
    bool all;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += PHASE_LIMIT_S;
    pthread_mutex_lock(&finish_lock);
    while (finished < count &&
           pthread_cond_timedwait(&finish_cond, &finish_lock, &deadline) != ETIMEDOUT)
        ;
    all = finished >= count;
    pthread_mutex_unlock(&finish_lock);
    if (!all)
        fprintf(stderr, "race_driver: threads still blocked after %d s (a deadlock or a lost "
                "wake-up: see the tests); stopping here\n", PHASE_LIMIT_S);
    return all;
}

/* ---- phase 1: the event ---------------------------------------------------- */

static void *event_waiter(void *arg)
{
    int kind = (int)(intptr_t)arg;

    for (int i = 0; i < 10; i++) {
        switch (kind) {
        case 0:
            event_wait(ev, -1.0);
            break;
        case 1:
            while (event_wait(ev, 0.002) == ETIMEDOUT)
                ;
            break;
        default:
            while (event_wait(ev, 0.0) == ETIMEDOUT)
                rc_sleep(0.001);
            break;
        }
        rc_sleep(0.001);
    }
    thread_finished();
    return NULL;
}

static void *event_setter(void *arg)
{
    (void)arg;
    for (int i = 0; i < 30; i++) {
        event_set(ev);
        rc_sleep(0.001);
        event_clear(ev);
        rc_sleep(0.001);
    }
    event_set(ev);      /* stays set: every waiter ends */
    thread_finished();
    return NULL;
}

static void *event_observer(void *arg)
{
    uintptr_t seen = 0;

    (void)arg;
    while (still_observing()) {
        seen += event_is_set(ev);
        rc_sleep(0.001);
    }
    return (void *)seen;
}

static bool event_phase(void)
{
    pthread_t waiters[EVENT_WAITERS], setter, observer;

    set_observing(true);
    pthread_create(&observer, NULL, event_observer, NULL);
    for (int i = 0; i < EVENT_WAITERS; i++)
        pthread_create(&waiters[i], NULL, event_waiter, (void *)(intptr_t)i);
    pthread_create(&setter, NULL, event_setter, NULL);
    if (!wait_finished(EVENT_WAITERS + 1))
        return false;
    for (int i = 0; i < EVENT_WAITERS; i++)
        pthread_join(waiters[i], NULL);
    pthread_join(setter, NULL);
    set_observing(false);
    pthread_join(observer, NULL);
    return true;
}

/* ---- phase 2: cycles of the barrier ---------------------------------------- */

static int count_action(void *arg)
{
    (void)arg;
    atomic_fetch_add(&actions_run, 1);
    return atomic_load(&action_value);
}

static void *party(void *arg)
{
    int id = (int)(intptr_t)arg;

    for (int k = 0; k < CYCLES; k++) {
        unsigned index;
        int rc = barrier_wait(bar, (k + id) % 2 ? -1.0 : 10.0, &index);

        if (rc != 0) {
            fprintf(stderr, "race_driver: barrier_wait returned %d in cycle %d\n", rc, k);
            break;
        }
    }
    thread_finished();
    return NULL;
}

static void *barrier_observer(void *arg)
{
    uintptr_t seen = 0;

    (void)arg;
    while (still_observing()) {
        seen += barrier_waiting(bar);
        seen += barrier_broken(bar);
        rc_sleep(0.001);
    }
    return (void *)seen;
}

static bool cycles_phase(void)
{
    pthread_t parties[PARTIES], observer;

    set_observing(true);
    pthread_create(&observer, NULL, barrier_observer, NULL);
    for (int i = 0; i < PARTIES; i++)
        pthread_create(&parties[i], NULL, party, (void *)(intptr_t)i);
    if (!wait_finished(PARTIES))
        return false;
    for (int i = 0; i < PARTIES; i++)
        pthread_join(parties[i], NULL);
    set_observing(false);
    pthread_join(observer, NULL);
    return true;
}

/* ---- phase 3: the broken state ---------------------------------------------- */

typedef struct waiter {
    double timeout_s;
    int result;
} waiter;

static void *wait_main(void *arg)
{
    waiter *w = arg;

    w->result = barrier_wait(bar, w->timeout_s, NULL);
    thread_finished();
    return NULL;
}

/* Starts `n` waiters, lets them block, runs `breaker` (may be NULL), waits for them. */
static bool broken_round(int n, const double *timeouts, void (*breaker)(barrier *))
{
    static waiter waiters[PARTIES];
    pthread_t threads[PARTIES];

    set_observing(false);
    for (int i = 0; i < n; i++) {
        waiters[i].timeout_s = timeouts[i];
        pthread_create(&threads[i], NULL, wait_main, &waiters[i]);
    }
    rc_sleep(0.020);
    if (breaker)
        breaker(bar);
    if (!wait_finished(n))
        return false;
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    barrier_reset(bar);
    return true;
}

static bool broken_phase(void)
{
    static const double forever[PARTIES] = { -1.0, -1.0, 10.0, -1.0 };
    static const double one_times_out[PARTIES] = { -1.0, 10.0, 0.01, -1.0 };

    atomic_store(&action_value, 0);
    if (!broken_round(PARTIES - 1, forever, barrier_abort))       /* abort */
        return false;
    if (!broken_round(PARTIES - 1, one_times_out, NULL))         /* a timeout */
        return false;
    if (!broken_round(PARTIES - 2, forever, barrier_reset))       /* reset */
        return false;
    atomic_store(&action_value, 5);
    if (!broken_round(PARTIES, forever, NULL))                    /* a failing action */
        return false;
    atomic_store(&action_value, 0);
    return broken_round(PARTIES, forever, NULL);                  /* a full cycle again */
}

int main(void)
{
    pthread_condattr_t attr;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&finish_cond, &attr);
    pthread_condattr_destroy(&attr);

    ev = event_create();
    bar = barrier_create(PARTIES, count_action, NULL);
    if (!ev || !bar) {
        fprintf(stderr, "race_driver: event_create or barrier_create returned NULL\n");
        return 1;
    }
    if (!event_phase() || !cycles_phase() || !broken_phase())
        return RC_EXIT_PASSED;
    event_destroy(ev);
    barrier_destroy(bar);
    return RC_EXIT_PASSED;
}
