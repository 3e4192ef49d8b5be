/*
 * wrap_timerfd.c - timerfds in virtual time (rc_vtimer.h).
 *
 * timerfd_create, under the scheduler and on a virtual clock (REALTIME,
 * MONOTONIC, BOOTTIME), makes a real eventfd with the flags asked
 * (TFD_NONBLOCK and TFD_CLOEXEC are EFD_NONBLOCK and EFD_CLOEXEC) and
 * records it as a virtual timer; timerfd_settime and timerfd_gettime work
 * on the record, in virtual ns.  Expired timers write their count of
 * expirations into their eventfd before every wait that may watch them
 * asks the kernel (poll, ppoll, epoll_wait, epoll_pwait) and before a read
 * of the timerfd: read then returns that 8-byte count and resets it, as a
 * timerfd's read does.  A blocking read that finds nothing blocks in the
 * scheduler until the timer's expiry (or, disarmed, until another thread's
 * step: another thread may arm it).  close forgets the timer.
 *
 * The table is the program's static data: a schedule run in-process gets
 * it back empty (inprocess.c), a child its own copy.
 */
#define _GNU_SOURCE
#include "rc_wrap.h"
#include "rc_vtimer.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* Virtual timerfds at once; one more is refused with EMFILE. */
#define RC_VTIMERS 64

struct vtimer {
    int fd;                     /* -1: a free slot */
    clockid_t clock;
    int64_t expiry;             /* virtual ns; RC_NO_DEADLINE: disarmed */
    int64_t interval;           /* ns; 0: one shot */
    dev_t dev;                  /* the eventfd's identity, to notice a */
    ino_t ino;                  /* descriptor that is another file now */
};

static struct vtimer vtimers[RC_VTIMERS];
static int n_vtimers;           /* slots [0, n_vtimers) ever used */

int __real_timerfd_create(int clock, int flags);
int __real_timerfd_settime(int fd, int flags, const struct itimerspec *value,
                           struct itimerspec *old);
int __real_timerfd_gettime(int fd, struct itimerspec *value);
ssize_t __real_read(int fd, void *buf, size_t n);
int __real_poll(struct pollfd *fds, nfds_t n, int timeout);
int __real_close(int fd);

int __wrap_timerfd_create(int clock, int flags);
int __wrap_timerfd_settime(int fd, int flags, const struct itimerspec *value,
                           struct itimerspec *old);
int __wrap_timerfd_gettime(int fd, struct itimerspec *value);
int __wrap_close(int fd);

/* The record of virtual timerfd `fd`, or NULL. */
static struct vtimer *find(int fd)
{
    if (fd < 0)
        return NULL;
    for (int i = 0; i < n_vtimers; i++)
        if (vtimers[i].fd == fd)
            return &vtimers[i];
    return NULL;
}

/* Whether `t`'s descriptor is still the eventfd it was made with. */
static bool still_ours(const struct vtimer *t)
{
    struct stat st;

    return fstat(t->fd, &st) == 0 && st.st_dev == t->dev && st.st_ino == t->ino;
}

/* Adds `count` to the eventfd of `t` (the system call: no wrapper in between). */
static void add_count(const struct vtimer *t, uint64_t count)
{
    long n;

    do {
        n = syscall(SYS_write, t->fd, &count, sizeof(count));
    } while (n < 0 && errno == EINTR);
}

/* Empties the eventfd of `t` (timerfd_settime resets the expirations). */
static void drain(const struct vtimer *t)
{
    struct pollfd p = { .fd = t->fd, .events = POLLIN };
    uint64_t count;

    if (__real_poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
        (void)!syscall(SYS_read, t->fd, &count, sizeof(count));
}

bool rc_vtimer_fire(void)
{
    bool fired = false;
    int saved = errno;

    for (int i = 0; i < n_vtimers; i++) {
        struct vtimer *t = &vtimers[i];
        uint64_t count = 1;

        if (t->fd < 0 || t->expiry > rc->now)
            continue;
        if (!still_ours(t)) {
            t->fd = -1;
            continue;
        }
        if (t->interval > 0) {
            count += (uint64_t)((rc->now - t->expiry) / t->interval);
            t->expiry += (int64_t)count * t->interval;
        } else {
            t->expiry = RC_NO_DEADLINE;
        }
        add_count(t, count);
        fired = true;
    }
    errno = saved;
    return fired;
}

bool rc_vtimer_is(int fd)
{
    return find(fd) != NULL;
}

int64_t rc_vtimer_next(const struct pollfd *fds, unsigned long n)
{
    int64_t at = RC_NO_DEADLINE;

    for (int i = 0; i < n_vtimers; i++) {
        const struct vtimer *t = &vtimers[i];
        bool watched = !fds;

        for (unsigned long k = 0; !watched && k < n; k++)
            watched = fds[k].fd == t->fd;
        if (t->fd >= 0 && watched && t->expiry < at)
            at = t->expiry;
    }
    return at;
}

/* A free slot, or NULL. */
static struct vtimer *slot(void)
{
    for (int i = 0; i < n_vtimers; i++)
        if (vtimers[i].fd < 0)
            return &vtimers[i];
    return n_vtimers < RC_VTIMERS ? &vtimers[n_vtimers++] : NULL;
}

int __wrap_timerfd_create(int clock, int flags)
{
    struct vtimer *t;
    struct stat st;
    int fd;

    if (!rc_enter() || !rc_clock_virtual(clock))
        return __real_timerfd_create(clock, flags);
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME) {
        errno = EINVAL;
        return -1;
    }
    if (flags & ~(TFD_NONBLOCK | TFD_CLOEXEC)) {
        errno = EINVAL;
        return -1;
    }
    t = slot();
    if (!t) {
        errno = EMFILE;
        return -1;
    }
    fd = eventfd(0, (flags & TFD_NONBLOCK ? EFD_NONBLOCK : 0) |
                    (flags & TFD_CLOEXEC ? EFD_CLOEXEC : 0));
    if (fd < 0 || fstat(fd, &st) != 0) {
        t->fd = -1;
        return -1;
    }
    *t = (struct vtimer){ .fd = fd, .clock = clock, .expiry = RC_NO_DEADLINE,
                          .dev = st.st_dev, .ino = st.st_ino };
    return fd;
}

static int64_t ns_of(const struct timespec *ts)
{
    if (ts->tv_sec > 1000000000)
        return RC_NO_DEADLINE - 1;
    return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static struct timespec timespec_of(int64_t ns)
{
    return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000), .tv_nsec = ns % 1000000000 };
}

/* What timerfd_gettime says of `t` now. */
static struct itimerspec current(const struct vtimer *t)
{
    struct itimerspec v = { .it_interval = timespec_of(t->interval) };

    if (t->expiry != RC_NO_DEADLINE)
        v.it_value = timespec_of(t->expiry > rc->now ? t->expiry - rc->now : 1);
    return v;
}

static bool valid(const struct timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000;
}

int __wrap_timerfd_settime(int fd, int flags, const struct itimerspec *value,
                           struct itimerspec *old)
{
    struct vtimer *t = find(fd);

    if (!t)
        return __real_timerfd_settime(fd, flags, value, old);
    if (!value) {
        errno = EFAULT;
        return -1;
    }
    if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) || !valid(&value->it_value) ||
        !valid(&value->it_interval)) {
        errno = EINVAL;
        return -1;
    }
    rc_vtimer_fire();
    if (old)
        *old = current(t);
    drain(t);
    t->interval = ns_of(&value->it_interval);
    if (value->it_value.tv_sec == 0 && value->it_value.tv_nsec == 0)
        t->expiry = RC_NO_DEADLINE;
    else if (flags & TFD_TIMER_ABSTIME)
        t->expiry = rc_deadline_abs(t->clock, &value->it_value);
    else
        t->expiry = rc->now + ns_of(&value->it_value);
    if (t->expiry > RC_NO_DEADLINE - 1)
        t->expiry = RC_NO_DEADLINE - 1;
    return 0;
}

int __wrap_timerfd_gettime(int fd, struct itimerspec *value)
{
    uintptr_t where = RC_WHERE();
    struct vtimer *t = find(fd);
    struct rc_thread *self;

    if (!t)
        return __real_timerfd_gettime(fd, value);
    self = rc_enter();
    if (self) {         /* reading the time left: a clock read, a poll */
        rc_yield_point(self, "timerfd_gettime", NULL, where);
        rc_poll(self);
    }
    rc_vtimer_fire();
    if (!value) {
        errno = EFAULT;
        return -1;
    }
    *value = current(t);
    return 0;
}

/* Whether the eventfd of `t` has a count to read. */
static bool readable(const struct vtimer *t)
{
    struct pollfd p = { .fd = t->fd, .events = POLLIN };

    return __real_poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

ssize_t rc_vtimer_read(struct rc_thread *self, int fd, void *buf, size_t n, uintptr_t where)
{
    struct vtimer *t;

    if (n < sizeof(uint64_t))
        return __real_read(fd, buf, n);
    for (;;) {
        int fl;

        rc_vtimer_fire();
        t = find(fd);
        if (!t || readable(t))
            return __real_read(fd, buf, n);
        fl = fcntl(fd, F_GETFL);
        if (fl < 0 || (fl & O_NONBLOCK)) {
            rc_yield_point(self, "read", NULL, where);
            rc_poll(self);
            rc_vtimer_fire();
            return __real_read(fd, buf, n);
        }
        rc_cancel_point(self, where);
        rc_io_wait(self, t->expiry, "read", where);
    }
}

int __wrap_close(int fd)
{
    struct vtimer *t = find(fd);

    if (t)
        t->fd = -1;
    return __real_close(fd);
}
