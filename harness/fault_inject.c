/*
 * fault_inject.c - the wrapped calls of fault_inject.h.
 *
 * Test binaries are linked with -Wl,--wrap=NAME for every NAME below
 * (the list: harness/wraps/faults.txt, read by grader/build_profiles.c).
 * Each __wrap_NAME asks rc_fault_should_fail() whether this call is the
 * one to fail; if not, it calls __real_NAME (the C library's) and keeps
 * the counts of live blocks and threads.
 *
 * The libuv calls are in fault_inject_uv.c, linked only into the test
 * binaries of exercises that link libuv.
 *
 * The wrappers of the calls the controlled scheduler wraps too (scheduler/,
 * which compiles this file in: scheduler/fault.c) are weak: linked with the
 * scheduler, its wrappers replace them and make the same decisions through
 * rc_fault_should_fail(), rc_fault_join_should_fail(),
 * rc_fault_thread_created() and rc_fault_thread_gone().
 */
#define RC_FAULT_WEAK __attribute__((weak))
#define RC_FAULT_THREAD_WRAPPERS
#define _GNU_SOURCE
#include "fault_inject.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define FAMILIES 7

static atomic_ulong calls[FAMILIES];    /* per family, since the start */
static atomic_uint armed;               /* families that fail now, or 0 */
static atomic_ulong armed_nth;          /* the call to fail, 1-based */
static atomic_int armed_err;
static atomic_ulong armed_seen;         /* armed calls since rc_fault_arm */
static atomic_ulong armed_failed;       /* of them, made to fail */
static atomic_long settle_ns;            /* the failing call's wait first */
#define JOIN_TARGETS_MAX 64
static pthread_t join_targets[JOIN_TARGETS_MAX];   /* rc_fault_only_joins_of */
static atomic_size_t n_join_targets;    /* 0: every join is in the plan */
static atomic_long live_blocks;
static atomic_long live_threads;

void rc_fault_arm(unsigned families, unsigned long nth, int err)
{
    atomic_store(&armed, 0u);
    atomic_store(&armed_nth, nth);
    atomic_store(&armed_err, err);
    atomic_store(&armed_seen, 0ul);
    atomic_store(&armed_failed, 0ul);
    atomic_store(&settle_ns, 0l);
    atomic_store(&n_join_targets, (size_t)0);
    atomic_store(&armed, families);
}

void rc_fault_only_joins_of(const pthread_t *threads, size_t n)
{
    if (n > JOIN_TARGETS_MAX)
        n = JOIN_TARGETS_MAX;
    atomic_store(&n_join_targets, (size_t)0);
    for (size_t i = 0; i < n; i++)
        join_targets[i] = threads[i];
    atomic_store(&n_join_targets, n);
}

void rc_fault_settle(double seconds)
{
    atomic_store(&settle_ns, seconds > 0 ? (long)(seconds * 1e9) : 0l);
}

unsigned long rc_fault_disarm(void)
{
    atomic_store(&armed, 0u);
    return atomic_load(&armed_failed);
}

unsigned long rc_fault_calls(unsigned families)
{
    unsigned long total = 0;

    for (unsigned i = 0; i < FAMILIES; i++)
        if (families & (1u << i))
            total += atomic_load(&calls[i]);
    return total;
}

long rc_fault_live_blocks(void)
{
    return atomic_load(&live_blocks);
}

long rc_fault_live_threads(void)
{
    return atomic_load(&live_threads);
}

int rc_fault_should_fail(unsigned family)
{
    atomic_fetch_add(&calls[__builtin_ctz(family)], 1);
    if (!(atomic_load(&armed) & family))
        return 0;
    if (atomic_fetch_add(&armed_seen, 1) + 1 != atomic_load(&armed_nth))
        return 0;
    atomic_fetch_add(&armed_failed, 1);
    if (atomic_load(&settle_ns) > 0) {
        long ns = atomic_load(&settle_ns);
        struct timespec wait = { .tv_sec = ns / 1000000000l, .tv_nsec = ns % 1000000000l };

        while (nanosleep(&wait, &wait) != 0 && errno == EINTR)
            continue;
    }
    return atomic_load(&armed_err);
}

/* ---- memory ---------------------------------------------------------- */

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *block, size_t size);
void *__real_reallocarray(void *block, size_t count, size_t size);
void *__real_aligned_alloc(size_t alignment, size_t size);
int __real_posix_memalign(void **block, size_t alignment, size_t size);
void __real_free(void *block);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *block, size_t size);
void *__wrap_reallocarray(void *block, size_t count, size_t size);
void *__wrap_aligned_alloc(size_t alignment, size_t size);
int __wrap_posix_memalign(void **block, size_t alignment, size_t size);
void __wrap_free(void *block);

/* Counts a block just allocated (none when NULL); returns it. */
static void *counted(void *block)
{
    if (block)
        atomic_fetch_add(&live_blocks, 1);
    return block;
}

/* Whether this allocation must fail; errno is then set. */
static int alloc_fault(void)
{
    int err = rc_fault_should_fail(RC_FAULT_ALLOC);

    if (err)
        errno = err;
    return err;
}

void *__wrap_malloc(size_t size)
{
    return alloc_fault() ? NULL : counted(__real_malloc(size));
}

void *__wrap_calloc(size_t count, size_t size)
{
    return alloc_fault() ? NULL : counted(__real_calloc(count, size));
}

void *__wrap_aligned_alloc(size_t alignment, size_t size)
{
    return alloc_fault() ? NULL : counted(__real_aligned_alloc(alignment, size));
}

/* realloc(NULL, n) allocates; glibc's realloc(p, 0) frees p. */
static void *reallocated(void *block, void *result, size_t size)
{
    if (!block)
        return counted(result);
    if (size == 0 && !result)
        atomic_fetch_sub(&live_blocks, 1);
    return result;
}

void *__wrap_realloc(void *block, size_t size)
{
    if (alloc_fault())
        return NULL;
    return reallocated(block, __real_realloc(block, size), size);
}

void *__wrap_reallocarray(void *block, size_t count, size_t size)
{
    if (alloc_fault())
        return NULL;
    return reallocated(block, __real_reallocarray(block, count, size), count * size);
}

int __wrap_posix_memalign(void **block, size_t alignment, size_t size)
{
    int err = rc_fault_should_fail(RC_FAULT_ALLOC);

    if (!err && (err = __real_posix_memalign(block, alignment, size)) == 0)
        counted(*block);
    return err;
}

void __wrap_free(void *block)
{
    if (block)
        atomic_fetch_sub(&live_blocks, 1);
    __real_free(block);
}

/* ---- threads ----------------------------------------------------------- */

/*
 * A new thread may get the id of a target that was joined and ended: that
 * id then names a thread the code under test started, no longer a target
 * (0 is no thread's id).
 */
static void forget_join_target(pthread_t thread)
{
    size_t n = atomic_load(&n_join_targets);

    for (size_t i = 0; i < n; i++)
        if (pthread_equal(join_targets[i], thread))
            join_targets[i] = (pthread_t)0;
}

/* Whether a join of `thread` is in the plan (rc_fault_only_joins_of). */
static bool join_in_plan(pthread_t thread)
{
    size_t n = atomic_load(&n_join_targets);

    for (size_t i = 0; i < n; i++)
        if (pthread_equal(join_targets[i], thread))
            return true;
    return n == 0;
}

int rc_fault_join_should_fail(pthread_t thread)
{
    if (join_in_plan(thread))
        return rc_fault_should_fail(RC_FAULT_JOIN);
    atomic_fetch_add(&calls[__builtin_ctz(RC_FAULT_JOIN)], 1);
    return 0;
}


RC_FAULT_WEAK
int __wrap_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          rc_fault_thread_fn fn, void *arg)
{
    int err = rc_fault_should_fail(RC_FAULT_THREAD);

    if (err)
        return err;
    /* Counted first: the new thread may be joined before we return. */
    atomic_fetch_add(&live_threads, 1);
    err = __real_pthread_create(thread, attr, fn, arg);
    if (err)
        atomic_fetch_sub(&live_threads, 1);
    else
        forget_join_target(*thread);
    return err;
}

void rc_fault_thread_created(pthread_t thread)
{
    atomic_fetch_add(&live_threads, 1);
    forget_join_target(thread);
}

void rc_fault_thread_gone(void)
{
    atomic_fetch_sub(&live_threads, 1);
}

/* A join's result: a thread joined is no longer live. */
static int joined(int err)
{
    if (err == 0)
        atomic_fetch_sub(&live_threads, 1);
    return err;
}

RC_FAULT_WEAK
int __wrap_pthread_join(pthread_t thread, void **result)
{
    int err = rc_fault_join_should_fail(thread);

    return err ? err : joined(__real_pthread_join(thread, result));
}

RC_FAULT_WEAK
int __wrap_pthread_tryjoin_np(pthread_t thread, void **result)
{
    int err = rc_fault_join_should_fail(thread);

    return err ? err : joined(__real_pthread_tryjoin_np(thread, result));
}

RC_FAULT_WEAK
int __wrap_pthread_timedjoin_np(pthread_t thread, void **result, const struct timespec *at)
{
    int err = rc_fault_join_should_fail(thread);

    return err ? err : joined(__real_pthread_timedjoin_np(thread, result, at));
}

RC_FAULT_WEAK
int __wrap_pthread_clockjoin_np(pthread_t thread, void **result, clockid_t clock,
                                const struct timespec *at)
{
    int err = rc_fault_join_should_fail(thread);

    return err ? err : joined(__real_pthread_clockjoin_np(thread, result, clock, at));
}

RC_FAULT_WEAK
int __wrap_pthread_detach(pthread_t thread)
{
    return joined(__real_pthread_detach(thread));
}

/* ---- locks, condition variables, semaphores --------------------------- */

int __real_pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attr);
int __real_pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr);
int __real_sem_init(sem_t *sem, int shared, unsigned value);

int __wrap_pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attr);
int __wrap_pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr);
int __wrap_sem_init(sem_t *sem, int shared, unsigned value);

RC_FAULT_WEAK
int __wrap_pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attr)
{
    int err = rc_fault_should_fail(RC_FAULT_MUTEX);

    return err ? err : __real_pthread_mutex_init(mutex, attr);
}

RC_FAULT_WEAK
int __wrap_pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr)
{
    int err = rc_fault_should_fail(RC_FAULT_COND);

    return err ? err : __real_pthread_cond_init(cond, attr);
}

RC_FAULT_WEAK
int __wrap_sem_init(sem_t *sem, int shared, unsigned value)
{
    int err = rc_fault_should_fail(RC_FAULT_SEM);

    if (err) {
        errno = err;
        return -1;
    }
    return __real_sem_init(sem, shared, value);
}
