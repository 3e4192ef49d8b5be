/*
 * demo.c - watch your coroutines do the course's two examples.
 *
 *   1. The round-robin scheduler: foo and bar, each a generator that
 *      prints three lines, run with co_round_robin: their lines come out
 *      interleaved (foo 0, bar 0, foo 1, ...).
 *   2. asyncio from scratch: the five tasks that sleep 3, 15, 8, 20 and
 *      10 s, as tasks of one co_loop on one thread.  Each line says when a
 *      task woke; the whole run should take the longest task (20), not
 *      the sum (56), and almost no CPU: the loop sleeps while every task
 *      sleeps.
 *
 *     make demo EX=coroutines
 *     build/demo/coroutines [--scale S]
 *
 *   --scale S     real seconds per course second (default 0.1: 2 s in all)
 */
#include "coroutines.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double scale = 0.1;
static double start;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *generator(co *self, void *arg)
{
    for (int i = 0; i < 3; i++) {
        printf("  %s %d\n", (const char *)arg, i);
        co_yield(self, NULL);
    }
    return NULL;
}

static void round_robin(void)
{
    co *cos[2] = { co_create(generator, "foo", 0), co_create(generator, "bar", 0) };
    int rc;

    printf("1. co_round_robin(foo, bar):\n");
    if (!cos[0] || !cos[1]) {
        printf("  co_create failed: %s\n", strerror(errno));
    } else if ((rc = co_round_robin(cos, 2)) != 0) {
        printf("  co_round_robin returned %d (%s)\n", rc, strerror(rc));
    }
    co_destroy(cos[0]);
    co_destroy(cos[1]);
}

static void *task(co *self, void *arg)
{
    int seconds = (int)(intptr_t)arg;

    printf("  %5.1f  task %2d goes to sleep\n", (now() - start) / scale, seconds);
    co_sleep(self, seconds * scale);
    printf("  %5.1f  task %2d woke up\n", (now() - start) / scale, seconds);
    return NULL;
}

static void five_tasks(void)
{
    static const int seconds[5] = { 3, 15, 8, 20, 10 };
    co_loop *l = co_loop_create();
    double cpu_before;
    int rc;

    printf("\n2. the five tasks on one co_loop (times in course seconds):\n");
    if (!l) {
        printf("  co_loop_create failed: %s\n", strerror(errno));
        return;
    }
    for (int i = 0; i < 5; i++)
        if ((rc = co_loop_spawn(l, task, (void *)(intptr_t)seconds[i])) != 0)
            printf("  co_loop_spawn returned %d (%s)\n", rc, strerror(rc));
    start = now();
    cpu_before = cpu();
    rc = co_loop_run(l);
    printf("  co_loop_run returned %d after %.1f course seconds (the longest task: 20), "
           "using %.0f%% of a CPU\n", rc, (now() - start) / scale,
           100 * (cpu() - cpu_before) / (now() - start));
    co_loop_destroy(l);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--scale") && i + 1 < argc && atof(argv[i + 1]) > 0) {
            scale = atof(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--scale S]\n", argv[0]);
            return 2;
        }
    }
    round_robin();
    five_tasks();
    return 0;
}
