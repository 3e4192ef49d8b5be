/*
 * hidden_tests.c - the grader's tests for joinall.
 *
 * Each test starts a few threads of three kinds, described by a string
 * with one letter per thread:
 *   Q  quick:  returns at once;
 *   S  sleepy: sleeps `units` test units, then returns;
 *   R  reverse: thread i of n sleeps (n - i) * `units`, so that the last
 *              one ends first;
 *   H  hung:   waits until the test releases it (release_thread), or
 *              HANG_UNITS at most, so that a wrong joinall that waits for
 *              it can never hang a test.
 * Thread i returns value_of(i), so a result in the wrong slot shows.
 *
 * The tests run under the controlled scheduler (manifest `schedules`,
 * docs/scheduler.md), in virtual time: a thread that sleeps 8 units ends
 * exactly 8 units after it started, a timed join times out exactly at its
 * deadline, and the tests compare such times exactly (same_units,
 * joinall_tests.h).  A joinall that polls instead of blocking is the
 * scheduler's busy-wait verdict, or makes scheduling points that
 * no_busy_waiting counts.
 *
 * Joining a thread twice is undefined; these tests never create a thread
 * between two joinall calls on the same threads, so glibc keeps the old
 * thread's memory and a second join of it fails (ESRCH on glibc 2.36), or
 * at worst crashes the test: either way the test fails, never passes.
 */
#define _GNU_SOURCE
#include "joinall.h"
#include "racecourse_test.h"
#include "joinall_tests.h"
#include "fault_inject.h"
#include "rc_sched.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define STACK_BYTES (128 * 1024)

RC_SUITE(joinall);

typedef struct worker {
    char kind;                  /* 'Q', 'S', 'R' or 'H' */
    double units;               /* sleep of an 'S' or 'R' thread */
    bool released;              /* an 'H' thread may return (under lock) */
} worker;

static worker workers[MAX_THREADS];
static atomic_int running;      /* threads of the last start_threads not yet ended */
static void *const SENTINEL = (void *)(uintptr_t)0x5e5e5e;

static double units_since(double start)
{
    return (rc_now() - start) / rc_unit();
}

static void *worker_main(void *arg)
{
    size_t i = (size_t)(uintptr_t)arg;
    worker *w = &workers[i];

    if (w->kind == 'S' || w->kind == 'R') {
        rc_sleep(w->units * rc_unit());
    } else if (w->kind == 'H') {
        struct timespec give_up = hang_deadline();
        bool released;

        pthread_mutex_lock(&lock);
        while (!w->released &&
               pthread_cond_timedwait(&changed, &lock, &give_up) != ETIMEDOUT)
            ;
        released = w->released;
        pthread_mutex_unlock(&lock);
        /* A released thread ends 2 units later: a joinall called right
         * after the release must wait for it, on every run. */
        if (released)
            rc_sleep(2 * rc_unit());
    }
    atomic_fetch_sub(&running, 1);
    return value_of(i);
}

/*
 * Starts one thread per letter of `kinds`; returns how many.  Threads of
 * an earlier call must all have been joined (they share workers[]).
 */
static size_t start_threads(pthread_t *threads, const char *kinds, double units)
{
    size_t n = strlen(kinds);
    pthread_attr_t attr;

    cr_assert(n <= MAX_THREADS, "test bug: too many threads");
    pthread_once(&once, init_once);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, STACK_BYTES);
    atomic_store(&running, (int)n);
    for (size_t i = 0; i < n; i++) {
        workers[i] = (worker){
            .kind = kinds[i],
            .units = kinds[i] == 'R' ? (double)(n - i) * units : units,
        };
        cr_assert_eq(pthread_create(&threads[i], &attr, worker_main,
                                    (void *)(uintptr_t)i), 0,
                     "test setup: pthread_create failed");
    }
    pthread_attr_destroy(&attr);
    return n;
}

static void release_thread(size_t i)
{
    pthread_mutex_lock(&lock);
    workers[i].released = true;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void release_all(size_t n)
{
    for (size_t i = 0; i < n; i++)
        release_thread(i);
}

static void fill(void **results, bool *joined, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        results[i] = SENTINEL;
        joined[i] = false;
    }
}

/*
 * Fills results[] and joined[] (fill), then calls joinall(t, n,
 * timeout_s, results, joined); stores in *took how long the call took,
 * in units, and returns what it returned (errno as joinall left it).
 */
static int timed_joinall(pthread_t *t, size_t n, double timeout_s, void **results, bool *joined,
                         double *took)
{
    double start;
    int got, saved;

    fill(results, joined, n);
    start = rc_now();
    got = joinall(t, n, timeout_s, results, joined);
    saved = errno;
    *took = units_since(start);
    errno = saved;
    return got;
}

/* Checks a successful return: joinall must not return -1 here. */
static void expect_return(int got, int expected, const char *call)
{
    cr_assert_neq(got, -1, "%s returned -1 with errno %d (%s), expected %d",
                  call, errno, strerror(errno), expected);
    cr_assert_eq(got, expected,
                 "%s returned %d, expected %d: joinall returns the number of "
                 "threads NOT joined when it returns", call, got, expected);
}

/* Checks joined[] and results[] against the letters of `expect` (J: joined). */
static void expect_joined(void **results, const bool *joined,
                          const char *expect, const char *call)
{
    for (size_t i = 0; expect[i]; i++) {
        if (expect[i] == 'J') {
            cr_assert(joined[i], "after %s, joined[%zu] is false: thread %zu "
                      "had ended and must have been joined", call, i, i);
            cr_assert_eq(results[i], value_of(i),
                         "after %s, results[%zu] is %p, expected %p (what thread "
                         "%zu returned): each result goes to its thread's own "
                         "slot", call, i, results[i], value_of(i), i);
        } else {
            cr_assert(!joined[i], "after %s, joined[%zu] is true but thread %zu "
                      "was still running: it must be left unjoined", call, i, i);
            cr_assert_eq(results[i], SENTINEL,
                         "after %s, results[%zu] was changed to %p although "
                         "thread %zu was not joined", call, i, results[i], i);
        }
    }
}

/* The caller joins thread i itself: it must still be joinable. */
static void expect_joinable(pthread_t thread, size_t i)
{
    void *result = NULL;
    int err;

    release_thread(i);
    err = pthread_join(thread, &result);
    cr_assert_eq(err, 0, "thread %zu was left unjoined by joinall, but "
                 "pthread_join on it then failed with %s: a thread joinall "
                 "does not mark as joined must stay joinable", i, strerror(err));
    cr_assert_eq(result, value_of(i), "test: thread %zu returned %p", i, result);
}

/*
 * Waits (at most 50 units) until only `alive` threads of the last
 * start_threads still run, then 1 unit more, so that they have returned.
 */
static void wait_until_alive(int alive)
{
    double start = rc_now();

    while (atomic_load(&running) > alive && units_since(start) < 50)
        rc_sleep(0.1 * rc_unit());
    rc_sleep(rc_unit());
}

RC_TEST(joinall, joins_every_thread_results_in_slots)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS];
    bool joined[MAX_THREADS];
    size_t n = start_threads(t, "RRRRRR", 1);   /* the last one ends first */
    int got;

    fill(results, joined, n);
    got = joinall(t, n, -1, results, joined);
    expect_return(got, 0, "joinall(threads, 6, -1, results, joined)");
    expect_joined(results, joined, "JJJJJJ",
                  "joinall(threads, 6, -1, results, joined)");
}

RC_TEST(joinall, negative_timeout_waits_as_long_as_it_takes)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS];
    bool joined[MAX_THREADS];
    size_t n = start_threads(t, "SSS", 8);
    double took;
    int got;

    got = timed_joinall(t, n, -1.0, results, joined, &took);
    expect_return(got, 0, "joinall(threads, 3, -1.0, ...) on threads that "
                  "sleep 8 units");
    cr_assert(same_units(took, 8), "joinall with timeout -1 returned after %.6f "
              "units (virtual time), expected exactly 8, when its threads ended",
              took);
    expect_joined(results, joined, "JJJ", "joinall(threads, 3, -1.0, ...)");
}

RC_TEST(joinall, infinite_timeout_waits_as_long_as_it_takes)
{
    static const double timeouts[] = { INFINITY, 1e300 };

    for (size_t k = 0; k < 2; k++) {
        pthread_t t[MAX_THREADS];
        void *results[MAX_THREADS];
        bool joined[MAX_THREADS];
        size_t n = start_threads(t, "SS", 8);
        double took;
        int got;

        got = timed_joinall(t, n, timeouts[k], results, joined, &took);
        cr_assert_neq(got, -1, "joinall(threads, 2, %g, ...) returned -1 with "
                      "errno %s: a timeout too large to represent means "
                      "\"wait as long as it takes\"", timeouts[k], strerror(errno));
        expect_return(got, 0, k ? "joinall(threads, 2, 1e300, ...)"
                                : "joinall(threads, 2, INFINITY, ...)");
        cr_assert(same_units(took, 8), "joinall with timeout %g returned after "
                  "%.6f units (virtual time), expected exactly 8, when its "
                  "threads ended", timeouts[k], took);
        expect_joined(results, joined, "JJ", "joinall with an infinite timeout");
    }
}

RC_TEST(joinall, one_deadline_for_the_whole_call)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS];
    bool joined[MAX_THREADS];
    size_t n = start_threads(t, "HHHHH", 0);
    double took;
    int got;

    got = timed_joinall(t, n, 5 * rc_unit(), results, joined, &took);
    expect_return(got, 5, "joinall on 5 running threads with a timeout of 5 units");
    expect_one_deadline(took, 5, 5);
    expect_joined(results, joined, "-----", "the timed-out joinall");
    for (size_t i = 0; i < n; i++)
        expect_joinable(t[i], i);
}

RC_TEST(joinall, unjoined_threads_stay_joinable)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS];
    bool joined[MAX_THREADS];
    size_t n = start_threads(t, "SHSHS", 2);
    double took;
    int got;

    /* The S threads end 2 units in: joinall must wait for them, then give up on the H ones. */
    got = timed_joinall(t, n, 6 * rc_unit(), results, joined, &took);
    expect_return(got, 2, "joinall on 3 threads that end after 2 units and 2 "
                  "that run on, with a timeout of 6 units");
    expect_joined(results, joined, "J-J-J", "the timed-out joinall");
    cr_assert(same_units(took, 6), "joinall on S H S H S (S ends after 2 "
              "units, H runs on) with a timeout of 6 units took %.6f units "
              "(virtual time), expected exactly 6: ONE deadline for the whole "
              "call, 6 units after it began", took);
    expect_joinable(t[1], 1);
    expect_joinable(t[3], 3);
}

RC_TEST(joinall, threads_ending_before_the_deadline_are_joined)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS];
    bool joined[MAX_THREADS];
    size_t n = start_threads(t, "HSHSS", 3);
    double took;
    int got;

    got = timed_joinall(t, n, 10 * rc_unit(), results, joined, &took);
    expect_return(got, 2, "joinall on threads H S H S S (S ends after 3 units, "
                  "H never) with a timeout of 10 units");
    cr_assert(same_units(took, 10), "joinall with a timeout of 10 units on "
              "threads of which two run on took %.6f units (virtual time), "
              "expected exactly 10: one deadline for the whole call", took);
    expect_joined(results, joined, "-J-JJ", "joinall(H S H S S, 10 units) "
                  "(a thread that ended before the deadline, even one after a "
                  "timed-out thread in the array, must be joined)");
    expect_joinable(t[0], 0);
    expect_joinable(t[2], 2);
}

/*
 * The two second_call tests are about skipping what is already joined,
 * not about waiting (other tests check that): each call starts once the
 * threads it must join have ended, so that a joinall whose deadline is
 * always already past gets the same verdict on every run.
 */
RC_TEST(joinall, second_call_waits_for_the_rest)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS];
    bool joined[MAX_THREADS];
    size_t n = start_threads(t, "QHQH", 0);
    double start, took;
    int got;

    wait_until_alive(2);          /* the Q threads have ended */
    got = timed_joinall(t, n, 5 * rc_unit(), results, joined, &took);
    expect_return(got, 2, "the first joinall(Q H Q H, 5 units)");
    expect_joined(results, joined, "J-J-", "the first joinall(Q H Q H, 5 units)");
    cr_assert(same_units(took, 5), "the first joinall(Q H Q H, 5 units) took "
              "%.6f units (virtual time), expected exactly 5", took);

    release_all(n);
    wait_until_alive(0);
    start = rc_now();
    got = joinall(t, n, -1, results, joined);
    cr_assert_neq(got, -1, "the second joinall(threads, 4, -1, results, joined) "
                  "returned -1 with errno %d (%s): did it join threads 0 and 2 "
                  "again? Entries already true in joined must be skipped",
                  errno, strerror(errno));
    expect_return(got, 0, "the second joinall(threads, 4, -1, results, joined)");
    expect_joined(results, joined, "JJJJ", "the second joinall (which must "
                  "leave results[i] of threads joined by the first call alone)");
    cr_assert(same_units(units_since(start), 0), "the second joinall, on "
              "threads that had all ended, took %.6f units (virtual time): it "
              "must not wait at all", units_since(start));
}

RC_TEST(joinall, second_call_counts_only_the_rest)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS];
    bool joined[MAX_THREADS];
    size_t n = start_threads(t, "QHHQ", 0);
    int got;

    wait_until_alive(2);          /* the Q threads have ended */
    fill(results, joined, n);
    got = joinall(t, n, 3 * rc_unit(), results, joined);
    expect_return(got, 2, "the first joinall(Q H H Q, 3 units)");
    expect_joined(results, joined, "J--J", "the first joinall(Q H H Q, 3 units)");

    release_thread(1);
    wait_until_alive(1);
    got = joinall(t, n, 5 * rc_unit(), results, joined);
    expect_return(got, 1, "a second joinall(same threads, 5 units, same joined "
                  "array) after thread 1 of Q H H Q ended (only thread 2 still "
                  "runs; threads already joined do not count)");
    expect_joined(results, joined, "JJ-J", "the second joinall");

    release_thread(2);
    wait_until_alive(0);
    got = joinall(t, n, -1, results, joined);
    expect_return(got, 0, "a third joinall(same threads, -1, same joined array)");
    expect_joined(results, joined, "JJJJ", "the third joinall");
}

RC_TEST(joinall, zero_timeout_joins_only_ended_threads)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS];
    bool joined[MAX_THREADS];
    size_t n = start_threads(t, "QHQ", 0);
    double took;
    int got;

    wait_until_alive(1);
    got = timed_joinall(t, n, 0, results, joined, &took);
    cr_assert(same_units(took, 0), "joinall(threads, 3, 0, ...) took %.6f "
              "units (virtual time): a timeout of 0 must not wait at all", took);
    expect_return(got, 1, "joinall(Q H Q, timeout 0) once both Q threads had ended");
    expect_joined(results, joined, "J-J", "joinall(Q H Q, timeout 0)");
    expect_joinable(t[1], 1);
}

RC_TEST(joinall, returns_as_soon_as_all_are_joined)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS];
    bool joined[MAX_THREADS];
    size_t n = start_threads(t, "SSS", 3);
    double took;
    int got;

    got = timed_joinall(t, n, 50 * rc_unit(), results, joined, &took);
    expect_return(got, 0, "joinall(threads that sleep 3 units, 50 units)");
    expect_joined(results, joined, "JJJ", "joinall(threads that sleep 3 units, 50 units)");
    cr_assert(same_units(took, 3), "joinall with a timeout of 50 units on "
              "threads that end after 3 units took %.6f units (virtual time), "
              "expected exactly 3: it must return as soon as every thread is "
              "joined, not wait out the timeout", took);
}

/*
 * "No busy waiting", under the controlled scheduler: a thread blocked in a
 * join makes no scheduling point until the thread it waits for ends (or
 * its deadline comes); a joinall that polls (pthread_tryjoin_np in a loop)
 * never lets virtual time move, and the scheduler stops it as a busy-wait
 * at the line of the poll; one that sleeps between polls keeps making
 * points, which the test counts.  Returns the points made (by every
 * thread) during joinall(t, n, timeout_s, NULL, NULL), which must return
 * `expected` after exactly `units` units.
 */
enum { JOIN_MAX_STEPS = 40 };

static unsigned long steps_of_joinall(pthread_t *t, size_t n, double timeout_s,
                                      int expected, double units, const char *call)
{
    unsigned long steps = rc_sched_steps();
    double start = rc_now(), took;
    int got;

    got = joinall(t, n, timeout_s, NULL, NULL);
    took = units_since(start);
    steps = rc_sched_steps() - steps;
    expect_return(got, expected, call);
    cr_assert(same_units(took, units), "%s took %.6f units (virtual time), expected "
              "exactly %g: a blocked join returns as soon as its thread ends or "
              "its deadline comes", call, took, units);
    return steps;
}

RC_TEST(joinall, no_busy_waiting)
{
    static const char *const calls[] = {
        "joinall(a thread that sleeps 10 units, 100 units)",
        "joinall(a running thread, 10 units)",
        "joinall(a thread that sleeps 10 units, -1)",
    };
    static const char *const blocks[] = {
        "block in pthread_clockjoin_np, do not loop on pthread_tryjoin_np",
        "block in pthread_clockjoin_np, do not loop on pthread_tryjoin_np",
        "block in pthread_join, do not loop on pthread_tryjoin_np",
    };
    pthread_t t[MAX_THREADS];
    unsigned long steps;

    for (int k = 0; k < 3; k++) {
        start_threads(t, k == 1 ? "H" : "S", 10);
        steps = steps_of_joinall(t, 1, k == 0 ? 100 * rc_unit() : k == 1 ? 10 * rc_unit() : -1,
                                 k == 1, 10, calls[k]);
        cr_assert_leq(steps, JOIN_MAX_STEPS, "while %s waited 10 units, the threads made "
                      "%lu calls of pthread functions, clocks or sleeps (a blocked join "
                      "makes a few, at most %d): %s, with or without a sleep between "
                      "tries", calls[k], steps, JOIN_MAX_STEPS, blocks[k]);
        if (k == 1)
            expect_joinable(t[0], 0);
    }
}

/*
 * What joined[] says of the threads after a call, whatever the design,
 * checked without ever touching the handle of a thread that was joined
 * (using it again is undefined):
 *   marked     it was joined: its result is in its slot, and the number of
 *              threads marked is the number of threads the call really
 *              joined (counted by the wrapped joins, see fault_inject.h);
 *   not marked it was left alone: its slot is untouched and the caller
 *              can still join it (only these threads are joined here).
 * `really` is how many of the test's threads the call joined.  The
 * threads must have ended; the calling thread, if among them, is skipped
 * when not marked (the caller checks it).
 */
static void expect_claims(const pthread_t *threads, size_t n, void **results,
                          const bool *joined, long really, const char *call)
{
    long marked = 0;

    for (size_t i = 0; i < n; i++) {
        if (!joined[i])
            continue;
        marked++;
        cr_assert_eq(results[i], value_of(i), "after %s, joined[%zu] is true "
                     "but results[%zu] is %p, expected %p (what thread %zu "
                     "returned)", call, i, i, results[i], value_of(i), i);
    }
    cr_assert_eq(marked, really, "%s really joined %ld thread(s) but marked "
                 "%ld in joined[]: mark a thread when its join succeeded, and "
                 "only then", call, really, marked);
    for (size_t i = 0; i < n; i++) {
        if (joined[i] || pthread_equal(threads[i], pthread_self()))
            continue;
        cr_assert_eq(results[i], SENTINEL, "after %s, results[%zu] was "
                     "changed to %p, but joined[%zu] is false", call, i,
                     results[i], i);
        expect_joinable(threads[i], i);
    }
}

/*
 * A join that fails (here: a thread joining itself, EDEADLK) makes joinall
 * return -1 with that errno.  The header promises no order: a design may
 * join the threads before the failing one first, join them in another
 * order (helper threads), or refuse the self-join before joining anything.
 * So the test checks what joined[] claims of the other threads (see
 * expect_claims), not which of them were joined.  Checked with and without
 * a timeout.
 */
RC_TEST(joinall, join_error_is_reported)
{
    static const double timeouts[] = { -1.0, 10.0 };

    for (size_t k = 0; k < 2; k++) {
        const char *call = k ? "joinall(threads, 3, 10 units, ...) where "
                               "threads[1] is the calling thread"
                             : "joinall(threads, 3, -1, ...) where "
                               "threads[1] is the calling thread";
        pthread_t t[MAX_THREADS];
        void *results[MAX_THREADS];
        bool joined[MAX_THREADS];
            size_t n = start_threads(t, "QQQ", 0);
        long live;
        int got, saved;

        t[1] = pthread_self();
        fill(results, joined, n);
        live = rc_fault_live_threads();
        errno = 0;
        got = joinall(t, n, k ? timeouts[k] * rc_unit() : timeouts[k],
                      results, joined);
        saved = errno;
        cr_assert_eq(got, -1, "%s returned %d, expected -1 with errno "
                     "EDEADLK: an error from a join (not a timeout) must be "
                     "returned, not counted as a thread left", call, got);
        cr_assert_eq(saved, EDEADLK, "%s set errno to %d (%s), expected "
                     "EDEADLK (the error of that join)", call, saved,
                     strerror(saved));
        cr_assert(!joined[1], "after %s, joined[1] (the thread whose join "
                  "failed) is true", call);
        wait_until_alive(0);      /* threads 0 and 2 have ended */
        expect_claims(t, n, results, joined,
                      live - rc_fault_live_threads(), call);
    }
}

RC_TEST(joinall, null_threads_is_einval)
{
    int got;

    errno = 0;
    got = joinall(NULL, 3, -1, NULL, NULL);
    cr_assert_eq(got, -1, "joinall(NULL, 3, -1, NULL, NULL) returned %d, "
                 "expected -1 (errno EINVAL)", got);
    cr_assert_eq(errno, EINVAL, "joinall(NULL, 3, -1, NULL, NULL) set errno "
                 "to %d (%s), expected EINVAL", errno, strerror(errno));
    errno = 0;
    got = joinall(NULL, 2, 1.0, NULL, NULL);
    cr_assert_eq(got, -1, "joinall(NULL, 2, 1.0, NULL, NULL) returned %d, "
                 "expected -1 (errno EINVAL)", got);
    cr_assert_eq(errno, EINVAL, "joinall(NULL, 2, 1.0, NULL, NULL) set errno "
                 "to %d (%s), expected EINVAL", errno, strerror(errno));
}

RC_TEST(joinall, nan_timeout_is_einval)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS];
    bool joined[MAX_THREADS];
    size_t n = start_threads(t, "QH", 0);
    int got;

    rc_sleep(2 * rc_unit());
    fill(results, joined, n);
    errno = 0;
    got = joinall(t, n, NAN, results, joined);
    cr_assert_eq(got, -1, "joinall(threads, 2, NAN, ...) returned %d, expected "
                 "-1 (errno EINVAL)", got);
    cr_assert_eq(errno, EINVAL, "joinall(threads, 2, NAN, ...) set errno to %d "
                 "(%s), expected EINVAL", errno, strerror(errno));
    expect_joined(results, joined, "--", "joinall with a NaN timeout (which "
                  "must join nothing)");
    expect_joinable(t[0], 0);
    expect_joinable(t[1], 1);
}

RC_TEST(joinall, zero_threads_returns_zero)
{
    pthread_t t[1];
    bool joined[1] = { false };
    void *results[1] = { SENTINEL };
    double start = rc_now();
    int got;

    got = joinall(NULL, 0, -1, NULL, NULL);
    expect_return(got, 0, "joinall(NULL, 0, -1, NULL, NULL)");
    got = joinall(NULL, 0, 0, NULL, NULL);
    expect_return(got, 0, "joinall(NULL, 0, 0, NULL, NULL)");
    got = joinall(t, 0, 5 * rc_unit(), results, joined);
    expect_return(got, 0, "joinall(threads, 0, 5 units, results, joined)");
    cr_assert(same_units(units_since(start), 0), "joinall with n == 0 waited "
              "%.6f units (virtual time): with no thread to join it must "
              "return at once", units_since(start));
    cr_assert(!joined[0] && results[0] == SENTINEL,
              "joinall with n == 0 wrote into joined[0] or results[0]");
}

RC_TEST(joinall, results_and_joined_may_be_null)
{
    pthread_t t[MAX_THREADS];
    void *results[MAX_THREADS];
    bool joined[MAX_THREADS];
    size_t n;
    int got;

    n = start_threads(t, "QSQ", 2);
    got = joinall(t, n, -1, NULL, NULL);
    expect_return(got, 0, "joinall(threads, 3, -1, NULL, NULL)");

    n = start_threads(t, "QH", 0);
    got = joinall(t, n, 4 * rc_unit(), NULL, NULL);
    expect_return(got, 1, "joinall(Q H, 4 units, NULL, NULL)");
    expect_joinable(t[1], 1);

    n = start_threads(t, "QS", 2);
    fill(results, joined, n);
    got = joinall(t, n, -1, results, NULL);
    expect_return(got, 0, "joinall(threads, 2, -1, results, NULL)");
    cr_assert(results[0] == value_of(0) && results[1] == value_of(1),
              "joinall(threads, 2, -1, results, NULL) stored %p and %p, "
              "expected %p and %p", results[0], results[1],
              value_of(0), value_of(1));

    n = start_threads(t, "QS", 2);
    fill(results, joined, n);
    got = joinall(t, n, 20 * rc_unit(), NULL, joined);
    expect_return(got, 0, "joinall(threads, 2, 20 units, NULL, joined)");
    cr_assert(joined[0] && joined[1], "joinall(threads, 2, 20 units, NULL, "
              "joined) left joined[] = { %d, %d }, expected both true",
              joined[0], joined[1]);
}

/* ---- error paths (fault injection, see fault_inject.h) ---------------- */

/*
 * joinall on 4 ended threads with its k-th join of one of them failing
 * with EINVAL (joins of helper threads a design starts itself never
 * fail), for k = 1, 2, ... and both kinds of join (forever, and with a
 * deadline):
 * -1 with errno EINVAL; joined[] marks exactly the threads it really
 * joined, each with its result; a second call joins the rest.  Each call
 * starts once the 4 threads have ended: this test is about the error
 * path, not about waiting (other tests check that), so that a joinall
 * whose deadline is always already past gets the same verdict on every
 * run.
 */
RC_TEST(joinall, join_failure_marks_exactly_the_joined)
{
    static const double timeouts[] = { -1.0, 50.0 };

    for (size_t t_i = 0; t_i < 2; t_i++) {
        double timeout = t_i ? timeouts[t_i] * rc_unit() : timeouts[t_i];
        const char *shown = t_i ? "50 units" : "-1";

        for (unsigned long k = 1; k <= 8; k++) {
            pthread_t t[MAX_THREADS];
            void *results[MAX_THREADS];
            bool joined[MAX_THREADS];
                    size_t n = start_threads(t, "QQQQ", 0), marked = 0;
            long live = rc_fault_live_threads(), really;
            unsigned long failed;
            int got, saved;

            wait_until_alive(0);          /* the Q threads have ended */
            fill(results, joined, n);
            errno = 0;
            rc_fault_arm(RC_FAULT_JOIN, k, EINVAL);
            rc_fault_only_joins_of(t, n);       /* not a design's own helpers */
            got = joinall(t, n, timeout, results, joined);
            saved = errno;
            failed = rc_fault_disarm();
            really = live - rc_fault_live_threads();
            if (failed == 0) {
                expect_return(got, 0, "joinall(threads, 4, ...)");
                expect_joined(results, joined, "JJJJ", "joinall(threads, 4, ...)");
                break;
            }
            cr_assert_eq(got, -1, "joinall(threads, 4, %s, ...) returned %d when join "
                         "number %lu failed with EINVAL, expected -1 with errno EINVAL: an "
                         "error from a join (not a timeout) is returned, not counted",
                         shown, got, k);
            cr_assert_eq(saved, EINVAL, "joinall(threads, 4, %s, ...) set errno to %d (%s) "
                         "when join number %lu failed with EINVAL: set errno to that error",
                         shown, saved, strerror(saved), k);
            for (size_t i = 0; i < n; i++) {
                if (!joined[i])
                    continue;
                marked++;
                cr_assert_eq(results[i], value_of(i), "after join number %lu failed, "
                             "joined[%zu] is true but results[%zu] is %p, expected %p",
                             k, i, i, results[i], value_of(i));
            }
            cr_assert_eq((long)marked, really, "joinall(threads, 4, %s, ...) really joined "
                         "%ld thread(s) before join number %lu failed, but marked %zu in "
                         "joined[]: mark each thread as soon as it is joined, and only then",
                         shown, really, k, marked);
            errno = 0;
            got = joinall(t, n, -1, results, joined);
            expect_return(got, 0, "a second joinall(threads, 4, -1, ...) after a failed join");
            expect_joined(results, joined, "JJJJ", "the second joinall");
        }
    }
}
