/*
 * report_hook.c - the test binary's report to the grader.
 *
 * Criterion's own reports lose what the grader needs (the signal that
 * killed a test, its exit status) and do not escape messages.  This file
 * hooks into the Criterion runner instead: when RC_REPORT_FD names an open
 * descriptor, the runner moves it out of reach of the test processes
 * (close-on-exec, at a high number) before any test starts, and writes one
 * JSON object per test to it when all have ended:
 *
 *   {"suite":"s","name":"t","status":"passed|failed|skipped",
 *    "signal":0,"exit_code":42,"timed_out":false,"crashed":false,
 *    "seconds":0.01,"failures":[{"file":"f.c","line":7,"message":"..."}]}
 *
 * The grader classifies each test from these fields (grader/test_run.c).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <unistd.h>

static FILE *report;

/*
 * With RC_STACKS set, the grader's gdb may attach to a test about to time
 * out (grader/thread_stacks.c); where Yama allows only ancestors to trace
 * (ptrace_scope 1, Ubuntu's default), each process of the binary says so.
 */
__attribute__((constructor)) static void allow_stacks(void)
{
    if (getenv("RC_STACKS"))
        prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
}

static const char *status_word(enum criterion_test_status status)
{
    switch (status) {
    case CR_STATUS_PASSED:  return "passed";
    case CR_STATUS_SKIPPED: return "skipped";
    default:                return "failed";
    }
}

static cJSON *test_to_json(const struct criterion_test_stats *test)
{
    cJSON *json = cJSON_CreateObject();
    cJSON *failures = cJSON_AddArrayToObject(json, "failures");

    cJSON_AddStringToObject(json, "suite", test->test->category);
    cJSON_AddStringToObject(json, "name", test->test->name);
    cJSON_AddStringToObject(json, "status", status_word(test->test_status));
    cJSON_AddNumberToObject(json, "signal", test->signal);
    cJSON_AddNumberToObject(json, "exit_code", test->exit_code);
    cJSON_AddBoolToObject(json, "timed_out", test->timed_out);
    cJSON_AddBoolToObject(json, "crashed", test->crashed);
    cJSON_AddNumberToObject(json, "seconds", test->elapsed_time);
    for (const struct criterion_assert_stats *a = test->asserts; a; a = a->next) {
        cJSON *failure;

        if (a->passed)
            continue;
        failure = cJSON_CreateObject();
        cJSON_AddStringToObject(failure, "file", a->file ? a->file : "");
        cJSON_AddNumberToObject(failure, "line", a->line);
        cJSON_AddStringToObject(failure, "message", a->message ? a->message : "");
        cJSON_AddItemToArray(failures, failure);
    }
    return json;
}

/* One line per test, written at once: nothing is lost if the run is stopped. */
static void report_test(const struct criterion_test_stats *test)
{
    cJSON *json;
    char *line;

    if (!report)
        return;
    json = test_to_json(test);
    line = cJSON_PrintUnformatted(json);
    if (line) {
        fprintf(report, "%s\n", line);
        fflush(report);
    }
    free(line);
    cJSON_Delete(json);
}

ReportHook(PRE_ALL)(struct criterion_test_set *tests)
{
    const char *fd_text = getenv("RC_REPORT_FD");
    int fd, moved;

    (void)tests;
    if (!fd_text)
        return;
    fd = atoi(fd_text);
    moved = fcntl(fd, F_DUPFD_CLOEXEC, 100);
    if (moved < 0)
        return;
    close(fd);
    report = fdopen(moved, "w");
}

/* A test that ended by itself (passed, failed or timed out)... */
ReportHook(POST_FINI)(struct criterion_test_stats *test)
{
    report_test(test);
}

/* ...or one that a signal ended, which has no POST_FINI. */
ReportHook(TEST_CRASH)(struct criterion_test_stats *test)
{
    report_test(test);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    if (report)
        fclose(report);
    report = NULL;
}
