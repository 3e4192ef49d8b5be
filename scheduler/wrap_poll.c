/*
 * wrap_poll.c - poll and ppoll (and their fortified entries __poll_chk,
 * __ppoll_chk) under the scheduler, as wrap_epoll.c does epoll_wait.
 *
 * The kernel is only ever asked with a zero timeout, after the expired
 * virtual timerfds have fired (rc_vtimer.h).  Events: they are returned.
 * None and a zero timeout: 0, a poll (busy-wait counted).  Otherwise the
 * thread blocks in the scheduler until its virtual deadline (the timeout,
 * or the earliest expiry of a virtual timerfd it watches, whichever comes
 * first; none when neither) or until another thread has made a step, and
 * then asks again.  Such a wait that finds nothing is not a step itself;
 * with no deadline either, it is a deadlock when no thread can run.
 */
#define _GNU_SOURCE
#include "rc_wrap.h"
#include "rc_vtimer.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>

void __chk_fail(void) __attribute__((noreturn));

int __real_poll(struct pollfd *fds, nfds_t n, int timeout);
int __real_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
                 const sigset_t *sigmask);

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout);
int __wrap_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
                 const sigset_t *sigmask);
int __wrap___poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);
int __wrap___ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
                       const sigset_t *sigmask, size_t fdslen);

/* The kernel's answer now (timeout 0), with `sigmask` when not NULL. */
static int ask(struct pollfd *fds, nfds_t n, const sigset_t *sigmask)
{
    static const struct timespec zero;
    int got;

    rc_vtimer_fire();
    do {
        got = sigmask ? __real_ppoll(fds, n, &zero, sigmask) : __real_poll(fds, n, 0);
    } while (got < 0 && errno == EINTR);
    return got;
}

/*
 * poll under the scheduler for `self`, `timeout` in virtual ns (negative:
 * none): a scheduling point, then the kernel's events, waiting in virtual
 * time as the top of this file says.
 */
static int wait_events(struct rc_thread *self, struct pollfd *fds, nfds_t n, int64_t timeout,
                       const sigset_t *sigmask, const char *call, uintptr_t where)
{
    int64_t until = timeout < 0 ? RC_NO_DEADLINE : rc->now + timeout;
    int got;

    rc_cancel_point(self, where);
    rc_yield_point(self, call, NULL, where);
    for (;;) {
        int64_t deadline;

        rc_cancel_point(self, where);
        got = ask(fds, n, sigmask);
        if (got > 0)
            rc_changed();
        if (got != 0)
            return got;
        if (timeout == 0) {
            rc_poll(self);
            return 0;
        }
        if (until <= rc->now)
            return 0;
        deadline = rc_vtimer_next(fds, n);
        if (until < deadline)
            deadline = until;
        rc_io_wait(self, deadline, call, where);
    }
}

/* A ppoll timeout in ns (negative: none), or -2 when not valid. */
static int64_t ppoll_timeout(const struct timespec *timeout)
{
    if (!timeout)
        return -1;
    if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000)
        return -2;
    if (timeout->tv_sec > 1000000000)
        return RC_NO_DEADLINE / 2;
    return (int64_t)timeout->tv_sec * 1000000000 + timeout->tv_nsec;
}

/* poll called at `where`. */
static int do_poll(struct pollfd *fds, nfds_t n, int timeout, uintptr_t where)
{
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_poll(fds, n, timeout);
    return wait_events(self, fds, n, timeout < 0 ? -1 : (int64_t)timeout * 1000000, NULL,
                       "poll", where);
}

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout)
{
    return do_poll(fds, n, timeout, RC_WHERE());
}

int __wrap___poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
    if (fdslen / sizeof(*fds) < n)
        __chk_fail();
    return do_poll(fds, n, timeout, RC_WHERE());
}

/* ppoll called at `where`. */
static int do_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
                    const sigset_t *sigmask, uintptr_t where)
{
    struct rc_thread *self = rc_enter();
    int64_t ns = ppoll_timeout(timeout);

    if (!self)
        return __real_ppoll(fds, n, timeout, sigmask);
    if (ns == -2) {
        errno = EINVAL;
        return -1;
    }
    return wait_events(self, fds, n, ns, sigmask, "ppoll", where);
}

int __wrap_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
                 const sigset_t *sigmask)
{
    return do_ppoll(fds, n, timeout, sigmask, RC_WHERE());
}

int __wrap___ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
                       const sigset_t *sigmask, size_t fdslen)
{
    if (fdslen / sizeof(*fds) < n)
        __chk_fail();
    return do_ppoll(fds, n, timeout, sigmask, RC_WHERE());
}
