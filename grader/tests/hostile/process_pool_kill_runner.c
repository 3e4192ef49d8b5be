/*
 * process_pool_kill_runner.c - a hostile process_pool submission: with
 * fork and kill, which this exercise is allowed, pool_create forks a
 * worker that kills the test process (its parent), the test runner and
 * the sandbox's first processes (small pids), its process group and every process it may signal
 * (kill(-1)) with SIGKILL, then stays behind.  (SIGSTOP instead would
 * only make the run last until its time limits, run_timeout_s and
 * race_timeout_s.)  The sandbox
 * runs the student's code as a user of its own in a PID namespace, so
 * only the run itself ends: the tests and the resource check score 0,
 * in bounded time, and nothing is left running.
 *
 * exercise: process_pool
 * expect: process_pool 0 100
 */
#include "process_pool.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

static void kill_all(pid_t parent, int sig)
{
    kill(parent, sig);
    kill(0, sig);
    kill(-1, sig);
    for (pid_t pid = 1; pid < 64; pid++)
        if (pid != getpid())
            kill(pid, sig);
}

pool *pool_create(unsigned workers, pool_fn fn)
{
    (void)workers;
    (void)fn;
    pid_t parent = getpid();

    if (fork() == 0) {
        kill_all(parent, SIGKILL);
        for (;;)
            sleep(1);
    }
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
