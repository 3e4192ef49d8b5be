/*
 * race_driver.c - runs coroutines under memcheck (manifest: check = memcheck).
 *
 * The exercise has one thread, so its second check is not Helgrind but
 * memcheck: no invalid access (a stack used after it was freed, a
 * coroutine read after co_destroy) and no leak, unfinished coroutines
 * included.  The driver creates coroutines of several stack sizes, runs
 * some to the end, abandons others half way (stopped in co_yield, or
 * never started) and destroys them all; it drives a pipeline of nested
 * coroutines, a round robin, and a loop whose tasks sleep, spawn tasks
 * and run nested generators; finally it spawns tasks into a loop that it
 * destroys without running.  Everything it made is destroyed before it
 * returns, so any block still allocated is the code's leak.
 *
 * The student's makecontext, mmap and munmap go through the harness's
 * memory guard (mem_guard.c): each stack is registered with Valgrind
 * (VALGRIND_STACK_REGISTER), and each mmap'd block is announced to
 * memcheck like a malloc'd one, so a stack that is never unmapped is a
 * leak too.  The driver also checks the results, so that a stub or a
 * wrong solution does not pass.
 *
 * Exits with RC_EXIT_PASSED when everything ran and the results were
 * right, 1 otherwise (with a message on stderr).
 */
#define _GNU_SOURCE
#include "coroutines.h"
#include "racecourse_test.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define AS_PTR(n) ((void *)(intptr_t)(n))
#define AS_INT(p) ((int)(intptr_t)(p))

/* Says `what` (rc_driver_fail) unless `ok`. */
static void expect(int ok, const char *what)
{
    if (!ok)
        rc_driver_fail("%s", what);
}

static void *count_to(co *self, void *arg)
{
    volatile char scratch[512];         /* something on the stack to use */

    for (int i = 1; i <= AS_INT(arg); i++) {
        scratch[i % sizeof scratch] = (char)i;
        co_yield(self, AS_PTR(i + scratch[i % sizeof scratch] - (char)i));
    }
    return AS_PTR(99);
}

static void *doubler(co *self, void *arg)
{
    co *source = arg;

    for (;;) {
        void *v = co_resume(source, NULL);

        if (co_done(source))
            return NULL;
        co_yield(self, AS_PTR(2 * AS_INT(v)));
    }
}

/* Coroutines run to the end, half way, or not at all; all destroyed. */
static void generators(void)
{
    const size_t sizes[] = { 0, CO_MIN_STACK, 100 * 1024, 256 * 1024 };

    for (int i = 0; i < 40; i++) {
        co *g = co_create(count_to, AS_PTR(5), sizes[i % 4]);
        int steps = i % 8;

        if (!g) {
            expect(0, "co_create failed");
            return;
        }
        for (int k = 0; k < steps && !co_done(g); k++)
            co_resume(g, NULL);
        expect(co_done(g) == (steps >= 6), "co_done is wrong");
        co_destroy(g);
    }
}

static void pipeline(void)
{
    co *src = co_create(count_to, AS_PTR(6), 0);
    co *dbl = co_create(doubler, src, 0);

    if (!src || !dbl) {
        expect(0, "co_create failed");
    } else {
        expect(AS_INT(co_resume(dbl, NULL)) == 2, "the pipeline gave a wrong value");
        expect(AS_INT(co_resume(dbl, NULL)) == 4, "the pipeline gave a wrong value");
    }
    co_destroy(dbl);        /* both abandoned half way */
    co_destroy(src);
}

static void round_robin(void)
{
    co *cos[3];

    for (int i = 0; i < 3; i++)
        cos[i] = co_create(count_to, AS_PTR(3 + i), 0);
    if (!cos[0] || !cos[1] || !cos[2])
        expect(0, "co_create failed");
    else
        expect(co_round_robin(cos, 3) == 0, "co_round_robin failed");
    for (int i = 0; i < 3; i++)
        co_destroy(cos[i]);
}

static co_loop *loop;
static int tasks_done;

static void *child(co *self, void *arg)
{
    co_sleep(self, 0.001 * AS_INT(arg));
    tasks_done++;
    return NULL;
}

static void *parent(co *self, void *arg)
{
    co *gen = co_create(count_to, AS_PTR(4), 0);

    for (int i = 0; i < AS_INT(arg); i++) {
        expect(co_loop_spawn(loop, child, AS_PTR(i % 5)) == 0, "co_loop_spawn from a task failed");
        if (gen)
            co_resume(gen, NULL);
        co_sleep(self, 0.002);
        co_yield(self, NULL);
    }
    co_destroy(gen);        /* abandoned or finished */
    tasks_done++;
    return NULL;
}

static void event_loop(void)
{
    loop = co_loop_create();
    if (!loop) {
        expect(0, "co_loop_create failed");
        return;
    }
    for (int round = 0; round < 2; round++) {
        tasks_done = 0;
        for (int i = 0; i < 4; i++)
            expect(co_loop_spawn(loop, parent, AS_PTR(3 + i)) == 0, "co_loop_spawn failed");
        expect(co_loop_run(loop) == 0, "co_loop_run failed");
        expect(tasks_done == 4 + 3 + 4 + 5 + 6, "not every task ran to its end");
    }
    for (int i = 0; i < 5; i++)     /* never run: co_loop_destroy frees them */
        co_loop_spawn(loop, child, AS_PTR(i));
    co_loop_destroy(loop);
}

int main(void)
{
    generators();
    pipeline();
    round_robin();
    event_loop();
    co_destroy(NULL);
    co_loop_destroy(NULL);
    if (rc_driver_failures()) {
        fprintf(stderr, "race driver: %d check%s failed\n", rc_driver_failures(),
                rc_driver_failures() == 1 ? "" : "s");
        return 1;
    }
    return RC_EXIT_PASSED;
}
