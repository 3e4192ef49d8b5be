/*
 * wrap_time.c - clocks, sleeps and sched_yield under the scheduler.  The
 * clocks read virtual time (vtime.c); a sleep blocks its thread until
 * virtual time reaches its end, which happens as soon as no thread can
 * run.  Reading a clock and yielding are polls (core.c: busy-wait).
 */
#define _GNU_SOURCE
#include "rc_wrap.h"

#include <errno.h>
#include <sched.h>
#include <sys/time.h>
#include <unistd.h>

int __real_clock_gettime(clockid_t clock, struct timespec *ts);
time_t __real_time(time_t *out);
int __real_gettimeofday(struct timeval *tv, void *tz);
int __real_nanosleep(const struct timespec *req, struct timespec *rem);
int __real_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                           struct timespec *rem);
int __real_usleep(useconds_t usec);
unsigned __real_sleep(unsigned seconds);
int __real_sched_yield(void);

int __wrap_clock_gettime(clockid_t clock, struct timespec *ts);
time_t __wrap_time(time_t *out);
int __wrap_gettimeofday(struct timeval *tv, void *tz);
int __wrap_nanosleep(const struct timespec *req, struct timespec *rem);
int __wrap_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                           struct timespec *rem);
int __wrap_usleep(useconds_t usec);
unsigned __wrap_sleep(unsigned seconds);
int __wrap_sched_yield(void);

/* A clock read by `self`: a scheduling point and a poll. */
static struct timespec read_clock(struct rc_thread *self, clockid_t clock, const char *call,
                                  uintptr_t where)
{
    rc_yield_point(self, call, NULL, where);
    rc_poll(self);
    return rc_clock_read(clock);
}

int __wrap_clock_gettime(clockid_t clock, struct timespec *ts)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self || !rc_clock_virtual(clock))
        return __real_clock_gettime(clock, ts);
    *ts = read_clock(self, clock, "clock_gettime", where);
    return 0;
}

time_t __wrap_time(time_t *out)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    time_t now;

    if (!self)
        return __real_time(out);
    now = read_clock(self, CLOCK_REALTIME, "time", where).tv_sec;
    if (out)
        *out = now;
    return now;
}

int __wrap_gettimeofday(struct timeval *tv, void *tz)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    struct timespec now;

    if (!self)
        return __real_gettimeofday(tv, tz);
    now = read_clock(self, CLOCK_REALTIME, "gettimeofday", where);
    if (tv)
        *tv = (struct timeval){ .tv_sec = now.tv_sec, .tv_usec = now.tv_nsec / 1000 };
    return 0;
}

/*
 * Blocks `self` until virtual ns `deadline` (a zero sleep is a yield and a
 * poll).
 */
static void sleep_until(struct rc_thread *self, int64_t deadline, const char *call,
                        uintptr_t where)
{
    if (deadline <= rc->now) {
        rc_yield_point(self, call, NULL, where);
        rc_poll(self);
        return;
    }
    do {
        self->wait = RC_W_SLEEP;
        self->deadline = deadline;
        rc_point(self, call, NULL, where);
        /* a cancellation point; woken by a pthread_cancel it ignores: again */
    } while (rc_cancel_point(self) && deadline > rc->now);
}

/* Virtual ns from now after `req`, or RC_BAD_TIME when `req` is not valid. */
static int64_t after(const struct timespec *req)
{
    if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000 || req->tv_sec < 0)
        return RC_BAD_TIME;
    if (req->tv_sec > 1000000000)
        return RC_NO_DEADLINE - 1;
    return rc->now + (int64_t)req->tv_sec * 1000000000 + req->tv_nsec;
}

int __wrap_nanosleep(const struct timespec *req, struct timespec *rem)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    int64_t deadline;

    if (!self)
        return __real_nanosleep(req, rem);
    deadline = after(req);
    if (deadline == RC_BAD_TIME) {
        errno = EINVAL;
        return -1;
    }
    sleep_until(self, deadline, "nanosleep", where);
    return 0;
}

int __wrap_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                           struct timespec *rem)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();
    int64_t deadline;

    if (!self || !rc_clock_virtual(clock))
        return __real_clock_nanosleep(clock, flags, req, rem);
    deadline = flags & TIMER_ABSTIME ? rc_wrap_deadline(clock, req) : after(req);
    if (deadline == RC_BAD_TIME)
        return EINVAL;
    sleep_until(self, deadline, "clock_nanosleep", where);
    return 0;
}

int __wrap_usleep(useconds_t usec)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_usleep(usec);
    sleep_until(self, rc->now + (int64_t)usec * 1000, "usleep", where);
    return 0;
}

unsigned __wrap_sleep(unsigned seconds)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_sleep(seconds);
    sleep_until(self, rc->now + (int64_t)seconds * 1000000000, "sleep", where);
    return 0;
}

int __wrap_sched_yield(void)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_sched_yield();
    rc_yield_point(self, "sched_yield", NULL, where);
    rc_poll(self);
    return 0;
}
