/*
 * rc_wrap.h - what the wrapper files (wrap_*.c) share.
 *
 * Each __wrap_NAME is called instead of NAME by the program's code (it is
 * linked with -Wl,--wrap=NAME); __real_NAME is the C library's.  A wrapper
 * called while the runtime is off, or by a thread it does not control,
 * passes the call on to __real_NAME (after the fault-injection decision).
 */
#ifndef RACECOURSE_SCHED_WRAP_H
#define RACECOURSE_SCHED_WRAP_H

#include "rc_internal.h"
#include "../grader/harness/fault_inject.h"

/* The return address of the wrapper: the call's place in the program. */
#define RC_WHERE() ((uintptr_t)__builtin_return_address(0))

/* rc_wrap_deadline() of a time that is not valid (EINVAL). */
#define RC_BAD_TIME INT64_MIN

/*
 * The deadline, in virtual ns, of an absolute timeout `at` on `clock`;
 * RC_BAD_TIME when `at` is NULL or its tv_nsec out of range (EINVAL).
 */
int64_t rc_wrap_deadline(clockid_t clock, const struct timespec *at);

#endif
