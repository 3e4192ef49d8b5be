/*
 * coroutines_tests.h - what the public and the hidden tests of
 * coroutines share: ints passed as the void * a coroutine gets and gives
 * (AS_PTR, AS_INT), the generator count_to, and the loop's sleepers: a
 * task that sleeps its time in virtual time, then notes when it ended and
 * in which place (sleepy_task), and tasks that only sleep (nap, run_naps).
 *
 * Included once, by the file of tests (public_tests.c, or the hidden
 * tests when your instructor grades); nothing here is for your code.
 */
#ifndef COROUTINES_TESTS_H
#define COROUTINES_TESTS_H

#include "coroutines.h"
#include "racecourse_test.h"

#include <errno.h>
#include <stdint.h>

#define AS_PTR(n) ((void *)(intptr_t)(n))
#define AS_INT(p) ((int)(intptr_t)(p))

/* def count(n): for i in range(1, n + 1): yield i; return 99 */
static void *count_to(co *self, void *arg)
{
    for (int i = 1; i <= AS_INT(arg); i++)
        co_yield(self, AS_PTR(i));
    return AS_PTR(99);
}

/* Virtual time is exact: 1 µs is far below any mistake. */
#define EXACT 1e-6

typedef struct sleeper {
    double units;               /* seconds of virtual time */
    double ended;               /* seconds after the start */
    int place;                  /* 1 = first to end */
    double deadline;            /* when it went to sleep + its time */
} sleeper;

/* When the test started the loop, and how many sleepers have ended since. */
static double loop_start;
static int finished;

/* A task of the loop: sleeps its time, then notes when it ended. */
static void *sleepy_task(co *self, void *arg)
{
    sleeper *s = arg;

    s->deadline = rc_now() + s->units;
    co_sleep(self, s->units);
    s->ended = rc_now() - loop_start;
    s->place = ++finished;
    return NULL;
}

/* A task of the loop: sleeps *(double *)arg seconds. */
static void *nap(co *self, void *arg)
{
    co_sleep(self, *(double *)arg);
    return NULL;
}

/*
 * Runs a loop of n tasks, task i sleeping naps[i] seconds; returns how
 * long the run took (virtual seconds).  A loop that polls the clock
 * instead of sleeping never sees virtual time move: the scheduler stops
 * it (busy-wait) and the test fails.
 */
static double run_naps(double *naps, int n)
{
    co_loop *l = co_loop_create();
    double start, took;

    cr_assert_not_null(l, "co_loop_create returned NULL (errno %d)", errno);
    for (int i = 0; i < n; i++)
        cr_assert_eq(co_loop_spawn(l, nap, &naps[i]), 0, "co_loop_spawn failed");
    start = rc_now();
    cr_assert_eq(co_loop_run(l), 0, "co_loop_run failed");
    took = rc_now() - start;
    co_loop_destroy(l);
    return took;
}

#endif
