/*
 * wrap_mutex.c - mutexes under the scheduler: modelled (owner, depth,
 * type), never locked really.  A normal mutex locked again by its owner
 * blocks for ever (a deadlock the runtime reports); an error-checking one
 * returns EDEADLK; a recursive one counts.
 */
#define _GNU_SOURCE
#include "rc_wrap.h"

#include <errno.h>

int __real_pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attr);
int __real_pthread_mutex_destroy(pthread_mutex_t *mutex);
int __real_pthread_mutex_lock(pthread_mutex_t *mutex);
int __real_pthread_mutex_trylock(pthread_mutex_t *mutex);
int __real_pthread_mutex_timedlock(pthread_mutex_t *mutex, const struct timespec *at);
int __real_pthread_mutex_clocklock(pthread_mutex_t *mutex, clockid_t clock,
                                   const struct timespec *at);
int __real_pthread_mutex_unlock(pthread_mutex_t *mutex);

int __wrap_pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attr);
int __wrap_pthread_mutex_destroy(pthread_mutex_t *mutex);
int __wrap_pthread_mutex_lock(pthread_mutex_t *mutex);
int __wrap_pthread_mutex_trylock(pthread_mutex_t *mutex);
int __wrap_pthread_mutex_timedlock(pthread_mutex_t *mutex, const struct timespec *at);
int __wrap_pthread_mutex_clocklock(pthread_mutex_t *mutex, clockid_t clock,
                                   const struct timespec *at);
int __wrap_pthread_mutex_unlock(pthread_mutex_t *mutex);

int __wrap_pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attr)
{
    int err = rc_fault_should_fail(RC_FAULT_MUTEX);

    if (err)
        return err;
    err = __real_pthread_mutex_init(mutex, attr);
    if (err == 0 && rc_enter()) {
        rc_object_forget(mutex);
        rc_object_get(mutex, RC_O_MUTEX);
    }
    return err;
}

int __wrap_pthread_mutex_destroy(pthread_mutex_t *mutex)
{
    if (!rc_enter())
        return __real_pthread_mutex_destroy(mutex);
    if (rc_object_get(mutex, RC_O_MUTEX)->owner)
        return EBUSY;
    rc_object_forget(mutex);
    return 0;
}

/* `self` takes `o`. */
static int take(struct rc_thread *self, struct rc_object *o)
{
    if (o->owner == self) {
        o->depth++;
    } else {
        o->owner = self;
        o->depth = 1;
    }
    rc_changed_by_lock(self);
    return 0;
}

/*
 * Locks `mutex` for `self`, waiting until `deadline` (RC_NO_DEADLINE:
 * for ever; `try`: not at all).  Returns 0 or the error number.
 */
static int lock(struct rc_thread *self, pthread_mutex_t *mutex, const char *call, int64_t deadline,
                bool try, uintptr_t where)
{
    struct rc_object *o = rc_object_get(mutex, RC_O_MUTEX);
    bool passed = deadline <= rc->now;

    if (o->owner == self && o->type != PTHREAD_MUTEX_NORMAL) {
        rc_yield_point(self, call, o, where);
        if (o->type == PTHREAD_MUTEX_RECURSIVE)
            return take(self, o);
        return try ? EBUSY : EDEADLK;
    }
    if (deadline == RC_BAD_TIME && o->owner) {
        rc_yield_point(self, call, o, where);
        return EINVAL;
    }
    self->wait = try ? RC_W_NONE : RC_W_MUTEX;
    self->obj = o;
    self->deadline = try ? RC_NO_DEADLINE : deadline;
    rc_point(self, call, o, where);
    if (!o->owner)
        return take(self, o);
    if (try || passed)
        rc_poll_for(self, o->owner);
    return try ? EBUSY : ETIMEDOUT;
}

int __wrap_pthread_mutex_lock(pthread_mutex_t *mutex)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_pthread_mutex_lock(mutex);
    rc_hook_sleep(self, rc_hook_delay_ns(), "pthread_mutex_lock", where);
    return lock(self, mutex, "pthread_mutex_lock", RC_NO_DEADLINE, false, where);
}

int __wrap_pthread_mutex_trylock(pthread_mutex_t *mutex)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_pthread_mutex_trylock(mutex);
    return lock(self, mutex, "pthread_mutex_trylock", RC_NO_DEADLINE, true, where);
}

int __wrap_pthread_mutex_timedlock(pthread_mutex_t *mutex, const struct timespec *at)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_pthread_mutex_timedlock(mutex, at);
    return lock(self, mutex, "pthread_mutex_timedlock", rc_wrap_deadline(CLOCK_REALTIME, at),
                false, where);
}

int __wrap_pthread_mutex_clocklock(pthread_mutex_t *mutex, clockid_t clock,
                                   const struct timespec *at)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_pthread_mutex_clocklock(mutex, clock, at);
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return EINVAL;
    return lock(self, mutex, "pthread_mutex_clocklock", rc_wrap_deadline(clock, at), false,
                where);
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t *mutex)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    struct rc_object *o;

    if (!self)
        return __real_pthread_mutex_unlock(mutex);
    o = rc_object_get(mutex, RC_O_MUTEX);
    if (o->owner != self) {
        rc_yield_point(self, "pthread_mutex_unlock", o, where);
        return EPERM;
    }
    if (--o->depth == 0)
        o->owner = NULL;
    rc_changed_by_lock(self);
    rc_yield_point(self, "pthread_mutex_unlock", o, where);
    return 0;
}
