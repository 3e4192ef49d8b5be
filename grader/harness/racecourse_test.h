/*
 * racecourse_test.h - what every racecourse test file includes.
 *
 * Tests are Criterion tests with these additions:
 *
 *   RC_TEST(suite, name)   a test that passes only if its body runs to the
 *                          end.  Code under test that calls exit(), _exit()
 *                          or quick_exit(), or pthread_exit() on the test's
 *                          own thread, ends the test early and fails it
 *                          ("your code called exit()"), instead of letting
 *                          Criterion count an exit(0) as a pass.
 *
 *   rc_unit()              the test time unit in seconds.  Timing tests
 *                          express every duration in units and keep wide
 *                          margins; RC_TIME_SCALE=k in the environment
 *                          multiplies the unit by k for slow machines.
 *
 *   rc_now(), rc_sleep(), rc_process_cpu(), rc_thread_count(),
 *   rc_runnable_others(), rc_watch_start()
 *                          small measuring helpers, documented below.
 *
 *   rc_spurious_wakeups(), rc_delay_locks(), rc_late_wakeups()
 *                          make the interleaving a bug needs happen on
 *                          every run, not when the scheduler allows.
 *
 * A test that crashes in its own code, not in the code under test, is
 * reported as a bug of the kit (rc_catch_crashes, exit_guard.c).
 *
 * A suite declares its per-test timeout with RC_SUITE(suite); the grader
 * passes the manifest's test_timeout_s with --timeout, which overrides it.
 */
#ifndef RACECOURSE_TEST_H
#define RACECOURSE_TEST_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Exit status of a test body that ran to its end. */
#define RC_EXIT_PASSED 42
/* Exit status when the code under test called exit() or a relative. */
#define RC_EXIT_CALLED 43
/* Exit status RC_EXIT_KIT_CRASH + signal: the test crashed in its own code. */
#define RC_EXIT_KIT_CRASH 100
/* Per-test timeout (seconds) when the grader does not pass --timeout. */
#define RC_DEFAULT_TIMEOUT 10.0

/* Declares suite `suite` with racecourse's default per-test timeout. */
#define RC_SUITE(suite) TestSuite(suite, .timeout = RC_DEFAULT_TIMEOUT)

/*
 * Declares a test.  The body is written as for Test(); extra Criterion
 * options (.init, .fini, .description ...) may follow the name.
 */
#define RC_TEST(suite, name, ...)                                        \
    static void rc_body_##suite##_##name(void);                          \
    Test(suite, name, .exit_code = RC_EXIT_PASSED, ##__VA_ARGS__)        \
    {                                                                    \
        rc_guard_this_thread();                                          \
        rc_catch_crashes();                                              \
        rc_body_##suite##_##name();                                      \
        rc_test_reached_end();                                           \
    }                                                                    \
    static void rc_body_##suite##_##name(void)

/*
 * Marks the calling thread as the test's own: pthread_exit() on it ends
 * the test as failed (see exit_guard.c).  Called by RC_TEST only.
 */
void rc_guard_this_thread(void);

/*
 * Makes a crash in the kit's own code (not in the student's) end the test
 * with RC_EXIT_KIT_CRASH + the signal (see exit_guard.c).  Called by
 * RC_TEST only.
 */
void rc_catch_crashes(void);

/* Ends the current test process as passed.  Called by RC_TEST only. */
void rc_test_reached_end(void) __attribute__((noreturn));

/* The scaled time unit in seconds: 0.02 times RC_TIME_SCALE (default 1). */
double rc_unit(void);

/* Seconds on CLOCK_MONOTONIC. */
double rc_now(void);

/* Sleeps `seconds` (restarting after signals); negative sleeps nothing. */
void rc_sleep(double seconds);

/* CPU time (user + system) used so far by the whole process, in seconds. */
double rc_process_cpu(void);

/* Number of threads in this process now (from /proc/self/status), or -1. */
int rc_thread_count(void);

/*
 * Seconds that the threads of this process other than the caller have
 * spent running or ready to run (waiting for a CPU), summed over the
 * threads alive now (/proc/self/task/N/schedstat); -1 when the kernel
 * does not keep the count.  A thread that spins or polls is runnable all
 * the time, on an idle machine or a busy one alike, and a blocked thread
 * not at all: unlike CPU time, which a busy machine shares out, this
 * tells polling from blocking whatever else the machine runs.
 */
double rc_runnable_others(void);

/*
 * rc_runnable_others() over a span, measured by a thread of its own: for
 * code under test that runs on the test's thread, or threads that end
 * before the test could look.  rc_watch_start() starts the watcher (0, or
 * pthread_create's error); it waits after_s, then watches for_s.
 * rc_watch_finish() joins it; then `runnable` is how long the other
 * threads were running or ready to run in the `span` seconds watched (-1
 * when the kernel does not say).  The watcher's own wake-ups never count.
 */
typedef struct rc_watch {
    pthread_t thread;
    double after_s, for_s;      /* set by rc_watch_start */
    double runnable, span;      /* set by the watcher */
} rc_watch;

int rc_watch_start(rc_watch *w, double after_s, double for_s);
void rc_watch_finish(rc_watch *w);

/*
 * The next n condition-variable waits (pthread_cond_wait and
 * pthread_cond_timedwait) of the calling thread in the code under test
 * return 0 at once, the mutex still held: a spurious wake-up, which POSIX
 * allows at any time.  Code that waits in a
 * while loop waits again; code that waits in an `if` goes on with its
 * condition false, on every run instead of when the scheduler happens to
 * let another thread in first.  Only in programs the grader links (with
 * --wrap for those two functions); n <= 0 turns it off.
 */
void rc_spurious_wakeups(int n);

/*
 * From now on, each pthread_mutex_lock of the calling thread in the code
 * under test first sleeps `seconds` (0 or less: no more delay).  Several
 * threads that look at shared data without the lock and then lock to act
 * on it (check-then-act) all look before any of them acts, on every run.
 * Only in programs the grader links, like rc_spurious_wakeups.
 */
void rc_delay_locks(double seconds);

/*
 * From now on, each condition-variable wait of the calling thread in the
 * code under test that really wakes up (signalled, broadcast or timed
 * out) lets the mutex go, sleeps `seconds`, and takes the mutex again
 * before it returns (0 or less: no more delay).  POSIX allows it: another
 * thread may take the mutex between a waiter's wake-up and its return.
 * Whatever the waker does right after waking it (clear an event, arrive
 * at a barrier again) then happens before the woken thread looks, on
 * every run.  Only in programs the grader links, like rc_spurious_wakeups.
 */
void rc_late_wakeups(double seconds);

#endif
