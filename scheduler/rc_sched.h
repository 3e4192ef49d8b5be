/*
 * rc_sched.h - what a program under the controlled scheduler may ask of
 * it.  Built with `-I scheduler`; see docs/scheduler.md.
 *
 * Fault injection is the kit's (fault_inject.h, included here):
 * rc_fault_arm(RC_FAULT_THREAD, k, EAGAIN) makes the k-th pthread_create
 * from now fail, under the scheduler as in the graded tests.
 */
#ifndef RACECOURSE_RC_SCHED_H
#define RACECOURSE_RC_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "../harness/fault_inject.h"

/* Whether the calling thread runs under the scheduler (false in a thread
 * it does not control, or after the schedule ended). */
bool rc_sched_active(void);

/* Virtual nanoseconds since the schedule started (0 when not active). */
int64_t rc_sched_now_ns(void);

/* The calling thread's number: 1 for main, then in order of creation; 0
 * when not active. */
int rc_sched_thread(void);

/* The seed of the running schedule. */
uint64_t rc_sched_seed(void);

/* Scheduling points so far in this schedule. */
unsigned long rc_sched_steps(void);

/*
 * Decisions the seed made in this schedule since it started (or
 * restarted: rc_sched_restart()): which of two or more runnable threads
 * goes on, which of two or more waiters a signal wakes, whether a waiter
 * wakes for no reason.  0 means every seed gives this very schedule.
 */
unsigned long rc_sched_choices(void);

/*
 * How many schedules each test of a Criterion test binary is to pass:
 * RC_SCHED_RUNS in a test process (harness/test_schedules.c runs them),
 * 1 when the runtime is off.
 */
unsigned long rc_sched_runs(void);

/*
 * Starts the running schedule again from here with `seed`: the strategy's
 * random numbers and priorities are drawn afresh from `seed` alone, as if
 * the schedule had started with it, and the real-time limit
 * (RC_SCHED_WALL_S) starts again; virtual time, the objects and the trace
 * so far stay.  So a test process started with any seed and restarted
 * with `seed` at the same point runs exactly as one started with `seed`,
 * which is how one seed names one schedule of a test.  The caller must be
 * the schedule's only live thread.  Returns 0; -1 when the runtime is off
 * for the caller or another thread of the schedule is alive (nothing is
 * changed then).
 */
int rc_sched_restart(uint64_t seed);

#endif
