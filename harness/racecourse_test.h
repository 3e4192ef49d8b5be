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
 *                          multiplies the unit by k for slow machines
 *                          (not in virtual time: there it is exact).
 *
 *   rc_now(), rc_sleep(), rc_process_cpu(), rc_thread_count(),
 *   rc_runnable_others(), rc_watch_start(), rc_sleep_counting_points()
 *                          small measuring helpers, documented below.
 *
 *   rc_wait_flag(), rc_sem_wait_for(), rc_join_within()
 *                          wait for another thread with a deadline: a
 *                          call of the code under test that must return,
 *                          or must still block.
 *
 *   rc_spurious_wakeups(), rc_delay_locks(), rc_late_wakeups(),
 *   rc_hold_locks(), rc_split_writes(), rc_slow_reads()
 *                          make the interleaving a bug needs happen on
 *                          every run, not when the scheduler allows.
 *   rc_late_waits_begun()  tells a driver that a late waiter waits again.
 *
 *   rc_locks_never_sleep()
 *                          keeps an interleaving a test is not about
 *                          from ever happening.
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
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* Exit status of a test body that ran to its end. */
#define RC_EXIT_PASSED 42
/* Exit status when the code under test called exit() or a relative. */
#define RC_EXIT_CALLED 43
/* Exit status RC_EXIT_KIT_CRASH + signal: the test crashed in its own code. */
#define RC_EXIT_KIT_CRASH 100
/*
 * Exit status of a race driver that could not finish its work: its
 * threads stayed blocked in the code under test (a deadlock or a lost
 * wake-up) or spun there without progress.  The driver says so on stderr
 * first, in lines that start with "race driver: " (rc_watchdog_start).
 */
#define RC_EXIT_STUCK 44
/*
 * Exit status when the code under test printed more than RC_PRINT_LIMIT
 * bytes in one process (print_guard.c): a print in a loop that does not
 * end would otherwise run until the timeout.
 */
#define RC_EXIT_PRINTED_TOO_MUCH 45
#define RC_PRINT_LIMIT (16u << 20)
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

/*
 * The scaled time unit in seconds: 0.02 times RC_TIME_SCALE (default 1);
 * 0.02 under the controlled scheduler, whose virtual time a slow machine
 * does not stretch.
 */
double rc_unit(void);

/* Seconds on CLOCK_MONOTONIC. */
double rc_now(void);

/* Sleeps `seconds` (restarting after signals); negative sleeps nothing. */
void rc_sleep(double seconds);

/*
 * Waits at most `seconds` for another thread to set `*flag` (atomic_store
 * of true), looking every millisecond.  Returns whether it was set.
 */
bool rc_wait_flag(atomic_bool *flag, double seconds);

/*
 * Waits on `sem` at most `seconds` (on CLOCK_MONOTONIC, again after a
 * signal).  Returns true when it took the semaphore, false when the time
 * ran out.
 */
bool rc_sem_wait_for(sem_t *sem, double seconds);

/* Joins `thread` if it ends within `seconds` (looking every millisecond);
 * false, and not joined, if it does not. */
bool rc_join_within(pthread_t thread, double seconds);

/*
 * Whether this test runs under the controlled scheduler (manifest
 * `schedules` above 0, docs/scheduler.md): one thread at a time, clocks and
 * sleeps virtual.  There rc_now() is virtual time, while rc_process_cpu()
 * and rc_runnable_others() still measure the real machine, so the two are
 * not compared; a thread that polls is the scheduler's verdict instead.
 */
bool rc_virtual_time(void);

/*
 * Under the controlled scheduler: sleeps `seconds` of virtual time and
 * returns how many scheduling points the program made meanwhile (the
 * sleep and its two clock reads make a few; a blocked thread none, a
 * thread that polls one a look); *slept is the virtual time that passed.
 * Outside the scheduler it sleeps, and returns 0 points.
 */
unsigned long rc_sleep_counting_points(double seconds, double *slept);

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
 * How many times a busy-waiting check measures before it fails.  A thread
 * that polls shows as busy in every measurement; a blocked thread shows
 * as busy only when the machine happened to be overloaded at a bad
 * moment.  So a check measures again when it sees activity, and fails
 * only when every one of its RC_BUSY_TRIES measurements saw it: the
 * polling submission is caught on every run, a correct one never blamed
 * for the load.
 */
#define RC_BUSY_TRIES 3

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

/*
 * How many condition-variable waits have been begun, in the whole
 * process, by threads whose wake-ups are late (rc_late_wakeups()).  A
 * race driver watches it to learn that such a thread is now blocked in a
 * wait, or has gone back to one after a wake-up, instead of sleeping for
 * a time it guesses is long enough.  Reading it orders no memory (it is
 * hidden from Helgrind).  Only in programs the grader links, like
 * rc_spurious_wakeups; it stays 0 under the controlled scheduler, whose
 * own wrappers take the waits.
 */
unsigned long rc_late_waits_begun(void);

/*
 * From now on, each pthread_mutex_lock of the calling thread in the code
 * under test sleeps `seconds` after it got the mutex, still holding it (0
 * or less: no more).  The setting is the thread's, and a process that the
 * thread forks inherits it: worker processes that update a counter under
 * a shared mutex then hold it long enough for the others to find it taken,
 * on every run, and an update made without the mutex takes no time.
 * Only in programs the grader links, like rc_spurious_wakeups.
 */
void rc_hold_locks(double seconds);

/*
 * As rc_hold_locks(most_s), but each hold ends as soon as another thread
 * or process waits for the mutex, `most_s` at the latest (glibc marks a
 * waiter in the mutex before it sleeps, and the mark stays until the
 * mutex is next free: a holder that was woken itself does not hold).  Two
 * threads or processes that lock it are then as sure to meet on it as
 * with rc_hold_locks(), and the holds last only until they have.  Only in
 * programs the grader links, like rc_spurious_wakeups.
 */
void rc_hold_locks_until_waited(double most_s);

/*
 * From now on (on: true), each pthread_mutex_lock of the code under test,
 * in this process and in processes forked after the call, takes the mutex
 * with pthread_mutex_trylock, and while another thread holds it pauses
 * 50 microseconds and tries again: it never sleeps in the mutex, where
 * only an unlock could wake it.  Mutual exclusion is the same; but a mutex
 * in memory shared by processes and made without PTHREAD_PROCESS_SHARED,
 * whose sleepers an unlock in another process never wakes, then works.
 * So a test about something else never fails because two workers happened
 * to meet on such a mutex, and a test of the mutex itself turns this off
 * and makes them meet on every run (rc_hold_locks).  Only in programs the
 * grader links, like rc_spurious_wakeups.
 */
void rc_locks_never_sleep(bool on);

/*
 * From now on, each write() and send() of the code under test (in this
 * process and in processes forked after the call) transfers at most
 * `bytes` bytes, and when that cut it short it sleeps `pause_s` before it
 * returns the short count (bytes == 0: whole writes again).  Pipes and
 * sockets allow short writes: code that takes one write, or one read on
 * the other side, for a whole message fails on every run.
 */
void rc_split_writes(size_t bytes, double pause_s);

/*
 * From now on, each read() and recv() of the code under test (in this
 * process and in processes forked after the call) that got bytes sleeps
 * `seconds` before it returns them (0 or less: no more pause).  Reads
 * that libuv makes are not the student's and never pause.  Code that
 * reads several streams on threads of its own into ONE buffer without a
 * lock then has each read's bytes overwritten by another thread's read
 * before it parses them, on every run, not when two reads happen to meet.
 */
void rc_slow_reads(double seconds);

/*
 * Race drivers (tests/<slug>/race_driver.c, plain programs; see
 * race_watchdog.c) --------------------------------------------------------
 *
 * rc_watchdog_start() starts a thread that ends the driver with
 * RC_EXIT_STUCK as soon as it is clearly stuck: nothing made progress for
 * RC_STUCK_QUIET_S seconds while the process was mostly blocked (so a
 * machine too busy to run it is not taken for a deadlock), or for
 * RC_STUCK_LONG_S seconds whatever ran (a wait that spins, a driver thread
 * that polls).  Before it ends the process it prints, on stderr, which threads
 * are still inside which call of the code under test and for how long.
 * Returns 0, or pthread_create's error.
 *
 * Progress is each RC_CALL / RC_DO that returns, and each rc_progress().
 * A call of the code under test made through them is shown in that report:
 *
 *     rc = RC_CALL(bq_get(queue, &item));     (a call that returns a value)
 *     RC_DO(bq_close(queue));                 (any call)
 *
 * rc_thread_name() names the calling thread in the report ("consumer", 2
 * -> "consumer 2"; `number` < 0: no number); `name` must outlive the
 * thread (a string literal).  Unnamed threads are "a thread"; the first
 * thread to use these is not "main" unless named so.
 *
 * None of this orders memory between threads, for Helgrind or for
 * ThreadSanitizer: the watchdog's own data is hidden from Helgrind and
 * accessed with relaxed atomics.
 */
#define RC_STUCK_QUIET_S 3.0
#define RC_STUCK_LONG_S 10.0

/*
 * Says what went wrong, as every race driver says it: "race driver: "
 * and the printf-style message, as one line on stderr.  Counts a failure
 * (rc_driver_failures() says how many so far, from any thread).  The
 * count orders nothing between threads, for Helgrind or ThreadSanitizer.
 * Returns 1, the exit status of a driver that failed, for
 * `return rc_driver_fail("...");` in main.
 */
int rc_driver_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));
int rc_driver_failures(void);

int rc_watchdog_start(void);
void rc_progress(void);
void rc_thread_name(const char *name, int number);
/* The calling thread enters `call` (its source text, "bq_get(q, &x)"). */
void rc_calling(const char *call);
/* The calling thread left the call rc_calling() named: progress. */
void rc_called(void);

#define RC_CALL(expr)                                                     \
    __extension__ ({                                                      \
        rc_calling(#expr);                                                \
        __typeof__(expr) rc_value_ = (expr);                              \
        rc_called();                                                      \
        rc_value_;                                                        \
    })
#define RC_DO(expr)                                                       \
    do {                                                                  \
        rc_calling(#expr);                                                \
        (void)(expr);                                                     \
        rc_called();                                                      \
    } while (0)

#endif
