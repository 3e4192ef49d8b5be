/*
 * test_fd_guard.c - the descriptor guard (harness/fd_guard.c): the
 * student's code writes to the descriptors it made, and to no other.
 *
 * The guard's functions are called by name here, as the student's renamed
 * calls reach them; the plain calls stand for the tests' and the harness's.
 */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

int rc_guard_pipe(int fds[2]);
int rc_guard_eventfd(unsigned int count, int flags);
int rc_guard_socketpair(int domain, int type, int protocol, int fds[2]);
int rc_guard_close(int fd);
int rc_guard_dup(int fd);
int rc_guard_dup2(int fd, int to);
int rc_guard_fcntl(int fd, int cmd, ...);
int rc_guard_eventfd_write(int fd, eventfd_t value);
ssize_t rc_guard_write(int fd, const void *data, size_t len);
ssize_t rc_guard_send(int fd, const void *data, size_t len, int flags);
int rc_guard_uv_pipe(uv_file fds[2], int read_flags, int write_flags);
int rc_guard_uv_try_write(uv_stream_t *stream, const uv_buf_t bufs[], unsigned int n);
void rc_split_writes(size_t bytes, double pause_s);
ssize_t rc_guard_read(int fd, void *data, size_t len);
ssize_t rc_guard_recv(int fd, void *data, size_t len, int flags);
void rc_slow_reads(double seconds);

/* Whether write-like call `result` was refused with EBADF. */
#define REFUSED(result) ((errno = 0, (result)) == -1 && errno == EBADF)

static void test_own_descriptors(void)
{
    int own[2], pair[2], ev = rc_guard_eventfd(0, 0), copy;

    CHECK_INT(rc_guard_pipe(own), 0);
    CHECK_INT(rc_guard_write(own[1], "x", 1), 1);
    CHECK_INT(rc_guard_eventfd_write(ev, 1), 0);
    CHECK_INT(rc_guard_socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    CHECK_INT(rc_guard_send(pair[0], "y", 1, 0), 1);
    copy = rc_guard_fcntl(own[1], F_DUPFD_CLOEXEC, 10);
    CHECK(copy >= 10, "F_DUPFD of its own descriptor works (%d)", copy);
    CHECK_INT(rc_guard_write(copy, "z", 1), 1);
    rc_guard_close(copy);
    rc_guard_close(own[0]);
    rc_guard_close(own[1]);
    rc_guard_close(ev);
    rc_guard_close(pair[0]);
    rc_guard_close(pair[1]);
}

static void test_other_descriptors(void)
{
    int theirs[2], mine[2], reused[2], to;

    CHECK_INT(pipe(theirs), 0);
    CHECK(REFUSED(rc_guard_write(theirs[1], "x", 1)), "a pipe the tests made is refused");
    CHECK(REFUSED(rc_guard_write(1, "x", 1)), "stdout is not the student's own");
    CHECK(REFUSED(rc_guard_write(-1, "x", 1)), "a negative descriptor is refused");
    CHECK(REFUSED(rc_guard_write(5000, "x", 1)), "a descriptor out of range is refused");
    CHECK(REFUSED(rc_guard_eventfd_write(theirs[1], 1)), "eventfd_write is guarded");
    CHECK(REFUSED(rc_guard_fcntl(theirs[1], F_DUPFD, 0)), "no copy of another's descriptor");
    CHECK(REFUSED(rc_guard_dup(theirs[1])), "no dup of another's descriptor");
    CHECK_INT(rc_guard_fcntl(theirs[1], F_GETFD), 0);

    /* A descriptor the student closed, reused by the tests, is theirs. */
    CHECK_INT(rc_guard_pipe(mine), 0);
    to = mine[1];
    close(mine[0]);
    close(mine[1]);         /* closed behind the guard's back (libuv's uv_close) */
    CHECK_INT(pipe(reused), 0);
    CHECK(reused[0] == to || reused[1] == to, "the number %d is reused", to);
    CHECK(REFUSED(rc_guard_write(to, "x", 1)), "a reused number is not the student's");
    close(reused[0]);
    close(reused[1]);

    /* dup2 onto another's number makes it the student's own pipe. */
    CHECK_INT(rc_guard_pipe(mine), 0);
    CHECK_INT(rc_guard_dup2(mine[1], theirs[1]), theirs[1]);
    CHECK_INT(rc_guard_write(theirs[1], "x", 1), 1);
    rc_guard_close(mine[0]);
    rc_guard_close(mine[1]);
    close(theirs[0]);
    rc_guard_close(theirs[1]);
}

static void test_libuv_streams(void)
{
    uv_loop_t loop;
    uv_pipe_t given, made;
    int theirs[2], mine[2];
    uv_buf_t buf = uv_buf_init("x", 1);

    uv_loop_init(&loop);
    CHECK_INT(pipe(theirs), 0);
    uv_pipe_init(&loop, &given, 0);
    uv_pipe_open(&given, theirs[1]);
    CHECK_INT(rc_guard_uv_try_write((uv_stream_t *)&given, &buf, 1), UV_EBADF);
    CHECK_INT(rc_guard_uv_pipe(mine, 0, 0), 0);
    uv_pipe_init(&loop, &made, 0);
    uv_pipe_open(&made, mine[1]);
    CHECK_INT(rc_guard_uv_try_write((uv_stream_t *)&made, &buf, 1), 1);
    uv_close((uv_handle_t *)&given, NULL);
    uv_close((uv_handle_t *)&made, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    close(theirs[0]);
    close(mine[0]);
}

/*
 * rc_split_writes: a message goes out in parts of the size asked (each a
 * short count), the parts arrive in order, and a write that fits in one
 * part goes whole; after rc_split_writes(0, 0) writes are whole again.
 */
static void test_split_writes(void)
{
    int fds[2];
    char got[16] = "";
    const char *rest = "abcdefgh";
    size_t left = 8;

    CHECK_INT(rc_guard_pipe(fds), 0);
    rc_split_writes(3, 0.001);
    while (left > 0) {
        ssize_t put = rc_guard_write(fds[1], rest, left);

        CHECK(put == (ssize_t)(left < 3 ? left : 3), "a part of %zu bytes went out (%zd)",
              left < 3 ? left : 3, put);
        if (put <= 0)
            break;
        rest += put;
        left -= (size_t)put;
    }
    CHECK_INT(rc_guard_write(fds[1], "ij", 2), 2);
    CHECK_INT(read(fds[0], got, sizeof got - 1), 10);
    CHECK(!strcmp(got, "abcdefghij"), "the parts arrive in order (%s)", got);
    rc_split_writes(0, 0);
    CHECK_INT(rc_guard_write(fds[1], "abcdefgh", 8), 8);
    rc_guard_close(fds[0]);
    rc_guard_close(fds[1]);
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * rc_slow_reads: a read or recv that got bytes pauses before it returns
 * them (any descriptor: reading is not guarded), one at end of file does
 * not pause; rc_slow_reads(0) ends the pauses.
 */
static void test_slow_reads(void)
{
    int fds[2], pair[2];
    char got[8] = "";
    double start;

    CHECK_INT(pipe(fds), 0);
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    CHECK_INT(write(fds[1], "abc", 3), 3);
    CHECK_INT(send(pair[1], "de", 2, 0), 2);
    rc_slow_reads(0.05);
    start = now();
    CHECK_INT(rc_guard_read(fds[0], got, sizeof got), 3);
    CHECK(now() - start >= 0.05, "a read that got bytes paused (%.3f s)", now() - start);
    start = now();
    CHECK_INT(rc_guard_recv(pair[0], got, sizeof got, 0), 2);
    CHECK(now() - start >= 0.05, "a recv that got bytes paused (%.3f s)", now() - start);
    CHECK(!memcmp(got, "dec", 3), "the bytes are the ones sent (%.3s)", got);
    close(fds[1]);
    CHECK_INT(rc_guard_read(fds[0], got, sizeof got), 0);
    rc_slow_reads(0);
    CHECK_INT(send(pair[1], "f", 1, 0), 1);
    CHECK_INT(rc_guard_recv(pair[0], got, sizeof got, 0), 1);
    close(fds[0]);
    close(pair[0]);
    close(pair[1]);
}

int main(void)
{
    test_own_descriptors();
    test_other_descriptors();
    test_libuv_streams();
    test_split_writes();
    test_slow_reads();
    return check_finish();
}
