/*
 * hidden_tests.c - the grader's tests of barrier (suite barrier).
 *
 * The tests run under the controlled scheduler (manifest `schedules`,
 * docs/scheduler.md), in virtual time: durations are in rc_unit() units,
 * a timed call times out exactly at its deadline and the tests compare
 * such instants exactly (EXACT, barrier_tests.h); a thread that polls
 * instead of waiting is the scheduler's busy-wait verdict, threads that
 * all wait for each other its deadlock verdict, each failing the test at
 * the student's line.  A call that could block forever in a wrong solution runs on a thread of
 * its own (struct call below); the test waits for it on a semaphore with
 * a deadline, so that a bug fails a test with a message instead of
 * hanging it.  Every test first checks what the stub gets wrong
 * (event_create or barrier_create returning NULL), so the untouched stub
 * fails every test at once.
 *
 * The interleavings that bugs need are forced, not hoped for:
 * rc_spurious_wakeups() makes a waiter's condition-variable wait return
 * with nothing changed (an `if` around a wait then fails every run) and
 * rc_late_wakeups() makes a woken waiter look only after the thread that
 * woke it went on (cleared the event, arrived at the barrier again).
 */
#define _GNU_SOURCE
#include "barrier.h"
#include "racecourse_test.h"
#include "barrier_tests.h"
#include "fault_inject.h"
#include "fault_tests.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

RC_SUITE(barrier);

#define MAX_CALLS 8

static const char *err_name(int err)
{
    switch (err) {
    case 0:          return "0";
    case EINVAL:     return "EINVAL";
    case ETIMEDOUT:  return "ETIMEDOUT";
    case ECANCELED:  return "ECANCELED";
    case ENOSYS:     return "ENOSYS (not implemented)";
    default:         return "another value";
    }
}

static event *new_event(void)
{
    event *e = event_create();

    cr_assert(e != NULL, "event_create() returned NULL (errno %d): it must create an event", errno);
    return e;
}

static barrier *new_barrier(unsigned parties, barrier_action action, void *arg)
{
    barrier *b = barrier_create(parties, action, arg);

    cr_assert(b != NULL, "barrier_create(%u, ...) returned NULL (errno %d): it must create a barrier",
              parties, errno);
    return b;
}

static bool call_done(call *c)
{
    return atomic_load(&c->done);
}

/* ---- events: arguments --------------------------------------------------- */

RC_TEST(barrier, event_null_arguments)
{
    event *e = new_event();
    int rc;

    rc = event_wait(NULL, 0.0);
    cr_assert(rc == EINVAL, "event_wait(NULL, 0) returned %d (%s), expected EINVAL", rc, err_name(rc));
    rc = event_wait(NULL, -1.0);
    cr_assert(rc == EINVAL, "event_wait(NULL, -1) returned %d (%s), expected EINVAL", rc, err_name(rc));
    cr_assert(!event_is_set(NULL), "event_is_set(NULL) must be false");
    event_set(NULL);
    event_clear(NULL);
    event_destroy(NULL);
    cr_assert(!event_is_set(e), "a new event must be clear");
    event_destroy(e);
}

RC_TEST(barrier, event_nan_is_einval)
{
    event *e = new_event();
    int rc;

    rc = event_wait(e, NAN);
    cr_assert(rc == EINVAL, "event_wait(e, NAN) on a clear event returned %d (%s), expected EINVAL",
              rc, err_name(rc));
    event_set(e);
    rc = event_wait(e, NAN);
    cr_assert(rc == EINVAL, "event_wait(e, NAN) on a set event returned %d (%s), expected EINVAL: "
              "a NaN timeout is checked before anything else", rc, err_name(rc));
    cr_assert(event_is_set(e), "event_wait with a NaN timeout changed the event");
    event_destroy(e);
}

/* ---- events: waiting ----------------------------------------------------- */

RC_TEST(barrier, event_set_clear_and_is_set)
{
    static const double timeouts[] = { -1.0, 0.0, 1.0, INFINITY };
    event *e = new_event();
    int rc;

    cr_assert(!event_is_set(e), "a new event must be clear");
    event_set(e);
    cr_assert(event_is_set(e), "event_is_set is false after event_set");
    event_set(e);
    cr_assert(event_is_set(e), "event_is_set is false after setting a set event");
    for (int k = 0; k < 4; k++) {
        double started = rc_now();

        rc = event_wait(e, timeouts[k]);
        cr_assert(rc == 0, "event_wait(e, %g) on a set event returned %d (%s), expected 0",
                  timeouts[k], rc, err_name(rc));
        cr_assert(rc_now() - started < EXACT, "event_wait(e, %g) on a set event took %.6f units "
                  "(virtual time): it must return at once", timeouts[k], (rc_now() - started) / rc_unit());
    }
    event_clear(e);
    cr_assert(!event_is_set(e), "event_is_set is true after event_clear");
    event_clear(e);
    cr_assert(!event_is_set(e), "event_is_set is true after clearing a clear event");
    rc = event_wait(e, 0.0);
    cr_assert(rc == ETIMEDOUT, "event_wait(e, 0) on a cleared event returned %d (%s), expected ETIMEDOUT",
              rc, err_name(rc));
    event_destroy(e);
}

RC_TEST(barrier, event_timeouts)
{
    static const double forever[] = { -1.0, INFINITY };
    event *e = new_event();
    static call c;
    double took;

    start_event_wait(&c, e, 0.0);
    cr_assert(call_wait(&c, unit(25)), "event_wait(e, 0) on a clear event blocked: 0 means look once");
    cr_assert(c.result == ETIMEDOUT, "event_wait(e, 0) on a clear event returned %d (%s), expected ETIMEDOUT",
              c.result, err_name(c.result));
    cr_assert(c.finished - c.started < EXACT, "event_wait(e, 0) took %.6f units (virtual time): 0 never waits",
              (c.finished - c.started) / rc_unit());

    start_event_wait(&c, e, unit(5));
    cr_assert(call_wait(&c, unit(40)), "event_wait with a 5-unit timeout still waits after 40 units: "
              "read the deadline from CLOCK_MONOTONIC, the condition variable's clock");
    took = (c.finished - c.started) / rc_unit();
    cr_assert(c.result == ETIMEDOUT, "event_wait with a 5-unit timeout on a clear event returned %d (%s), "
              "expected ETIMEDOUT", c.result, err_name(c.result));
    cr_assert(fabs(took - 5) * rc_unit() < EXACT, "event_wait with a 5-unit timeout gave up after %.6f units "
              "(virtual time), expected exactly 5: pthread_cond_timedwait with a CLOCK_MONOTONIC deadline "
              "(now + timeout) on a CLOCK_MONOTONIC condition variable", took);

    for (int k = 0; k < 2; k++) {
        start_event_wait(&c, e, forever[k]);
        let_threads_block();
        cr_assert(!call_done(&c), "event_wait(e, %g) returned %d (%s) on a clear event: a negative or "
                  "infinite timeout waits as long as it takes", forever[k], c.result, err_name(c.result));
        event_set(e);
        cr_assert(call_wait(&c, unit(25)), "event_wait(e, %g) stayed blocked after event_set", forever[k]);
        cr_assert(c.result == 0, "event_wait(e, %g) returned %d (%s) after event_set, expected 0",
                  forever[k], c.result, err_name(c.result));
        event_clear(e);
    }
    event_destroy(e);
}

/* Starts `n` event_wait calls with `timeout_s`, each forced to `spurious` spurious wake-ups. */
static void start_event_waiters(call *calls, int n, event *e, double timeout_s, int spurious, double late_s)
{
    for (int i = 0; i < n; i++) {
        memset(&calls[i], 0, sizeof calls[i]);
        calls[i].e = e;
        calls[i].timeout_s = timeout_s;
        calls[i].spurious = spurious;
        calls[i].late_s = late_s;
        call_start(&calls[i]);
    }
}

RC_TEST(barrier, event_set_wakes_every_waiter)
{
    enum { WAITERS = 5 };
    static call calls[WAITERS];
    event *e = new_event();

    start_event_waiters(calls, 3, e, -1.0, 0, 0);
    start_event_waiters(calls + 3, 2, e, unit(500), 0, 0);
    let_threads_block();
    for (int i = 0; i < WAITERS; i++)
        cr_assert(!call_done(&calls[i]), "event_wait returned %d (%s) on a clear event before any set",
                  calls[i].result, err_name(calls[i].result));
    event_set(e);
    for (int i = 0; i < WAITERS; i++) {
        cr_assert(call_wait(&calls[i], unit(25)), "%d threads waited for an event; after event_set, waiter %d "
                  "was still blocked 25 units later: event_set must wake EVERY waiter "
                  "(pthread_cond_broadcast, not pthread_cond_signal)", WAITERS, i + 1);
        cr_assert(calls[i].result == 0, "event_wait returned %d (%s) after event_set, expected 0",
                  calls[i].result, err_name(calls[i].result));
    }
    event_destroy(e);
}

RC_TEST(barrier, event_set_then_clear_still_wakes)
{
    enum { WAITERS = 3 };
    static call calls[WAITERS];
    event *e = new_event();

    /* Woken threads look only 10 units after their wake-up: the clear comes first, every run. */
    start_event_waiters(calls, 2, e, -1.0, 0, unit(10));
    start_event_waiters(calls + 2, 1, e, unit(500), 0, unit(10));
    let_threads_block();
    event_set(e);
    event_clear(e);
    for (int i = 0; i < WAITERS; i++) {
        cr_assert(call_wait(&calls[i], unit(50)), "a thread waiting when event_set was called stayed blocked "
                  "because event_clear came before it woke up: a set wakes everyone waiting at that "
                  "moment; count the sets, and let a waiter return when the count moved");
        cr_assert(calls[i].result == 0, "a thread waiting when event_set was called returned %d (%s), "
                  "expected 0 (even though event_clear came before it woke up)",
                  calls[i].result, err_name(calls[i].result));
    }
    cr_assert(!event_is_set(e), "event_is_set is true after event_set then event_clear");
    event_destroy(e);
}

RC_TEST(barrier, event_wait_rechecks_after_wakeup)
{
    enum { WAITERS = 3 };
    static call calls[WAITERS];
    event *e = new_event();

    start_event_waiters(calls, 2, e, -1.0, 3, 0);
    start_event_waiters(calls + 2, 1, e, unit(500), 3, 0);
    let_threads_block();
    for (int i = 0; i < WAITERS; i++)
        cr_assert(!call_done(&calls[i]), "event_wait returned %d (%s) on an event nobody set, after a spurious "
                  "wake-up of its condition variable: wait in a WHILE loop that checks the flag (and the "
                  "count of sets) again", calls[i].result, err_name(calls[i].result));
    event_set(e);
    for (int i = 0; i < WAITERS; i++)
        cr_assert(call_wait(&calls[i], unit(25)) && calls[i].result == 0,
                  "event_wait did not return 0 after event_set (%d, %s)", calls[i].result, err_name(calls[i].result));
    event_destroy(e);
}

RC_TEST(barrier, event_timed_wait_wakes_early)
{
    event *e = new_event();
    static call c;
    double set_at;

    start_event_wait(&c, e, unit(100));
    rc_sleep(unit(3));
    cr_assert(!call_done(&c), "event_wait returned %d (%s) on a clear event before its timeout",
              c.result, err_name(c.result));
    set_at = rc_now();
    event_set(e);
    cr_assert(call_wait(&c, unit(50)), "a timed event_wait did not return after event_set");
    cr_assert(c.result == 0, "a timed event_wait returned %d (%s) after event_set, expected 0",
              c.result, err_name(c.result));
    cr_assert(c.finished - set_at < EXACT, "a timed event_wait took %.6f units (virtual time) to notice "
              "event_set: it must wake up at once, not at its timeout", (c.finished - set_at) / rc_unit());
    event_destroy(e);
}

/* ---- barriers: arguments ------------------------------------------------- */

RC_TEST(barrier, barrier_null_arguments)
{
    barrier *b;
    unsigned index = UNSET;
    int rc;

    errno = 0;
    cr_assert(barrier_create(0, NULL, NULL) == NULL && errno == EINVAL,
              "barrier_create(0, ...) must return NULL with errno EINVAL (errno was %d)", errno);
    b = new_barrier(2, NULL, NULL);
    rc = barrier_wait(NULL, 0.0, &index);
    cr_assert(rc == EINVAL, "barrier_wait(NULL, ...) returned %d (%s), expected EINVAL", rc, err_name(rc));
    rc = barrier_wait(NULL, -1.0, NULL);
    cr_assert(rc == EINVAL, "barrier_wait(NULL, -1, NULL) returned %d (%s), expected EINVAL", rc, err_name(rc));
    cr_assert(index == UNSET, "barrier_wait(NULL, ...) wrote *index: an error changes nothing");
    barrier_abort(NULL);
    barrier_reset(NULL);
    barrier_destroy(NULL);
    cr_assert(barrier_waiting(NULL) == 0, "barrier_waiting(NULL) must be 0");
    cr_assert(!barrier_broken(NULL), "barrier_broken(NULL) must be false");
    cr_assert(barrier_waiting(b) == 0 && !barrier_broken(b), "a new barrier has nobody waiting and is not broken");
    barrier_destroy(b);
}

RC_TEST(barrier, barrier_nan_is_einval)
{
    barrier *b = new_barrier(2, NULL, NULL);
    static call c;
    unsigned index = UNSET;
    int rc;

    rc = barrier_wait(b, NAN, &index);
    cr_assert(rc == EINVAL, "barrier_wait(b, NAN, ...) returned %d (%s), expected EINVAL", rc, err_name(rc));
    cr_assert(barrier_waiting(b) == 0 && !barrier_broken(b), "barrier_wait with a NaN timeout arrived at or broke "
              "the barrier: NaN is EINVAL before anything else");
    start_barrier_wait(&c, b, -1.0);
    let_arrive(b, 1);
    rc = barrier_wait(b, NAN, &index);
    cr_assert(rc == EINVAL, "barrier_wait(b, NAN, ...) with one thread waiting returned %d (%s), expected EINVAL",
              rc, err_name(rc));
    cr_assert(!call_done(&c), "barrier_wait with a NaN timeout released the thread waiting at a barrier of 2: "
              "it must not arrive");
    cr_assert(index == UNSET, "barrier_wait with a NaN timeout wrote *index");
    barrier_abort(b);
    cr_assert(call_wait(&c, unit(25)), "barrier_abort did not release the waiting thread");
    rc = barrier_wait(b, NAN, &index);
    cr_assert(rc == EINVAL, "barrier_wait(b, NAN, ...) on a broken barrier returned %d (%s), expected EINVAL: "
              "NaN is checked before anything else", rc, err_name(rc));
    barrier_destroy(b);
}

/* ---- barriers: one cycle ------------------------------------------------- */

/* What actions saw. */
typedef struct action_log {
    atomic_int runs;
    pthread_t thread;           /* where the last run happened */
    int value;                  /* what the action returns */
    double hold_s;              /* how long each run takes */
    atomic_int returns_during;  /* barrier_wait calls that returned while it ran */
} action_log;

static action_log LOG;

static int logging_action(void *arg)
{
    action_log *log = arg;
    int before = atomic_load(&barrier_returns);

    atomic_fetch_add(&log->runs, 1);
    log->thread = pthread_self();
    rc_sleep(log->hold_s);
    atomic_fetch_add(&log->returns_during, atomic_load(&barrier_returns) - before);
    return log->value;
}

static void reset_log(int value, double hold_s)
{
    memset(&LOG, 0, sizeof LOG);
    LOG.value = value;
    LOG.hold_s = hold_s;
}

RC_TEST(barrier, one_party_passes_at_once)
{
    barrier *b;
    unsigned index = UNSET;
    int rc;

    reset_log(0, 0);
    b = new_barrier(1, logging_action, &LOG);
    for (int k = 1; k <= 3; k++) {
        index = UNSET;
        rc = barrier_wait(b, k == 2 ? 0.0 : -1.0, &index);
        cr_assert(rc == 0 && index == 0, "barrier_wait on a barrier of 1 party returned %d (%s) with index %u, "
                  "expected 0 and index 0 at once (timeout %s)", rc, err_name(rc), index, k == 2 ? "0" : "-1");
        cr_assert(atomic_load(&LOG.runs) == k, "after %d cycles of a barrier of 1 party the action ran %d times",
                  k, atomic_load(&LOG.runs));
    }
    rc = barrier_wait(b, -1.0, NULL);
    cr_assert(rc == 0, "barrier_wait(b, -1, NULL) returned %d (%s): index may be NULL", rc, err_name(rc));
    barrier_destroy(b);
}

RC_TEST(barrier, indexes_follow_arrival_order)
{
    enum { PARTIES = 4 };
    static call calls[PARTIES];
    barrier *b = new_barrier(PARTIES, NULL, NULL);
    unsigned seen = 0;

    for (int i = 0; i < PARTIES; i++) {
        start_barrier_wait(&calls[i], b, -1.0);
        if (i + 1 < PARTIES) {
            let_arrive(b, (unsigned)i + 1);
            cr_assert(barrier_waiting(b) == (unsigned)i + 1, "barrier_waiting returned %u with %d threads "
                      "blocked in barrier_wait", barrier_waiting(b), i + 1);
        }
    }
    for (int i = 0; i < PARTIES; i++) {
        cr_assert(call_wait(&calls[i], unit(25)), "a thread stayed blocked after the last of %d parties arrived",
                  PARTIES);
        cr_assert(calls[i].result == 0, "barrier_wait returned %d (%s) when the cycle completed, expected 0",
                  calls[i].result, err_name(calls[i].result));
        cr_assert(calls[i].index < PARTIES && !(seen & (1u << calls[i].index)),
                  "barrier_wait gave index %u, given already or not in 0..%d: indexes are distinct",
                  calls[i].index, PARTIES - 1);
        seen |= 1u << calls[i].index;
        cr_assert(calls[i].index == (unsigned)i, "the thread that arrived %d%s got index %u, expected %d: the "
                  "index is the arrival order (0 for the first, parties-1 for the last)",
                  i + 1, i == 0 ? "st" : i == 1 ? "nd" : i == 2 ? "rd" : "th", calls[i].index, i);
    }
    cr_assert(barrier_waiting(b) == 0, "barrier_waiting returned %u after the cycle completed", barrier_waiting(b));
    barrier_destroy(b);
}

RC_TEST(barrier, waiters_block_until_the_last_arrives)
{
    enum { PARTIES = 3 };
    static call calls[PARTIES];
    barrier *b = new_barrier(PARTIES, NULL, NULL);

    for (int i = 0; i < PARTIES - 1; i++) {
        memset(&calls[i], 0, sizeof calls[i]);
        calls[i].b = b;
        calls[i].timeout_s = i == 0 ? -1.0 : unit(500);
        calls[i].spurious = 3;          /* an `if` around the wait returns early */
        call_start(&calls[i]);
    }
    let_arrive(b, PARTIES - 1);
    let_threads_block();
    for (int i = 0; i < PARTIES - 1; i++)
        cr_assert(!call_done(&calls[i]), "barrier_wait returned %d (%s) with %d of %d parties arrived, after a "
                  "spurious wake-up: wait in a WHILE loop until the cycle number changes",
                  calls[i].result, err_name(calls[i].result), PARTIES - 1, PARTIES);
    cr_assert(barrier_waiting(b) == PARTIES - 1, "barrier_waiting returned %u with %d threads waiting",
              barrier_waiting(b), PARTIES - 1);
    start_barrier_wait(&calls[PARTIES - 1], b, -1.0);
    for (int i = 0; i < PARTIES; i++) {
        cr_assert(call_wait(&calls[i], unit(25)), "a thread stayed blocked 25 units after the last party arrived: "
                  "the last arrival must wake every waiter (broadcast)");
        cr_assert(calls[i].result == 0, "barrier_wait returned %d (%s) when the cycle completed",
                  calls[i].result, err_name(calls[i].result));
    }
    barrier_destroy(b);
}

RC_TEST(barrier, action_runs_once_before_release)
{
    enum { PARTIES = 3 };
    static call calls[PARTIES];
    barrier *b;

    reset_log(0, unit(5));
    b = new_barrier(PARTIES, logging_action, &LOG);
    for (int cycle = 1; cycle <= 2; cycle++) {
        for (int i = 0; i < PARTIES; i++) {
            start_barrier_wait(&calls[i], b, -1.0);
            if (i + 1 < PARTIES)
                let_arrive(b, (unsigned)i + 1);
            if (i + 1 < PARTIES)
                cr_assert(atomic_load(&LOG.runs) == cycle - 1, "the action ran before the last party arrived");
        }
        for (int i = 0; i < PARTIES; i++) {
            cr_assert(call_wait(&calls[i], unit(40)), "a thread stayed blocked after the last party arrived");
            cr_assert(calls[i].result == 0, "barrier_wait returned %d (%s) with an action that returns 0",
                      calls[i].result, err_name(calls[i].result));
        }
        cr_assert(atomic_load(&LOG.runs) == cycle, "after %d cycles the action ran %d times: once per cycle",
                  cycle, atomic_load(&LOG.runs));
        cr_assert(pthread_equal(LOG.thread, calls[PARTIES - 1].thread), "the action ran on another thread than "
                  "the last to arrive: the last arrival runs it itself");
        cr_assert(atomic_load(&LOG.returns_during) == 0, "%d barrier_wait call(s) returned while the action was "
                  "still running: run the action BEFORE waking the others", atomic_load(&LOG.returns_during));
    }
    barrier_destroy(b);
}

/* ---- barriers: cycles ---------------------------------------------------- */

RC_TEST(barrier, no_slip_into_the_next_cycle)
{
    static call slow, fast1, fast2, third;
    barrier *b = new_barrier(2, NULL, NULL);
    double until;

    /* The slow thread looks at the barrier 10 units after it is woken. */
    memset(&slow, 0, sizeof slow);
    slow.b = b;
    slow.timeout_s = -1.0;
    slow.late_s = unit(10);
    call_start(&slow);
    let_arrive(b, 1);
    start_barrier_wait(&fast1, b, -1.0);
    cr_assert(call_wait(&fast1, unit(25)), "the second of 2 parties stayed blocked");
    cr_assert(fast1.result == 0 && fast1.index == 1, "the second of 2 parties returned %d (%s) with index %u, "
              "expected 0 and index 1", fast1.result, err_name(fast1.result), fast1.index);
    /* The fast thread arrives again at once, before the slow one looked. */
    start_barrier_wait(&fast2, b, -1.0);
    until = rc_now() + unit(5);
    while (barrier_waiting(b) == 0 && rc_now() < until)
        rc_sleep(unit(0.1));
    cr_assert(call_wait(&slow, unit(50)), "a thread of a completed cycle stayed blocked because another thread "
              "arrived again before it woke up: it slipped into the next cycle.  Wait until the cycle "
              "NUMBER changes (a generation counter), not until the count goes back to 0");
    cr_assert(slow.result == 0 && slow.index == 0, "the first of 2 parties returned %d (%s) with index %u, "
              "expected 0 and index 0", slow.result, err_name(slow.result), slow.index);
    rc_sleep(unit(3));
    cr_assert(!call_done(&fast2), "a thread arriving again at a barrier of 2 returned %d (%s) alone: it must "
              "wait for a partner in the next cycle", fast2.result, err_name(fast2.result));
    start_barrier_wait(&third, b, -1.0);
    cr_assert(call_wait(&fast2, unit(25)) && call_wait(&third, unit(25)),
              "the second cycle did not complete with 2 parties");
    cr_assert(fast2.result == 0 && third.result == 0 && fast2.index == 0 && third.index == 1,
              "the second cycle returned %d (index %u) and %d (index %u), expected 0 (index 0) and 0 (index 1)",
              fast2.result, fast2.index, third.result, third.index);
    barrier_destroy(b);
}

/* Many cycles: every thread checks that its cycle was complete. */
enum { CYCLE_THREADS = 4, CYCLES = 80 };

typedef struct cycler {
    barrier *b;
    int id;
    int error;                  /* 0, or a barrier_wait result */
    int slipped;                /* cycles left before every party arrived */
    sem_t over;
} cycler;

static atomic_int arrivals[CYCLES];
static atomic_uint indexes_seen[CYCLES];
static atomic_int cycles_run;

static int count_cycle(void *arg)
{
    (void)arg;
    atomic_fetch_add(&cycles_run, 1);
    return 0;
}

static void *cycler_main(void *arg)
{
    cycler *c = arg;

    /* Thread 0 looks late after each wake-up: a thread released with it
     * arrives again before it looked, in every cycle it waits in. */
    if (c->id == 0)
        rc_late_wakeups(unit(0.25));
    for (int k = 0; k < CYCLES; k++) {
        unsigned index = UNSET;
        int rc;

        if (k % 10 == c->id)
            rc_spurious_wakeups(1);
        atomic_fetch_add(&arrivals[k], 1);
        rc = barrier_wait(c->b, k % 2 ? -1.0 : unit(1000), &index);
        rc_spurious_wakeups(0);
        if (rc != 0) {
            c->error = rc;
            break;
        }
        if (atomic_load(&arrivals[k]) != CYCLE_THREADS)
            c->slipped++;
        if (index < CYCLE_THREADS)
            atomic_fetch_or(&indexes_seen[k], 1u << index);
        else
            atomic_fetch_or(&indexes_seen[k], 1u << 31);
    }
    rc_late_wakeups(0);
    sem_post(&c->over);
    return NULL;
}

RC_TEST(barrier, many_cycles_stay_in_step)
{
    static cycler cyclers[CYCLE_THREADS];
    barrier *b = new_barrier(CYCLE_THREADS, count_cycle, NULL);
    pthread_t threads[CYCLE_THREADS];

    for (int i = 0; i < CYCLE_THREADS; i++) {
        cyclers[i] = (cycler){ .b = b, .id = i };
        sem_init(&cyclers[i].over, 0, 0);
        cr_assert(pthread_create(&threads[i], NULL, cycler_main, &cyclers[i]) == 0, "test setup: cannot start a thread");
    }
    for (int i = 0; i < CYCLE_THREADS; i++) {
        cr_assert(rc_sem_wait_for(&cyclers[i].over, unit(350)), "%d threads going through %d cycles of a barrier "
                  "stopped moving (%d cycles completed): a wake-up was lost or a thread slipped into the "
                  "wrong cycle", CYCLE_THREADS, CYCLES, atomic_load(&cycles_run));
        pthread_join(threads[i], NULL);
    }
    for (int i = 0; i < CYCLE_THREADS; i++) {
        cr_assert(cyclers[i].error == 0, "barrier_wait returned %d (%s) in a cycle nobody broke",
                  cyclers[i].error, err_name(cyclers[i].error));
        cr_assert(cyclers[i].slipped == 0, "a thread returned from barrier_wait %d time(s) before every party of "
                  "its cycle had arrived", cyclers[i].slipped);
    }
    for (int k = 0; k < CYCLES; k++)
        cr_assert(atomic_load(&indexes_seen[k]) == (1u << CYCLE_THREADS) - 1, "cycle %d gave the indexes %#x "
                  "(a bit per index): the %d parties of a cycle get 0..%d, each once",
                  k + 1, atomic_load(&indexes_seen[k]), CYCLE_THREADS, CYCLE_THREADS - 1);
    cr_assert(atomic_load(&cycles_run) == CYCLES, "the action ran %d times in %d cycles",
              atomic_load(&cycles_run), CYCLES);
    barrier_destroy(b);
}

/* ---- barriers: the broken state ------------------------------------------ */

/* Checks that `b` is broken: waiting 0, later calls ECANCELED at once, *index untouched. */
static void check_broken(barrier *b, const char *why)
{
    static const double timeouts[] = { -1.0, 0.0, 1.0 };
    static call c;

    cr_assert(barrier_broken(b), "barrier_broken is false after %s", why);
    cr_assert(barrier_waiting(b) == 0, "barrier_waiting returned %u on a barrier broken by %s: 0 while broken",
              barrier_waiting(b), why);
    for (int k = 0; k < 3; k++) {
        start_barrier_wait(&c, b, timeouts[k]);
        cr_assert(call_wait(&c, unit(25)), "barrier_wait(b, %g, ...) on a barrier broken by %s blocked: it must "
                  "fail with ECANCELED at once, until barrier_reset", timeouts[k], why);
        cr_assert(c.result == ECANCELED, "barrier_wait(b, %g, ...) on a barrier broken by %s returned %d (%s), "
                  "expected ECANCELED until barrier_reset", timeouts[k], why, c.result, err_name(c.result));
        cr_assert(c.finished - c.started < EXACT, "barrier_wait on a broken barrier took %.6f units (virtual "
                  "time): it fails at once", (c.finished - c.started) / rc_unit());
        cr_assert(c.index == UNSET, "barrier_wait wrote *index on a broken barrier: only a 0 return writes it");
    }
}

/* Resets `b` (of `parties`, no action) and checks that one full cycle works again. */
static void check_fresh_after_reset(barrier *b, int parties)
{
    static call calls[MAX_CALLS];

    barrier_reset(b);
    cr_assert(!barrier_broken(b) && barrier_waiting(b) == 0,
              "after barrier_reset the barrier must be fresh: not broken, nobody waiting");
    for (int i = 0; i < parties; i++)
        start_barrier_wait(&calls[i], b, -1.0);
    for (int i = 0; i < parties; i++) {
        cr_assert(call_wait(&calls[i], unit(25)), "after barrier_reset, %d parties did not complete a cycle", parties);
        cr_assert(calls[i].result == 0, "after barrier_reset, barrier_wait returned %d (%s) in a full cycle",
                  calls[i].result, err_name(calls[i].result));
    }
}

RC_TEST(barrier, timeout_breaks_the_barrier)
{
    static call waiters[2], timed;
    barrier *b = new_barrier(4, NULL, NULL);
    double took;

    start_barrier_wait(&waiters[0], b, -1.0);
    start_barrier_wait(&waiters[1], b, unit(500));
    let_arrive(b, 2);
    start_barrier_wait(&timed, b, unit(5));
    cr_assert(call_wait(&timed, unit(40)), "barrier_wait with a 5-unit timeout still waits after 40 units");
    took = (timed.finished - timed.started) / rc_unit();
    cr_assert(timed.result == ETIMEDOUT, "barrier_wait with a 5-unit timeout returned %d (%s) with 3 of 4 "
              "parties arrived, expected ETIMEDOUT", timed.result, err_name(timed.result));
    cr_assert(fabs(took - 5) * rc_unit() < EXACT, "barrier_wait with a 5-unit timeout gave up after %.6f units "
              "(virtual time), expected exactly 5: pthread_cond_timedwait with a CLOCK_MONOTONIC deadline "
              "(now + timeout) on a CLOCK_MONOTONIC condition variable", took);
    cr_assert(timed.index == UNSET, "a barrier_wait that timed out wrote *index");
    for (int i = 0; i < 2; i++) {
        cr_assert(call_wait(&waiters[i], unit(25)), "a thread waiting at the barrier stayed blocked after "
                  "another's timeout ran out: a timeout breaks the barrier for every waiter");
        cr_assert(waiters[i].result == ECANCELED, "a thread waiting when another's timeout ran out returned %d "
                  "(%s), expected ECANCELED", waiters[i].result, err_name(waiters[i].result));
    }
    check_broken(b, "a timeout");
    check_fresh_after_reset(b, 4);
    barrier_destroy(b);
}

RC_TEST(barrier, timeout_zero_looks_once)
{
    static call waiter, zero;
    barrier *b = new_barrier(2, NULL, NULL);

    /* Not the last arrival: breaks the barrier at once, as in Python. */
    start_barrier_wait(&zero, b, 0.0);
    cr_assert(call_wait(&zero, unit(25)), "barrier_wait(b, 0, ...) blocked: 0 looks once");
    cr_assert(zero.result == ETIMEDOUT, "barrier_wait(b, 0, ...) as the first of 2 parties returned %d (%s), "
              "expected ETIMEDOUT", zero.result, err_name(zero.result));
    cr_assert(zero.finished - zero.started < EXACT, "barrier_wait(b, 0, ...) took %.6f units (virtual time): 0 "
              "never waits", (zero.finished - zero.started) / rc_unit());
    check_broken(b, "a barrier_wait with timeout 0 that was not the last arrival");
    barrier_reset(b);

    /* The last arrival: completes the cycle. */
    start_barrier_wait(&waiter, b, -1.0);
    let_arrive(b, 1);
    start_barrier_wait(&zero, b, 0.0);
    cr_assert(call_wait(&zero, unit(25)) && call_wait(&waiter, unit(25)), "a cycle completed by barrier_wait(b, 0, ...) "
              "did not release its threads");
    cr_assert(zero.result == 0 && zero.index == 1 && waiter.result == 0 && waiter.index == 0,
              "barrier_wait(b, 0, ...) as the last of 2 parties returned %d (%s, index %u), the other %d (%s, "
              "index %u): expected 0 (index 1) and 0 (index 0)", zero.result, err_name(zero.result), zero.index,
              waiter.result, err_name(waiter.result), waiter.index);
    cr_assert(!barrier_broken(b), "a cycle completed by barrier_wait(b, 0, ...) broke the barrier");
    barrier_destroy(b);
}

RC_TEST(barrier, negative_or_infinite_timeout_waits)
{
    static const double forever[] = { -1.0, -0.5, INFINITY, 1e300 };
    static call waiter;
    barrier *b = new_barrier(2, NULL, NULL);
    unsigned index = UNSET;
    int rc;

    for (int k = 0; k < 4; k++) {
        start_barrier_wait(&waiter, b, forever[k]);
        let_arrive(b, 1);
        rc_sleep(unit(2));
        cr_assert(!call_done(&waiter), "barrier_wait(b, %g, ...) returned %d (%s) alone at a barrier of 2: a "
                  "negative, infinite or huge timeout waits as long as it takes",
                  forever[k], waiter.result, err_name(waiter.result));
        rc = barrier_wait(b, -1.0, &index);
        cr_assert(rc == 0 && index == 1, "the second of 2 parties returned %d (%s) with index %u", rc, err_name(rc), index);
        cr_assert(call_wait(&waiter, unit(25)) && waiter.result == 0 && waiter.index == 0,
                  "barrier_wait(b, %g, ...) did not return 0 with index 0 when the cycle completed", forever[k]);
    }
    barrier_destroy(b);
}

RC_TEST(barrier, failing_action_breaks_the_barrier)
{
    static const int values[] = { 77, -3, ECANCELED };
    static call calls[3];
    barrier *b;

    for (int v = 0; v < 3; v++) {
        reset_log(values[v], 0);
        b = new_barrier(3, logging_action, &LOG);
        for (int i = 0; i < 3; i++) {
            start_barrier_wait(&calls[i], b, -1.0);
            if (i < 2)
                let_arrive(b, (unsigned)i + 1);
        }
        for (int i = 0; i < 3; i++)
            cr_assert(call_wait(&calls[i], unit(25)), "a thread stayed blocked after the action failed: a failing "
                      "action breaks the barrier and wakes every waiter");
        cr_assert(calls[2].result == values[v], "the thread whose action returned %d got %d from barrier_wait: "
                  "it returns the action's value unchanged", values[v], calls[2].result);
        cr_assert(calls[2].index == UNSET, "the thread whose action failed had *index written");
        for (int i = 0; i < 2; i++)
            cr_assert(calls[i].result == ECANCELED && calls[i].index == UNSET,
                      "a thread waiting when the action returned %d got %d (%s), expected ECANCELED with *index "
                      "untouched", values[v], calls[i].result, err_name(calls[i].result));
        cr_assert(atomic_load(&LOG.runs) == 1, "the action ran %d times in one cycle", atomic_load(&LOG.runs));
        check_broken(b, "a failing action");
        barrier_destroy(b);
    }
}

RC_TEST(barrier, abort_cancels_waiters_and_later_calls)
{
    static call calls[3];
    barrier *b = new_barrier(4, NULL, NULL);

    for (int i = 0; i < 3; i++)
        start_barrier_wait(&calls[i], b, i == 2 ? unit(500) : -1.0);
    let_arrive(b, 3);
    barrier_abort(b);
    for (int i = 0; i < 3; i++) {
        cr_assert(call_wait(&calls[i], unit(25)), "a thread waiting at the barrier stayed blocked after "
                  "barrier_abort: wake every waiter (broadcast)");
        cr_assert(calls[i].result == ECANCELED, "a thread waiting when barrier_abort was called returned %d (%s), "
                  "expected ECANCELED", calls[i].result, err_name(calls[i].result));
    }
    check_broken(b, "barrier_abort");
    barrier_abort(b);
    check_broken(b, "a second barrier_abort");
    check_fresh_after_reset(b, 4);

    /* Aborting a barrier nobody waits at breaks it too. */
    barrier_abort(b);
    check_broken(b, "barrier_abort with nobody waiting");
    check_fresh_after_reset(b, 4);
    barrier_destroy(b);
}

RC_TEST(barrier, reset_cancels_waiters_and_starts_afresh)
{
    static call calls[3];
    barrier *b = new_barrier(3, NULL, NULL);

    for (int i = 0; i < 2; i++)
        start_barrier_wait(&calls[i], b, i == 1 ? unit(500) : -1.0);
    let_arrive(b, 2);
    barrier_reset(b);
    for (int i = 0; i < 2; i++) {
        cr_assert(call_wait(&calls[i], unit(25)), "a thread waiting at the barrier stayed blocked after "
                  "barrier_reset: it must wake the threads waiting then");
        cr_assert(calls[i].result == ECANCELED, "a thread waiting when barrier_reset was called returned %d (%s), "
                  "expected ECANCELED", calls[i].result, err_name(calls[i].result));
    }
    cr_assert(!barrier_broken(b) && barrier_waiting(b) == 0, "after barrier_reset the barrier must be fresh: not "
              "broken, nobody waiting (waiting %u, broken %d)", barrier_waiting(b), barrier_broken(b));

    /* A new cycle of 3 after the reset: the cancelled threads do not count in it. */
    start_barrier_wait(&calls[0], b, -1.0);
    start_barrier_wait(&calls[1], b, -1.0);
    let_arrive(b, 2);
    let_threads_block();
    cr_assert(!call_done(&calls[0]) && !call_done(&calls[1]), "after barrier_reset, 2 arrivals at a barrier of 3 "
              "returned: the threads cancelled by the reset must not count in the new cycle");
    start_barrier_wait(&calls[2], b, -1.0);
    for (int i = 0; i < 3; i++)
        cr_assert(call_wait(&calls[i], unit(25)) && calls[i].result == 0,
                  "the first cycle after barrier_reset did not complete (%d, %s)", calls[i].result,
                  err_name(calls[i].result));

    /* Resetting a broken barrier mends it. */
    barrier_abort(b);
    check_fresh_after_reset(b, 3);
    barrier_destroy(b);
}

RC_TEST(barrier, completed_cycle_survives_abort_and_reset)
{
    static call slow;
    barrier *b = new_barrier(2, NULL, NULL);
    unsigned index = UNSET;
    int rc;

    for (int k = 0; k < 2; k++) {
        /* The woken thread looks 10 units late: the abort or reset comes first. */
        memset(&slow, 0, sizeof slow);
        slow.b = b;
        slow.timeout_s = k == 0 ? -1.0 : unit(500);
        slow.late_s = unit(10);
        call_start(&slow);
        let_arrive(b, 1);
        rc = barrier_wait(b, -1.0, &index);
        cr_assert(rc == 0 && index == 1, "the last of 2 parties returned %d (%s) with index %u", rc, err_name(rc), index);
        if (k == 0)
            barrier_abort(b);
        else
            barrier_reset(b);
        cr_assert(call_wait(&slow, unit(50)), "a thread of a completed cycle stayed blocked after a later %s",
                  k == 0 ? "barrier_abort" : "barrier_reset");
        cr_assert(slow.result == 0 && slow.index == 0, "a thread whose cycle had completed returned %d (%s) with "
                  "index %u because %s came before it woke up: expected 0 and index 0 (keep how each cycle "
                  "ended)", slow.result, err_name(slow.result), slow.index,
                  k == 0 ? "barrier_abort" : "barrier_reset");
        if (k == 0)
            check_broken(b, "barrier_abort");
        barrier_reset(b);
    }
    barrier_destroy(b);
}

/* ---- no busy waiting ----------------------------------------------------- */

/*
 * Two threads wait for an event and two at a barrier for 10 units while
 * the test's own thread sleeps.  Under the controlled scheduler a blocked
 * thread makes no scheduling point at all until something wakes it; a
 * thread that spins or polls (a trylock or a flag in a loop) never lets
 * virtual time move, so the test's sleep never ends for it: the scheduler
 * stops the test as a busy-wait at the line of the poll.  A poll that
 * sleeps between looks still makes points: the test counts them.
 */
RC_TEST(barrier, blocked_waiters_use_no_cpu)
{
    enum { WAITERS = 4, MAX_STEPS = 24 };
    static call calls[WAITERS];
    event *e = new_event();
    barrier *b = new_barrier(3, NULL, NULL);
    unsigned long steps;
    double slept;

    start_event_wait(&calls[0], e, -1.0);
    start_event_wait(&calls[1], e, unit(200));
    start_barrier_wait(&calls[2], b, -1.0);
    start_barrier_wait(&calls[3], b, unit(200));
    let_arrive(b, 2);
    let_threads_block();    /* the event waiters block too */
    steps = rc_sleep_counting_points(unit(10), &slept);
    for (int i = 0; i < WAITERS; i++)
        cr_assert(!call_done(&calls[i]), "a waiter returned %d (%s) before anything happened",
                  calls[i].result, err_name(calls[i].result));
    cr_assert(fabs(slept - unit(10)) < EXACT, "the test slept %.6f units (virtual time), expected exactly 10",
              slept / rc_unit());
    /* Blocked threads make no point; the test's sleep and clock reads make a few. */
    cr_assert(steps <= MAX_STEPS, "while 2 threads waited for an event and 2 at a barrier for 10 units, they "
              "made %lu calls of pthread functions, clocks or sleeps: blocked threads must sleep on a "
              "condition variable or a semaphore, not poll", steps);
    event_set(e);
    barrier_abort(b);
    for (int i = 0; i < WAITERS; i++)
        cr_assert(call_wait(&calls[i], unit(25)), "a waiter did not return after event_set or barrier_abort");
    event_destroy(e);
    barrier_destroy(b);
}

/* ---- error paths (fault injection, see fault_inject.h) ------------------- */

/* An event and a barrier of 2 made while calls fail (fault_tests.h). */
static void *make_event(void)
{
    return event_create();
}

static void *make_barrier(void)
{
    return barrier_create(2, NULL, NULL);
}

/* Made past the last failing call, they must work. */
static void use_event(void *made)
{
    event_set(made);
    cr_assert(event_wait(made, 0.0) == 0, "a new event does not work");
    event_destroy(made);
}

static void use_barrier(void *made)
{
    cr_assert(barrier_wait(made, 0.0, NULL) == ETIMEDOUT, "a new barrier does not work");
    barrier_destroy(made);
}

RC_TEST(barrier, create_failure_returns_null)
{
    rc_check_create_faults(&(rc_create_check){ "event_create()", "an event", make_event,
                                               use_event });
    rc_check_create_faults(&(rc_create_check){ "barrier_create(2, NULL, NULL)", "a barrier",
                                               make_barrier, use_barrier });
}
