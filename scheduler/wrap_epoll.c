/*
 * wrap_epoll.c - epoll_wait and epoll_pwait under the scheduler: the wait
 * of an event loop (libuv's, linked statically: docs/scheduler.md).
 *
 * The kernel is only ever asked with a zero timeout.  Events: they are
 * returned.  None and a zero timeout: 0, a poll.  Otherwise the thread
 * blocks in the scheduler until its virtual deadline (the timeout, in ms;
 * none when negative) or until another thread has made a step, and then
 * asks again: a thread that writes to a pipe, a socket or an eventfd
 * reaches a scheduling point soon after.  Such a wait that finds nothing
 * does not count as a step itself, so two loops waiting for each other
 * stop at once; with no deadline either, that is a deadlock.  Virtual
 * timerfds (wrap_timerfd.c) fire before each ask, and the wait ends at
 * the earliest armed one's expiry at the latest (the epoll set is not
 * known: any of them may be in it).
 */
#define _GNU_SOURCE
#include "rc_wrap.h"
#include "rc_vtimer.h"

#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>

int __real_epoll_wait(int epfd, struct epoll_event *events, int max, int timeout);
int __real_epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout,
                       const sigset_t *sigmask);

int __wrap_epoll_wait(int epfd, struct epoll_event *events, int max, int timeout);
int __wrap_epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout,
                       const sigset_t *sigmask);

/* The kernel's answer now (timeout 0), with `sigmask` when not NULL. */
static int ask(int epfd, struct epoll_event *events, int max, const sigset_t *sigmask)
{
    int n;

    rc_vtimer_fire();
    do {
        n = sigmask ? __real_epoll_pwait(epfd, events, max, 0, sigmask)
                    : __real_epoll_wait(epfd, events, max, 0);
    } while (n < 0 && errno == EINTR);
    return n;
}

/*
 * epoll_wait under the scheduler for `self`: a scheduling point, then
 * the kernel's events, waiting in virtual time as the top of this file says.
 */
static int wait_events(struct rc_thread *self, int epfd, struct epoll_event *events, int max,
                       int timeout, const sigset_t *sigmask, const char *call, uintptr_t where)
{
    int64_t deadline = timeout < 0 ? RC_NO_DEADLINE : rc->now + (int64_t)timeout * 1000000;
    int64_t timer;
    int n;

    rc_cancel_point(self, where);
    rc_yield_point(self, call, NULL, where);
    for (;;) {
        rc_cancel_point(self, where);
        n = ask(epfd, events, max, sigmask);
        if (n > 0)
            rc_changed();
        if (n != 0)
            return n;
        if (timeout == 0) {
            rc_poll(self);
            return 0;
        }
        if (deadline <= rc->now)
            return 0;
        timer = rc_vtimer_next(NULL, 0);
        rc_io_wait(self, timer < deadline ? timer : deadline, call, where);
    }
}

int __wrap_epoll_wait(int epfd, struct epoll_event *events, int max, int timeout)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_epoll_wait(epfd, events, max, timeout);
    return wait_events(self, epfd, events, max, timeout, NULL, "epoll_wait", where);
}

int __wrap_epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout,
                       const sigset_t *sigmask)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self)
        return __real_epoll_pwait(epfd, events, max, timeout, sigmask);
    return wait_events(self, epfd, events, max, timeout, sigmask, "epoll_pwait", where);
}
