/*
 * process_pool_fork_return.c - a hostile process_pool submission: the
 * worker process returns into the test.  pool_create forks; the child
 * returns a pool whose pool_map computes every item itself, so the test
 * goes on and ends in the child, as a test that passed would (status 42,
 * Criterion's messages over the runner's socket, which the child
 * inherited); the parent waits for it, then fails (NULL).  The runner
 * judges the test by the process it started, never by a fork of it: the
 * tests and the resource check score 0.
 *
 * exercise: process_pool
 * expect: process_pool 0 100 ok
 */
#include "process_pool.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct pool {
    pool_fn fn;
    long done;
};

pool *pool_create(unsigned workers, pool_fn fn)
{
    pid_t child;
    pool *p;

    (void)workers;
    child = fork();
    if (child == 0 && (p = calloc(1, sizeof *p))) {
        p->fn = fn;
        return p;                       /* the test goes on in the child */
    }
    if (child > 0)
        waitpid(child, NULL, 0);
    errno = ENOSYS;
    return NULL;
}

int pool_map(pool *p, const long *in, size_t n, long *out, int *status)
{
    if (n == 0)
        return 0;
    if (!p || !in || !out || !status)
        return EINVAL;
    for (size_t i = 0; i < n; i++) {
        out[i] = p->fn(in[i]);
        status[i] = 0;
        p->done++;
    }
    return 0;
}

long pool_done(pool *p)
{
    return p ? p->done : -1;
}

void pool_destroy(pool *p)
{
    free(p);
}
