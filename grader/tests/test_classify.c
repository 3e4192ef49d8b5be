/*
 * test_classify.c - turning the harness's report into test statuses.
 *
 * Each line below is what grader/harness/report_hook.c writes for one
 * test; the checks say what the student must be told.
 */
#define _GNU_SOURCE
#include "check.h"
#include "harness/racecourse_test.h"
#include "manifest.h"
#include "test_run.h"

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
    { "passes", 10, "" }, { "asserts", 10, "check the order" }, { "segfaults", 10, "" },
    { "hangs", 10, "" }, { "exits", 10, "" }, { "exit_zero", 10, "" }, { "skipped", 10, "" },
    { "never_reported", 10, "" }, { "kit_crash", 10, "" }, { "kit_crash_after_failure", 10, "" },
    { "crash_after_failure", 10, "" },
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

int main(void)
{
    test_report();
    test_crash_blame();
    test_whole_run_failures();
    return check_finish();
}
