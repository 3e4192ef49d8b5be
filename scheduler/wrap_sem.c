/*
 * wrap_sem.c - POSIX unnamed semaphores under the scheduler: the value is
 * modelled; the real semaphore only holds the value sem_init gave it,
 * read at first use if the runtime was off at sem_init.
 */
#define _GNU_SOURCE
#include "rc_wrap.h"

#include <errno.h>
#include <semaphore.h>

int __real_sem_init(sem_t *sem, int shared, unsigned value);
int __real_sem_destroy(sem_t *sem);
int __real_sem_wait(sem_t *sem);
int __real_sem_trywait(sem_t *sem);
int __real_sem_timedwait(sem_t *sem, const struct timespec *at);
int __real_sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *at);
int __real_sem_post(sem_t *sem);
int __real_sem_getvalue(sem_t *sem, int *value);

int __wrap_sem_init(sem_t *sem, int shared, unsigned value);
int __wrap_sem_destroy(sem_t *sem);
int __wrap_sem_wait(sem_t *sem);
int __wrap_sem_trywait(sem_t *sem);
int __wrap_sem_timedwait(sem_t *sem, const struct timespec *at);
int __wrap_sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *at);
int __wrap_sem_post(sem_t *sem);
int __wrap_sem_getvalue(sem_t *sem, int *value);

/* The model of `sem`, its value read from the real one when new. */
static struct rc_object *sem_model(sem_t *sem)
{
    struct rc_object *o = rc_object_get(sem, RC_O_SEM);
    int value = 0;

    if (!o->type) {
        __real_sem_getvalue(sem, &value);
        o->count = value;
        o->type = 1;
    }
    return o;
}

/* -1 with errno = err, or 0. */
static int sem_result(int err)
{
    if (!err)
        return 0;
    errno = err;
    return -1;
}

int __wrap_sem_init(sem_t *sem, int shared, unsigned value)
{
    int err = rc_fault_should_fail(RC_FAULT_SEM);

    if (err)
        return sem_result(err);
    if (__real_sem_init(sem, shared, value) != 0)
        return -1;
    if (rc_enter()) {
        rc_object_forget(sem);
        sem_model(sem);
    }
    return 0;
}

int __wrap_sem_destroy(sem_t *sem)
{
    if (rc_enter())
        rc_object_forget(sem);
    return __real_sem_destroy(sem);
}

/* Takes one from `sem`, waiting until `deadline` (`try`: not at all). */
static int take(sem_t *sem, const char *call, int64_t deadline, bool try, uintptr_t where)
{
    struct rc_thread *self = rc_enter();
    struct rc_object *o = sem_model(sem);
    bool passed = deadline <= rc->now;

    if (deadline == RC_BAD_TIME && o->count == 0) {
        rc_yield_point(self, call, o, where);
        return sem_result(EINVAL);
    }
    for (;;) {
        self->wait = try ? RC_W_NONE : RC_W_SEM;
        self->obj = o;
        self->deadline = try ? RC_NO_DEADLINE : deadline;
        rc_point(self, call, o, where);
        /* a cancellation point; woken by a pthread_cancel it ignores: again */
        if (try || !rc_cancel_point(self) || o->count > 0 || deadline <= rc->now)
            break;
    }
    if (o->count > 0) {
        o->count--;
        rc_changed();
        return 0;
    }
    if (try || passed)
        rc_poll(self);
    return sem_result(try ? EAGAIN : ETIMEDOUT);
}

int __wrap_sem_wait(sem_t *sem)
{
    uintptr_t where = RC_WHERE();

    if (!rc_enter())
        return __real_sem_wait(sem);
    return take(sem, "sem_wait", RC_NO_DEADLINE, false, where);
}

int __wrap_sem_trywait(sem_t *sem)
{
    uintptr_t where = RC_WHERE();

    if (!rc_enter())
        return __real_sem_trywait(sem);
    return take(sem, "sem_trywait", RC_NO_DEADLINE, true, where);
}

int __wrap_sem_timedwait(sem_t *sem, const struct timespec *at)
{
    uintptr_t where = RC_WHERE();

    if (!rc_enter())
        return __real_sem_timedwait(sem, at);
    return take(sem, "sem_timedwait", rc_wrap_deadline(CLOCK_REALTIME, at), false, where);
}

int __wrap_sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *at)
{
    uintptr_t where = RC_WHERE();

    if (!rc_enter())
        return __real_sem_clockwait(sem, clock, at);
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return sem_result(EINVAL);
    return take(sem, "sem_clockwait", rc_wrap_deadline(clock, at), false, where);
}

int __wrap_sem_post(sem_t *sem)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    struct rc_object *o;

    if (!self)
        return __real_sem_post(sem);
    o = sem_model(sem);
    o->count++;
    rc_changed();
    rc_yield_point(self, "sem_post", o, where);
    return 0;
}

int __wrap_sem_getvalue(sem_t *sem, int *value)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    struct rc_object *o;

    if (!self)
        return __real_sem_getvalue(sem, value);
    o = sem_model(sem);
    rc_yield_point(self, "sem_getvalue", o, where);
    *value = (int)o->count;
    rc_poll(self);
    return 0;
}
