/*
 * barrier.c - your event and reusable barrier.
 *
 * Read README.md and barrier.h first: the header says exactly what each
 * function must do and return.  Every function below is a stub that
 * answers "not done yet" (ENOSYS), so this file compiles and the grader
 * gives 0 points until you fill it in.
 *
 * Check your work with:   make check EX=barrier
 */
#include "barrier.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/*
 * TODO: decide what an event holds.  You will need at least:
 *   - a pthread_mutex_t that guards every other field;
 *   - a pthread_cond_t that waiters sleep on (give it CLOCK_MONOTONIC,
 *     see pthread_condattr_setclock);
 *   - the flag;
 *   - a count of the sets, so that a waiter can tell "a set happened
 *     while I slept" even when a clear came right after it.
 */
struct event {
    bool set;           /* TODO: replace with your own fields */
};

/*
 * TODO: decide what a barrier holds: a mutex, a condition variable, the
 * number of parties, the action and its argument, how many threads have
 * arrived in this cycle, a cycle number (a "generation" counter: a
 * waiter waits until the cycle number moves on, not until a count goes
 * back to 0), whether the barrier is broken, and how the last cycle
 * ended.
 */
struct barrier {
    unsigned parties;   /* TODO: replace with your own fields */
};

event *event_create(void)
{
    /* TODO: allocate, initialise the mutex and the condition variable. */
    errno = ENOSYS;
    return NULL;
}

void event_destroy(event *e)
{
    /* TODO: destroy what event_create made and free it (NULL: nothing). */
    (void)e;
}

void event_set(event *e)
{
    /* TODO: under the lock, set the flag, count the set, BROADCAST. */
    (void)e;
}

void event_clear(event *e)
{
    /* TODO: under the lock, clear the flag. */
    (void)e;
}

bool event_is_set(event *e)
{
    /* TODO: read the flag under the lock. */
    (void)e;
    return false;
}

int event_wait(event *e, double timeout_s)
{
    /*
     * TODO: EINVAL for NULL or NaN; lock; remember the count of sets;
     * WHILE the flag is clear and the count has not moved, wait (with a
     * CLOCK_MONOTONIC deadline when timeout_s > 0; not at all when it is
     * 0; forever when it is < 0 or INFINITY).
     */
    (void)e;
    (void)timeout_s;
    return ENOSYS;
}

barrier *barrier_create(unsigned parties, barrier_action action, void *arg)
{
    /* TODO: EINVAL for 0 parties; allocate and initialise. */
    (void)parties;
    (void)action;
    (void)arg;
    errno = ENOSYS;
    return NULL;
}

int barrier_wait(barrier *b, double timeout_s, unsigned *index)
{
    /*
     * TODO: EINVAL for NULL or NaN; lock; ECANCELED when broken; take an
     * arrival index; the last arrival runs the action and ends the cycle
     * (or breaks the barrier when the action fails); the others wait
     * WHILE the cycle number has not moved, breaking the barrier when
     * their time runs out.
     */
    (void)b;
    (void)timeout_s;
    (void)index;
    return ENOSYS;
}

void barrier_abort(barrier *b)
{
    /* TODO: break the barrier and wake every waiter. */
    (void)b;
}

void barrier_reset(barrier *b)
{
    /* TODO: cancel the waiting threads and start a fresh cycle. */
    (void)b;
}

unsigned barrier_waiting(barrier *b)
{
    /* TODO: the count of this cycle, under the lock (0 while broken). */
    (void)b;
    return 0;
}

bool barrier_broken(barrier *b)
{
    /* TODO: the flag, under the lock. */
    (void)b;
    return false;
}

void barrier_destroy(barrier *b)
{
    /* TODO: destroy what barrier_create made and free it (NULL: nothing). */
    (void)b;
}
