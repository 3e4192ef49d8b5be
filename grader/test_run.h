/*
 * test_run.h - running an exercise's Criterion binary and classifying
 * each test.
 *
 * The binary runs in the sandbox with a clean environment (Criterion
 * obeys CRITERION_* variables) and reports through the harness's report
 * hook (harness/report_hook.c) on a descriptor that only the
 * Criterion runner holds, never the tests.  Each test is classified from
 * that report and the run's wait status, never from what it printed:
 *
 *   passed   ran to its end (exit status RC_EXIT_PASSED), no failed assert
 *   failed   an assertion failed, or the code under test called exit()
 *   crashed  a signal ended it (the message names the signal)
 *   timeout  it ran past the manifest's test_timeout_s, or the whole run
 *            ran past run_timeout_s
 *
 * A test that did not pass also gets what the student's code printed while
 * it ran (test_result.output: the first TEST_OUTPUT_HEAD and the last
 * TEST_OUTPUT_TAIL lines; the harness's print_guard.c writes one file per
 * test) and, when asked, the stacks of its threads before a timeout.
 */
#ifndef RACECOURSE_TEST_RUN_H
#define RACECOURSE_TEST_RUN_H

#include "manifest.h"
#include "result.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct test_run_request {
    const char *binary;             /* the Criterion test binary */
    const char *work_dir;           /* its working directory, writable */
    const char *sealed_dir;         /* read-only around work_dir, or NULL */
    const manifest_test *tests;     /* the tests expected, in order */
    size_t n_tests;
    double test_timeout_s;          /* per test (Criterion's --timeout) */
    double run_timeout_s;           /* the whole binary */
    double time_scale;              /* RC_TIME_SCALE for timing tests */
    int jobs;                       /* Criterion's --jobs */
    unsigned run_as;                /* the run's user (sandbox_claim_user) */
    const char *only_test;          /* run this test alone (Criterion's
                                       --filter), or NULL; it is one of
                                       `tests`, which the caller checked */
    const char *keep_output_dir;    /* a failing test's whole printing goes
                                       to DIR/TEST.txt, or NULL: not kept */
    bool stacks;                    /* stacks of a test about to time out
                                       (thread_stacks.h) */
    const char *student_file;       /* base names, for the stacks */
    const char *test_file;
    size_t processes;               /* RLIMIT_NPROC of the run (manifest key
                                       `processes`); 0: the sandbox's default */
    int schedules;                  /* schedules each test must pass under the
                                       controlled scheduler (manifest key
                                       `schedules`, RC_SCHED_RUNS); 0: real time */
} test_run_request;

/* Lines of a failing test's printing shown from its start, and from its end. */
#define TEST_OUTPUT_HEAD 20
#define TEST_OUTPUT_TAIL 20

/*
 * Runs the binary once and fills out[0..n_tests) (names, statuses,
 * messages, hints, points earned) in the order of request->tests; the
 * caller frees each entry's strings.  Returns 0, or an errno value when
 * the sandbox could not run the binary.
 */
int test_run(const test_run_request *request, test_result *out);

/*
 * Classifies the tests from a report (the harness's JSON lines) and the
 * run's outcome; exposed for the grader's unit tests.  `timed_out`,
 * `signal` describe the whole run.
 */
void test_classify(const char *report, const manifest_test *tests, size_t n_tests,
                   double test_timeout_s, double run_timeout_s,
                   int run_timed_out, int run_signal, test_result *out);

/*
 * The first `head` and the last `tail` lines of `text`, each line cut at
 * 300 bytes, with "... (N lines not shown) ..." between them; NULL when
 * `text` is empty.  *lines is set to the number of lines of `text`.
 */
char *test_output_excerpt(const char *text, size_t head, size_t tail, size_t *lines);

#endif
