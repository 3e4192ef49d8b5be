/*
 * wrap_rwlock.c - read-write locks under the scheduler: modelled (writer
 * in owner, readers in count).  No preference between readers and
 * writers: the strategy chooses, so a writer may starve.
 */
#define _GNU_SOURCE
#include "rc_wrap.h"

#include <errno.h>

int __real_pthread_rwlock_init(pthread_rwlock_t *lock, const pthread_rwlockattr_t *attr);
int __real_pthread_rwlock_destroy(pthread_rwlock_t *lock);
int __real_pthread_rwlock_rdlock(pthread_rwlock_t *lock);
int __real_pthread_rwlock_wrlock(pthread_rwlock_t *lock);
int __real_pthread_rwlock_tryrdlock(pthread_rwlock_t *lock);
int __real_pthread_rwlock_trywrlock(pthread_rwlock_t *lock);
int __real_pthread_rwlock_unlock(pthread_rwlock_t *lock);

int __wrap_pthread_rwlock_init(pthread_rwlock_t *lock, const pthread_rwlockattr_t *attr);
int __wrap_pthread_rwlock_destroy(pthread_rwlock_t *lock);
int __wrap_pthread_rwlock_rdlock(pthread_rwlock_t *lock);
int __wrap_pthread_rwlock_wrlock(pthread_rwlock_t *lock);
int __wrap_pthread_rwlock_tryrdlock(pthread_rwlock_t *lock);
int __wrap_pthread_rwlock_trywrlock(pthread_rwlock_t *lock);
int __wrap_pthread_rwlock_unlock(pthread_rwlock_t *lock);

int __wrap_pthread_rwlock_init(pthread_rwlock_t *lock, const pthread_rwlockattr_t *attr)
{
    int err = __real_pthread_rwlock_init(lock, attr);

    if (err == 0 && rc_enter())
        rc_object_forget(lock);
    return err;
}

int __wrap_pthread_rwlock_destroy(pthread_rwlock_t *lock)
{
    struct rc_object *o;

    if (!rc_enter())
        return __real_pthread_rwlock_destroy(lock);
    o = rc_object_get(lock, RC_O_RWLOCK);
    if (o->owner || o->count)
        return EBUSY;
    rc_object_forget(lock);
    return 0;
}

/* Locks for reading (`write` false) or writing; `try`: without waiting. */
static int rwlock(pthread_rwlock_t *lock, const char *call, bool write, bool try, uintptr_t where)
{
    struct rc_thread *self = rc_enter();
    struct rc_object *o = rc_object_get(lock, RC_O_RWLOCK);

    if (o->owner == self) {
        rc_yield_point(self, call, o, where);
        return try ? EBUSY : EDEADLK;
    }
    self->wait = try ? RC_W_NONE : write ? RC_W_WRLOCK : RC_W_RDLOCK;
    self->obj = o;
    rc_point(self, call, o, where);
    if (!o->owner && (!write || o->count == 0)) {
        if (write)
            o->owner = self;
        else
            o->count++;
        rc_changed();
        return 0;
    }
    rc_poll_for(self, o->owner);
    return EBUSY;
}

int __wrap_pthread_rwlock_rdlock(pthread_rwlock_t *lock)
{
    uintptr_t where = RC_WHERE();

    if (!rc_enter())
        return __real_pthread_rwlock_rdlock(lock);
    return rwlock(lock, "pthread_rwlock_rdlock", false, false, where);
}

int __wrap_pthread_rwlock_wrlock(pthread_rwlock_t *lock)
{
    uintptr_t where = RC_WHERE();

    if (!rc_enter())
        return __real_pthread_rwlock_wrlock(lock);
    return rwlock(lock, "pthread_rwlock_wrlock", true, false, where);
}

int __wrap_pthread_rwlock_tryrdlock(pthread_rwlock_t *lock)
{
    uintptr_t where = RC_WHERE();

    if (!rc_enter())
        return __real_pthread_rwlock_tryrdlock(lock);
    return rwlock(lock, "pthread_rwlock_tryrdlock", false, true, where);
}

int __wrap_pthread_rwlock_trywrlock(pthread_rwlock_t *lock)
{
    uintptr_t where = RC_WHERE();

    if (!rc_enter())
        return __real_pthread_rwlock_trywrlock(lock);
    return rwlock(lock, "pthread_rwlock_trywrlock", true, true, where);
}

int __wrap_pthread_rwlock_unlock(pthread_rwlock_t *lock)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    struct rc_object *o;
    int err = 0;

    if (!self)
        return __real_pthread_rwlock_unlock(lock);
    o = rc_object_get(lock, RC_O_RWLOCK);
    if (o->owner == self)
        o->owner = NULL;
    else if (o->count > 0)
        o->count--;
    else
        err = EPERM;
    if (!err)
        rc_changed();
    rc_yield_point(self, "pthread_rwlock_unlock", o, where);
    return err;
}
