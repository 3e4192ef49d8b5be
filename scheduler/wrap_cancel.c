/*
 * wrap_cancel.c - deferred cancellation under the scheduler.  The real
 * pthread_cancel is never sent to a thread the runtime controls: it would
 * act in the runtime's own futex wait, or not at all.  pthread_cancel
 * marks the target; the target acts on it at its next cancellation point
 * among the wrapped calls (pthread_cond_wait and its timed forms, with
 * the mutex held again; sem_wait and its timed forms, the count
 * untouched; the joins; the sleeps; epoll_wait; pthread_testcancel), and
 * one it is blocked in ends.  Acting is pthread_exit(PTHREAD_CANCELED):
 * its cleanup handlers run under the scheduler, then it finishes.
 * pthread_setcancelstate(PTHREAD_CANCEL_DISABLE) holds a cancellation
 * until it is enabled again.  Asynchronous cancellation is not modelled:
 * it acts at the next cancellation point too.
 */
#define _GNU_SOURCE
#include "rc_wrap.h"

#include <errno.h>

int __real_pthread_cancel(pthread_t thread);
int __real_pthread_setcancelstate(int state, int *old);
void __real_pthread_testcancel(void);

int __wrap_pthread_cancel(pthread_t thread);
int __wrap_pthread_setcancelstate(int state, int *old);
void __wrap_pthread_testcancel(void);

int __wrap_pthread_cancel(pthread_t thread)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter(), *t;

    if (!self)
        return __real_pthread_cancel(thread);
    t = rc_thread_find(thread);
    if (!t) {
        rc_yield_point(self, "pthread_cancel", NULL, where);
        return ESRCH;
    }
    if (t->state == RC_T_ALIVE && t->fn) {
        t->cancel_pending = true;
        rc_changed();
    }
    self->target = t;
    rc_yield_point(self, "pthread_cancel", NULL, where);
    return 0;
}

int __wrap_pthread_setcancelstate(int state, int *old)
{
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_pthread_setcancelstate(state, old);
    if (state != PTHREAD_CANCEL_ENABLE && state != PTHREAD_CANCEL_DISABLE)
        return EINVAL;
    if (old)
        *old = self->cancel_off ? PTHREAD_CANCEL_DISABLE : PTHREAD_CANCEL_ENABLE;
    self->cancel_off = state == PTHREAD_CANCEL_DISABLE;
    return 0;
}

void __wrap_pthread_testcancel(void)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self) {
        __real_pthread_testcancel();
        return;
    }
    rc_cancel_point(self, where);
    rc_yield_point(self, "pthread_testcancel", NULL, where);
    rc_cancel_point(self, where);
}
