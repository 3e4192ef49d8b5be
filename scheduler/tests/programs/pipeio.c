/*
 * pipeio.c - blocking reads and writes of pipes and sockets under the
 * scheduler (wrap_io.c).  A writer thread sleeps a virtual second, then
 * writes 256 KiB in one write() into a pipe that holds 64 KiB, and 3
 * bytes into a socket; the main thread reads both with blocking reads,
 * 4 KiB at a time, to their ends.  Each side waits in the scheduler for
 * the other, never in the kernel, so every schedule ends, and the reads
 * end exactly one virtual second after the start.
 * $HOW=stuck: the main thread reads a pipe that nobody writes (the write
 * end stays open): a deadlock in read.  $HOW=spin: it reads that pipe
 * without blocking, in a loop: a busy-wait.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BIG (256 * 1024)

static int pipe_fds[2], socket_fds[2];

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *writer(void *arg)
{
    static char big[BIG];

    (void)arg;
    memset(big, 'x', sizeof(big));
    sleep(1);
    assert(write(pipe_fds[1], big, sizeof(big)) == BIG);
    assert(close(pipe_fds[1]) == 0);
    assert(write(socket_fds[1], "abc", 3) == 3);
    assert(close(socket_fds[1]) == 0);
    return NULL;
}

/* Reads `fd` to its end with blocking reads; the number of bytes. */
static size_t read_all(int fd)
{
    char buf[4096];
    size_t total = 0;
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0)
        total += (size_t)n;
    assert(n == 0);
    return total;
}

int main(void)
{
    const char *how = getenv("HOW");
    pthread_t thread;
    double start;
    char byte;

    assert(pipe(pipe_fds) == 0);
    assert(socketpair(AF_UNIX, SOCK_STREAM, 0, socket_fds) == 0);
    if (how && strcmp(how, "stuck") == 0)
        return (int)read(pipe_fds[0], &byte, 1);
    if (how && strcmp(how, "spin") == 0) {
        fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
        while (read(pipe_fds[0], &byte, 1) < 0 && errno == EAGAIN)
            ;
        return 0;
    }
    start = now();
    assert(pthread_create(&thread, NULL, writer, NULL) == 0);
    assert(read_all(pipe_fds[0]) == BIG);
    assert(read_all(socket_fds[0]) == 3);
    assert(now() - start == 1.0);
    assert(pthread_join(thread, NULL) == 0);
    assert(close(pipe_fds[0]) == 0 && close(socket_fds[0]) == 0);
    printf("pipeio: ok\n");
    return 0;
}
