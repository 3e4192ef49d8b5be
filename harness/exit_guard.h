/*
 * exit_guard.h - what the exit guard (exit_guard.c) offers to a runtime
 * that wraps the same calls it does.
 *
 * exit_guard.c's wrappers of pthread_exit, pthread_cond_wait,
 * pthread_cond_timedwait and pthread_mutex_lock are weak: in a program
 * that also links the controlled scheduler (scheduler/), the scheduler's
 * wrappers replace them and ask these functions instead, so that the
 * guard's rules and a test's rc_spurious_wakeups(), rc_late_wakeups() and
 * rc_delay_locks() still hold there.  The scheduler refers to them
 * weakly: without exit_guard.c they are absent (NULL).
 */
#ifndef RACECOURSE_EXIT_GUARD_H
#define RACECOURSE_EXIT_GUARD_H

#include <stdbool.h>

/*
 * Called by pthread_exit() before it ends the calling thread: on the
 * thread that runs the test it ends the process with RC_EXIT_CALLED
 * (as exit() does) and does not return; elsewhere it returns.
 */
void rc_exit_guard_thread_exit(void);

/*
 * Whether the calling thread's condition wait, about to start, is to
 * return 0 at once, the mutex still held (rc_spurious_wakeups(): each
 * true answer uses up one of the n asked for).
 */
bool rc_exit_guard_spurious(void);

/*
 * Seconds the calling thread, woken from a condition wait, is to sleep
 * with its mutex let go before it takes the mutex again
 * (rc_late_wakeups()); 0 for none.
 */
double rc_exit_guard_late_s(void);

/* Seconds the calling thread is to sleep before each mutex lock (rc_delay_locks()); 0 for none. */
double rc_exit_guard_delay_s(void);

/*
 * Whether the controlled scheduler is to stay off in this process: true
 * in Criterion's runner (a test binary's first process, which only
 * starts the test processes and reports), false in a test process
 * (boxfort's worker, BXFI_MAP set) and in any program without Criterion.
 */
bool rc_exit_guard_stay_off(void);

/*
 * Whether this process is one of a Criterion binary's test processes
 * (boxfort's worker, BXFI_MAP set), whose test runs under each of the
 * schedules RC_SCHED_RUNS asks for (test_schedules.c); false in the
 * runner and in any program without Criterion.
 */
bool rc_exit_guard_test_process(void);

/*
 * Fails the running test with the controlled scheduler's verdict and
 * ends the process (does not return): `summary` becomes the test's
 * failed assertion at `where` ("file.c:57", or "?"), `details` (the
 * threads and the trace's tail) goes to the test's output
 * (print_guard.c), or to stderr when there is none (outside a Criterion
 * test, `details` alone is printed).
 */
void rc_exit_guard_verdict(const char *where, const char *summary, const char *details)
    __attribute__((noreturn));

/*
 * The command that runs the running Criterion test again, alone, under
 * the same schedule, for the scheduler's report ("make replay
 * EX=bounded_queue TEST=close_wakes_all"; the report adds SEED=...), or
 * NULL outside a Criterion test.  The string is static.
 */
const char *rc_exit_guard_replay_command(void);

#endif
