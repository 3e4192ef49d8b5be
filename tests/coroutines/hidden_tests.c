/*
 * hidden_tests.c - the grader's tests for coroutines (SPEC 2.10).
 *
 * Everything runs on the test's thread, under the controlled scheduler
 * (manifest: `schedules`): its clock and sleep calls are wrapped, so
 * the loop's tests run in virtual time, in whole seconds, and expect
 * exact times (a 20 s sleep costs microseconds).  A loop that polls the
 * clock while every task sleeps never sees virtual time move: the
 * scheduler stops it as a busy-wait and that fails the test.  The stack given to makecontext is read
 * from the harness's memory guard (mem_guard.h), which sees the student's
 * makecontext calls.  Leaks are memcheck's business (the second check),
 * not these tests'.
 */
#define _GNU_SOURCE
#include "coroutines.h"
#include "coroutines_tests.h"
#include "racecourse_test.h"
#include "mem_guard.h"
#include "fault_inject.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

RC_SUITE(coroutines);

/* AS_PTR, AS_INT, count_to, sleepy_task, nap, run_naps: coroutines_tests.h */

/* ------------------------------------------------------------------ helpers */

/* A record of what ran, in order: "a0 b0 a1 ...". */
static char trace[1024];

static void note(const char *who, int i)
{
    size_t len = strlen(trace);

    snprintf(trace + len, sizeof trace - len, "%s%d ", who, i);
}

/* Yields what it was sent, plus 1000, until sent -1; returns how many. */
static void *echo(co *self, void *arg)
{
    int n = 0;
    void *in = co_yield(self, arg);

    while (AS_INT(in) != -1) {
        n++;
        in = co_yield(self, AS_PTR(AS_INT(in) + 1000));
    }
    return AS_PTR(n);
}

static co *make(co_fn fn, void *arg, size_t stack)
{
    co *c = co_create(fn, arg, stack);

    cr_assert_not_null(c, "co_create returned NULL (errno %d)", errno);
    return c;
}

/* ------------------------------------------------------------- coroutines */

static int body_ran;

static void *mark_ran(co *self, void *arg)
{
    (void)self;
    body_ran++;
    return arg;
}

RC_TEST(coroutines, create_checks_its_arguments)
{
    co *c;

    errno = 0;
    c = co_create(NULL, NULL, 0);
    cr_assert(c == NULL && errno == EINVAL, "co_create(NULL fn) must return NULL with EINVAL");
    errno = 0;
    c = co_create(mark_ran, NULL, CO_MIN_STACK - 1);
    cr_assert(c == NULL && errno == EINVAL, "co_create with a stack of 16 KiB - 1 must return "
              "NULL with EINVAL (errno %d)", errno);
    errno = 0;
    c = co_create(mark_ran, NULL, 1);
    cr_assert(c == NULL && errno == EINVAL, "co_create with a stack of 1 byte must be EINVAL");
    c = co_create(mark_ran, NULL, CO_MIN_STACK);
    cr_assert_not_null(c, "co_create with exactly 16 KiB must work (errno %d)", errno);
    co_destroy(c);
}

RC_TEST(coroutines, create_does_not_start_the_body)
{
    co *c;

    body_ran = 0;
    c = make(mark_ran, AS_PTR(7), 0);
    cr_assert_eq(body_ran, 0, "co_create ran the body: it must only run at the first co_resume");
    cr_assert(!co_done(c), "a coroutine that has not started is not done");
    cr_assert_eq(AS_INT(co_resume(c, NULL)), 7, "the first resume must run the body");
    cr_assert_eq(body_ran, 1, "the body ran %d times, expected once", body_ran);
    co_destroy(c);
}

RC_TEST(coroutines, generator_yields_then_returns)
{
    co *g = make(count_to, AS_PTR(5), 0);

    for (int i = 1; i <= 5; i++) {
        int got = AS_INT(co_resume(g, NULL));

        cr_assert_eq(got, i, "resume %d returned %d, expected %d", i, got, i);
    }
    cr_assert_eq(AS_INT(co_resume(g, NULL)), 99, "the last resume returns the body's result");
    cr_assert(co_done(g), "co_done is false after the body returned");
    co_destroy(g);
}

RC_TEST(coroutines, first_resume_value_is_ignored)
{
    co *e = make(echo, AS_PTR(5), 0);
    int got;

    got = AS_INT(co_resume(e, AS_PTR(77)));
    cr_assert_eq(got, 5, "the first resume returned %d, expected 5 (echo yields its arg first)",
                 got);
    got = AS_INT(co_resume(e, AS_PTR(1)));
    cr_assert_eq(got, 1001, "resume(1) returned %d, expected 1001: the first co_yield must "
                 "return the value of the SECOND resume (the first one's, 77, is ignored)", got);
    got = AS_INT(co_resume(e, AS_PTR(-1)));
    cr_assert_eq(got, 1, "echo saw %d values, expected 1: the priming value must not arrive",
                 got);
    co_destroy(e);
}

RC_TEST(coroutines, send_values_both_ways)
{
    co *e = make(echo, AS_PTR(0), 0);

    co_resume(e, NULL);
    for (int i = 1; i <= 50; i++) {
        int got = AS_INT(co_resume(e, AS_PTR(i)));

        cr_assert_eq(got, i + 1000, "resume(%d) returned %d, expected %d: co_resume's value goes "
                     "in (out of co_yield), co_yield's value comes out (of co_resume)",
                     i, got, i + 1000);
    }
    cr_assert_eq(AS_INT(co_resume(e, AS_PTR(-1))), 50, "echo must have seen 50 values");
    co_destroy(e);
}

/* Yields NULL three times, then returns NULL. */
static void *nulls(co *self, void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        co_yield(self, NULL);
    return NULL;
}

RC_TEST(coroutines, done_only_when_the_body_returned)
{
    co *g = make(nulls, NULL, 0);

    cr_assert(co_done(NULL), "co_done(NULL) must be true");
    for (int i = 0; i < 3; i++) {
        co_resume(g, NULL);
        cr_assert(!co_done(g), "co_done is true after yield %d (of NULL): a coroutine stopped in "
                  "co_yield is not done, whatever it yielded", i + 1);
    }
    co_resume(g, NULL);
    cr_assert(co_done(g), "co_done is false after the body returned");
    co_destroy(g);
}

RC_TEST(coroutines, resume_finished_is_einval)
{
    co *g = make(count_to, AS_PTR(1), 0);
    void *got;

    co_resume(g, NULL);
    co_resume(g, NULL);
    cr_assert(co_done(g), "the body should have returned");
    for (int i = 0; i < 3; i++) {
        errno = 0;
        got = co_resume(g, AS_PTR(5));
        cr_assert(got == NULL && errno == EINVAL, "resuming a finished coroutine returned %p "
                  "with errno %d, expected NULL with EINVAL", got, errno);
    }
    co_destroy(g);
}

RC_TEST(coroutines, resume_null_is_einval)
{
    errno = 0;
    cr_assert(co_resume(NULL, AS_PTR(1)) == NULL && errno == EINVAL,
              "co_resume(NULL) must return NULL with EINVAL");
}

static void *resume_self(co *self, void *arg)
{
    int *result = arg;
    void *got;

    errno = 0;
    got = co_resume(self, NULL);
    result[0] = got == NULL;
    result[1] = errno;
    return AS_PTR(5);
}

RC_TEST(coroutines, resume_itself_is_einval)
{
    int result[2] = { 0, 0 };
    co *c = make(resume_self, result, 0);

    cr_assert_eq(AS_INT(co_resume(c, NULL)), 5, "the body must go on after its failed resume");
    cr_assert(result[0] && result[1] == EINVAL, "co_resume(self) inside the coroutine must "
              "return NULL with EINVAL (got errno %d)", result[1]);
    co_destroy(c);
}

/* A resumes B; B tries to resume A (running, up the chain). */
static co *chain_a, *chain_b;
static int chain_errno;

static void *chain_inner(co *self, void *arg)
{
    void *got;

    (void)arg;
    errno = 0;
    got = co_resume(chain_a, NULL);
    chain_errno = got == NULL ? errno : -1;
    co_yield(self, AS_PTR(1));
    return AS_PTR(2);
}

static void *chain_outer(co *self, void *arg)
{
    (void)self;
    (void)arg;
    return co_resume(chain_b, NULL);
}

RC_TEST(coroutines, resume_up_the_chain_is_einval)
{
    chain_a = make(chain_outer, NULL, 0);
    chain_b = make(chain_inner, NULL, 0);
    chain_errno = 0;
    cr_assert_eq(AS_INT(co_resume(chain_a, NULL)), 1, "A returns what B yielded to it");
    cr_assert_eq(chain_errno, EINVAL, "B resumed A, which is running (it resumed B): expected "
                 "NULL with EINVAL, got errno %d", chain_errno);
    cr_assert(co_done(chain_a) && !co_done(chain_b), "A is done, B is stopped in co_yield");
    co_destroy(chain_a);
    co_destroy(chain_b);
}

/* The course's pipeline: a generator driving a generator. */
static void *doubler(co *self, void *arg)
{
    co *source = arg;

    for (;;) {
        void *v = co_resume(source, NULL);

        if (co_done(source))
            return AS_PTR(-1);
        co_yield(self, AS_PTR(2 * AS_INT(v)));
    }
}

RC_TEST(coroutines, nested_coroutines_return_to_their_resumer)
{
    co *src = make(count_to, AS_PTR(4), 0);
    co *dbl = make(doubler, src, 0);

    for (int i = 1; i <= 4; i++) {
        int got = AS_INT(co_resume(dbl, NULL));

        cr_assert_eq(got, 2 * i, "the pipeline gave %d, expected %d: a coroutine resumed by "
                     "another one must come back to that one when it yields", got, 2 * i);
    }
    cr_assert_eq(AS_INT(co_resume(dbl, NULL)), -1, "the pipeline must end after the source");
    cr_assert(co_done(dbl) && co_done(src), "both must be done");
    co_destroy(dbl);
    co_destroy(src);
}

static co *other_co;

static void *yield_other(co *self, void *arg)
{
    int *result = arg;
    void *got;

    errno = 0;
    got = co_yield(other_co, AS_PTR(3));
    result[0] = got == NULL && errno == EINVAL;
    co_yield(self, AS_PTR(4));
    return AS_PTR(5);
}

RC_TEST(coroutines, yield_outside_its_coroutine_is_einval)
{
    int result[1] = { 0 };
    co *c = make(yield_other, result, 0);
    void *got;

    other_co = make(count_to, AS_PTR(2), 0);
    errno = 0;
    got = co_yield(c, AS_PTR(1));
    cr_assert(got == NULL && errno == EINVAL, "co_yield from main must return NULL with EINVAL");
    errno = 0;
    got = co_yield(NULL, AS_PTR(1));
    cr_assert(got == NULL && errno == EINVAL, "co_yield(NULL) must return NULL with EINVAL");
    cr_assert_eq(AS_INT(co_resume(c, NULL)), 4, "after a failed co_yield the body goes on");
    cr_assert(result[0], "co_yield with another coroutine's self must return NULL with EINVAL");
    cr_assert_eq(AS_INT(co_resume(other_co, NULL)), 1, "the other coroutine must be untouched");
    co_destroy(c);
    co_destroy(other_co);
}

RC_TEST(coroutines, destroy_unfinished_and_null)
{
    co_destroy(NULL);
    for (int i = 0; i < 100; i++) {
        co *g = make(count_to, AS_PTR(10), 0);

        for (int k = 0; k < i % 4; k++)
            co_resume(g, NULL);
        co_destroy(g);
    }
}

/* Uses about `depth` KiB of stack. */
static int __attribute__((noinline)) dig(int depth)
{
    volatile char pad[1000];

    pad[0] = (char)depth;
    pad[sizeof pad - 1] = (char)depth;
    if (depth <= 0)
        return pad[0];
    return dig(depth - 1) + pad[sizeof pad - 1] - pad[0] + 1;
}

static void *deep(co *self, void *arg)
{
    (void)self;
    return AS_PTR(dig(AS_INT(arg)));
}

RC_TEST(coroutines, stack_is_the_size_asked)
{
    const size_t sizes[] = { 512 * 1024, 100 * 1024 + 7, CO_MIN_STACK };

    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        unsigned long before = rc_stacks_made();
        co *c = make(deep, AS_PTR((int)(sizes[i] / 1024 * 5 / 8)), sizes[i]);
        size_t given;

        cr_assert_eq(AS_INT(co_resume(c, NULL)), (int)(sizes[i] / 1024 * 5 / 8),
                     "a recursion using 5/8 of the stack asked went wrong");
        given = rc_last_stack_size();   /* makecontext may wait for the first resume */
        cr_assert(rc_stacks_made() > before, "the coroutine's context must be made with "
                  "makecontext");
        cr_assert_geq(given, sizes[i], "co_create(.., %zu) gave makecontext a stack of %zu "
                      "bytes: stack_size is the usable stack, at least that many bytes",
                      sizes[i], given);
        co_destroy(c);
    }
}

RC_TEST(coroutines, default_stack_is_64_kib)
{
    co *c = make(deep, AS_PTR(40), 0);
    size_t given;

    cr_assert_eq(AS_INT(co_resume(c, NULL)), 40, "a recursion of 40 KiB on the default stack");
    given = rc_last_stack_size();
    cr_assert_geq(given, (size_t)CO_DEFAULT_STACK, "stack_size 0 gave makecontext %zu bytes, "
                  "expected at least 64 KiB", given);
    co_destroy(c);
}

#define MANY 10000

/* Virtual memory of the process now, in bytes (from /proc/self/statm). */
static double address_space(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;

    cr_assert_not_null(f, "cannot read /proc/self/statm (test setup)");
    cr_assert_eq(fscanf(f, "%lu", &pages), 1, "cannot read /proc/self/statm (test setup)");
    fclose(f);
    return (double)pages * 4096;
}

static co *many[MANY];

RC_TEST(coroutines, ten_thousand_coroutines_fit)
{
    struct rlimit lim;
    double limit;

    cr_assert_eq(getrlimit(RLIMIT_AS, &lim), 0, "getrlimit failed (test setup)");
    limit = address_space() + 2.0 * 1024 * 1024 * 1024;
    if (lim.rlim_max == RLIM_INFINITY || limit < (double)lim.rlim_max)
        lim.rlim_cur = (rlim_t)limit;
    else
        lim.rlim_cur = lim.rlim_max;
    cr_assert_eq(setrlimit(RLIMIT_AS, &lim), 0, "setrlimit failed (test setup)");
    for (int i = 0; i < MANY; i++) {
        many[i] = co_create(count_to, AS_PTR(2), 0);
        cr_assert_not_null(many[i], "co_create number %d of 10,000 (default size) failed with "
                           "errno %d in 2 GiB of address space: allocate about 64 KiB per "
                           "stack, not much more", i + 1, errno);
    }
    for (int i = 0; i < MANY; i++)
        cr_assert_eq(AS_INT(co_resume(many[i], NULL)), 1, "coroutine %d did not run", i);
    for (int i = 0; i < MANY; i++)
        co_destroy(many[i]);
}

RC_TEST(coroutines, create_out_of_memory)
{
    co *c;

    for (unsigned long k = 1;; k++) {
        long blocks = rc_fault_live_blocks();
        int failed;

        rc_fault_arm(RC_FAULT_ALLOC, k, ENOMEM);
        errno = 0;
        c = co_create(count_to, AS_PTR(1), 0);
        failed = rc_fault_disarm();
        if (!failed)
            break;
        cr_assert(c == NULL && errno == ENOMEM, "allocation %lu of co_create failed: expected "
                  "NULL with ENOMEM, got %p with errno %d", k, (void *)c, errno);
        cr_assert_eq(rc_fault_live_blocks(), blocks, "allocation %lu of co_create failed, and "
                     "what it had allocated before was not freed", k);
    }
    cr_assert_not_null(c, "co_create failed with no allocation failing (errno %d)", errno);
    co_destroy(c);
    errno = 0;
    c = co_create(count_to, NULL, (size_t)1 << 45);
    cr_assert(c == NULL && errno == ENOMEM, "a stack of 32 TiB cannot be had: expected NULL with "
              "ENOMEM, got %p with errno %d", (void *)c, errno);
    errno = 0;
    c = co_create(count_to, NULL, SIZE_MAX);
    cr_assert(c == NULL && errno == ENOMEM, "a stack of SIZE_MAX bytes: expected NULL with "
              "ENOMEM, got %p with errno %d", (void *)c, errno);
}

/* ------------------------------------------------------------ round robin */

static int sent_non_null;       /* resumes that sent something else than NULL */

static void *named(co *self, void *arg)
{
    const char *name = arg;
    int n = name[1] - '0';

    for (int i = 0; i < n; i++) {
        char who[2] = { name[0], '\0' };

        note(who, i);
        sent_non_null += co_yield(self, AS_PTR(123)) != NULL;
    }
    return AS_PTR(456);
}

RC_TEST(coroutines, round_robin_interleaves_foo_and_bar)
{
    co *cos[2] = { make(named, "f4", 0), make(named, "b4", 0) };
    int rc;

    trace[0] = '\0';
    sent_non_null = 0;
    rc = co_round_robin(cos, 2);
    cr_assert_eq(rc, 0, "co_round_robin returned %d", rc);
    cr_assert_str_eq(trace, "f0 b0 f1 b1 f2 b2 f3 b3 ", "the output was \"%s\"", trace);
    cr_assert_eq(sent_non_null, 0, "co_round_robin must resume with NULL (it sent a yielded "
                 "value back %d times)", sent_non_null);
    cr_assert(co_done(cos[0]) && co_done(cos[1]), "both must be done");
    co_destroy(cos[0]);
    co_destroy(cos[1]);
}

RC_TEST(coroutines, round_robin_uneven_skips_finished)
{
    co *cos[4] = { make(named, "a1", 0), make(named, "b3", 0), make(named, "c0", 0),
                   make(named, "d2", 0) };
    int rc;

    co_resume(cos[0], NULL);            /* a: a0 now, then it is done at its next resume */
    trace[0] = '\0';
    rc = co_round_robin(cos, 4);
    cr_assert_eq(rc, 0, "co_round_robin returned %d", rc);
    cr_assert_str_eq(trace, "b0 d0 b1 d1 b2 ", "the output was \"%s\", expected \"b0 d0 b1 d1 "
                     "b2 \" (a was half run, c yields nothing)", trace);
    for (int i = 0; i < 4; i++)
        cr_assert(co_done(cos[i]), "coroutine %d is not done", i);
    trace[0] = '\0';
    cr_assert_eq(co_round_robin(cos, 4), 0, "co_round_robin of finished coroutines must return 0");
    cr_assert_str_eq(trace, "", "finished coroutines must be skipped");
    for (int i = 0; i < 4; i++)
        co_destroy(cos[i]);
}

static co *rr_list[2];
static int rr_inner_rc;

static void *round_robin_inside(co *self, void *arg)
{
    (void)self;
    (void)arg;
    rr_inner_rc = co_round_robin(rr_list, 2);
    return NULL;
}

RC_TEST(coroutines, round_robin_bad_arguments)
{
    co *c = make(named, "x2", 0);
    co *with_null[2] = { c, NULL };
    int rc;

    rc = co_round_robin(NULL, 2);
    cr_assert_eq(rc, EINVAL, "co_round_robin(NULL, 2) returned %d, expected EINVAL", rc);
    cr_assert_eq(co_round_robin(NULL, 0), 0, "co_round_robin(NULL, 0) must return 0");
    trace[0] = '\0';
    rc = co_round_robin(with_null, 2);
    cr_assert_eq(rc, EINVAL, "a NULL entry must give EINVAL, got %d", rc);
    cr_assert_str_eq(trace, "", "with a NULL entry nothing may be resumed (ran \"%s\")", trace);
    rr_list[0] = c;
    rr_list[1] = make(round_robin_inside, NULL, 0);
    rr_inner_rc = 0;
    co_resume(rr_list[1], NULL);
    cr_assert_eq(rr_inner_rc, EINVAL, "co_round_robin inside a coroutine that is in its own list "
                 "(running) must return EINVAL, got %d", rr_inner_rc);
    cr_assert_str_eq(trace, "", "nothing may be resumed then (ran \"%s\")", trace);
    co_destroy(rr_list[1]);
    co_destroy(c);
}

/* ------------------------------------------------------------------ loop */

/* Checks that the n sleepers (distinct deadlines) ended in the order of their deadlines. */
static void check_places(const sleeper *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int first = 1, last = 0;

        for (size_t k = 0; k < n; k++) {
            first += s[k].deadline + EXACT < s[i].deadline;
            last += s[k].deadline < s[i].deadline + EXACT;
        }
        cr_assert(s[i].place >= first && s[i].place <= last, "the task sleeping %g s "
                  "woke in place %d, expected %d: wake sleepers in the order of their "
                  "deadlines", s[i].units, s[i].place, s[i].place < first ? first : last);
    }
}

static void run_sleepers(sleeper *s, size_t n)
{
    co_loop *l = co_loop_create();

    cr_assert_not_null(l, "co_loop_create returned NULL (errno %d)", errno);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(co_loop_spawn(l, sleepy_task, &s[i]), 0, "co_loop_spawn failed");
    finished = 0;
    loop_start = rc_now();
    cr_assert_eq(co_loop_run(l), 0, "co_loop_run failed");
    co_loop_destroy(l);
}

RC_TEST(coroutines, loop_five_tasks_take_the_longest)
{
    sleeper s[5] = { { 3, 0, 0, 0 }, { 15, 0, 0, 0 }, { 8, 0, 0, 0 }, { 20, 0, 0, 0 },
                     { 10, 0, 0, 0 } };
    double took;

    run_sleepers(s, 5);
    took = rc_now() - loop_start;
    for (int i = 0; i < 5; i++)
        cr_assert(fabs(s[i].ended - s[i].units) < EXACT, "a task sleeping %g s woke after "
                  "%.6f s (virtual), expected exactly %g s", s[i].units, s[i].ended, s[i].units);
    check_places(s, 5);
    cr_assert(fabs(took - 20) < EXACT, "the five tasks took %.6f s (virtual), expected exactly "
              "20 (the longest)", took);
}

RC_TEST(coroutines, loop_wakes_in_deadline_order)
{
    const double units[12] = { 9, 2, 14, 5, 1, 12, 7, 3, 11, 6, 13, 4 };
    sleeper s[12];

    for (int i = 0; i < 12; i++)
        s[i] = (sleeper){ units[i], 0, 0, 0 };
    run_sleepers(s, 12);
    check_places(s, 12);
}

RC_TEST(coroutines, loop_sleeps_while_all_tasks_sleep)
{
    double naps[4] = { 35, 30, 40, 30 };
    double took = run_naps(naps, 4);

    cr_assert(fabs(took - 40) < EXACT, "tasks sleeping 35, 30, 40 and 30 s took %.6f s "
              "(virtual), expected exactly 40: sleep until the earliest deadline", took);
}

typedef struct polite_args {
    const char *name;
    double seconds;             /* what to give co_sleep */
} polite_args;

static void *polite(co *self, void *arg)
{
    const polite_args *p = arg;

    for (int i = 0; i < 3; i++) {
        note(p->name, i);
        co_sleep(self, p->seconds);
    }
    return NULL;
}

static void run_polite(const polite_args *args, size_t n)
{
    co_loop *l = co_loop_create();

    cr_assert_not_null(l, "co_loop_create returned NULL");
    trace[0] = '\0';
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(co_loop_spawn(l, polite, (void *)&args[i]), 0, "co_loop_spawn failed");
    cr_assert_eq(co_loop_run(l), 0, "co_loop_run failed");
    co_loop_destroy(l);
}

RC_TEST(coroutines, loop_sleep_zero_lets_others_run)
{
    const polite_args args[3] = { { "a", 0 }, { "b", 0 }, { "c", 0 } };

    run_polite(args, 3);
    cr_assert_str_eq(trace, "a0 b0 c0 a1 b1 c1 a2 b2 c2 ", "the tasks ran as \"%s\": "
                     "co_sleep(self, 0) lets the others run first", trace);
}

RC_TEST(coroutines, loop_bad_sleep_times_sleep_zero)
{
    const polite_args args[3] = { { "a", -5 }, { "b", NAN }, { "c", -INFINITY } };
    double start = rc_now();

    run_polite(args, 3);
    cr_assert_str_eq(trace, "a0 b0 c0 a1 b1 c1 a2 b2 c2 ", "the tasks ran as \"%s\": a negative "
                     "or NaN time is a sleep of 0", trace);
    cr_assert(rc_now() - start < EXACT, "sleeps of a negative or NaN time took %.6f s (virtual), "
              "expected 0", rc_now() - start);
}

static co *first_task;
static int sleep_errors[3];

static void *plain_sleeper(co *self, void *arg)
{
    (void)arg;
    errno = 0;
    co_sleep(self, 1000);
    return AS_PTR(errno);
}

static void *task_misusing_sleep(co *self, void *arg)
{
    co *inner = make(plain_sleeper, NULL, 0);

    (void)self;
    (void)arg;
    sleep_errors[0] = AS_INT(co_resume(inner, NULL));    /* not a task */
    co_destroy(inner);
    errno = 0;
    co_sleep(first_task, 1000);                           /* another task's self */
    sleep_errors[1] = errno;
    return NULL;
}

static void *remember_self(co *self, void *arg)
{
    (void)arg;
    first_task = self;
    co_sleep(self, 2);
    return NULL;
}

RC_TEST(coroutines, loop_sleep_outside_a_task_is_einval)
{
    co_loop *l = co_loop_create();
    co *plain = make(plain_sleeper, NULL, 0);
    double start;

    cr_assert_not_null(l, "co_loop_create returned NULL");
    errno = 0;
    co_sleep(plain, 1000);
    cr_assert_eq(errno, EINVAL, "co_sleep from main must return at once with EINVAL");
    start = rc_now();
    cr_assert_eq(AS_INT(co_resume(plain, NULL)), EINVAL, "co_sleep in a coroutine that is not a "
                 "task must return at once with EINVAL");
    co_destroy(plain);
    sleep_errors[0] = sleep_errors[1] = 0;
    cr_assert_eq(co_loop_spawn(l, remember_self, NULL), 0, "co_loop_spawn failed");
    cr_assert_eq(co_loop_spawn(l, task_misusing_sleep, NULL), 0, "co_loop_spawn failed");
    cr_assert_eq(co_loop_run(l), 0, "co_loop_run failed");
    cr_assert_eq(sleep_errors[0], EINVAL, "co_sleep in a coroutine resumed by a task (not a task "
                 "itself) must be EINVAL, got %d", sleep_errors[0]);
    cr_assert_eq(sleep_errors[1], EINVAL, "co_sleep with another task's self must be EINVAL, "
                 "got %d", sleep_errors[1]);
    cr_assert(rc_now() - start < 2 + EXACT, "the loop took %.6f s (virtual), expected 2 (the "
              "one task that sleeps): a co_sleep that should have failed slept", rc_now() - start);
    co_loop_destroy(l);
}

static void *yielder(co *self, void *arg)
{
    for (int i = 0; i < 3; i++) {
        note((const char *)arg, i);
        co_yield(self, AS_PTR(i));
    }
    return NULL;
}

RC_TEST(coroutines, loop_yield_in_a_task_lets_others_run)
{
    co_loop *l = co_loop_create();

    cr_assert_not_null(l, "co_loop_create returned NULL");
    trace[0] = '\0';
    cr_assert_eq(co_loop_spawn(l, yielder, "a"), 0, "co_loop_spawn failed");
    cr_assert_eq(co_loop_spawn(l, yielder, "b"), 0, "co_loop_spawn failed");
    cr_assert_eq(co_loop_run(l), 0, "co_loop_run failed");
    cr_assert_str_eq(trace, "a0 b0 a1 b1 a2 b2 ", "co_yield in a task is co_sleep(self, 0); "
                     "the tasks ran as \"%s\"", trace);
    co_loop_destroy(l);
}

static co_loop *spawning_loop;

static void *child(co *self, void *arg)
{
    co_sleep(self, 1);
    note("child", AS_INT(arg));
    return NULL;
}

static void *parent(co *self, void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        cr_assert_eq(co_loop_spawn(spawning_loop, child, AS_PTR(i)), 0,
                     "co_loop_spawn from a task failed");
    co_sleep(self, 6);
    note("parent", 0);
    return NULL;
}

RC_TEST(coroutines, loop_task_spawns_a_task)
{
    spawning_loop = co_loop_create();
    cr_assert_not_null(spawning_loop, "co_loop_create returned NULL");
    trace[0] = '\0';
    cr_assert_eq(co_loop_spawn(spawning_loop, parent, NULL), 0, "co_loop_spawn failed");
    cr_assert_eq(co_loop_run(spawning_loop), 0, "co_loop_run failed");
    cr_assert_str_eq(trace, "child0 child1 child2 parent0 ", "tasks spawned by a task must run "
                     "in the same co_loop_run; ran \"%s\"", trace);
    co_loop_destroy(spawning_loop);
}

RC_TEST(coroutines, loop_runs_again_after_returning)
{
    sleeper s[3] = { { 10, 0, 0, 0 }, { 5, 0, 0, 0 }, { 15, 0, 0, 0 } };
    co_loop *l = co_loop_create();

    cr_assert_not_null(l, "co_loop_create returned NULL");
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 3; i++) {
            s[i].place = 0;
            cr_assert_eq(co_loop_spawn(l, sleepy_task, &s[i]), 0, "co_loop_spawn failed (round %d)",
                         round + 1);
        }
        finished = 0;
        loop_start = rc_now();
        cr_assert_eq(co_loop_run(l), 0, "co_loop_run failed in round %d", round + 1);
        cr_assert(s[0].place == 2 && s[1].place == 1 && s[2].place == 3,
                  "round %d: the tasks sleeping 10, 5 and 15 s ended in places %d %d %d, "
                  "expected 2 1 3", round + 1, s[0].place, s[1].place, s[2].place);
    }
    co_loop_destroy(l);
}

static co_loop *nested_loop;
static int nested_rc;

static void *run_from_task(co *self, void *arg)
{
    (void)self;
    (void)arg;
    nested_rc = co_loop_run(nested_loop);
    return NULL;
}

RC_TEST(coroutines, loop_bad_arguments)
{
    co_loop *l = co_loop_create();
    double start;

    cr_assert_not_null(l, "co_loop_create returned NULL");
    cr_assert_eq(co_loop_spawn(NULL, nap, NULL), EINVAL, "co_loop_spawn(NULL loop) must be EINVAL");
    cr_assert_eq(co_loop_spawn(l, NULL, NULL), EINVAL, "co_loop_spawn(NULL fn) must be EINVAL");
    cr_assert_eq(co_loop_run(NULL), EINVAL, "co_loop_run(NULL) must be EINVAL");
    start = rc_now();
    cr_assert_eq(co_loop_run(l), 0, "co_loop_run with no task must return 0");
    cr_assert(rc_now() - start < EXACT, "co_loop_run with no task must return at once");
    nested_loop = l;
    nested_rc = 0;
    cr_assert_eq(co_loop_spawn(l, run_from_task, NULL), 0, "co_loop_spawn failed");
    cr_assert_eq(co_loop_run(l), 0, "co_loop_run failed");
    cr_assert_eq(nested_rc, EINVAL, "co_loop_run called from a task must return EINVAL, got %d",
                 nested_rc);
    co_loop_destroy(l);
    co_loop_destroy(NULL);
    l = co_loop_create();
    cr_assert_not_null(l, "co_loop_create returned NULL");
    cr_assert_eq(co_loop_spawn(l, nap, NULL), 0, "co_loop_spawn failed");
    co_loop_destroy(l);     /* a task spawned and never run */
}

static int spawned_ran;

static void *count_run(co *self, void *arg)
{
    (void)arg;
    co_sleep(self, 0);
    spawned_ran++;
    return NULL;
}

RC_TEST(coroutines, loop_spawn_out_of_memory)
{
    co_loop *l = NULL;
    int spawned = 0;

    for (unsigned long k = 1; !l; k++) {
        rc_fault_arm(RC_FAULT_ALLOC, k, ENOMEM);
        errno = 0;
        l = co_loop_create();
        if (!rc_fault_disarm())
            break;
        cr_assert(l == NULL && errno == ENOMEM, "allocation %lu of co_loop_create failed: "
                  "expected NULL with ENOMEM", k);
    }
    cr_assert_not_null(l, "co_loop_create failed with no allocation failing");
    for (unsigned long k = 1; k < 200; k++) {
        int rc, failed;

        rc_fault_arm(RC_FAULT_ALLOC, k % 3 + 1, ENOMEM);
        rc = co_loop_spawn(l, count_run, NULL);
        failed = rc_fault_disarm();
        if (!failed) {
            cr_assert_eq(rc, 0, "co_loop_spawn returned %d with no allocation failing", rc);
            spawned++;
        } else if (rc == 0) {
            spawned++;          /* the failure was not on its path: fine */
        } else {
            cr_assert_eq(rc, ENOMEM, "co_loop_spawn returned %d when an allocation failed, "
                         "expected ENOMEM", rc);
        }
    }
    spawned_ran = 0;
    cr_assert_eq(co_loop_run(l), 0, "co_loop_run failed after failed spawns");
    cr_assert_eq(spawned_ran, spawned, "%d tasks were spawned, %d ran: a spawn that returned "
                 "ENOMEM must add nothing, one that returned 0 must run", spawned, spawned_ran);
    co_loop_destroy(l);
}

static pthread_t test_thread;
static int wrong_thread, threads_seen, threads_before;

static void *where_am_i(co *self, void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        wrong_thread += !pthread_equal(pthread_self(), test_thread);
        if (rc_thread_count() > threads_seen)
            threads_seen = rc_thread_count();
        co_sleep(self, 1);
    }
    return NULL;
}

RC_TEST(coroutines, loop_runs_on_one_thread)
{
    co_loop *l = co_loop_create();

    cr_assert_not_null(l, "co_loop_create returned NULL");
    test_thread = pthread_self();
    wrong_thread = threads_seen = 0;
    threads_before = rc_thread_count();
    for (int i = 0; i < 4; i++)
        cr_assert_eq(co_loop_spawn(l, where_am_i, NULL), 0, "co_loop_spawn failed");
    cr_assert_eq(co_loop_run(l), 0, "co_loop_run failed");
    cr_assert_eq(wrong_thread, 0, "tasks ran on another thread than co_loop_run's caller");
    cr_assert_leq(threads_seen, threads_before, "the process had %d threads while the tasks "
                  "ran, %d before: the loop needs no thread of its own", threads_seen,
                  threads_before);
    co_loop_destroy(l);
}
