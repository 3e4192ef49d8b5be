/*
 * public_tests.c - a few of the grader's checks for coroutines, for you
 * to run with `make check EX=coroutines`.  The hidden tests check much
 * more: every error return, nested coroutines, stack sizes, 10,000
 * coroutines at once, the loop's order, new tasks from a task, running
 * the loop again.
 *
 * The tests run under the kit's controlled scheduler, in virtual time:
 * the clock and sleep calls your code makes (clock_gettime,
 * clock_nanosleep, nanosleep ...) read and advance a virtual clock that
 * jumps to the next deadline when nothing can run.  So "sleep 3 s" of
 * the course is 3 s here, each time is exact, and a 20 s test takes
 * microseconds.  A loop that polls the clock instead of sleeping never
 * sees that clock move: the scheduler stops it (busy-wait), and the test
 * fails with its words.
 */
#define _GNU_SOURCE
#include "coroutines.h"
#include "coroutines_tests.h"
#include "racecourse_test.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

RC_SUITE(coroutines_public);

/* count_to, AS_PTR, AS_INT: coroutines_tests.h */

RC_TEST(coroutines_public, generator_yields_then_returns)
{
    co *g = co_create(count_to, AS_PTR(3), 0);

    cr_assert_not_null(g, "co_create(count_to, 3, 0) returned NULL (errno %d)", errno);
    cr_assert(!co_done(g), "co_done is true for a coroutine that has not started");
    for (int i = 1; i <= 3; i++) {
        void *got = co_resume(g, NULL);

        cr_assert_eq(AS_INT(got), i, "resume %d returned %d, expected %d (the value yielded)",
                     i, AS_INT(got), i);
        cr_assert(!co_done(g), "co_done is true after resume %d, but the body has not returned", i);
    }
    cr_assert_eq(AS_INT(co_resume(g, NULL)), 99,
                 "the 4th resume must return what the body returned (99)");
    cr_assert(co_done(g), "co_done is false after the body returned");
    co_destroy(g);
}

/*
 * The course's running average, driven with send():
 *     def averager():
 *         total, n, avg = 0, 0, None
 *         while True:
 *             x = yield avg
 *             total += x; n += 1; avg = total / n
 */
static void *averager(co *self, void *arg)
{
    long total = 0, n = 0, avg = -1;

    (void)arg;
    for (;;) {
        long x = (long)(intptr_t)co_yield(self, AS_PTR(avg));

        if (x < 0)
            return AS_PTR(1000 + n);
        total += x;
        n++;
        avg = total / n;
    }
}

RC_TEST(coroutines_public, send_values_both_ways)
{
    co *a = co_create(averager, NULL, 0);
    int got;

    cr_assert_not_null(a, "co_create returned NULL (errno %d)", errno);
    got = AS_INT(co_resume(a, AS_PTR(555)));
    cr_assert_eq(got, -1, "priming resume (value 555, to be ignored) returned %d: expected the "
                 "first yielded value, -1", got);
    got = AS_INT(co_resume(a, AS_PTR(10)));
    cr_assert_eq(got, 10, "send(10) returned %d, expected the average 10: the value given to "
                 "co_resume must come out of the co_yield the coroutine is stopped in", got);
    got = AS_INT(co_resume(a, AS_PTR(30)));
    cr_assert_eq(got, 20, "send(30) returned %d, expected the average 20", got);
    got = AS_INT(co_resume(a, AS_PTR(-1)));
    cr_assert_eq(got, 1002, "send(-1) (stop) returned %d, expected 1002: 2 values were "
                 "averaged, the priming 555 must not count", got);
    cr_assert(co_done(a), "co_done is false after the body returned");
    co_destroy(a);
}

RC_TEST(coroutines_public, resume_finished_is_einval)
{
    co *g = co_create(count_to, AS_PTR(0), 0);
    void *got;

    cr_assert_not_null(g, "co_create returned NULL (errno %d)", errno);
    cr_assert_eq(AS_INT(co_resume(g, NULL)), 99, "the first resume must run the body to its end");
    errno = 0;
    got = co_resume(g, NULL);
    cr_assert(got == NULL && errno == EINVAL, "resuming a finished coroutine returned %p with "
              "errno %d: expected NULL and EINVAL (%d)", got, errno, EINVAL);
    errno = 0;
    got = co_resume(NULL, NULL);
    cr_assert(got == NULL && errno == EINVAL, "co_resume(NULL) must return NULL with EINVAL");
    co_destroy(g);
}

/* The seed's foo and bar, writing to a shared log instead of printing. */
typedef struct log {
    char text[256];
} log_t;

static log_t shared_log;

static void say(const char *who, int i)
{
    size_t len = strlen(shared_log.text);

    snprintf(shared_log.text + len, sizeof shared_log.text - len, "%s%d ", who, i);
}

static void *foo(co *self, void *arg)
{
    for (int i = 0; i < AS_INT(arg); i++) {
        say("foo", i);
        co_yield(self, NULL);
    }
    return NULL;
}

static void *bar(co *self, void *arg)
{
    for (int i = 0; i < AS_INT(arg); i++) {
        say("bar", i);
        co_yield(self, NULL);
    }
    return NULL;
}

RC_TEST(coroutines_public, round_robin_interleaves_foo_and_bar)
{
    co *cos[2] = { co_create(foo, AS_PTR(3), 0), co_create(bar, AS_PTR(3), 0) };
    int rc;

    cr_assert(cos[0] && cos[1], "co_create returned NULL (errno %d)", errno);
    shared_log.text[0] = '\0';
    rc = co_round_robin(cos, 2);
    cr_assert_eq(rc, 0, "co_round_robin returned %d, expected 0", rc);
    cr_assert_str_eq(shared_log.text, "foo0 bar0 foo1 bar1 foo2 bar2 ",
                     "the output was \"%s\": each coroutine runs until its next yield, in turn",
                     shared_log.text);
    cr_assert(co_done(cos[0]) && co_done(cos[1]), "co_round_robin returned before both were done");
    co_destroy(cos[0]);
    co_destroy(cos[1]);
}

/* The seed's five tasks: sleepy_task and its sleepers (coroutines_tests.h). */
RC_TEST(coroutines_public, five_tasks_take_the_longest)
{
    sleeper tasks[5] = { { 3, 0, 0, 0 }, { 15, 0, 0, 0 }, { 8, 0, 0, 0 }, { 20, 0, 0, 0 },
                         { 10, 0, 0, 0 } };
    co_loop *l = co_loop_create();
    double took;
    int rc;

    cr_assert_not_null(l, "co_loop_create returned NULL (errno %d)", errno);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(co_loop_spawn(l, sleepy_task, &tasks[i]), 0, "co_loop_spawn failed");
    finished = 0;
    loop_start = rc_now();
    rc = co_loop_run(l);
    took = rc_now() - loop_start;
    cr_assert_eq(rc, 0, "co_loop_run returned %d, expected 0", rc);
    for (int i = 0; i < 5; i++) {
        /* Its place among the deadlines (3, 8, 10, 15, 20 s after the start). */
        int place = 1;

        for (int k = 0; k < 5; k++)
            place += tasks[k].deadline + EXACT < tasks[i].deadline;
        cr_assert_eq(tasks[i].place, place, "the task sleeping %g s ended in place %d, "
                     "expected %d: wake sleepers in the order of their deadlines",
                     tasks[i].units, tasks[i].place, place);
        cr_assert(fabs(tasks[i].ended - tasks[i].units) < EXACT, "the task sleeping %g s woke "
                  "after %.6f s (virtual), expected exactly %g", tasks[i].units,
                  tasks[i].ended, tasks[i].units);
    }
    cr_assert(fabs(took - 20) < EXACT, "the five tasks took %.6f s (virtual), expected exactly "
              "20 (the longest), not 56 (the sum): the loop must run the others while one "
              "sleeps", took);
    co_loop_destroy(l);
}

RC_TEST(coroutines_public, loop_sleeps_while_all_tasks_sleep)
{
    double naps[3] = { 22, 22, 22 };
    double took = run_naps(naps, 3);

    cr_assert(fabs(took - 22) < EXACT, "three tasks sleeping 22 s each took %.6f s (virtual), "
              "expected exactly 22: sleep until the earliest deadline (clock_nanosleep)", took);
}

/* Notes its name, then lets the others run, three times. */
static void *polite(co *self, void *arg)
{
    for (int i = 0; i < 3; i++) {
        say((const char *)arg, i);
        co_sleep(self, 0);
    }
    return NULL;
}

RC_TEST(coroutines_public, sleep_zero_lets_others_run)
{
    co_loop *l = co_loop_create();

    cr_assert_not_null(l, "co_loop_create returned NULL (errno %d)", errno);
    shared_log.text[0] = '\0';
    cr_assert_eq(co_loop_spawn(l, polite, "a"), 0, "co_loop_spawn failed");
    cr_assert_eq(co_loop_spawn(l, polite, "b"), 0, "co_loop_spawn failed");
    cr_assert_eq(co_loop_run(l), 0, "co_loop_run failed");
    cr_assert_str_eq(shared_log.text, "a0 b0 a1 b1 a2 b2 ",
                     "the tasks ran as \"%s\": co_sleep(self, 0) must let the other task run "
                     "before coming back", shared_log.text);
    co_loop_destroy(l);
}
