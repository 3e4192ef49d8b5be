/*
 * wrap_cancel.c - pthread_cancel under the scheduler (deferred
 * cancellation).  The C library's pthread_cancel marks the thread; a
 * thread parked by the scheduler waits in a futex call that is no
 * cancellation point, so the scheduler also wakes it when it waits in a
 * modelled wait that POSIX makes a cancellation point (sem_wait and its
 * timed forms, condition waits, joins, sleeps: rc_cancellable()), and
 * that wait acts on the request through rc_cancel_point().  Asynchronous
 * cancellation is not modelled.
 */
#define _GNU_SOURCE
#include "rc_wrap.h"

#include <errno.h>

int __real_pthread_cancel(pthread_t thread);
int __wrap_pthread_cancel(pthread_t thread);

int __wrap_pthread_cancel(pthread_t thread)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter(), *t;
    int err;

    if (!self)
        return __real_pthread_cancel(thread);
    t = rc_thread_find(thread);
    if (!t || t->state != RC_T_ALIVE) {
        rc_yield_point(self, "pthread_cancel", NULL, where);
        return t ? 0 : ESRCH;
    }
    err = __real_pthread_cancel(t->real);
    if (err == 0) {
        t->cancel = true;
        rc_changed();
    }
    self->target = t;
    rc_yield_point(self, "pthread_cancel", NULL, where);
    return err;
}

bool rc_cancellable(const struct rc_thread *t)
{
    switch (t->wait) {
    case RC_W_SEM:
    case RC_W_COND:
    case RC_W_JOIN:
    case RC_W_SLEEP:
        return t->cancel;
    default:
        return false;
    }
}

bool rc_cancel_point(struct rc_thread *self)
{
    bool asked = self->cancel;

    self->cancel = false;
    pthread_testcancel();       /* does not return when cancellation is enabled */
    return asked;
}

/*
 * rc_thread_run's cleanup: a thread that acted on a cancellation ends.
 * pthread_exit() runs it too, after its wrapper ended the thread (rc_self
 * is NULL then).
 */
static void cancelled(void *record)
{
    if (rc_self == record)
        rc_thread_finish(record, PTHREAD_CANCELED, 0);
}

void *rc_thread_run(struct rc_thread *self)
{
    void *retval;

    pthread_cleanup_push(cancelled, self);
    retval = self->fn(self->arg);
    pthread_cleanup_pop(0);
    return retval;
}
