/*
 * fault_inject.h - making calls fail on purpose, to test error paths.
 *
 * Every error path an exercise header documents ("if pthread_create
 * fails, it joins the threads it started and returns that error", "NULL
 * with errno ENOMEM") is a branch that ordinary runs never take.  Test
 * binaries are linked with -Wl,--wrap= for the calls below, so that every
 * call of them from the objects on the link line (the tests and the
 * student's file) goes through fault_inject.c first.  Calls made inside
 * shared libraries (libc itself, libuv's own threads, Criterion) are not
 * affected: Criterion's bookkeeping never sees a fault.
 *
 * The calls come in families, each a bit of a mask:
 *
 *   RC_FAULT_ALLOC    malloc, calloc, realloc, reallocarray, aligned_alloc,
 *                     posix_memalign (fail: NULL with errno = err;
 *                     posix_memalign returns err)
 *   RC_FAULT_THREAD   pthread_create (fail: returns err, no thread)
 *   RC_FAULT_JOIN     pthread_join, pthread_tryjoin_np, pthread_timedjoin_np,
 *                     pthread_clockjoin_np (fail: returns err, nothing
 *                     joined: the thread stays joinable)
 *   RC_FAULT_MUTEX    pthread_mutex_init (fail: returns err)
 *   RC_FAULT_COND     pthread_cond_init (fail: returns err)
 *   RC_FAULT_SEM      sem_init (fail: -1 with errno = err)
 *   RC_FAULT_UV       uv_loop_init, uv_timer_init, uv_timer_start,
 *                     uv_pipe_init, uv_pipe_open, uv_tcp_init, uv_tcp_open,
 *                     uv_poll_init, uv_poll_start, uv_read_start (fail:
 *                     returns -err, libuv's convention; nothing is done;
 *                     only in exercises that link libuv: fault_inject_uv.c)
 *
 * A failed call does nothing else: no memory, no thread, no handle.
 * free() and pthread_detach() are wrapped too, never to fail, only to
 * keep the counts of live blocks and threads below.
 *
 * State is per process (Criterion runs each test in a process of its
 * own) and thread-safe: student threads may call the wrapped functions
 * while a test is armed.  Since the test's own calls are wrapped too, a
 * test arms just around the call of the function under test:
 *
 *     for (unsigned long k = 1; ; k++) {
 *         long threads = rc_fault_live_threads();
 *
 *         rc_fault_arm(RC_FAULT_THREAD, k, EAGAIN);
 *         rc = run_parallel(tasks, n, work, &ctx, records);
 *         if (rc_fault_disarm() == 0)
 *             break;          (k is past the last call: the normal path)
 *         cr_assert_eq(rc, EAGAIN, ...);
 *         cr_assert_eq(rc_fault_live_threads(), threads, ...);
 *     }
 *
 * Nothing between arm and disarm may allocate on the test's side (no
 * cr_assert: it formats its message with malloc when it fails).
 */
#ifndef RACECOURSE_FAULT_INJECT_H
#define RACECOURSE_FAULT_INJECT_H

#include <pthread.h>
#include <stddef.h>

/* The families of calls; combine them with |. */
enum {
    RC_FAULT_ALLOC = 1u << 0,
    RC_FAULT_THREAD = 1u << 1,
    RC_FAULT_JOIN = 1u << 2,
    RC_FAULT_MUTEX = 1u << 3,
    RC_FAULT_COND = 1u << 4,
    RC_FAULT_SEM = 1u << 5,
    RC_FAULT_UV = 1u << 6,
};

/*
 * Makes the `nth` call from now (1: the very next one) of any family in
 * `families`, counted together, fail with the positive errno value `err`.
 * Only that one call fails: the calls before and after it run, so that
 * what a function allocates after a failed call is seen too (a leak on
 * its error path).  Arming again replaces the earlier plan.
 */
void rc_fault_arm(unsigned families, unsigned long nth, int err);

/*
 * Makes the failing call of the current plan wait `seconds` before it
 * fails, so that the threads the code under test started before it have
 * run by then: what they do before the failure then never depends on how
 * busy the machine is.  rc_fault_arm() resets it to 0.
 */
void rc_fault_settle(double seconds);

/*
 * Narrows the current plan's joins to joins of `threads[0..n)`: a join of
 * any other thread (a helper the code under test started itself) is
 * counted in rc_fault_calls() but never made to fail, nor counted towards
 * `nth`.  At most 64 threads; rc_fault_arm() resets it to every join.
 */
void rc_fault_only_joins_of(const pthread_t *threads, size_t n);

/*
 * Stops failing calls.  Returns how many calls were made to fail since
 * the last rc_fault_arm() (0 or 1): 0 means the code under test made
 * fewer than `nth` such calls and ran its normal path.
 */
unsigned long rc_fault_disarm(void);

/*
 * Calls of the families in `families` made so far by this process, the
 * failed ones included, whether armed or not.  The difference of two
 * readings counts the calls of the code run in between.
 */
unsigned long rc_fault_calls(unsigned families);

/*
 * Heap blocks allocated and not yet freed, through the wrapped calls
 * (free included).  Equal before and after a call: it freed what it
 * allocated.  Memory allocated inside libc (strdup ...) is not seen, so
 * freeing it counts down: compare with <=.
 */
long rc_fault_live_blocks(void);

/*
 * Threads created through pthread_create and not yet joined or detached.
 * Equal before and after a call: every thread it started was joined (or
 * detached: see the test for what ran after the call returned).
 */
long rc_fault_live_threads(void);

/*
 * For the wrappers only (fault_inject.c, fault_inject_uv.c): counts a call
 * of `family` (one bit) and returns the errno value it must fail with, or
 * 0 to let it run.
 */
int rc_fault_should_fail(unsigned family);

/*
 * For the wrappers only: rc_fault_should_fail(RC_FAULT_JOIN) for a join of
 * `thread`, or 0 without counting it towards the plan when
 * rc_fault_only_joins_of() left `thread` out.
 */
int rc_fault_join_should_fail(pthread_t thread);

/* For the wrappers only: `thread` was created (one more live thread). */
void rc_fault_thread_created(pthread_t thread);

/* For the wrappers only: a thread was joined or detached (one fewer). */
void rc_fault_thread_gone(void);

#ifdef RC_FAULT_THREAD_WRAPPERS
/*
 * For the two files that wrap the thread calls only (fault_inject.c, and
 * scheduler/wrap_thread.c, whose wrappers replace its weak ones): the C
 * library's calls (__real_NAME, with -Wl,--wrap=NAME) and their wrappers,
 * declared once.  Such a file defines RC_FAULT_THREAD_WRAPPERS before its
 * first include.
 */
#include <time.h>

typedef void *(*rc_fault_thread_fn)(void *);

int __real_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          rc_fault_thread_fn fn, void *arg);
int __real_pthread_join(pthread_t thread, void **result);
int __real_pthread_tryjoin_np(pthread_t thread, void **result);
int __real_pthread_timedjoin_np(pthread_t thread, void **result, const struct timespec *at);
int __real_pthread_clockjoin_np(pthread_t thread, void **result, clockid_t clock,
                                const struct timespec *at);
int __real_pthread_detach(pthread_t thread);

int __wrap_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          rc_fault_thread_fn fn, void *arg);
int __wrap_pthread_join(pthread_t thread, void **result);
int __wrap_pthread_tryjoin_np(pthread_t thread, void **result);
int __wrap_pthread_timedjoin_np(pthread_t thread, void **result, const struct timespec *at);
int __wrap_pthread_clockjoin_np(pthread_t thread, void **result, clockid_t clock,
                                const struct timespec *at);
int __wrap_pthread_detach(pthread_t thread);
#endif

#endif
