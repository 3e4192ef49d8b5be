/*
 * demo.c - your process pool at work: counting primes in 4 worker
 * processes, with one item that crashes on purpose.
 *
 *     make demo EX=process_pool
 *
 * Each item is a number N; a worker counts the primes below N by trial
 * division (slow on purpose: CPU work is what processes are for).  Item
 * -9 makes its worker kill itself with SIGKILL: the pool must report
 * status 9 for it, start a new worker and finish the other items.  The
 * demo times the same work in the parent alone, then in the pool, and
 * prints each item's result, status and worker, and pool_done.
 */
#include "process_pool.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ITEMS 12
#define WORKERS 4

static long count_primes(long below)
{
    long count = 0;

    for (long n = 2; n < below; n++) {
        long d = 2;

        while (d * d <= n && n % d != 0)
            d++;
        count += d * d > n;
    }
    return count;
}

/* The pool's function: a count of primes, or a crash for -9. */
static long work(long x)
{
    if (x == -9)
        kill(getpid(), SIGKILL);
    return count_primes(x);
}

/* Which worker ran an item: its result carries the pid in the high bits. */
static long work_and_tell(long x)
{
    return (long)getpid() << 32 | work(x);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
    long in[ITEMS], out[ITEMS];
    volatile long sink = 0;     /* keeps the timed work from being optimised away */
    int status[ITEMS], rc;
    double t0, alone, pooled;
    pool *p;

    for (int i = 0; i < ITEMS; i++)
        in[i] = 150000 + 20000L * (i % 4);
    in[5] = -9;
    t0 = now();
    for (int i = 0; i < ITEMS; i++)
        if (in[i] >= 0)
            sink += count_primes(in[i]);
    alone = now() - t0;

    p = pool_create(WORKERS, work_and_tell);
    if (!p) {
        fprintf(stderr, "demo: pool_create failed (%s): fill in process_pool.c first\n",
                strerror(errno));
        return 1;
    }
    t0 = now();
    rc = pool_map(p, in, ITEMS, out, status);
    pooled = now() - t0;
    if (rc != 0) {
        fprintf(stderr, "demo: pool_map returned %d (%s)\n", rc, strerror(rc));
        pool_destroy(p);
        return 1;
    }
    printf("parent pid %ld\n", (long)getpid());
    printf("item  input    primes  status  worker\n");
    for (int i = 0; i < ITEMS; i++)
        printf("%4d  %6ld  %7ld  %6d  %ld\n", i, in[i], out[i] & 0xffffffffL, status[i],
               out[i] >> 32);
    printf("pool_done: %ld items finished (item 5 crashed on purpose: status 9)\n",
           pool_done(p));
    printf("alone in the parent: %.2f s; %d workers: %.2f s\n", alone, WORKERS, pooled);
    pool_destroy(p);
    return 0;
}
