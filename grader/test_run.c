/* test_run.c - see test_run.h. */
#define _GNU_SOURCE
#include "test_run.h"
#include "sandbox.h"
#include "thread_stacks.h"
#include "util.h"
#include "../harness/racecourse_test.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REPORT_FD 3
#define OUTPUT_LINE_MAX 300
#define FAILURES_SHOWN 3

/* The report's entry for test `name`, or NULL. */
static cJSON *find_entry(cJSON *const *entries, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        const cJSON *entry_name = cJSON_GetObjectItemCaseSensitive(entries[i], "name");

        if (cJSON_IsString(entry_name) && !strcmp(entry_name->valuestring, name))
            return entries[i];
    }
    return NULL;
}

static double number(const cJSON *entry, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(entry, key);

    return cJSON_IsNumber(item) ? item->valuedouble : 0;
}

static const char *text(const cJSON *entry, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(entry, key);

    return cJSON_IsString(item) ? item->valuestring : "";
}

/* "file.c:12: message" for the first few failed assertions. */
static char *failure_messages(const cJSON *entry)
{
    const cJSON *failures = cJSON_GetObjectItemCaseSensitive(entry, "failures");
    const cJSON *failure;
    strbuf sb = STRBUF_INIT;
    int shown = 0, total = cJSON_GetArraySize(failures);

    cJSON_ArrayForEach(failure, failures) {
        if (shown == FAILURES_SHOWN)
            break;
        if (sb.len)
            strbuf_addstr(&sb, "\n");
        strbuf_addf(&sb, "%s:%d: %s", text(failure, "file"), (int)number(failure, "line"),
                    text(failure, "message"));
        shown++;
    }
    if (total > shown)
        strbuf_addf(&sb, "\n(and %d more failed assertions)", total - shown);
    return strbuf_detach(&sb);
}

/* The signal of a crash in the test's own code (RC_EXIT_KIT_CRASH + signal), or 0. */
static int kit_crash_signal(int exit_code)
{
    int signal = exit_code - RC_EXIT_KIT_CRASH;

    return signal > 0 && signal < 65 ? signal : 0;
}

static void classify_entry(const cJSON *entry, double test_timeout_s, test_result *t)
{
    int signal = (int)number(entry, "signal");
    int exit_code = (int)number(entry, "exit_code");
    const cJSON *timed_out = cJSON_GetObjectItemCaseSensitive(entry, "timed_out");
    const cJSON *crashed = cJSON_GetObjectItemCaseSensitive(entry, "crashed");
    const char *status = text(entry, "status");
    char *failures = failure_messages(entry);

    t->seconds = number(entry, "seconds");
    if (cJSON_IsTrue(timed_out)) {
        t->status = TEST_TIMEOUT;
        t->message = xasprintf("did not finish within %g s: a deadlock, or a wait "
                               "that is never woken up?", test_timeout_s);
    } else if (kit_crash_signal(exit_code)) {
        /* The harness saw the crash strike in the test file's code. */
        t->status = TEST_FAILED;
        t->message = xasprintf("%s%sthe test crashed with %s in its own code, not in yours: "
                               "a bug of the kit, not of your file (tell your instructor)",
                               failures, *failures ? "\nthen " : "",
                               signal_description(kit_crash_signal(exit_code)));
    } else if ((signal || cJSON_IsTrue(crashed)) && *failures) {
        /*
         * A failed assertion ends the test body, but threads it started
         * may still run: a crash after it is not what failed the test.
         */
        t->status = TEST_FAILED;
        t->message = xasprintf("%s\n(after this failure, as the test was ending, its program "
                               "crashed with %s)", failures, signal_description(signal));
    } else if (signal || cJSON_IsTrue(crashed)) {
        t->status = TEST_CRASHED;
        t->message = xasprintf("crashed with %s", signal_description(signal));
    } else if (*failures) {
        t->status = TEST_FAILED;
        t->message = xstrdup(failures);
    } else if (exit_code == RC_EXIT_CALLED) {
        t->status = TEST_FAILED;
        t->message = xstrdup("your code called exit() (or _exit(), or pthread_exit() on "
                             "the test's own thread) during the test; library code must "
                             "return an error instead");
    } else if (exit_code == RC_EXIT_PRINTED_TOO_MUCH) {
        t->status = TEST_FAILED;
        t->message = printed_too_much_words("during the test");
    } else if (!strcmp(status, "skipped")) {
        t->status = TEST_SKIPPED;
        t->message = xstrdup("skipped");
    } else if (!strcmp(status, "passed") && exit_code == RC_EXIT_PASSED) {
        t->status = TEST_PASSED;
        t->message = xstrdup("");
    } else {
        t->status = TEST_FAILED;
        t->message = xasprintf("the test stopped before its end (exit status %d): "
                               "did your code end a thread or the process early?",
                               exit_code);
    }
    free(failures);
}

/* The report's lines that are JSON objects, in order (*n of them). */
static cJSON **parse_entries(const char *report, size_t *n)
{
    cJSON **entries = NULL;
    char *copy = xstrdup(report ? report : ""), *line, *save = NULL;

    *n = 0;
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *entry = cJSON_Parse(line);

        if (!entry)
            continue;
        entries = xrealloc(entries, (*n + 1) * sizeof *entries);
        entries[(*n)++] = entry;
    }
    free(copy);
    return entries;
}

static void free_entries(cJSON **entries, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(entries[i]);
    free(entries);
}

void test_classify(const char *report, const manifest_test *tests, size_t n_tests,
                   double test_timeout_s, double run_timeout_s,
                   int run_timed_out, int run_signal, test_result *out)
{
    size_t n_entries;
    cJSON **entries = parse_entries(report, &n_entries);

    for (size_t i = 0; i < n_tests; i++) {
        test_result *t = &out[i];
        cJSON *entry = find_entry(entries, n_entries, tests[i].name);

        memset(t, 0, sizeof *t);
        t->name = xstrdup(tests[i].name);
        t->hint = xstrdup(tests[i].hint);
        t->max_score = tests[i].points;
        if (entry) {
            classify_entry(entry, test_timeout_s, t);
        } else if (run_timed_out) {
            t->status = TEST_TIMEOUT;
            t->message = xasprintf("the test run was stopped after %g s before this test "
                                   "could finish", run_timeout_s);
        } else if (run_signal) {
            t->status = TEST_CRASHED;
            t->message = xasprintf("the test program crashed with %s before reporting",
                                   signal_description(run_signal));
        } else {
            t->status = TEST_FAILED;
            t->message = xstrdup("this test did not run: it is missing from the "
                                 "test program");
        }
        t->score = t->status == TEST_PASSED ? t->max_score : 0;
    }
    free_entries(entries, n_entries);
}

/* An unlinked file for the report: no path any test could open. */
static int open_report(const char *dir)
{
    return open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

static char *read_report(int fd)
{
    strbuf sb = STRBUF_INIT;
    char chunk[65536];
    off_t offset = 0;
    ssize_t got;

    while ((got = pread(fd, chunk, sizeof chunk, offset)) > 0) {
        strbuf_add(&sb, chunk, (size_t)got);
        offset += got;
    }
    return strbuf_detach(&sb);
}

/*
 * The test binary's environment, NULL-ended (free it with free_env()):
 * the time scale, the scheduler's real-time limit, where each test's
 * printing goes, and under the controlled scheduler the schedules each
 * test must pass (RC_SCHED_RUNS, harness/test_schedules.c), with
 * RC_SCHED_RUNS_<test> for a test the manifest gives its own number.
 */
static char **test_env(const test_run_request *req)
{
    size_t n = 0, max = 8 + req->n_tests;
    char **env = xcalloc(max, sizeof *env);

    env[n++] = xstrdup("PATH=/usr/bin:/bin");
    env[n++] = xstrdup("LANG=C");
    env[n++] = xstrdup("RC_REPORT_FD=3");
    env[n++] = xasprintf("RC_TIME_SCALE=%g", req->time_scale);
    /*
     * Under the controlled scheduler (manifest `schedules`), its real-time
     * limit per schedule comes after Criterion's timeout, which says
     * more (grader/thread_stacks.c).
     */
    env[n++] = xasprintf("RC_SCHED_WALL_S=%.0f", ceil(2 * req->test_timeout_s * req->time_scale) + 1);
    env[n++] = xasprintf("RC_OUTPUT_DIR=%s", req->work_dir);
    env[n++] = xasprintf("RC_SCHED_RUNS=%d", req->schedules > 1 ? req->schedules : 1);
    for (size_t i = 0; req->schedules > 0 && i < req->n_tests; i++)
        if (req->tests[i].schedules > 0)
            env[n++] = xasprintf("RC_SCHED_RUNS_%s=%d", req->tests[i].name,
                                 req->tests[i].schedules);
    if (req->stacks)
        env[n++] = xstrdup("RC_STACKS=1");
    return env;
}

static void free_env(char **env)
{
    for (char **e = env; *e; e++)
        free(*e);
    free(env);
}

/* Runs the binary once; its outcome and report (the harness's lines). */
static int run_binary(const test_run_request *req, sandbox_result *run, char **report)
{
    char jobs[16], timeout[32];
    char *filter = req->only_test ? xasprintf("*/%s", req->only_test) : NULL;
    char *argv[] = { (char *)req->binary, "--jobs", jobs, "--timeout", timeout,
                     "--ascii", "--short-filename", filter ? "--filter" : NULL, filter, NULL };
    char **envp = test_env(req);
    sandbox_job job = {
        .argv = argv,
        .envp = envp,
        .workdir = req->work_dir,
        .sealed_dir = req->sealed_dir,
        .run_as = req->run_as,
        .limits = SANDBOX_DEFAULT_LIMITS,
    };
    int err;

    snprintf(jobs, sizeof jobs, "%d", req->jobs > 0 ? req->jobs : 1);
    snprintf(timeout, sizeof timeout, "%g", req->test_timeout_s * req->time_scale);
    job.report_fd = open_report(req->work_dir);
    if (job.report_fd < 0) {
        err = errno;
        free(filter);
        free_env(envp);
        return err;
    }
    job.limits.wall_s = req->run_timeout_s * req->time_scale;
    job.limits.cpu_s = job.limits.wall_s;
    if (req->processes)
        job.limits.processes = req->processes;
    err = sandbox_run(&job, run);
    if (!err)
        *report = read_report(job.report_fd);
    close(job.report_fd);
    free(filter);
    free_env(envp);
    return err;
}

/* The file print_guard.c writes test `name`'s printing to. */
static char *output_path(const test_run_request *req, const char *name)
{
    return xasprintf("%s/output-%s.txt", req->work_dir, name);
}

/* An earlier run's printing must not be taken for this one's. */
static void remove_outputs(const test_run_request *req)
{
    for (size_t i = 0; i < req->n_tests; i++) {
        char *path = output_path(req, req->tests[i].name);

        unlink(path);
        free(path);
    }
}

char *test_output_excerpt(const char *text, size_t head, size_t tail, size_t *lines)
{
    strbuf sb = STRBUF_INIT;
    size_t n = 0, i = 0;

    for (const char *p = text; *p; p += strcspn(p, "\n"), p += *p == '\n')
        n++;
    *lines = n;
    if (!n)
        return NULL;
    for (const char *p = text; *p; i++) {
        size_t len = strcspn(p, "\n");

        if (i < head || i >= n - tail || n <= head + tail) {
            strbuf_add(&sb, p, len < OUTPUT_LINE_MAX ? len : OUTPUT_LINE_MAX);
            strbuf_addstr(&sb, len > OUTPUT_LINE_MAX ? " ...\n" : "\n");
        } else if (i == head) {
            strbuf_addf(&sb, "... (%zu lines not shown) ...\n", n - head - tail);
        }
        p += len;
        p += *p == '\n';
    }
    return strbuf_detach(&sb);
}

/* mkdir -p: 0, or -1 with errno. */
static int make_dirs(const char *path)
{
    char *copy = xstrdup(path);
    int err = 0;

    for (char *p = copy + 1; !err; p++) {
        if (*p && *p != '/')
            continue;
        char end = *p;

        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST)
            err = -1;
        *p = end;
        if (!end)
            break;
    }
    free(copy);
    return err;
}

/* What test t printed, kept when it did not pass. */
static void take_output(const test_run_request *req, size_t index, test_result *t)
{
    char *path = output_path(req, req->tests[index].name);
    size_t len = 0, lines;
    char *text = read_file(path, &len);

    if (text && len && t->status != TEST_PASSED && t->status != TEST_SKIPPED) {
        /* Bytes that are not text (a NUL) end what is shown. */
        t->output = test_output_excerpt(text, TEST_OUTPUT_HEAD, TEST_OUTPUT_TAIL, &lines);
        if (req->keep_output_dir && lines > TEST_OUTPUT_HEAD + TEST_OUTPUT_TAIL) {
            char *kept = xasprintf("%s/%s.txt", req->keep_output_dir, t->name);

            if (make_dirs(req->keep_output_dir) == 0 && write_file(kept, text, len, 0644) == 0)
                t->output_file = kept;
            else
                free(kept);
        }
    }
    free(text);
    free(path);
}

/* Whether every expected test has an entry in the report. */
static bool all_reported(const char *report, const manifest_test *tests, size_t n)
{
    size_t n_entries;
    cJSON **entries = parse_entries(report, &n_entries);
    bool all = true;

    for (size_t i = 0; i < n && all; i++)
        all = find_entry(entries, n_entries, tests[i].name) != NULL;
    free_entries(entries, n_entries);
    return all;
}

/* The watcher of tests about to time out: a moment before Criterion's timeout. */
static stack_watch *start_stacks(const test_run_request *req)
{
    double timeout = req->test_timeout_s * req->time_scale;
    double margin = timeout / 3 < 1.5 ? timeout / 3 : 1.5;

    if (!req->stacks || !req->student_file || !req->test_file)
        return NULL;
    return stack_watch_start(req->binary, timeout - margin, req->tests, req->n_tests,
                             req->student_file, req->test_file);
}

int test_run(const test_run_request *req, test_result *out)
{
    sandbox_result run;
    char *report = NULL, **stacks;
    stack_watch *watch;
    int err;

    remove_outputs(req);
    watch = start_stacks(req);
    err = run_binary(req, &run, &report);
    stacks = stack_watch_stop(watch);
    if (err) {
        for (size_t i = 0; stacks && i < req->n_tests; i++)
            free(stacks[i]);
        free(stacks);
        return err;
    }
    /*
     * A run that was stopped or crashed as a whole, with tests unreported:
     * Criterion's runner itself can hang on an overloaded machine (fixed
     * after 2.4.1), so those tests get a second run.  Their first report
     * line is the one that counts.
     */
    if ((run.timed_out || run.signal) && !all_reported(report, req->tests, req->n_tests)) {
        sandbox_result again;
        char *more = NULL;

        if (run_binary(req, &again, &more) == 0) {
            char *both = xasprintf("%s%s", report, more);

            free(report);
            report = both;
            free(run.output);
            run = again;
        }
        free(more);
    }
    test_classify(report, req->tests, req->n_tests, req->test_timeout_s * req->time_scale,
                  req->run_timeout_s * req->time_scale, run.timed_out, run.signal, out);
    for (size_t i = 0; i < req->n_tests; i++) {
        take_output(req, i, &out[i]);
        if (stacks && stacks[i] && out[i].status == TEST_TIMEOUT)
            out[i].stacks = stacks[i];
        else if (stacks)
            free(stacks[i]);
    }
    free(stacks);
    free(report);
    free(run.output);
    return 0;
}
