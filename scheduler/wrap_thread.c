/*
 * wrap_thread.c - pthread_create, join (and its try, timed, clock forms),
 * detach and exit under the scheduler.
 */
#define _GNU_SOURCE
#define RC_FAULT_THREAD_WRAPPERS        /* the thread calls' declarations */
#include "rc_wrap.h"

#include <errno.h>

void __real_pthread_exit(void *value) __attribute__((noreturn));

void __wrap_pthread_exit(void *value) __attribute__((noreturn));

int64_t rc_wrap_deadline(clockid_t clock, const struct timespec *at)
{
    if (!at || at->tv_nsec < 0 || at->tv_nsec >= 1000000000)
        return RC_BAD_TIME;
    return rc_deadline_abs(clock, at);
}

int __wrap_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          rc_fault_thread_fn fn, void *arg)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter(), *t;
    int err = rc_fault_should_fail(RC_FAULT_THREAD), state;

    if (!self) {
        if (!err && (err = __real_pthread_create(thread, attr, fn, arg)) == 0)
            rc_fault_thread_created(*thread);
        return err;
    }
    if (err) {
        rc_yield_point(self, "pthread_create", NULL, where);
        return err;
    }
    t = rc_thread_new(fn, arg);
    if (!t)
        rc_fail(RC_V_LIMIT, "more than %d threads at once", RC_MAX_THREADS);
    err = __real_pthread_create(&t->real, attr, rc_thread_main, t);
    if (err) {
        rc_thread_release(t);
        rc_yield_point(self, "pthread_create", NULL, where);
        return err;
    }
    if (attr && pthread_attr_getdetachstate(attr, &state) == 0)
        t->detached = state == PTHREAD_CREATE_DETACHED;
    *thread = t->real;
    rc_fault_thread_created(t->real);
    rc_changed();
    self->target = t;
    rc_yield_point(self, "pthread_create", NULL, where);
    return 0;
}

/*
 * Joins `thread` for `self`: waits until it finished or `deadline` passed
 * (`try`: does not wait).  Returns 0 or the error number.
 */
static int join(struct rc_thread *self, pthread_t thread, void **result, const char *call,
                int64_t deadline, bool try, uintptr_t where)
{
    struct rc_thread *t = rc_thread_find(thread);
    bool passed = deadline <= rc->now;

    if (!t || t->detached || t == self) {
        rc_yield_point(self, call, NULL, where);
        /* glibc: a try on the caller, still running, is EBUSY. */
        return !t ? ESRCH : t == self ? (try ? EBUSY : EDEADLK) : EINVAL;
    }
    rc_cancel_point(self, where);
    self->wait = try ? RC_W_NONE : RC_W_JOIN;
    self->target = t;
    self->deadline = try ? RC_NO_DEADLINE : deadline;
    rc_point(self, call, NULL, where);
    rc_cancel_point(self, where);
    if (t->state != RC_T_FINISHED) {
        if (try || passed)
            rc_poll_for(self, t);
        return try ? EBUSY : ETIMEDOUT;
    }
    if (result)
        *result = t->retval;
    __real_pthread_join(t->real, NULL);
    rc_thread_release(t);
    rc_fault_thread_gone();
    rc_changed();
    return 0;
}

/* A join made to fail by fault injection: a scheduling point only. */
static int join_failed(struct rc_thread *self, const char *call, int err, uintptr_t where)
{
    rc_yield_point(self, call, NULL, where);
    return err;
}

/* A join outside the scheduler: the C library's, counted. */
static int join_counted(int err)
{
    if (err == 0)
        rc_fault_thread_gone();
    return err;
}

int __wrap_pthread_join(pthread_t thread, void **result)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    int err = rc_fault_join_should_fail(thread);

    if (!self)
        return err ? err : join_counted(__real_pthread_join(thread, result));
    if (err)
        return join_failed(self, "pthread_join", err, where);
    return join(self, thread, result, "pthread_join", RC_NO_DEADLINE, false, where);
}

int __wrap_pthread_tryjoin_np(pthread_t thread, void **result)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    int err = rc_fault_join_should_fail(thread);

    if (!self)
        return err ? err : join_counted(__real_pthread_tryjoin_np(thread, result));
    if (err)
        return join_failed(self, "pthread_tryjoin_np", err, where);
    return join(self, thread, result, "pthread_tryjoin_np", RC_NO_DEADLINE, true, where);
}

int __wrap_pthread_timedjoin_np(pthread_t thread, void **result, const struct timespec *at)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    int err = rc_fault_join_should_fail(thread);
    int64_t deadline;

    if (!self)
        return err ? err : join_counted(__real_pthread_timedjoin_np(thread, result, at));
    if (err)
        return join_failed(self, "pthread_timedjoin_np", err, where);
    deadline = at ? rc_wrap_deadline(CLOCK_REALTIME, at) : RC_NO_DEADLINE;
    if (deadline == RC_BAD_TIME)
        return join_failed(self, "pthread_timedjoin_np", EINVAL, where);
    return join(self, thread, result, "pthread_timedjoin_np", deadline, false, where);
}

int __wrap_pthread_clockjoin_np(pthread_t thread, void **result, clockid_t clock,
                                const struct timespec *at)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    int err = rc_fault_join_should_fail(thread);
    int64_t deadline;

    if (!self)
        return err ? err : join_counted(__real_pthread_clockjoin_np(thread, result, clock, at));
    if (err)
        return join_failed(self, "pthread_clockjoin_np", err, where);
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return join_failed(self, "pthread_clockjoin_np", EINVAL, where);
    deadline = at ? rc_wrap_deadline(clock, at) : RC_NO_DEADLINE;
    if (deadline == RC_BAD_TIME)
        return join_failed(self, "pthread_clockjoin_np", EINVAL, where);
    return join(self, thread, result, "pthread_clockjoin_np", deadline, false, where);
}

int __wrap_pthread_detach(pthread_t thread)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter(), *t;
    int err;

    if (!self)
        return join_counted(__real_pthread_detach(thread));
    t = rc_thread_find(thread);
    if (!t || t->detached) {
        rc_yield_point(self, "pthread_detach", NULL, where);
        return t ? EINVAL : ESRCH;
    }
    err = __real_pthread_detach(thread);
    if (err == 0) {
        t->detached = true;
        if (t->state == RC_T_FINISHED)
            rc_thread_release(t);
        rc_fault_thread_gone();
    }
    rc_yield_point(self, "pthread_detach", NULL, where);
    return err;
}

void __wrap_pthread_exit(void *value)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self;

    rc_hook_thread_exit();
    self = rc_enter();
    if (self && self->fn)
        rc_thread_exit(self, value, where);     /* its cleanup handlers under control */
    if (self) {
        rc_inprocess_thread_exit(self);
        rc_thread_finish(self, value, where);
    }
    __real_pthread_exit(value);
}
