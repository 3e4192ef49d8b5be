/*
 * public_tests.c - a few visible tests of barrier.
 *
 * Run them with:   make check EX=barrier
 *
 * The tests run under the kit's controlled scheduler, in virtual time
 * (barrier_tests.h): a timed wait gives up exactly at its deadline, a
 * thread that polls instead of waiting is stopped as a busy-wait, and a
 * test whose threads all wait for each other fails as a deadlock, with
 * each thread's call and line.
 *
 * The grader's hidden tests go much further (timeouts of every kind,
 * abort and reset, failing actions, many cycles, busy waiting); passing these
 * is a start, not a guarantee.  A call that could block forever runs on a
 * thread of its own, and the test waits for it with a deadline, so a bug
 * fails a test instead of hanging it.
 *
 * Two helpers of the test kit make the bugs below show on every run:
 *   rc_spurious_wakeups(n)  the next n condition-variable waits of this
 *                           thread return at once, nothing changed (POSIX
 *                           allows it): an `if` around a wait then fails;
 *   rc_late_wakeups(s)      a woken thread lets its mutex go and looks
 *                           only s seconds later (POSIX allows that too):
 *                           whatever the waker does next happens first.
 */
#define _GNU_SOURCE
#include "barrier.h"
#include "racecourse_test.h"
#include "barrier_tests.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

RC_SUITE(barrier_public);

RC_TEST(barrier_public, event_set_wakes_every_waiter)
{
    static call waiters[3];
    event *e = event_create();
    int rc;

    cr_assert(e != NULL, "event_create() returned NULL (errno %d)", errno);
    cr_assert(!event_is_set(e), "a new event must be clear");
    rc = event_wait(e, 0.0);
    cr_assert(rc == ETIMEDOUT, "event_wait(e, 0) on a clear event returned %d, expected ETIMEDOUT", rc);
    for (int i = 0; i < 3; i++) {
        memset(&waiters[i], 0, sizeof waiters[i]);
        waiters[i].e = e;
        waiters[i].timeout_s = i == 2 ? 100.0 : -1.0;
        waiters[i].spurious = 2;
        call_start(&waiters[i]);
    }
    let_threads_block();
    for (int i = 0; i < 3; i++)
        cr_assert(!atomic_load(&waiters[i].done), "event_wait returned %d on an event nobody set, after a "
                  "spurious wake-up: wait in a WHILE loop, not an if", waiters[i].result);
    event_set(e);
    for (int i = 0; i < 3; i++) {
        cr_assert(call_wait(&waiters[i], unit(25)), "3 threads waited for the event; one of them was still "
                  "blocked 25 units after event_set: wake EVERY waiter (pthread_cond_broadcast)");
        cr_assert(waiters[i].result == 0, "event_wait returned %d after event_set, expected 0", waiters[i].result);
    }
    cr_assert(event_is_set(e), "event_is_set is false after event_set");
    rc = event_wait(e, -1.0);
    cr_assert(rc == 0, "event_wait on a set event returned %d, expected 0 at once", rc);
    event_destroy(e);
}

RC_TEST(barrier_public, event_set_then_clear_still_wakes)
{
    static call waiter;
    event *e = event_create();

    cr_assert(e != NULL, "event_create() returned NULL (errno %d)", errno);
    memset(&waiter, 0, sizeof waiter);
    waiter.e = e;
    waiter.timeout_s = -1.0;
    waiter.late_s = 10 * rc_unit();     /* looks 10 units after it is woken */
    call_start(&waiter);
    let_threads_block();
    event_set(e);
    event_clear(e);
    cr_assert(call_wait(&waiter, unit(50)), "a thread waiting when event_set was called stayed blocked because "
              "event_clear came before it woke up: count the sets, and let a waiter return when the count "
              "moved since it started waiting");
    cr_assert(waiter.result == 0, "the waiter returned %d, expected 0", waiter.result);
    cr_assert(!event_is_set(e), "event_is_set is true after event_clear");
    event_destroy(e);
}

static atomic_int action_runs;
static atomic_int released;         /* barrier_wait calls returned */
static atomic_int released_during_action;

static int hold_action(void *arg)
{
    int before = atomic_load(&released);

    (void)arg;
    atomic_fetch_add(&action_runs, 1);
    rc_sleep(5 * rc_unit());
    atomic_fetch_add(&released_during_action, atomic_load(&released) - before);
    return 0;
}

static void *counted_barrier_wait(void *arg)
{
    call_main(arg);
    atomic_fetch_add(&released, 1);
    return NULL;
}

RC_TEST(barrier_public, barrier_releases_all_together)
{
    static call calls[3];
    barrier *b;
    unsigned seen = 0;

    errno = 0;
    cr_assert(barrier_create(0, NULL, NULL) == NULL && errno == EINVAL,
              "barrier_create(0, ...) must return NULL with errno EINVAL (errno was %d)", errno);
    b = barrier_create(3, hold_action, NULL);
    cr_assert(b != NULL, "barrier_create(3, ...) returned NULL (errno %d)", errno);
    for (int i = 0; i < 3; i++) {
        memset(&calls[i], 0, sizeof calls[i]);
        calls[i].b = b;
        calls[i].timeout_s = -1.0;
        calls[i].spurious = i < 2 ? 2 : 0;
        calls[i].index = UNSET;
        atomic_init(&calls[i].done, false);
        sem_init(&calls[i].over, 0, 0);
        cr_assert(pthread_create(&calls[i].thread, NULL, counted_barrier_wait, &calls[i]) == 0,
                  "cannot start a thread");
        if (i < 2) {
            let_arrive(b, (unsigned)i + 1);
            let_threads_block();
            for (int j = 0; j <= i; j++)
                cr_assert(!atomic_load(&calls[j].done), "barrier_wait returned %d with %d of 3 parties arrived: "
                          "wait in a WHILE loop until the cycle completes (spurious wake-ups happen)",
                          calls[j].result, i + 1);
            cr_assert(barrier_waiting(b) == (unsigned)i + 1, "barrier_waiting returned %u with %d threads waiting",
                      barrier_waiting(b), i + 1);
        }
    }
    for (int i = 0; i < 3; i++) {
        cr_assert(call_wait(&calls[i], unit(25)), "a thread stayed blocked after the last of 3 parties arrived: "
                  "the last arrival wakes every waiter (broadcast)");
        cr_assert(calls[i].result == 0, "barrier_wait returned %d when the cycle completed, expected 0",
                  calls[i].result);
        cr_assert(calls[i].index < 3 && !(seen & (1u << calls[i].index)),
                  "barrier_wait gave index %u: the 3 parties get 0, 1 and 2, each once", calls[i].index);
        seen |= 1u << calls[i].index;
    }
    cr_assert(calls[2].index == 2, "the last to arrive got index %u, expected 2 (arrival order)", calls[2].index);
    cr_assert(atomic_load(&action_runs) == 1, "the action ran %d times in one cycle, expected once",
              atomic_load(&action_runs));
    cr_assert(atomic_load(&released_during_action) == 0, "a waiter returned while the action was still running: "
              "the last arrival runs the action BEFORE it wakes the others");
    barrier_destroy(b);
}

RC_TEST(barrier_public, barrier_is_reusable)
{
    static call slow, fast1, fast2, third;
    barrier *b = barrier_create(2, NULL, NULL);

    cr_assert(b != NULL, "barrier_create(2, ...) returned NULL (errno %d)", errno);
    memset(&slow, 0, sizeof slow);
    slow.b = b;
    slow.timeout_s = -1.0;
    slow.late_s = 10 * rc_unit();       /* looks 10 units after it is woken */
    call_start(&slow);
    let_arrive(b, 1);
    start_barrier_wait(&fast1, b, -1.0);
    cr_assert(call_wait(&fast1, unit(25)) && fast1.result == 0,
              "the second of 2 parties did not return 0 (%d)", fast1.result);
    start_barrier_wait(&fast2, b, -1.0);    /* arrives again at once */
    cr_assert(call_wait(&slow, unit(50)), "the first thread of a completed cycle stayed blocked because the "
              "other arrived again before it woke up: it slipped into the next cycle.  Wait until the "
              "cycle NUMBER changes (a generation counter), not until a count goes back to 0");
    cr_assert(slow.result == 0 && slow.index == 0, "the first of 2 parties returned %d with index %u, expected "
              "0 and index 0", slow.result, slow.index);
    rc_sleep(3 * rc_unit());
    cr_assert(!atomic_load(&fast2.done), "a thread arriving again at a barrier of 2 returned %d alone: it waits "
              "for a partner in the next cycle", fast2.result);
    start_barrier_wait(&third, b, -1.0);
    cr_assert(call_wait(&fast2, unit(25)) && call_wait(&third, unit(25)),
              "the second cycle did not complete with 2 parties");
    cr_assert(fast2.result == 0 && third.result == 0, "the second cycle returned %d and %d, expected 0 and 0",
              fast2.result, third.result);
    barrier_destroy(b);
}

RC_TEST(barrier_public, timeout_breaks_the_barrier)
{
    static call waiter, timed, late;
    barrier *b = barrier_create(3, NULL, NULL);
    double took;

    cr_assert(b != NULL, "barrier_create(3, ...) returned NULL (errno %d)", errno);
    start_barrier_wait(&waiter, b, -1.0);
    let_arrive(b, 1);
    start_barrier_wait(&timed, b, 5 * rc_unit());
    cr_assert(call_wait(&timed, unit(40)), "barrier_wait with a 5-unit timeout still waits after 40 units");
    took = (timed.finished - timed.started) / rc_unit();
    cr_assert(timed.result == ETIMEDOUT, "barrier_wait with a 5-unit timeout returned %d with 2 of 3 parties, "
              "expected ETIMEDOUT", timed.result);
    cr_assert(fabs(took - 5) * rc_unit() < EXACT, "barrier_wait with a 5-unit timeout gave up after %.6f units "
              "(virtual time), expected exactly 5: pthread_cond_timedwait with a CLOCK_MONOTONIC deadline "
              "(now + timeout) on a CLOCK_MONOTONIC condition variable", took);
    cr_assert(call_wait(&waiter, unit(25)), "the other waiter stayed blocked after the timeout: a timeout breaks "
              "the barrier, and every thread waiting in it returns ECANCELED");
    cr_assert(waiter.result == ECANCELED, "the other waiter returned %d, expected ECANCELED", waiter.result);
    cr_assert(barrier_broken(b), "barrier_broken is false after a timeout");
    start_barrier_wait(&late, b, -1.0);
    cr_assert(call_wait(&late, unit(25)) && late.result == ECANCELED, "barrier_wait on a broken barrier must "
              "return ECANCELED at once (returned %d)", late.result);
    barrier_reset(b);
    cr_assert(!barrier_broken(b) && barrier_waiting(b) == 0, "after barrier_reset the barrier must be fresh");
    barrier_destroy(b);
}
