/*
 * wrap_spin.c - pthread spin locks under the scheduler: modelled (owner),
 * never spun on really.  Taking a spin lock that another thread holds is
 * a scheduling point that waits until it is free: under virtual time,
 * spinning costs nothing and lets the holder (which may itself wait in a
 * wrapped call) go on; a lock never let go is a deadlock that names its
 * holder.  A failed pthread_spin_trylock is a poll (RC_SCHED_MAX_POLLS).
 * Taking a spin lock one holds already deadlocks, as it does in glibc.
 */
#define _GNU_SOURCE
#include "rc_wrap.h"

#include <errno.h>

int __real_pthread_spin_init(pthread_spinlock_t *lock, int pshared);
int __real_pthread_spin_destroy(pthread_spinlock_t *lock);
int __real_pthread_spin_lock(pthread_spinlock_t *lock);
int __real_pthread_spin_trylock(pthread_spinlock_t *lock);
int __real_pthread_spin_unlock(pthread_spinlock_t *lock);

int __wrap_pthread_spin_init(pthread_spinlock_t *lock, int pshared);
int __wrap_pthread_spin_destroy(pthread_spinlock_t *lock);
int __wrap_pthread_spin_lock(pthread_spinlock_t *lock);
int __wrap_pthread_spin_trylock(pthread_spinlock_t *lock);
int __wrap_pthread_spin_unlock(pthread_spinlock_t *lock);

/* The model of `lock` (a volatile int in glibc). */
static struct rc_object *spin_model(pthread_spinlock_t *lock)
{
    return rc_object_get((const void *)(uintptr_t)lock, RC_O_SPIN);
}

int __wrap_pthread_spin_init(pthread_spinlock_t *lock, int pshared)
{
    int err = __real_pthread_spin_init(lock, pshared);

    if (err == 0 && rc_enter()) {
        rc_object_forget((const void *)(uintptr_t)lock);
        spin_model(lock);
    }
    return err;
}

int __wrap_pthread_spin_destroy(pthread_spinlock_t *lock)
{
    if (!rc_enter())
        return __real_pthread_spin_destroy(lock);
    rc_object_forget((const void *)(uintptr_t)lock);
    return 0;
}

/* Takes `lock` for `self`, waiting until it is free (`try`: not at all). */
static int take(struct rc_thread *self, pthread_spinlock_t *lock, const char *call, bool try,
                uintptr_t where)
{
    struct rc_object *o = spin_model(lock);

    self->wait = try ? RC_W_NONE : RC_W_FREE;
    self->obj = o;
    rc_point(self, call, o, where);
    if (o->owner) {
        rc_poll_for(self, o->owner);
        return EBUSY;
    }
    o->owner = self;
    rc_changed();
    return 0;
}

int __wrap_pthread_spin_lock(pthread_spinlock_t *lock)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_pthread_spin_lock(lock);
    return take(self, lock, "pthread_spin_lock", false, where);
}

int __wrap_pthread_spin_trylock(pthread_spinlock_t *lock)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_pthread_spin_trylock(lock);
    return take(self, lock, "pthread_spin_trylock", true, where);
}

/* Unlocking a spin lock one does not hold is undefined (POSIX); here it frees it. */
int __wrap_pthread_spin_unlock(pthread_spinlock_t *lock)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    struct rc_object *o;

    if (!self)
        return __real_pthread_spin_unlock(lock);
    o = spin_model(lock);
    o->owner = NULL;
    rc_changed();
    rc_yield_point(self, "pthread_spin_unlock", o, where);
    return 0;
}
