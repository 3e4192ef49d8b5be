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
#include "../harness/fault_inject.h"

/*
 * The call's place in the program: the return address of the wrapper, or,
 * when the call comes from the harness's descriptor guard on behalf of
 * the student's code, the student's call (rc_hook_where()).
 */
#define RC_WHERE() rc_hook_where((uintptr_t)__builtin_return_address(0))

/*
 * `where`, or the place of the student's read, write, recv or send that
 * the harness's descriptor guard (harness/fd_guard.c) is running on this
 * thread, when it is: a wait inside the guard is the student's call.
 */
uintptr_t rc_hook_where(uintptr_t where);

/* rc_wrap_deadline() of a time that is not valid (EINVAL). */
#define RC_BAD_TIME INT64_MIN

/*
 * The deadline, in virtual ns, of an absolute timeout `at` on `clock`;
 * RC_BAD_TIME when `at` is NULL or its tv_nsec out of range (EINVAL).
 */
int64_t rc_wrap_deadline(clockid_t clock, const struct timespec *at);

/*
 * The harness's exit guard, when linked in (guard.c): each does what the
 * guard's own wrapper would have done, and nothing without the guard.
 * rc_hook_thread_exit() ends the process (RC_EXIT_CALLED) when the
 * caller is the test's own thread; rc_hook_spurious() says whether this
 * condition wait is to return 0 at once (rc_spurious_wakeups());
 * rc_hook_late_ns() and rc_hook_delay_ns() are the virtual ns to sleep
 * after a wake-up, mutex let go (rc_late_wakeups()), and before a lock
 * (rc_delay_locks()); rc_hook_sleep() sleeps `ns` virtual ns (none when
 * `ns` <= 0) as a scheduling point named `call`.
 */
void rc_hook_thread_exit(void);
bool rc_hook_spurious(void);
int64_t rc_hook_late_ns(void);
int64_t rc_hook_delay_ns(void);
void rc_hook_sleep(struct rc_thread *self, int64_t ns, const char *call, uintptr_t where);

#endif
