/*
 * fault.c - the kit's fault injection (harness/fault_inject.h),
 * compiled into every program under the scheduler: rc_fault_arm() and the
 * others work the same there.  Its wrappers of calls the scheduler wraps
 * too (pthread_create, joins, detach, mutex/cond/sem init) are weak: the
 * scheduler's wrappers replace them and ask rc_fault_should_fail() and
 * rc_fault_join_should_fail() themselves.  A program under the scheduler
 * must therefore not link harness/fault_inject.c a second time.
 */
#include "../harness/fault_inject.c"
