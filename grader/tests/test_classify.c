/*
 * test_classify.c - turning the harness's report into test statuses.
 *
 * Each line below is what harness/report_hook.c writes for one
 * test; the checks say what the student must be told.
 */
#define _GNU_SOURCE
#include "check.h"
#include "../../harness/racecourse_test.h"
#include "manifest.h"
#include "test_run.h"
#include "thread_stacks.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#define ENTRY(name, status, signal, exit_code, timed_out, failures)                     \
    "{\"suite\":\"s\",\"name\":\"" name "\",\"status\":\"" status "\",\"signal\":"        \
    #signal ",\"exit_code\":" #exit_code ",\"timed_out\":" #timed_out ",\"crashed\":"     \
    "false,\"seconds\":0.5,\"failures\":[" failures "]}\n"

static const char *const report =
    ENTRY("passes", "passed", 0, 42, false, "")
    ENTRY("asserts", "failed", 0, 0, false,
          "{\"file\":\"hidden_tests.c\",\"line\":12,\"message\":\"got \\\"7\\\", want 3\"}")
    ENTRY("segfaults", "failed", 11, 0, false, "")
    ENTRY("hangs", "failed", 0, 0, true, "")
    ENTRY("exits", "failed", 0, 43, false, "")
    ENTRY("exit_zero", "passed", 0, 0, false, "")
    ENTRY("skipped", "skipped", 0, 0, false, "")
    ENTRY("kit_crash", "failed", 0, 111, false, "")
    ENTRY("kit_crash_after_failure", "failed", 0, 106, false,
          "{\"file\":\"hidden_tests.c\",\"line\":30,\"message\":\"queue is empty\"}")
    ENTRY("crash_after_failure", "failed", 11, 0, false,
          "{\"file\":\"hidden_tests.c\",\"line\":40,\"message\":\"a thread is stuck\"}")
    "this line is not JSON and is ignored\n";

static manifest_test tests[] = {
    { "passes", 10, "", 0 }, { "asserts", 10, "check the order", 0 }, { "segfaults", 10, "", 0 },
    { "hangs", 10, "", 0 }, { "exits", 10, "", 0 }, { "exit_zero", 10, "", 0 }, { "skipped", 10, "", 0 },
    { "never_reported", 10, "", 0 }, { "kit_crash", 10, "", 0 }, { "kit_crash_after_failure", 10, "", 0 },
    { "crash_after_failure", 10, "", 0 },
};
#define N_TESTS (sizeof tests / sizeof *tests)

static void free_strings(test_result *out)
{
    for (size_t i = 0; i < N_TESTS; i++) {
        free(out[i].name);
        free(out[i].message);
        free(out[i].hint);
    }
}

static void test_report(void)
{
    test_result out[N_TESTS];

    test_classify(report, tests, N_TESTS, 5, 60, 0, 0, out);
    CHECK_INT(out[0].status, TEST_PASSED);
    CHECK_INT(out[0].score, 10);
    CHECK_STR(out[0].message, "");
    CHECK_INT(out[1].status, TEST_FAILED);
    CHECK_INT(out[1].score, 0);
    CHECK_STR(out[1].message, "hidden_tests.c:12: got \"7\", want 3");
    CHECK_STR(out[1].hint, "check the order");
    CHECK_INT(out[2].status, TEST_CRASHED);
    CHECK_HAS(out[2].message, "SIGSEGV");
    CHECK_INT(out[3].status, TEST_TIMEOUT);
    CHECK_HAS(out[3].message, "within 5 s");
    CHECK_INT(out[4].status, TEST_FAILED);
    CHECK_HAS(out[4].message, "your code called exit()");
    CHECK_INT(out[5].status, TEST_FAILED);
    CHECK_HAS(out[5].message, "stopped before its end (exit status 0)");
    CHECK_INT(out[6].status, TEST_SKIPPED);
    CHECK_INT(out[7].status, TEST_FAILED);
    CHECK_HAS(out[7].message, "did not run");
    CHECK_INT(out[7].score, 0);
    free_strings(out);
}

/* A crash is the student's only when it did not strike in the test's own code. */
static void test_crash_blame(void)
{
    test_result out[N_TESTS];

    test_classify(report, tests, N_TESTS, 5, 60, 0, 0, out);
    CHECK_INT(out[2].status, TEST_CRASHED);
    CHECK_STR(out[2].message, "crashed with SIGSEGV (segmentation fault: an invalid memory access)");
    CHECK_INT(out[8].status, TEST_FAILED);
    CHECK_INT(out[8].score, 0);
    CHECK_HAS(out[8].message, "the test crashed with SIGSEGV");
    CHECK_HAS(out[8].message, "in its own code, not in yours: a bug of the kit");
    CHECK_HAS(out[8].message, "tell your instructor");
    CHECK(!strstr(out[8].message, "hidden_tests.c"), "no failure to show: %s", out[8].message);
    CHECK_INT(out[9].status, TEST_FAILED);
    CHECK_HAS(out[9].message, "hidden_tests.c:30: queue is empty\nthen the test crashed with SIGABRT");
    CHECK_INT(out[10].status, TEST_FAILED);
    CHECK_INT(out[10].score, 0);
    CHECK_HAS(out[10].message, "hidden_tests.c:40: a thread is stuck\n(after this failure");
    CHECK_HAS(out[10].message, "crashed with SIGSEGV");
    free_strings(out);
}

static void test_whole_run_failures(void)
{
    test_result out[N_TESTS];

    test_classify("", tests, N_TESTS, 5, 60, 1, SIGKILL, out);
    CHECK_INT(out[0].status, TEST_TIMEOUT);
    CHECK_HAS(out[0].message, "stopped after 60 s");
    free_strings(out);
    test_classify(NULL, tests, N_TESTS, 5, 60, 0, SIGABRT, out);
    CHECK_INT(out[0].status, TEST_CRASHED);
    CHECK_HAS(out[0].message, "SIGABRT");
    free_strings(out);
}

/* A failing test's printing: its first and last lines, long lines cut. */
static void test_output_excerpts(void)
{
    strbuf sb = STRBUF_INIT;
    size_t lines;
    char *excerpt, long_line[400];

    CHECK(test_output_excerpt("", 2, 2, &lines) == NULL, "no printing, no excerpt");
    CHECK_INT(lines, 0);
    excerpt = test_output_excerpt("a\nb\nc", 2, 2, &lines);
    CHECK_STR(excerpt, "a\nb\nc\n");
    CHECK_INT(lines, 3);
    free(excerpt);
    for (int i = 0; i < 10; i++)
        strbuf_addf(&sb, "line %d\n", i);
    excerpt = test_output_excerpt(sb.data, 2, 3, &lines);
    CHECK_STR(excerpt, "line 0\nline 1\n... (5 lines not shown) ...\nline 7\nline 8\nline 9\n");
    CHECK_INT(lines, 10);
    free(excerpt);
    strbuf_release(&sb);
    memset(long_line, 'x', sizeof long_line - 1);
    long_line[sizeof long_line - 1] = '\0';
    excerpt = test_output_excerpt(long_line, 2, 2, &lines);
    CHECK(excerpt && strlen(excerpt) == 300 + strlen(" ...\n"), "a long line is cut at 300 bytes");
    free(excerpt);
}

/* gdb's stacks, cut to the student's and the test's frames. */
static void test_stacks(void)
{
    static const char gdb[] =
        "Thread 2 (Thread 0x7f (LWP 12) \"tests\"):\n"
        "#0  futex_wait (private=0) at ../sysdeps/nptl/futex-internal.h:146\n"
        "#1  0x00007f in __GI___lll_lock_wait (futex=0x5) at ./nptl/lowlevellock.c:49\n"
        "#2  0x000055 in put_before (q=0x55, item=0x1) at /tmp/x/bounded_queue.c:117\n"
        "#3  0x000055 in bq_put (q=0x55, item=0x1) at /tmp/x/bounded_queue.c:223\n"
        "#4  0x000055 in producer (arg=0x0) at public_tests.c:40\n"
        "#5  0x00007f in start_thread (arg=<optimized out>) at ./nptl/pthread_create.c:442\n"
        "\n"
        "Thread 1 (Thread 0x7e (LWP 11) \"tests\"):\n"
        "#0  0x00007f in __futex_abstimed_wait_common64 () at ./nptl/futex-internal.c:57\n"
        "#1  0x000055 in rc_body_bounded_queue_public_items_come_out_in_order () at public_tests.c:96\n"
        "#2  0x000055 in bounded_queue_public_items_come_out_in_order_impl () at public_tests.c:88\n"
        "#3  0x000055 in bounded_queue_public_items_come_out_in_order_jmp () at public_tests.c:88\n"
        "\n"
        "Thread 3 (Thread 0x7d (LWP 13) \"tests\"):\n"
        "#0  0x00007f in epoll_wait (epfd=5) at ../sysdeps/unix/sysv/linux/epoll_wait.c:30\n";
    char *fn = NULL;
    char *summary = thread_stacks_summary(gdb, "bounded_queue.c", "public_tests.c", true, &fn);

    CHECK_STR(summary, "thread 2: put_before (bounded_queue.c:117)\n"
                       "          <- bq_put (bounded_queue.c:223)\n"
                       "          <- producer (public_tests.c:40)\n"
                       "thread 1: the test (public_tests.c:96)\n");
    CHECK_STR(fn, "bounded_queue_public_items_come_out_in_order_impl");
    free(summary);
    free(fn);
    summary = thread_stacks_summary(gdb, "bounded_queue.c", "public_tests.c", false, &fn);
    CHECK_STR(summary, "thread 2: put_before (bounded_queue.c:117)\n"
                       "          <- bq_put (bounded_queue.c:223)\n");
    free(summary);
    free(fn);
    CHECK(thread_stacks_summary("no stack here", "a.c", "t.c", true, &fn) == NULL && !fn,
          "no frame of the student or the test: no summary");
}

int main(void)
{
    test_report();
    test_crash_blame();
    test_whole_run_failures();
    test_output_excerpts();
    test_stacks();
    return check_finish();
}
