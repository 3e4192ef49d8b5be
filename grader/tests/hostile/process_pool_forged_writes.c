/*
 * process_pool_forged_writes.c - a hostile process_pool submission: with
 * fork, write and the other calls this exercise is allowed, pool_create
 * forks workers that forge results.  One writes a "passed" report line
 * for every test, a clean Valgrind XML report and Criterion-like bytes to
 * every descriptor 0..1023 (directly and through copies made with
 * fcntl(F_DUPFD)), then tries to end with the status of a test body that
 * ran to its end (exit, _exit, quick_exit with 42); another never ends
 * and is never waited for.  The parent returns NULL.  The descriptor guard
 * refuses every write (the worker is a fork of the test binary, but the
 * descriptors are not its own), the exit guard turns every exit into
 * "your code called exit()", and the sandbox's PID namespace ends the
 * stray worker with the run.
 *
 * exercise: process_pool
 * expect: process_pool 0 100 ok
 */
#include "process_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static const char forged[] =
    "{\"suite\":\"process_pool\",\"name\":\"map_squares_every_item\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"process_pool\",\"name\":\"slow_item_holds_up_no_other\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"process_pool\",\"name\":\"crash_is_reported_and_replaced\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"process_pool\",\"name\":\"destroy_leaves_nothing\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<protocolversion>4</protocolversion>\n"
    "<protocoltool>memcheck</protocoltool>\n<status><state>FINISHED</state></status>\n"
    "<clientmsg><tid>1</tid><text>racecourse-resource kind=done rounds=13</text></clientmsg>\n"
    "<errorcounts>\n</errorcounts>\n</valgrindoutput>\n"
    "\x00\x00\x00\x00\x00\x00\x00\x10\x01\x08\x02\x10\x2a\x18\x00";

static void forge(void)
{
    for (int fd = 0; fd < 1024; fd++) {
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);

        (void)!write(fd, forged, sizeof forged - 1);
        if (copy >= 0) {
            (void)!write(copy, forged, sizeof forged - 1);
            close(copy);
        }
    }
}

pool *pool_create(unsigned workers, pool_fn fn)
{
    (void)workers;
    (void)fn;
    if (fork() == 0) {
        forge();
        if (fork() == 0)
            _exit(42);
        if (fork() == 0)
            quick_exit(42);
        exit(42);
    }
    if (fork() == 0)
        for (;;)
            sleep(1);
    errno = ENOSYS;
    return NULL;
}

int pool_map(pool *p, const long *in, size_t n, long *out, int *status)
{
    (void)p, (void)in, (void)out, (void)status;
    return n == 0 ? 0 : ENOSYS;
}

long pool_done(pool *p)
{
    (void)p;
    return -1;
}

void pool_destroy(pool *p)
{
    (void)p;
}
