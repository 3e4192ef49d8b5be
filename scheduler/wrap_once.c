/*
 * wrap_once.c - pthread_once under the scheduler.  The first caller runs
 * the init routine under the scheduler's control (it may block, sleep,
 * take locks); a caller that comes while it runs waits until it is done,
 * a scheduling point; later callers return at once.  An init routine that
 * is cancelled leaves the control as if it never ran (POSIX).  The real
 * control is marked done too, so that calls outside the scheduler (after
 * the schedule, libuv's uv_once) do not run it again.
 */
#define _GNU_SOURCE
#include "rc_wrap.h"

int __real_pthread_once(pthread_once_t *once, void (*init)(void));

int __wrap_pthread_once(pthread_once_t *once, void (*init)(void));

/* glibc's bit of a pthread_once_t that says the routine ran (__PTHREAD_ONCE_DONE). */
#define ONCE_DONE 2

enum { NOT_RUN, RUNNING, DONE };

/* The init routine of `arg` (its model) was cancelled: not run after all. */
static void init_cancelled(void *arg)
{
    struct rc_object *o = arg;

    o->count = NOT_RUN;
    o->owner = NULL;
    rc_changed();
}

int __wrap_pthread_once(pthread_once_t *once, void (*init)(void))
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    struct rc_object *o;

    if (!self || (__atomic_load_n(once, __ATOMIC_ACQUIRE) & ONCE_DONE))
        return __real_pthread_once(once, init);
    o = rc_object_get(once, RC_O_ONCE);
    self->wait = RC_W_FREE;
    self->obj = o;
    rc_point(self, "pthread_once", o, where);
    if (o->count == DONE)
        return 0;
    o->count = RUNNING;
    o->owner = self;
    rc_changed();
    pthread_cleanup_push(init_cancelled, o);
    init();
    pthread_cleanup_pop(0);
    o->count = DONE;
    o->owner = NULL;
    __atomic_store_n(once, ONCE_DONE, __ATOMIC_RELEASE);
    rc_changed();
    rc_yield_point(self, "pthread_once", o, where);
    return 0;
}
