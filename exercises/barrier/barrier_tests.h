/*
 * barrier_tests.h - what the public and the hidden tests of barrier
 * share: durations in test units, and one event_wait or barrier_wait run
 * on a thread of its own (struct call) that the test waits for with a
 * deadline, so that a bug fails a test instead of hanging it.
 *
 * The tests run under the kit's controlled scheduler (docs/scheduler.md):
 * one thread at a time, and the clocks, sleeps and timed waits your code
 * calls (clock_gettime, pthread_cond_timedwait, sem_timedwait ...) read
 * and advance a virtual clock that moves only when every thread waits.  A
 * timed wait that times out does so exactly at its deadline, so the tests
 * compare times exactly (EXACT).  Your code needs nothing special: use the
 * standard calls.
 *
 * Included once, by the file of tests (public_tests.c, or the hidden
 * tests when your instructor grades); nothing here is for your code.
 */
#ifndef BARRIER_TESTS_H
#define BARRIER_TESTS_H

#include "barrier.h"
#include "racecourse_test.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#define UNSET 0xdeadbeefu       /* an index no call wrote */

/*
 * Two instants of virtual time are the same when they differ by less than
 * this (seconds): a timeout given as a double becomes whole nanoseconds.
 */
#define EXACT 1e-6

static inline double unit(double n)
{
    return n * rc_unit();
}

/*
 * ---- one event_wait or barrier_wait on a thread of its own -------------
 *
 * Calls live in static storage, never on the test's stack: after a failed
 * assertion the stack is gone while the thread may still run.
 */
typedef struct call {
    event *e;                   /* event_wait when set, else barrier_wait */
    barrier *b;
    double timeout_s;
    int spurious;               /* spurious wake-ups to force */
    double late_s;              /* late wake-ups (rc_late_wakeups) */
    unsigned index;
    int result;
    double started, finished;
    atomic_bool done;
    sem_t over;
    pthread_t thread;
} call;

static atomic_int barrier_returns;     /* barrier_wait calls returned so far */

static inline void *call_main(void *arg)
{
    call *c = arg;

    rc_spurious_wakeups(c->spurious);
    rc_late_wakeups(c->late_s);
    c->started = rc_now();
    if (c->e) {
        c->result = event_wait(c->e, c->timeout_s);
    } else {
        c->result = barrier_wait(c->b, c->timeout_s, &c->index);
        atomic_fetch_add(&barrier_returns, 1);
    }
    c->finished = rc_now();
    rc_spurious_wakeups(0);
    rc_late_wakeups(0);
    atomic_store(&c->done, true);
    sem_post(&c->over);
    return NULL;
}

static inline void call_start(call *c)
{
    c->index = UNSET;
    c->result = -1;
    atomic_init(&c->done, false);
    sem_init(&c->over, 0, 0);
    cr_assert(pthread_create(&c->thread, NULL, call_main, c) == 0, "test setup: cannot start a thread");
}

static inline void start_event_wait(call *c, event *e, double timeout_s)
{
    memset(c, 0, sizeof *c);
    c->e = e;
    c->timeout_s = timeout_s;
    call_start(c);
}

static inline void start_barrier_wait(call *c, barrier *b, double timeout_s)
{
    memset(c, 0, sizeof *c);
    c->b = b;
    c->timeout_s = timeout_s;
    call_start(c);
}

/* Waits up to max_s for the call to return; joins it when it did. */
static inline bool call_wait(call *c, double max_s)
{
    if (!rc_sem_wait_for(&c->over, max_s))
        return false;
    pthread_join(c->thread, NULL);
    return true;
}

/*
 * Gives threads that are about to block the time to do so (5 units, far
 * longer than a loaded machine takes to run a ready thread).
 */
static inline void let_threads_block(void)
{
    rc_sleep(unit(5));
}

/*
 * Waits (25 units at most) until `n` threads wait at the barrier, so
 * that the next arrival is the one the test means, however slowly the
 * machine starts threads.  It looks every 0.05 units; when the count
 * never comes, the test's own assertions say what went wrong.
 */
static inline void let_arrive(barrier *b, unsigned n)
{
    double until = rc_now() + unit(25);

    while (barrier_waiting(b) < n && rc_now() < until)
        rc_sleep(unit(0.05));
}

#endif /* BARRIER_TESTS_H */
