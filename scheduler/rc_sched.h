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

#endif
