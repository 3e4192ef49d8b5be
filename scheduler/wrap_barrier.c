/*
 * wrap_barrier.c - pthread barriers under the scheduler: modelled (count,
 * threads arrived), never waited on really.  The last thread to arrive
 * releases the round's waiters and gets PTHREAD_BARRIER_SERIAL_THREAD; a
 * barrier that too few threads reach is a deadlock the runtime reports.
 * pthread_barrier_wait is not a cancellation point (POSIX).
 */
#define _GNU_SOURCE
#include "rc_wrap.h"

#include <errno.h>

int __real_pthread_barrier_init(pthread_barrier_t *barrier, const pthread_barrierattr_t *attr,
                                unsigned count);
int __real_pthread_barrier_destroy(pthread_barrier_t *barrier);
int __real_pthread_barrier_wait(pthread_barrier_t *barrier);

int __wrap_pthread_barrier_init(pthread_barrier_t *barrier, const pthread_barrierattr_t *attr,
                                unsigned count);
int __wrap_pthread_barrier_destroy(pthread_barrier_t *barrier);
int __wrap_pthread_barrier_wait(pthread_barrier_t *barrier);

/*
 * The model of `barrier`.  Its count is the one the real barrier keeps
 * (glibc: the third unsigned of struct pthread_barrier), set by
 * pthread_barrier_init whether the runtime was on or not.
 */
static struct rc_object *barrier_model(pthread_barrier_t *barrier)
{
    struct rc_object *o = rc_object_get(barrier, RC_O_BARRIER);

    if (!o->type)
        o->type = (int)((const unsigned *)(const void *)barrier)[2];
    return o;
}

int __wrap_pthread_barrier_init(pthread_barrier_t *barrier, const pthread_barrierattr_t *attr,
                                unsigned count)
{
    int err = __real_pthread_barrier_init(barrier, attr, count);

    if (err == 0 && rc_enter()) {
        rc_object_forget(barrier);
        barrier_model(barrier)->type = (int)count;
    }
    return err;
}

int __wrap_pthread_barrier_destroy(pthread_barrier_t *barrier)
{
    if (!rc_enter())
        return __real_pthread_barrier_destroy(barrier);
    if (barrier_model(barrier)->count > 0)
        return EBUSY;
    rc_object_forget(barrier);
    return 0;
}

/* Ends the round of `o`: every thread waiting in it may go on. */
static void release_round(struct rc_object *o)
{
    for (int i = 0; i < rc->n_slots; i++) {
        struct rc_thread *t = &rc->threads[i];

        if (t->state == RC_T_ALIVE && t->wait == RC_W_BARRIER && t->obj == o)
            t->signalled = true;
    }
    o->count = 0;
    rc_changed();
}

int __wrap_pthread_barrier_wait(pthread_barrier_t *barrier)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    struct rc_object *o;

    if (!self)
        return __real_pthread_barrier_wait(barrier);
    o = barrier_model(barrier);
    rc_changed();
    if (++o->count >= o->type) {
        release_round(o);
        rc_yield_point(self, "pthread_barrier_wait", o, where);
        return PTHREAD_BARRIER_SERIAL_THREAD;
    }
    self->wait = RC_W_BARRIER;
    self->obj = o;
    self->signalled = false;
    rc_point(self, "pthread_barrier_wait", o, where);
    self->signalled = false;
    return 0;
}
