/*
 * wrap_cond.c - condition variables under the scheduler.  A signal wakes
 * one waiter chosen by the strategy's random numbers; a waiter may also
 * be woken for no reason (core.c), as POSIX allows.  A woken waiter takes
 * its mutex again before it returns, like any other locker.
 */
#define _GNU_SOURCE
#include "rc_wrap.h"

#include <errno.h>

int __real_pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr);
int __real_pthread_cond_destroy(pthread_cond_t *cond);
int __real_pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex);
int __real_pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                                  const struct timespec *at);
int __real_pthread_cond_clockwait(pthread_cond_t *cond, pthread_mutex_t *mutex, clockid_t clock,
                                  const struct timespec *at);
int __real_pthread_cond_signal(pthread_cond_t *cond);
int __real_pthread_cond_broadcast(pthread_cond_t *cond);

int __wrap_pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr);
int __wrap_pthread_cond_destroy(pthread_cond_t *cond);
int __wrap_pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex);
int __wrap_pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                                  const struct timespec *at);
int __wrap_pthread_cond_clockwait(pthread_cond_t *cond, pthread_mutex_t *mutex, clockid_t clock,
                                  const struct timespec *at);
int __wrap_pthread_cond_signal(pthread_cond_t *cond);
int __wrap_pthread_cond_broadcast(pthread_cond_t *cond);

/*
 * The clock pthread_condattr_setclock() gave `cond` (glibc keeps it in
 * bit 1 of __wrefs, which stays as init left it: the real condition
 * variable is never waited on).
 */
static clockid_t cond_clock(const pthread_cond_t *cond)
{
    return (cond->__data.__wrefs >> 1) & 1 ? CLOCK_MONOTONIC : CLOCK_REALTIME;
}

int __wrap_pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr)
{
    int err = rc_fault_should_fail(RC_FAULT_COND);

    if (err)
        return err;
    err = __real_pthread_cond_init(cond, attr);
    if (err == 0 && rc_enter())
        rc_object_forget(cond);
    return err;
}

int __wrap_pthread_cond_destroy(pthread_cond_t *cond)
{
    if (!rc_enter())
        return __real_pthread_cond_destroy(cond);
    rc_object_forget(cond);
    return 0;
}

/*
 * Waits on `cond` with `mutex` until signalled or `deadline`; returns 0,
 * ETIMEDOUT, EPERM (mutex not held) or EINVAL.
 */
static int wait(pthread_cond_t *cond, pthread_mutex_t *mutex, const char *call, int64_t deadline,
                uintptr_t where)
{
    struct rc_thread *self = rc_enter();
    struct rc_object *c = rc_object_get(cond, RC_O_COND);
    struct rc_object *m = rc_object_get(mutex, RC_O_MUTEX);
    bool passed = deadline <= rc->now, woken;
    int depth;

    if (m->owner != self || deadline == RC_BAD_TIME) {
        rc_yield_point(self, call, c, where);
        return m->owner != self ? EPERM : EINVAL;
    }
    rc_cancel_point(self, where);
    if (rc_hook_spurious()) {
        rc_yield_point(self, call, c, where);
        return 0;
    }
    depth = m->depth;
    m->owner = NULL;
    m->depth = 0;
    rc_changed();
    self->wait = RC_W_COND;
    self->obj = c;
    self->signalled = false;
    self->deadline = deadline;
    rc_point(self, call, c, where);
    woken = self->signalled;
    self->signalled = false;
    rc_hook_sleep(self, rc_hook_late_ns(), call, where);
    self->wait = RC_W_MUTEX;
    self->obj = m;
    rc_point(self, call, m, where);
    m->owner = self;
    m->depth = depth;
    rc_changed();
    rc_cancel_point(self, where);     /* with the mutex held again, as POSIX says */
    if (woken)
        return 0;
    if (passed)
        rc_poll(self);
    return ETIMEDOUT;
}

int __wrap_pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex)
{
    uintptr_t where = RC_WHERE();

    if (!rc_enter())
        return __real_pthread_cond_wait(cond, mutex);
    return wait(cond, mutex, "pthread_cond_wait", RC_NO_DEADLINE, where);
}

int __wrap_pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                                  const struct timespec *at)
{
    uintptr_t where = RC_WHERE();

    if (!rc_enter())
        return __real_pthread_cond_timedwait(cond, mutex, at);
    return wait(cond, mutex, "pthread_cond_timedwait", rc_wrap_deadline(cond_clock(cond), at),
                where);
}

int __wrap_pthread_cond_clockwait(pthread_cond_t *cond, pthread_mutex_t *mutex, clockid_t clock,
                                  const struct timespec *at)
{
    uintptr_t where = RC_WHERE();

    if (!rc_enter())
        return __real_pthread_cond_clockwait(cond, mutex, clock, at);
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return EINVAL;
    return wait(cond, mutex, "pthread_cond_clockwait", rc_wrap_deadline(clock, at), where);
}

/* Wakes one waiter of `c` (all: `all`), chosen at random. */
static void wake(struct rc_object *c, bool all)
{
    struct rc_thread *waiters[RC_MAX_THREADS];
    int n = 0;

    for (int i = 0; i < rc->n_slots; i++) {
        struct rc_thread *t = &rc->threads[i];

        if (t->state == RC_T_ALIVE && t->wait == RC_W_COND && t->obj == c && !t->signalled)
            waiters[n++] = t;
    }
    if (n == 0)
        return;
    if (all) {
        for (int i = 0; i < n; i++)
            waiters[i]->signalled = true;
    } else {
        rc->choices += n > 1;
        waiters[rc_below((uint64_t)n)]->signalled = true;
    }
    rc_changed();
}

int __wrap_pthread_cond_signal(pthread_cond_t *cond)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    struct rc_object *c;

    if (!self)
        return __real_pthread_cond_signal(cond);
    c = rc_object_get(cond, RC_O_COND);
    wake(c, false);
    rc_yield_point(self, "pthread_cond_signal", c, where);
    return 0;
}

int __wrap_pthread_cond_broadcast(pthread_cond_t *cond)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    struct rc_object *c;

    if (!self)
        return __real_pthread_cond_broadcast(cond);
    c = rc_object_get(cond, RC_O_COND);
    wake(c, true);
    rc_yield_point(self, "pthread_cond_broadcast", c, where);
    return 0;
}
