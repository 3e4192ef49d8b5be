/*
 * fd_guard.c - the student's code writes only to descriptors it created.
 *
 * An exercise may allow descriptors (manifest key `allow`: run_periodic
 * may wake its threads through an eventfd or a pipe), but a file that can
 * write to any descriptor could forge what the grading reads: Criterion's
 * messages, a report, another test's pipe.  So the grader renames, in the
 * student's object only (objcopy --redefine-sym, see
 * grader/build_profiles.c), the calls below to rc_guard_NAME, defined
 * here:
 *
 *   - calls that create descriptors (pipe, pipe2, eventfd, timerfd_create,
 *     socketpair, epoll_create1, signalfd, dup and relatives, fcntl's
 *     F_DUPFD, libuv's uv_pipe and uv_socketpair) make them and remember
 *     each new descriptor with its identity (device and inode);
 *   - calls that write (write, writev, pwrite and relatives, send and
 *     relatives, sendfile, splice, tee, copy_file_range, eventfd_write,
 *     libuv's uv_write, uv_write2, uv_try_write, uv_try_write2) go ahead
 *     only on a descriptor the student's code made and that still is the
 *     same file; any other fails with EBADF (UV_EBADF for libuv);
 *   - dup and fcntl(F_DUPFD) work only on the student's own descriptors,
 *     so that no copy of a descriptor it did not make becomes its own;
 *   - close forgets the descriptor, then closes it.
 *
 * A test may also ask (rc_split_writes, racecourse_test.h) that each
 * write and send of the student's code transfer at most a few bytes and
 * pause before it returns the short count: pipes and sockets allow short
 * writes, and code that takes one write or one read for a whole message
 * then fails on every run.
 *
 * And a test may ask (rc_slow_reads) that each read and recv of the
 * student's code that got bytes pause before it returns them: code that
 * reads on several threads into one shared buffer then has the bytes of
 * one read overwritten by another's before it parses them, on every run.
 *
 * Printing with printf and its relatives stays allowed: it goes to the
 * run's captured output, through print_guard.c.
 * The tests' and the harness's own calls are not renamed either: only the
 * student's object is.  Functions the exercise does not allow are refused
 * before linking (grader/inspect.c); this file only guards allowed ones.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

/* Descriptors above this are never the student's (the sandbox allows 256). */
#define GUARD_FDS 1024

/* libuv is linked only into the exercises that use it. */
#pragma weak uv_fileno
#pragma weak uv_pipe
#pragma weak uv_socketpair
#pragma weak uv_write
#pragma weak uv_write2
#pragma weak uv_try_write
#pragma weak uv_try_write2

/* The identity of descriptor i when the student's code made it; 0: not its own. */
static uint64_t owned_dev[GUARD_FDS], owned_ino[GUARD_FDS];

static bool in_range(int fd)
{
    return fd >= 0 && fd < GUARD_FDS;
}

/*
 * rc_split_writes: each write transfers at most split_bytes (0: whole)
 * and returns the short count after a pause, so that the reader finds a
 * part of the message.  The rest of the message (the caller's next writes
 * on the same descriptor) is written under a lock shared by every process
 * forked after rc_split_writes, one per pipe or socket: parts of messages
 * written by two processes to one pipe never interleave, as POSIX
 * promises for writes of PIPE_BUF bytes or less.  The locks are robust: a
 * writer killed in the middle of a message does not block the others.
 */
#define SPLIT_LOCKS 251

static size_t split_bytes;
static struct timespec split_pause;
static pthread_mutex_t *split_locks;        /* MAP_SHARED, SPLIT_LOCKS of them */
static _Thread_local int split_fd = -1;     /* the message this thread is writing */
static _Thread_local size_t split_left;     /* its bytes not written yet */
static _Thread_local pthread_mutex_t *split_held;

static void split_locks_init(void)
{
    pthread_mutexattr_t attr;
    void *area;

    if (split_locks)
        return;
    area = mmap(NULL, SPLIT_LOCKS * sizeof *split_locks, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        return;
    split_locks = area;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    for (int i = 0; i < SPLIT_LOCKS; i++)
        pthread_mutex_init(&split_locks[i], &attr);
    pthread_mutexattr_destroy(&attr);
}

void rc_split_writes(size_t bytes, double pause_s)
{
    if (bytes)
        split_locks_init();
    split_bytes = split_locks ? bytes : 0;
    split_pause.tv_sec = pause_s > 0 ? (time_t)pause_s : 0;
    split_pause.tv_nsec = pause_s > 0 ? (long)((pause_s - (double)split_pause.tv_sec) * 1e9) : 0;
}

static void split_release(void)
{
    if (split_held)
        pthread_mutex_unlock(split_held);
    split_held = NULL;
    split_fd = -1;
    split_left = 0;
}

/* The lock of the pipe or socket `fd` (NULL when fstat fails). */
static pthread_mutex_t *split_lock_of(int fd)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return NULL;
    return &split_locks[st.st_ino % SPLIT_LOCKS];
}

static void split_lock(pthread_mutex_t *lock)
{
    if (pthread_mutex_lock(lock) == EOWNERDEAD)
        pthread_mutex_consistent(lock);
}

/* Starts a message of `len` bytes on `fd` (unless it continues one). */
static void split_begin(int fd, size_t len)
{
    if (split_fd == fd && split_left > 0)
        return;
    split_release();        /* a message the caller gave up on */
    if (!(split_held = split_lock_of(fd)))
        return;
    split_lock(split_held);
    split_fd = fd;
    split_left = len;
}

/* write(fd, data, len), or send(fd, data, len, flags) when is_send. */
static ssize_t put_whole(int fd, const void *data, size_t len, int flags, bool is_send)
{
    return is_send ? send(fd, data, len, flags) : write(fd, data, len);
}

/*
 * A write short enough to go whole (a signal handler's byte on a
 * self-pipe, say): under the pipe's lock, unless this thread holds it
 * already (a handler that interrupted this thread's own message).
 */
static ssize_t split_whole(int fd, const void *data, size_t len, int flags, bool is_send)
{
    pthread_mutex_t *lock = split_lock_of(fd);
    bool take = lock && lock != split_held;
    ssize_t put;

    if (take)
        split_lock(lock);
    put = put_whole(fd, data, len, flags, is_send);
    if (take)
        pthread_mutex_unlock(lock);
    return put;
}

/* After a part of a message went out (put bytes, or -1): pause or finish. */
static ssize_t split_end(ssize_t put)
{
    struct timespec left = split_pause;

    if (put <= 0 || (size_t)put >= split_left) {
        split_release();
        return put;
    }
    split_left -= (size_t)put;
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
    return put;
}

/*
 * A write (is_send false) or a send of the student's code: whole, or a
 * part of a message when rc_split_writes asked for parts.
 */
static ssize_t split_put(int fd, const void *data, size_t len, int flags, bool is_send)
{
    if (!split_bytes)
        return put_whole(fd, data, len, flags, is_send);
    if (len <= split_bytes && !(split_fd == fd && split_left > 0))
        return split_whole(fd, data, len, flags, is_send);
    split_begin(fd, len);
    return split_end(put_whole(fd, data, len > split_bytes ? split_bytes : len, flags, is_send));
}

/* rc_slow_reads: the pause of a read that got bytes (0: none). */
static struct timespec read_pause;

void rc_slow_reads(double seconds)
{
    read_pause.tv_sec = seconds > 0 ? (time_t)seconds : 0;
    read_pause.tv_nsec = seconds > 0 ? (long)((seconds - (double)read_pause.tv_sec) * 1e9) : 0;
}

/* After a read that returned `got`: the pause when it got bytes. */
static ssize_t read_end(ssize_t got)
{
    struct timespec left = read_pause;

    if (got > 0 && (left.tv_sec > 0 || left.tv_nsec > 0))
        while (nanosleep(&left, &left) != 0 && errno == EINTR)
            ;
    return got;
}

/* Remembers `fd` as the student's own; returns fd (or -1 unchanged). */
static int own(int fd)
{
    struct stat st;

    if (!in_range(fd) || fstat(fd, &st) != 0)
        return fd;
    __atomic_store_n(&owned_dev[fd], (uint64_t)st.st_dev, __ATOMIC_RELAXED);
    __atomic_store_n(&owned_ino[fd], (uint64_t)st.st_ino | 1ull << 63, __ATOMIC_RELEASE);
    return fd;
}

static void forget(int fd)
{
    if (in_range(fd))
        __atomic_store_n(&owned_ino[fd], 0, __ATOMIC_RELEASE);
}

/* Whether `fd` is a descriptor the student's code made, still the same file. */
static bool is_own(int fd)
{
    struct stat st;
    uint64_t ino;

    if (!in_range(fd))
        return false;
    ino = __atomic_load_n(&owned_ino[fd], __ATOMIC_ACQUIRE);
    if (!ino || fstat(fd, &st) != 0)
        return false;
    return ino == ((uint64_t)st.st_ino | 1ull << 63) &&
           __atomic_load_n(&owned_dev[fd], __ATOMIC_RELAXED) == (uint64_t)st.st_dev;
}

/* -1 with errno EBADF: the answer to a write on someone else's descriptor. */
static int refuse(void)
{
    errno = EBADF;
    return -1;
}

static int own_pair(int result, int fds[2])
{
    if (result == 0) {
        own(fds[0]);
        own(fds[1]);
    }
    return result;
}

/* ---- calls that make descriptors ---- */

int rc_guard_pipe(int fds[2])
{
    return own_pair(pipe(fds), fds);
}

int rc_guard_pipe2(int fds[2], int flags)
{
    return own_pair(pipe2(fds, flags), fds);
}

int rc_guard_socketpair(int domain, int type, int protocol, int fds[2])
{
    return own_pair(socketpair(domain, type, protocol, fds), fds);
}

int rc_guard_eventfd(unsigned int count, int flags)
{
    return own(eventfd(count, flags));
}

int rc_guard_timerfd_create(int clock, int flags)
{
    return own(timerfd_create(clock, flags));
}

int rc_guard_epoll_create(int size)
{
    return own(epoll_create(size));
}

int rc_guard_epoll_create1(int flags)
{
    return own(epoll_create1(flags));
}

int rc_guard_signalfd(int fd, const sigset_t *mask, int flags)
{
    if (fd != -1 && !is_own(fd))
        return refuse();
    return own(signalfd(fd, mask, flags));
}

int rc_guard_dup(int fd)
{
    return is_own(fd) ? own(dup(fd)) : refuse();
}

int rc_guard_dup2(int fd, int to)
{
    if (!is_own(fd))
        return refuse();
    forget(to);
    return own(dup2(fd, to));
}

int rc_guard_dup3(int fd, int to, int flags)
{
    if (!is_own(fd))
        return refuse();
    forget(to);
    return own(dup3(fd, to, flags));
}

/* fcntl's third argument is an int or a pointer: passed on as a long. */
static int guarded_fcntl(int fd, int cmd, long arg)
{
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
        return is_own(fd) ? own(fcntl(fd, cmd, (int)arg)) : refuse();
    return fcntl(fd, cmd, arg);
}

int rc_guard_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    long arg;

    va_start(ap, cmd);
    arg = va_arg(ap, long);
    va_end(ap);
    return guarded_fcntl(fd, cmd, arg);
}

/* fcntl64 is fcntl under another name (glibc's _FILE_OFFSET_BITS=64). */
int rc_guard_fcntl64(int fd, int cmd, ...) __attribute__((alias("rc_guard_fcntl")));

int rc_guard_close(int fd)
{
    forget(fd);
    return close(fd);
}

int rc_guard_uv_pipe(uv_file fds[2], int read_flags, int write_flags)
{
    int result = uv_pipe(fds, read_flags, write_flags);

    if (result == 0) {
        own(fds[0]);
        own(fds[1]);
    }
    return result;
}

int rc_guard_uv_socketpair(int type, int protocol, uv_os_sock_t fds[2], int flags0, int flags1)
{
    int result = uv_socketpair(type, protocol, fds, flags0, flags1);

    if (result == 0) {
        own(fds[0]);
        own(fds[1]);
    }
    return result;
}

/*
 * The place in the student's code of the read, write, recv or send this
 * thread is in (0: none).  Under the controlled scheduler a wait inside
 * one of them is then reported at the student's line, not at this file's
 * (scheduler/guard.c asks rc_fd_guard_caller()).
 */
static __thread uintptr_t student_call;

uintptr_t rc_fd_guard_caller(void);

uintptr_t rc_fd_guard_caller(void)
{
    return student_call;
}

/* The student's call at return address `ra` runs `call` (an expression). */
#define AS_STUDENT_CALL(ra, call) ({                                    \
        uintptr_t outer_ = student_call;                                \
        student_call = (uintptr_t)(ra);                                 \
        __typeof__(call) result_ = (call);                              \
        student_call = outer_;                                          \
        result_;                                                        \
    })

/* ---- calls that read (any descriptor: only paused on demand) ---- */

ssize_t rc_guard_read(int fd, void *data, size_t len)
{
    return AS_STUDENT_CALL(__builtin_return_address(0), read_end(read(fd, data, len)));
}

ssize_t rc_guard_recv(int fd, void *data, size_t len, int flags)
{
    return AS_STUDENT_CALL(__builtin_return_address(0), read_end(recv(fd, data, len, flags)));
}

/* ---- calls that write ---- */

ssize_t rc_guard_write(int fd, const void *data, size_t len)
{
    if (!is_own(fd))
        return refuse();
    return AS_STUDENT_CALL(__builtin_return_address(0), split_put(fd, data, len, 0, false));
}

ssize_t rc_guard_writev(int fd, const struct iovec *iov, int n)
{
    return is_own(fd) ? writev(fd, iov, n) : refuse();
}

ssize_t rc_guard_pwrite(int fd, const void *data, size_t len, off_t at)
{
    return is_own(fd) ? pwrite(fd, data, len, at) : refuse();
}

ssize_t rc_guard_pwrite64(int fd, const void *data, size_t len, off_t at)
{
    return is_own(fd) ? pwrite(fd, data, len, at) : refuse();
}

ssize_t rc_guard_pwritev(int fd, const struct iovec *iov, int n, off_t at)
{
    return is_own(fd) ? pwritev(fd, iov, n, at) : refuse();
}

ssize_t rc_guard_pwritev2(int fd, const struct iovec *iov, int n, off_t at, int flags)
{
    return is_own(fd) ? pwritev2(fd, iov, n, at, flags) : refuse();
}

ssize_t rc_guard_send(int fd, const void *data, size_t len, int flags)
{
    if (!is_own(fd))
        return refuse();
    return AS_STUDENT_CALL(__builtin_return_address(0), split_put(fd, data, len, flags, true));
}

ssize_t rc_guard_sendto(int fd, const void *data, size_t len, int flags,
                        const struct sockaddr *to, socklen_t to_len)
{
    return is_own(fd) ? sendto(fd, data, len, flags, to, to_len) : refuse();
}

ssize_t rc_guard_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    return is_own(fd) ? sendmsg(fd, msg, flags) : refuse();
}

int rc_guard_sendmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags)
{
    return is_own(fd) ? sendmmsg(fd, msgs, n, flags) : refuse();
}

ssize_t rc_guard_sendfile(int out, int in, off_t *offset, size_t len)
{
    return is_own(out) ? sendfile(out, in, offset, len) : refuse();
}

ssize_t rc_guard_splice(int in, loff_t *in_off, int out, loff_t *out_off, size_t len,
                        unsigned int flags)
{
    return is_own(out) ? splice(in, in_off, out, out_off, len, flags) : refuse();
}

ssize_t rc_guard_tee(int in, int out, size_t len, unsigned int flags)
{
    return is_own(out) ? tee(in, out, len, flags) : refuse();
}

ssize_t rc_guard_vmsplice(int fd, const struct iovec *iov, size_t n, unsigned int flags)
{
    return is_own(fd) ? vmsplice(fd, iov, n, flags) : refuse();
}

ssize_t rc_guard_copy_file_range(int in, off_t *in_off, int out, off_t *out_off, size_t len,
                                 unsigned int flags)
{
    return is_own(out) ? copy_file_range(in, in_off, out, out_off, len, flags) : refuse();
}

int rc_guard_eventfd_write(int fd, eventfd_t value)
{
    return is_own(fd) ? eventfd_write(fd, value) : refuse();
}

/* Whether the stream's descriptor is the student's own. */
static bool own_stream(const uv_stream_t *stream)
{
    uv_os_fd_t fd;

    return uv_fileno((const uv_handle_t *)stream, &fd) == 0 && is_own(fd);
}

int rc_guard_uv_write(uv_write_t *req, uv_stream_t *stream, const uv_buf_t bufs[],
                      unsigned int n, uv_write_cb cb)
{
    return own_stream(stream) ? uv_write(req, stream, bufs, n, cb) : UV_EBADF;
}

int rc_guard_uv_write2(uv_write_t *req, uv_stream_t *stream, const uv_buf_t bufs[],
                       unsigned int n, uv_stream_t *send_handle, uv_write_cb cb)
{
    return own_stream(stream) ? uv_write2(req, stream, bufs, n, send_handle, cb) : UV_EBADF;
}

int rc_guard_uv_try_write(uv_stream_t *stream, const uv_buf_t bufs[], unsigned int n)
{
    return own_stream(stream) ? uv_try_write(stream, bufs, n) : UV_EBADF;
}

int rc_guard_uv_try_write2(uv_stream_t *stream, const uv_buf_t bufs[], unsigned int n,
                           uv_stream_t *send_handle)
{
    return own_stream(stream) ? uv_try_write2(stream, bufs, n, send_handle) : UV_EBADF;
}

