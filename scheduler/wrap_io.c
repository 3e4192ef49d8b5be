/*
 * wrap_io.c - read and write on pipes and stream sockets under the
 * scheduler: a thread that would block in the kernel for data (or for
 * room) that another thread of the program is to make would hold the
 * turn for ever, so it blocks in the scheduler instead.
 *
 * Only pipes, FIFOs and sockets are concerned, and a read of a virtual
 * timerfd (wrap_timerfd.c, rc_vtimer_read); every other descriptor
 * (files, terminals, /proc) goes straight to the kernel.  The kernel is
 * only ever asked without blocking (O_NONBLOCK set for the one call, on a
 * descriptor that blocks).  Bytes moved: the call is a scheduling point
 * after its effect, like a release, since a thread waiting on the other
 * end can now go on.  Nothing to move on a descriptor that blocks: the
 * thread waits in the scheduler, as in epoll_wait (wrap_epoll.c), until
 * another thread has made a step, and asks again; with no thread left to
 * make one, that is a deadlock.  Nothing to move on a non-blocking
 * descriptor (EAGAIN): a scheduling point and a poll, so that a loop of
 * such reads is a busy-wait.  A blocking write returns once all of its
 * bytes are written, as the kernel's does.
 */
#define _GNU_SOURCE
#include "rc_wrap.h"
#include "rc_vtimer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

void __chk_fail(void) __attribute__((noreturn));
ssize_t __real_read(int fd, void *buf, size_t len);
ssize_t __real_write(int fd, const void *buf, size_t len);

ssize_t __wrap_read(int fd, void *buf, size_t len);
ssize_t __wrap___read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __wrap_write(int fd, const void *buf, size_t len);

/* Whether `fd` is a pipe, a FIFO or a socket: a descriptor that may wait. */
static bool is_stream(int fd)
{
    struct stat st;

    return fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* One read (`out` NULL) or write of `fd`, without blocking; errno kept. */
static ssize_t try_once(int fd, void *in, const void *out, size_t len, int flags)
{
    ssize_t n;
    int err;

    if (!(flags & O_NONBLOCK))
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    do
        n = out ? __real_write(fd, out, len) : __real_read(fd, in, len);
    while (n < 0 && errno == EINTR);
    err = errno;
    if (!(flags & O_NONBLOCK))
        fcntl(fd, F_SETFL, flags);
    errno = err;
    return n;
}

/* The scheduling point after bytes moved: others may go on. */
static void moved(struct rc_thread *self, const char *call, uintptr_t where)
{
    int err = errno;

    rc_changed();
    rc_yield_point(self, call, NULL, where);
    errno = err;
}

/*
 * read (`out` NULL) or write of `len` bytes on the stream `fd` by `self`,
 * as the top of this file says.
 */
static ssize_t transfer(struct rc_thread *self, int fd, void *in, const void *out, size_t len,
                        const char *call, uintptr_t where)
{
    int flags = fcntl(fd, F_GETFL);
    size_t done = 0;
    ssize_t n;

    for (;;) {
        rc_cancel_point(self, where);
        n = try_once(fd, in, out ? (const char *)out + done : NULL, len - done, flags);
        if (n > 0) {
            done += (size_t)n;
            moved(self, call, where);
            if (!out || done == len || (flags & O_NONBLOCK))
                return (ssize_t)done;
            continue;
        }
        if (n == 0 || errno != EAGAIN)
            return done > 0 ? (ssize_t)done : n;
        if (flags & O_NONBLOCK) {
            rc_yield_point(self, call, NULL, where);
            rc_poll(self);
            errno = EAGAIN;
            return -1;
        }
        rc_io_wait(self, RC_NO_DEADLINE, call, where);
    }
}

/*
 * read() of `fd`, the call at `where`: a virtual timerfd's (wrap_timerfd.c),
 * a stream's (above), any other descriptor's straight from the kernel.
 */
static ssize_t read_at(int fd, void *buf, size_t len, uintptr_t where)
{
    struct rc_thread *self = rc_enter();

    if (!self || len == 0)
        return __real_read(fd, buf, len);
    if (rc_vtimer_is(fd))
        return rc_vtimer_read(self, fd, buf, len, where);
    if (!is_stream(fd))
        return __real_read(fd, buf, len);
    return transfer(self, fd, buf, NULL, len, "read", where);
}

ssize_t __wrap_read(int fd, void *buf, size_t len)
{
    return read_at(fd, buf, len, RC_WHERE());
}

/* read() of a program built with _FORTIFY_SOURCE, where the compiler knows the buffer's size. */
ssize_t __wrap___read_chk(int fd, void *buf, size_t len, size_t buflen)
{
    if (len > buflen)
        __chk_fail();
    return read_at(fd, buf, len, RC_WHERE());
}

ssize_t __wrap_write(int fd, const void *buf, size_t len)
{
    uintptr_t where = RC_WHERE();
    struct rc_thread *self = rc_enter();

    if (!self || len == 0 || !is_stream(fd))
        return __real_write(fd, buf, len);
    return transfer(self, fd, NULL, buf, len, "write", where);
}
