/*
 * test_grade_memo.c - identical files graded once per batch (grade_memo.h)
 * and the deep copy of an exercise's result it hands out (result.h).
 */
#define _GNU_SOURCE
#include "check.h"
#include "grade_memo.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

static const char stub[] = "int bq_push(void) { return ENOSYS; }\n";
static const char solution[] = "int bq_push(void) { return 0; }\n";

/* A result with a test and a race finding, as a grading makes one. */
static exercise_result sample(const char *slug, int score)
{
    exercise_result ex = { .slug = xstrdup(slug), .score = score, .max_score = 100,
                           .build_log = xstrdup("") };

    ex.n_tests = 1;
    ex.tests = xcalloc(1, sizeof *ex.tests);
    ex.tests[0] = (test_result){ .name = xstrdup("fifo_order"), .status = TEST_FAILED,
                                 .score = 0, .max_score = 10,
                                 .message = xstrdup("tests.c:12: got 2, want 1"),
                                 .hint = xstrdup("A queue is first in, first out.") };
    ex.race.status = RACE_FOUND;
    ex.race.message = xstrdup("Helgrind reported 1 error");
    ex.race.n_findings = 1;
    ex.race.n_errors = 1;
    ex.race.findings = xcalloc(1, sizeof *ex.race.findings);
    ex.race.findings[0] = (race_finding){ .kind = xstrdup("race"), .file = xstrdup("q.c"),
                                          .line = 7, .message = xstrdup("a data race") };
    return ex;
}

static void test_copy_is_deep(void)
{
    exercise_result from = sample("bounded_queue", 42), to;

    exercise_result_copy(&to, &from);
    CHECK_STR(to.slug, "bounded_queue");
    CHECK(to.slug != from.slug, "the slug is a string of its own");
    CHECK_INT(to.score, 42);
    CHECK_INT(to.n_tests, 1);
    CHECK(to.tests != from.tests && to.tests[0].message != from.tests[0].message,
          "the tests are copied, not shared");
    CHECK_STR(to.tests[0].hint, "A queue is first in, first out.");
    CHECK_INT(to.race.n_findings, 1);
    CHECK(to.race.findings != from.race.findings, "the findings are copied, not shared");
    CHECK_STR(to.race.findings[0].message, "a data race");
    CHECK_INT(to.race.findings[0].line, 7);
    exercise_result_free(&from);    /* the copy must outlive its source */
    CHECK_STR(to.race.message, "Helgrind reported 1 error");
    exercise_result_free(&to);
}

static void test_claim_and_settle(void)
{
    grade_memo *memo = grade_memo_new();
    exercise_result graded = sample("bounded_queue", 7), got;

    CHECK(!grade_memo_claim(memo, "bounded_queue", stub, sizeof stub, &got),
          "a file nobody graded is the caller's to grade");
    grade_memo_settle(memo, "bounded_queue", stub, sizeof stub, &graded);
    CHECK(grade_memo_claim(memo, "bounded_queue", stub, sizeof stub, &got),
          "the same file again gets the grade");
    CHECK_INT(got.score, 7);
    CHECK_STR(got.tests[0].name, "fifo_order");
    exercise_result_free(&got);
    CHECK_INT(grade_memo_reused(memo), 1);

    CHECK(!grade_memo_claim(memo, "bounded_queue", solution, sizeof solution, &got),
          "another file of the same exercise is graded on its own");
    grade_memo_settle(memo, "bounded_queue", solution, sizeof solution, NULL);
    CHECK(!grade_memo_claim(memo, "bounded_queue", solution, sizeof solution, &got),
          "a grading that failed is not kept: the next claim grades again");
    grade_memo_settle(memo, "bounded_queue", solution, sizeof solution, NULL);
    CHECK(!grade_memo_claim(memo, "pingpong", stub, sizeof stub, &got),
          "the same bytes for another exercise are graded on their own");
    grade_memo_settle(memo, "pingpong", stub, sizeof stub, NULL);
    CHECK(!grade_memo_claim(memo, "bounded_queue", stub, sizeof stub - 1, &got),
          "a file that is a prefix of a graded one is not the same file");
    grade_memo_settle(memo, "bounded_queue", stub, sizeof stub - 1, NULL);
    CHECK_INT(grade_memo_reused(memo), 1);
    grade_memo_settle(memo, "joinall", stub, sizeof stub, &graded);    /* never claimed */
    CHECK(!grade_memo_claim(memo, "joinall", stub, sizeof stub, &got),
          "settling an unclaimed file records nothing");
    grade_memo_settle(memo, "joinall", stub, sizeof stub, NULL);
    exercise_result_free(&graded);
    grade_memo_free(memo);
}

typedef struct waiter {
    grade_memo *memo;
    atomic_bool returned;
    bool got_grade;
    exercise_result result;
} waiter;

static void *claim_in_thread(void *arg)
{
    waiter *w = arg;

    w->got_grade = grade_memo_claim(w->memo, "pingpong", stub, sizeof stub, &w->result);
    atomic_store(&w->returned, true);
    return NULL;
}

static void test_second_claim_waits_for_the_first(void)
{
    waiter w = { .memo = grade_memo_new() };
    exercise_result graded = sample("pingpong", 55), unused;
    struct timespec pause = { 0, 200 * 1000 * 1000 };
    pthread_t thread;

    CHECK(!grade_memo_claim(w.memo, "pingpong", stub, sizeof stub, &unused),
          "the first claim grades");
    pthread_create(&thread, NULL, claim_in_thread, &w);
    nanosleep(&pause, NULL);
    CHECK(!atomic_load(&w.returned), "a second claim of the file waits while it is graded");
    grade_memo_settle(w.memo, "pingpong", stub, sizeof stub, &graded);
    pthread_join(thread, NULL);
    CHECK(w.got_grade, "and then gets its grade");
    CHECK_INT(w.result.score, 55);
    exercise_result_free(&w.result);
    exercise_result_free(&graded);
    grade_memo_free(w.memo);
}

int main(void)
{
    test_copy_is_deep();
    test_claim_and_settle();
    test_second_claim_waits_for_the_first();
    return check_finish();
}
