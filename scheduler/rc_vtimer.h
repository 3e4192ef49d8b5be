/*
 * rc_vtimer.h - virtual timerfds (wrap_timerfd.c), for the waits that
 * may watch them (wrap_poll.c, wrap_epoll.c).
 *
 * A timerfd made under the scheduler is a real eventfd that the runtime
 * writes to when the timer's virtual expiry comes: reading an eventfd
 * returns an 8-byte count and resets it, as reading a timerfd returns its
 * expirations.  Expiries are virtual ns (rc->now's scale).  The kernel
 * never knows the timer: each wait fires the expired timers before it asks
 * the kernel, and blocks no later than the earliest expiry it watches.
 */
#ifndef RACECOURSE_SCHED_VTIMER_H
#define RACECOURSE_SCHED_VTIMER_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct rc_thread;

/*
 * Fires every virtual timer whose expiry has come (virtual time rc->now):
 * adds its expirations to its eventfd's count and arms it for its next
 * period, or disarms it.  Returns whether one fired.
 */
bool rc_vtimer_fire(void);

/* Whether descriptor `fd` is a virtual timerfd. */
bool rc_vtimer_is(int fd);

/*
 * read() of virtual timerfd `fd` (rc_vtimer_is) by `self`, the call at
 * `where` (wrap_io.c's read wrapper calls it): the 8-byte count of
 * expirations once there is one; a blocking read waits in the scheduler
 * until the timer's expiry (disarmed: until another thread's step); with
 * O_NONBLOCK and none, a poll, then -1 and EAGAIN.  Fewer than 8 bytes:
 * the kernel's answer (EINVAL).  Returns as read does.
 */
ssize_t rc_vtimer_read(struct rc_thread *self, int fd, void *buf, size_t n, uintptr_t where);

/*
 * The earliest armed expiry (virtual ns) of the virtual timerfds among
 * `fds` (n of them; all timers when fds is NULL), or RC_NO_DEADLINE.
 */
int64_t rc_vtimer_next(const struct pollfd *fds, unsigned long n);

#endif
