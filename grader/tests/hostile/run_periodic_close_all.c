/*
 * run_periodic_close_all.c - a hostile run_periodic submission: a stub
 * that closes every descriptor 0..1023 (the test runner's socket, the
 * report, Valgrind's output) whenever it is called, hoping that a lost
 * failure counts as a pass.
 *
 * exercise: run_periodic
 * expect: run_periodic 0 100 ok
 */
#include "run_periodic.h"

#include <errno.h>
#include <unistd.h>

static void close_all(void)
{
    for (int fd = 0; fd < 1024; fd++)
        close(fd);
}

run_periodic *rp_create(void)
{
    close_all();
    errno = ENOSYS;
    return NULL;
}

int rp_add(run_periodic *rp, double interval_s, periodic_fn fn, void *arg)
{
    (void)rp; (void)interval_s; (void)fn; (void)arg;
    close_all();
    errno = ENOSYS;
    return -1;
}

int rp_cancel(run_periodic *rp, int job)
{
    (void)rp; (void)job;
    close_all();
    return ENOSYS;
}

int rp_start(run_periodic *rp)
{
    (void)rp;
    close_all();
    return ENOSYS;
}

void rp_stop(run_periodic *rp)
{
    (void)rp;
    close_all();
}

void rp_destroy(run_periodic *rp)
{
    (void)rp;
    close_all();
}
