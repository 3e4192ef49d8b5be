/*
 * test_scheduler.c - the controlled scheduler's own tests: strategies,
 * virtual time, deadlock and busy-wait verdicts, fault injection, replay
 * and the fork server's report.
 *
 * Runs the programs of scheduler/tests/programs/, built under the
 * scheduler by the Makefile into the folder given as argv[1], with
 * RC_SCHED_* set, and reads their JSON reports with cJSON.
 */
#define _GNU_SOURCE
#include "../../grader/tests/check.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SCHED_PROGRAMS
#define SCHED_PROGRAMS "build/scheduler"
#endif

static const char *programs;
static char report_path[256];

/* Runs PROGRAM with `env` ("NAME=VALUE" strings, NULL-ended); its exit status. */
static int run(const char *program, const char *const *env)
{
    char path[512];
    pid_t pid;
    int status;

    snprintf(path, sizeof(path), "%s/%s", programs, program);
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);

        dup2(null, 1);
        dup2(null, 2);
        unsetenv("RC_SCHED_SEED");
        unsetenv("RC_SCHED_RUNS");
        unsetenv("RC_SCHED_STRATEGY");
        unsetenv("RC_SCHED_TRACE");
        unsetenv("RC_SCHED_INPROCESS");
        for (int i = 0; env[i]; i++)
            putenv((char *)env[i]);
        setenv("RC_SCHED_REPORT", report_path, 1);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The report of the last run, parsed (the caller deletes it), or NULL. */
static cJSON *report(void)
{
    FILE *in = fopen(report_path, "r");
    static char text[1 << 22];
    size_t n;

    if (!in)
        return NULL;
    n = fread(text, 1, sizeof(text) - 1, in);
    fclose(in);
    text[n] = '\0';
    remove(report_path);
    return cJSON_Parse(text);
}

static const char *str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const cJSON *failure(const cJSON *r)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(r, "failure");

    return cJSON_IsObject(f) ? f : NULL;
}

/* The trace of a failure as one string ("thread call object where time;..."). */
static char *trace_text(const cJSON *f)
{
    static char text[1 << 20];
    size_t len = 0;
    const cJSON *e;

    text[0] = '\0';
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(f, "trace"))
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%g %s %s %s %g;",
                                num(e, "thread"), str(e, "call"), str(e, "object"),
                                str(e, "where"), num(e, "time"));
    return strdup(text);
}

/* The trace of `program` at `seed` stopped by a step limit, with `strategy`. */
static char *trace_of(const char *program, const char *seed, const char *strategy)
{
    char seed_env[64], strategy_env[64];
    const char *env[] = { seed_env, strategy_env, "RC_SCHED_MAX_STEPS=25",
                          "RC_SCHED_TRACE=all", NULL };
    cJSON *r;
    char *text;

    snprintf(seed_env, sizeof(seed_env), "RC_SCHED_SEED=%s", seed);
    snprintf(strategy_env, sizeof(strategy_env), "RC_SCHED_STRATEGY=%s", strategy);
    CHECK_INT(run(program, env), 1);
    r = report();
    CHECK(failure(r) && strcmp(str(failure(r), "kind"), "limit") == 0, "%s: no step limit",
          program);
    text = failure(r) ? trace_text(failure(r)) : strdup("");
    cJSON_Delete(r);
    return text;
}

static void test_strategies(void)
{
    const char *strategies[] = { "random", "pct" };

    for (int s = 0; s < 2; s++) {
        char *a = trace_of("small", "7", strategies[s]), *b = trace_of("small", "7", strategies[s]);
        int different = 0;

        CHECK(strcmp(a, b) == 0, "%s: seed 7 gave two traces", strategies[s]);
        CHECK_HAS(a, "small.c:");
        for (int seed = 8; seed < 16; seed++) {
            char text[8], *c;

            snprintf(text, sizeof(text), "%d", seed);
            c = trace_of("small", text, strategies[s]);
            different += strcmp(a, c) != 0;
            free(c);
        }
        CHECK(different >= 6, "%s: only %d of 8 other seeds changed the interleaving",
              strategies[s], different);
        free(a);
        free(b);
    }
}

/* Runs `program` for `runs` schedules; its report (exit status in *rc). */
static cJSON *explore(const char *program, const char *runs, const char *strategy, int *rc)
{
    char runs_env[64], strategy_env[64];
    const char *env[] = { runs_env, strategy_env, NULL };

    snprintf(runs_env, sizeof(runs_env), "RC_SCHED_RUNS=%s", runs);
    snprintf(strategy_env, sizeof(strategy_env), "RC_SCHED_STRATEGY=%s", strategy);
    *rc = run(program, env);
    return report();
}

static void test_virtual_time(void)
{
    struct timespec a, b;
    cJSON *r;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &a);
    r = explore("sleepy", "1", "random", &rc);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK_INT(rc, 0);
    CHECK(r && !failure(r), "sleepy failed: %s", failure(r) ? str(failure(r), "message") : "");
    /* Far below the 20 s a real sleep takes, on however busy a machine
     * (the process's start is most of it: some 10 ms idle, more loaded). */
    CHECK((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6 < 2000,
          "20 virtual seconds took %.0f ms", (b.tv_sec - a.tv_sec) * 1e3 +
          (b.tv_nsec - a.tv_nsec) / 1e6);
    cJSON_Delete(r);
    r = explore("sleepy", "50", "pct", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(num(r, "schedules_run"), 50);
    cJSON_Delete(r);
}

/* Threads cancelled in sem_wait, a condition wait, a sleep and a join end;
 * one with cancellation disabled goes on until it enables it again and
 * tests for it (cancel.c asserts each). */
static void test_cancel(void)
{
    int rc;
    cJSON *r = explore("cancel", "100", "random", &rc);

    CHECK_INT(rc, 0);
    CHECK(r && !failure(r), "cancel failed: %s", failure(r) ? str(failure(r), "message") : "");
    CHECK_INT(num(r, "schedules_run"), 100);
    cJSON_Delete(r);
    r = explore("cancel", "100", "pct", &rc);
    CHECK_INT(rc, 0);
    CHECK(r && !failure(r), "cancel (pct) failed: %s", failure(r) ? str(failure(r), "message") : "");
    cJSON_Delete(r);
}

static void test_deadlock(void)
{
    cJSON *r;
    const cJSON *f, *t;
    int rc, blocked = 0;

    r = explore("abba", "200", "random", &rc);
    f = failure(r);
    CHECK_INT(rc, 1);
    CHECK(f && strcmp(str(f, "kind"), "deadlock") == 0, "abba: no deadlock found");
    if (!f)
        return;
    CHECK_HAS(str(f, "message"), "wait-for cycle: thread");
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(f, "threads")) {
        blocked += strcmp(str(t, "state"), "blocked") == 0;
        CHECK_STR(str(t, "call"), "pthread_mutex_lock");
        CHECK_HAS(str(t, "where"), "abba.c:");
        CHECK(num(t, "waits_for") > 0, "a thread of the cycle waits for no thread");
    }
    CHECK_INT(blocked, 2);
    cJSON_Delete(r);
}

static void test_busy_wait(void)
{
    int rc;
    cJSON *r = explore("spin", "1", "pct", &rc);
    const cJSON *f = failure(r), *t;
    bool seen = false;

    CHECK_INT(rc, 1);
    CHECK(f && strcmp(str(f, "kind"), "busy-wait") == 0, "spin: no busy-wait");
    if (!f)
        return;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(f, "threads"))
        if (strcmp(str(t, "call"), "pthread_mutex_trylock") == 0)
            seen = strcmp(str(t, "where"), "spin.c:12") == 0 && num(t, "waits_for") == 1;
    CHECK(seen, "the polling thread's line is not spin.c:12, or it waits for no thread 1");
    CHECK_HAS(str(f, "message"), "waiting for thread 1");
    cJSON_Delete(r);
}

/* Runs PROGRAM in one schedule without a report, `trace` as RC_SCHED_TRACE; its stderr. */
static char *text_report(const char *program, const char *trace)
{
    char path[512], command[1024];
    static char text[1 << 16];
    FILE *in;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", programs, program);
    snprintf(command, sizeof(command),
             "env -u RC_SCHED_REPORT -u RC_SCHED_RUNS RC_SCHED_TRACE=%s %s 2>&1 >/dev/null",
             trace, path);
    in = popen(command, "r");
    if (!in)
        return strdup("");
    n = fread(text, 1, sizeof(text) - 1, in);
    pclose(in);
    text[n] = '\0';
    return strdup(text);
}

/* The report on stderr: the trace's tail, or all of it, a thread's repeated call on one line. */
static void test_text_report(void)
{
    char *tail = text_report("spin", "tail"), *all = text_report("spin", "all");

    CHECK_HAS(tail, "scheduler: busy-wait:");
    CHECK_HAS(tail, "all 1004 events");     /* 4 lines: the whole trace fits */
    CHECK_HAS(all, "all 1004 events");
    CHECK_HAS(all, "pthread_mutex_lock       mutex lock       spin.c:22");
    CHECK_HAS(all, "spin.c:12            0.000000   (1001 times)");
    CHECK(!strstr(all, "spin.c:12            0.000000\n"), "a repeated call on more than one line");
    CHECK_HAS(all, "replay: RC_SCHED_SEED=0x5eed0000 RC_SCHED_RUNS=1 RC_SCHED_TRACE=all");
    free(tail);
    tail = text_report("relock", "tail");   /* no repeats in a row: 20 events, 20 lines */
    CHECK_HAS(tail, "last 20 events");
    free(tail);
    free(all);
}

/* A poll loop that lets its lock go and takes it again (relock.c): its own
 * locks do not end its run of polls, so it is a busy-wait, not a step limit. */
static void test_busy_wait_relocking(void)
{
    int rc;
    cJSON *r = explore("relock", "1", "random", &rc);
    const cJSON *f = failure(r);

    CHECK_INT(rc, 1);
    CHECK(f && strcmp(str(f, "kind"), "busy-wait") == 0, "relock: no busy-wait");
    if (f)
        CHECK_HAS(str(f, "message"), "sched_yield");
    cJSON_Delete(r);
}

static void test_faults(void)
{
    int rc;
    cJSON *r = explore("faults", "20", "random", &rc);

    CHECK_INT(rc, 0);
    CHECK(r && !failure(r), "faults: %s", failure(r) ? str(failure(r), "output") : "no report");
    cJSON_Delete(r);
}

static void test_found_and_replayed(const char *program, const char *strategy, const char *kind)
{
    int rc;
    cJSON *r = explore(program, "1000", strategy, &rc), *again;
    const cJSON *f = failure(r);
    char seed_env[64], strategy_env[64];
    const char *env[] = { seed_env, strategy_env, "RC_SCHED_RUNS=1", NULL };
    char *first, *second;

    CHECK(f && strcmp(str(f, "kind"), kind) == 0, "%s (%s): no %s in 1000 schedules", program,
          strategy, kind);
    if (!f)
        return;
    snprintf(seed_env, sizeof(seed_env), "RC_SCHED_SEED=%s", str(f, "seed"));
    snprintf(strategy_env, sizeof(strategy_env), "RC_SCHED_STRATEGY=%s", strategy);
    CHECK_INT(run(program, env), 1);
    again = report();
    CHECK(failure(again), "%s: seed %s did not fail again", program, str(f, "seed"));
    if (failure(again)) {
        CHECK_STR(str(failure(again), "message"), str(f, "message"));
        first = trace_text(f);
        second = trace_text(failure(again));
        CHECK(strcmp(first, second) == 0, "%s: the replay's trace differs", program);
        free(first);
        free(second);
    }
    cJSON_Delete(again);
    cJSON_Delete(r);
}

static void test_report(void)
{
    const char *crash[] = { "HOW=crash", NULL }, *exits[] = { "HOW=exit", NULL },
               *spin[] = { "HOW=spin", "RC_SCHED_WALL_S=1", NULL },
               *bad[] = { "RC_SCHED_STRATEGY=fair", NULL }, *fine[] = { "RC_SCHED_RUNS=3", NULL },
               *bad_mode[] = { "RC_SCHED_INPROCESS=yes", NULL },
               *spin_worker[] = { "HOW=spin", "RC_SCHED_WALL_S=1", "RC_SCHED_RUNS=3", NULL };
    cJSON *r;

    CHECK_INT(run("ends", crash), 1);
    r = report();
    CHECK(failure(r) && strcmp(str(failure(r), "kind"), "crash") == 0, "no crash");
    if (failure(r)) {
        CHECK_STR(str(failure(r), "message"), "killed by SIGSEGV (segmentation fault)");
        CHECK_HAS(str(failure(r), "output"), "ends: crash");
        CHECK_STR(str(failure(r), "seed"), "0x5eed0000");
        CHECK_INT(num(failure(r), "schedule"), 1);
    }
    cJSON_Delete(r);
    CHECK_INT(run("ends", exits), 1);
    r = report();
    CHECK(failure(r) && strcmp(str(failure(r), "message"), "exited with status 3") == 0,
          "no exit");
    cJSON_Delete(r);
    CHECK_INT(run("ends", spin), 1);
    r = report();
    CHECK(failure(r) && strcmp(str(failure(r), "kind"), "limit") == 0, "no wall-time limit");
    if (failure(r))
        CHECK_HAS(str(failure(r), "message"), "thread 2 was running");
    cJSON_Delete(r);
    /* in a worker (in-process): killed past the wall time, run again in a child */
    CHECK_INT(run("ends", spin_worker), 1);
    r = report();
    CHECK(failure(r) && strcmp(str(failure(r), "kind"), "limit") == 0, "no wall-time limit");
    if (failure(r)) {
        CHECK_HAS(str(failure(r), "message"), "thread 2 was running");
        CHECK_INT(num(failure(r), "schedule"), 1);
    }
    cJSON_Delete(r);
    CHECK_INT(run("ends", bad), 2);
    remove(report_path);
    CHECK_INT(run("ends", bad_mode), 2);
    remove(report_path);
    CHECK_INT(run("ends", fine), 0);
    r = report();
    CHECK(r && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "failure")), "no null failure");
    CHECK_INT(num(r, "schedules_run"), 3);
    CHECK_STR(str(r, "strategy"), "random");
    cJSON_Delete(r);
}

/*
 * A program linked like a test binary, the harness's exit guard beside
 * the scheduler: the guard's spurious wake-ups, late wake-ups and late
 * locks hold in virtual time on every schedule, and pthread_exit() on
 * the test's thread or exit() anywhere still ends with RC_EXIT_CALLED (43).
 */
static void test_exit_guard(void)
{
    const char *runs[] = { "RC_SCHED_RUNS=200", NULL },
               *pct[] = { "RC_SCHED_RUNS=200", "RC_SCHED_STRATEGY=pct", NULL },
               *main_exit[] = { "HOW=main-exit", NULL },
               *thread_exit[] = { "HOW=thread-exit", NULL };
    const char *const *ends[] = { main_exit, thread_exit };
    cJSON *r;

    CHECK_INT(run("guarded", runs), 0);
    r = report();
    CHECK(r && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "failure")),
          "guarded: a schedule failed");
    cJSON_Delete(r);
    CHECK_INT(run("guarded", pct), 0);
    r = report();
    CHECK(r && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "failure")),
          "guarded: a PCT schedule failed");
    cJSON_Delete(r);
    for (int i = 0; i < 2; i++) {
        CHECK_INT(run("guarded", ends[i]), 1);
        r = report();
        CHECK(failure(r), "guarded: no failure for %s", ends[i][0]);
        if (failure(r)) {
            CHECK_STR(str(failure(r), "kind"), "exit");
            CHECK_STR(str(failure(r), "message"), "exited with status 43");
        }
        cJSON_Delete(r);
    }
}

/*
 * libuv, linked statically: a 20 s uv timer fires at exactly 20000 ms of
 * uv_now() in well under 2 s of real time, a uv_pipe carries messages
 * between two threads' loops on every schedule, and a loop that waits
 * for nothing is a deadlock in epoll_wait.
 */
static void test_libuv(void)
{
    const char *runs[] = { "RC_SCHED_RUNS=100", NULL },
               *pct[] = { "RC_SCHED_RUNS=100", "RC_SCHED_STRATEGY=pct", NULL },
               *one[] = { NULL }, *stuck[] = { "HOW=stuck", NULL };
    struct timespec t0, t1;
    cJSON *r;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT(run("uvpipe", one), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9 < 2.0,
          "uvpipe: the 20 s timer took 2 s or more of real time");
    remove(report_path);
    CHECK_INT(run("uvpipe", runs), 0);
    r = report();
    CHECK(r && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "failure")),
          "uvpipe: a schedule failed");
    cJSON_Delete(r);
    CHECK_INT(run("uvpipe", pct), 0);
    r = report();
    CHECK(r && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "failure")),
          "uvpipe: a PCT schedule failed");
    cJSON_Delete(r);
    CHECK_INT(run("uvpipe", stuck), 1);
    r = report();
    CHECK(failure(r), "uvpipe: no deadlock when nothing comes");
    if (failure(r)) {
        CHECK_STR(str(failure(r), "kind"), "deadlock");
        CHECK_HAS(str(failure(r), "message"), "epoll_wait");
        /* libuv_a.a has no line information: its function instead of "?" */
        CHECK_STR(str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(failure(r), "threads"),
                                         0), "where"), "uv__io_poll()");
    }
    cJSON_Delete(r);
}

/*
 * poll, ppoll and timerfds in virtual time: timerfd.c's own asserts pass
 * on every schedule, in a worker and in a child each; a poll or a read
 * that waits for a disarmed timer alone is a deadlock named after its
 * call, and poll(0) in a loop a busy-wait.
 */
static void test_timerfd(void)
{
    static const struct {
        const char *how, *kind, *call;
    } stuck[] = {
        { "HOW=stuck", "deadlock", "poll" },
        { "HOW=readstuck", "deadlock", "read" },
        { "HOW=spin", "busy-wait", "poll" },
    };
    const char *random[] = { "RC_SCHED_RUNS=100", NULL },
               *pct[] = { "RC_SCHED_RUNS=100", "RC_SCHED_STRATEGY=pct", NULL },
               *children[] = { "RC_SCHED_RUNS=20", "RC_SCHED_INPROCESS=0", NULL };
    const char *const *envs[] = { random, pct, children };
    cJSON *r;

    for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
        int status = run("timerfd", envs[i]);

        r = report();
        CHECK(status == 0 && r && !failure(r), "timerfd (%s): status %d, %s", envs[i][1] ?
              envs[i][1] : "random", status, r && failure(r) ? str(failure(r), "message") : "");
        cJSON_Delete(r);
    }
    for (size_t i = 0; i < sizeof(stuck) / sizeof(stuck[0]); i++) {
        const char *env[] = { stuck[i].how, NULL };

        CHECK_INT(run("timerfd", env), 1);
        r = report();
        CHECK(failure(r), "timerfd %s: no failure", stuck[i].how);
        if (failure(r)) {
            CHECK_STR(str(failure(r), "kind"), stuck[i].kind);
            CHECK_STR(str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(failure(r),
                                                                              "threads"), 0),
                          "call"), stuck[i].call);
            CHECK_HAS(str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(failure(r),
                                                                              "threads"), 0),
                          "where"), "timerfd.c:");
        }
        cJSON_Delete(r);
    }
}

/*
 * Blocking reads and writes of a pipe and a socket between two threads
 * (pipeio.c): each waits in the scheduler for the other, on every
 * schedule; a read that nobody will ever answer is a deadlock in read,
 * and a loop of reads that find nothing is a busy-wait.
 */
static void test_pipe_io(void)
{
    const char *runs[] = { "RC_SCHED_RUNS=100", NULL },
               *pct[] = { "RC_SCHED_RUNS=100", "RC_SCHED_STRATEGY=pct", NULL },
               *stuck[] = { "HOW=stuck", NULL }, *spin[] = { "HOW=spin", NULL };
    const char *const *passing[] = { runs, pct };
    cJSON *r;

    for (int i = 0; i < 2; i++) {
        CHECK_INT(run("pipeio", passing[i]), 0);
        r = report();
        CHECK(r && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "failure")),
              "pipeio (%s): a schedule failed", passing[i][1] ? "pct" : "random");
        cJSON_Delete(r);
    }
    CHECK_INT(run("pipeio", stuck), 1);
    r = report();
    CHECK(failure(r), "pipeio: no deadlock when nobody writes");
    if (failure(r)) {
        CHECK_STR(str(failure(r), "kind"), "deadlock");
        CHECK_HAS(str(failure(r), "message"), "waits in read");
        CHECK_HAS(str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(failure(r), "threads"),
                                         0), "where"), "pipeio.c:");
    }
    cJSON_Delete(r);
    CHECK_INT(run("pipeio", spin), 1);
    r = report();
    CHECK(failure(r), "pipeio: no busy-wait for a loop of reads");
    if (failure(r)) {
        CHECK_STR(str(failure(r), "kind"), "busy-wait");
        CHECK_HAS(str(failure(r), "message"), "called read");
    }
    cJSON_Delete(r);
}

/* Runs inproc (HOW=how) for `runs` schedules, in a worker or not; its report. */
static cJSON *inproc(const char *how, const char *runs, bool worker, const char *pids,
                     int *status)
{
    char how_env[64], runs_env[64], pids_env[512];
    const char *env[] = { how_env, runs_env,
                          worker ? "RC_SCHED_INPROCESS=1" : "RC_SCHED_INPROCESS=0",
                          "RC_SCHED_TRACE=all", pids_env, NULL };

    snprintf(how_env, sizeof(how_env), "HOW=%s", how);
    snprintf(runs_env, sizeof(runs_env), "RC_SCHED_RUNS=%s", runs);
    snprintf(pids_env, sizeof(pids_env), "PIDS=%s", pids ? pids : "");
    *status = run("inproc", env);
    return report();
}

/* How many different lines `path` has (then deletes it). */
static int distinct_lines(const char *path)
{
    char lines[512][32], line[32];
    int n = 0;
    FILE *in = fopen(path, "r");

    while (in && fgets(line, sizeof(line), in)) {
        int i = 0;

        while (i < n && strcmp(lines[i], line) != 0)
            i++;
        if (i == n && n < 512)
            strcpy(lines[n++], line);
    }
    if (in)
        fclose(in);
    remove(path);
    return n;
}

static void check_passed(cJSON *r, int status, const char *what, int runs)
{
    CHECK_INT(status, 0);
    CHECK(r && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "failure")), "%s: %s", what,
          failure(r) ? str(failure(r), "message") : "no report");
    CHECK_INT(num(r, "schedules_run"), runs);
    cJSON_Delete(r);
}

/*
 * Schedules run many in one worker process (scheduler/inprocess.c): each
 * finds the program's globals, thread-local variables, threads, virtual
 * time as a fresh process does (inproc.c asserts it), exit() ends one
 * schedule only, the heap stays bounded, and a schedule that fails is
 * reported exactly as the fork server alone reports it, and replays.
 */
static void test_inprocess(void)
{
    const char *ends[] = { "crash", "exit3", "deadlock" };
    char pids[300];
    cJSON *r;
    int status;

    snprintf(pids, sizeof(pids), "%s.pids", report_path);
    r = inproc("", "600", true, pids, &status);
    check_passed(r, status, "inproc", 600);
    /* a worker retires after 256 schedules, or 33 threads left parked */
    status = distinct_lines(pids);
    CHECK(status >= 3 && status <= 60, "inproc: 600 schedules in %d processes", status);
    r = inproc("", "20", false, pids, &status);
    check_passed(r, status, "inproc (fork server)", 20);
    CHECK_INT(distinct_lines(pids), 20);
    r = inproc("exit", "100", true, pids, &status);
    check_passed(r, status, "inproc HOW=exit", 100);
    status = distinct_lines(pids);
    CHECK(status >= 1 && status <= 10, "inproc HOW=exit: 100 schedules in %d processes", status);
    /* a worker that went wrong would hand the rest to one child each: 100 */
    r = inproc("stuck", "100", true, pids, &status);
    check_passed(r, status, "inproc HOW=stuck", 100);
    status = distinct_lines(pids);
    CHECK(status >= 3 && status <= 10, "inproc HOW=stuck: 100 schedules in %d processes", status);
    r = inproc("leak", "100", true, pids, &status);
    check_passed(r, status, "inproc HOW=leak", 100);
    status = distinct_lines(pids);
    CHECK(status >= 3 && status <= 12, "inproc HOW=leak: 100 schedules in %d processes", status);
    for (int i = 0; i < 3; i++) {
        cJSON *fork_r = inproc(ends[i], "20", false, NULL, &status), *again;
        char *a, *b, seed_env[64], how_env[64];
        const char *env[] = { seed_env, how_env, "RC_SCHED_RUNS=1", "RC_SCHED_TRACE=all", NULL };

        CHECK_INT(status, 1);
        r = inproc(ends[i], "20", true, NULL, &status);
        CHECK_INT(status, 1);
        CHECK(failure(r) && failure(fork_r), "inproc HOW=%s: no failure", ends[i]);
        if (!failure(r) || !failure(fork_r)) {
            cJSON_Delete(r);
            cJSON_Delete(fork_r);
            continue;
        }
        CHECK_INT(num(failure(r), "schedule"), 7);
        a = cJSON_PrintUnformatted(r);
        b = cJSON_PrintUnformatted(fork_r);
        CHECK(strcmp(a, b) == 0, "inproc HOW=%s: the report differs from the fork server's:\n"
              "%s\n%s", ends[i], a, b);
        free(a);
        free(b);
        snprintf(seed_env, sizeof(seed_env), "RC_SCHED_SEED=%s", str(failure(r), "seed"));
        snprintf(how_env, sizeof(how_env), "HOW=%s", ends[i]);
        CHECK_INT(run("inproc", env), 1);
        again = report();
        if (failure(again)) {
            a = trace_text(failure(again));
            b = trace_text(failure(r));
            CHECK_STR(str(failure(again), "kind"), str(failure(r), "kind"));
            CHECK(strcmp(a, b) == 0, "inproc HOW=%s: the replay's trace differs", ends[i]);
            free(a);
            free(b);
        } else {
            CHECK(false, "inproc HOW=%s: the replay did not fail", ends[i]);
        }
        cJSON_Delete(again);
        cJSON_Delete(r);
        cJSON_Delete(fork_r);
    }
}

/*
 * `program` exits 0 under the scheduler in each way a schedule runs: in a
 * process of its own, in a child of the fork server each, and in the
 * in-process worker.
 */
static void check_passes_everywhere(const char *program)
{
    const char *alone[] = { "RC_SCHED_RUNS=1", NULL };
    const char *children[] = { "RC_SCHED_RUNS=4", "RC_SCHED_INPROCESS=0", NULL };
    const char *worker[] = { "RC_SCHED_RUNS=4", "RC_SCHED_INPROCESS=1", NULL };
    char what[128];
    int status;

    CHECK(run(program, alone) == 0, "%s: fails in a process of its own", program);
    cJSON_Delete(report());
    status = run(program, children);
    snprintf(what, sizeof what, "%s (one child each)", program);
    check_passed(report(), status, what, 4);
    status = run(program, worker);
    snprintf(what, sizeof what, "%s (in-process)", program);
    check_passed(report(), status, what, 4);
}

/*
 * A schedule's threads all stay on one CPU, the one its process started
 * on (core.c): one thread runs at a time, and a hand-over on one CPU is
 * far cheaper.  onecpu.c exits 3 when a thread may run elsewhere.
 */
static void test_one_cpu(void)
{
    check_passes_everywhere("onecpu");
}

/*
 * glibc's unwinder is loaded before any schedule starts (forkserver.c),
 * so that a schedule whose threads end does not load it again.
 * unwinder.c exits 3 when it is not loaded as main begins.
 */
static void test_unwinder_loaded_once(void)
{
    check_passes_everywhere("unwinder");
}

/*
 * Correct uses of the calls a student may make (posix.c, uvsync.c): each
 * passes every schedule under both strategies, with no verdict.
 */
static void test_posix_calls(void)
{
    static const char *const cases[] = {
        "barrier", "spin", "once", "exit", "recursive", "errorcheck", "selfjoin", "condclock",
        "static",
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int pct = 0; pct < 2; pct++) {
            char how[64];
            const char *env[] = { how, pct ? "RC_SCHED_STRATEGY=pct" : "RC_SCHED_STRATEGY=random",
                                  "RC_SCHED_RUNS=100", "RC_SCHED_WALL_S=5", NULL };
            int status;
            cJSON *r;

            snprintf(how, sizeof(how), "HOW=%s", cases[i]);
            status = run("posix", env);
            r = report();
            CHECK(status == 0 && r && !failure(r) && num(r, "schedules_run") == 100,
                  "posix %s (%s): status %d, %s", cases[i], pct ? "pct" : "random", status,
                  r && failure(r) ? str(failure(r), "message") : "no failure");
            cJSON_Delete(r);
        }
    }
    for (int pct = 0; pct < 2; pct++) {
        const char *env[] = { pct ? "RC_SCHED_STRATEGY=pct" : "RC_SCHED_STRATEGY=random",
                              "RC_SCHED_RUNS=30", "RC_SCHED_WALL_S=5", NULL };
        int status = run("uvsync", env);
        cJSON *r = report();

        CHECK(status == 0 && r && !failure(r) && num(r, "schedules_run") == 30,
              "uvsync (%s): status %d, %s", pct ? "pct" : "random", status,
              r && failure(r) ? str(failure(r), "message") : "no failure");
        cJSON_Delete(r);
    }
}

static int bodies_run;          /* the last run_criterion()'s runs of the test's body */

/* The start of file `path` into buf, as a string ("" when it cannot be read). */
static void read_text(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : 0;

    buf[n > 0 ? n : 0] = '\0';
    if (fd >= 0)
        close(fd);
}

/*
 * Runs the Criterion test binary `schedules` (harness/test_schedules.c)
 * with RC_SCHED_RUNS=`runs` (and RC_SCHED_SEED=`seed` unless NULL), its
 * test `test` alone; *out gets what it printed (static), *said its output
 * file (RC_OUTPUT_DIR, static).  Returns its exit status.
 */
static int run_criterion(const char *test, const char *runs, const char *seed,
                         const char **out, const char **said)
{
    static char printed[1 << 16], output[1 << 16], runs_seen[256];
    char dir[] = "/tmp/rc-schedules.XXXXXX", path[512], filter[128], program[512];
    int status = -1;
    pid_t pid;

    *out = *said = "";
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/printed", dir);
    snprintf(filter, sizeof filter, "*/%s", test);
    snprintf(program, sizeof program, "%s/schedules", programs);
    pid = fork();
    if (pid == 0) {
        char runs_is[64], seed_is[64], dir_is[128], count_is[160];
        char *env[] = { "PATH=/usr/bin:/bin", runs_is, dir_is, count_is, seed ? seed_is : NULL,
                        NULL };
        int printed_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        snprintf(runs_is, sizeof runs_is, "RC_SCHED_RUNS=%s", runs);
        snprintf(seed_is, sizeof seed_is, "RC_SCHED_SEED=%s", seed ? seed : "");
        snprintf(dir_is, sizeof dir_is, "RC_OUTPUT_DIR=%s", dir);
        snprintf(count_is, sizeof count_is, "RC_RUNS_FILE=%s/runs", dir);
        dup2(printed_fd, 1);
        dup2(printed_fd, 2);
        execle(program, program, "--jobs", "1", "--short-filename", "--filter", filter,
               (char *)NULL, env);
        _exit(127);
    }
    waitpid(pid, &status, 0);
    read_text(path, printed, sizeof printed);
    snprintf(path, sizeof path, "%s/output-%s.txt", dir, test);
    read_text(path, output, sizeof output);
    snprintf(path, sizeof path, "%s/runs", dir);
    read_text(path, runs_seen, sizeof runs_seen);
    bodies_run = (int)strlen(runs_seen);
    *out = printed;
    *said = output;
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    if (system(path) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* How many times `needle` is in `text`. */
static int count_of(const char *text, const char *needle)
{
    int n = 0;

    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/*
 * Each test of a Criterion binary under RC_SCHED_RUNS schedules
 * (harness/test_schedules.c): a test passes only under every one; a
 * failure names its schedule and seed, and that seed alone, one
 * schedule, fails the same way (the replay); the schedules before it
 * pass alone; a passing test's printing is there once, not once a
 * schedule; a test with one thread is tried once, not once a seed; a
 * verdict of the scheduler in a trial is reported from the
 * test process's own run of that schedule; a test that passes only
 * outside a trial fails with the trial's words.
 */
static void test_schedules_per_test(void)
{
    const char *out, *said, *seed_at;
    char seed[32] = "";
    int status;

    status = run_criterion("order_free", "40", NULL, &out, &said);
    CHECK_INT(status, 0);
    CHECK(strstr(out, "Passing: 1"), "order_free under 40 schedules did not pass: %s", out);
    CHECK_INT(count_of(said, "order_free ran"), 1);
    CHECK_INT(bodies_run, 40);          /* 39 trials, and the last schedule the run
                                           Criterion sees */
    status = run_criterion("alone", "40", NULL, &out, &said);
    CHECK_INT(status, 0);
    CHECK_INT(bodies_run, 2);           /* one trial: no seed decided anything */

    status = run_criterion("order_matters", "40", NULL, &out, &said);
    CHECK(status != 0, "order_matters passed 40 schedules: %s", out);
    CHECK(strstr(out, "thread 2 appended first (schedule 1 of 40; replay it: make replay "
                 "EX=sched TEST=order_matters SEED=0x5eed0000)"), "schedule 1 not named: %s", out);
    CHECK(!strstr(said, "racecourse: this test failed"),
          "the output names the first schedule, which make check runs anyway: %s", said);

    status = run_criterion("deadlocks", "40", NULL, &out, &said);
    CHECK(status != 0, "deadlocks passed 40 schedules: %s", out);
    CHECK(strstr(out, "deadlock: no thread can run") && strstr(out, ") (schedule "),
          "no deadlock verdict with its schedule: %s", out);
    CHECK_INT(count_of(out, "SEED=0x"), 1);
    CHECK(strstr(said, "scheduler: deadlock:") && strstr(said, "wait-for cycle"),
          "the test's output has no report of the deadlock: %s", said);
    CHECK(strstr(said, "racecourse: this test failed under schedule "),
          "the output does not say which schedule failed: %s", said);
    seed_at = strstr(out, "SEED=0x");
    if (seed_at)
        sscanf(seed_at, "SEED=%31[0-9a-fx])", seed);
    CHECK(seed[0] && strcmp(seed, "0x5eed0000") != 0, "no later seed in: %s", out);
    if (seed[0]) {
        unsigned long long s = strtoull(seed, NULL, 16);
        char before[32];

        status = run_criterion("deadlocks", "1", seed, &out, &said);
        CHECK(status != 0 && strstr(out, "deadlock: no thread can run"),
              "the named seed %s alone did not deadlock: %s", seed, out);
        CHECK(!strstr(out, "(schedule "), "one schedule named a schedule: %s", out);
        snprintf(before, sizeof before, "0x%llx", s - 1);
        status = run_criterion("deadlocks", "1", before, &out, &said);
        CHECK_INT(status, 0);

        /* The failing schedule as the last: the test process's own run
           finds it, and names it as a trial's would. */
        unsigned long k = (unsigned long)(s - 0x5eed0000ULL) + 1;
        char runs[32], named[64], header[160];

        snprintf(runs, sizeof runs, "%lu", k);
        snprintf(named, sizeof named, ") (schedule %lu of %lu)", k, k);
        if (k == 2)
            snprintf(header, sizeof header, "racecourse: this test passed under schedule 1; "
                     "this is schedule 2 of 2 (seed %s)", seed);
        else
            snprintf(header, sizeof header, "racecourse: this test passed under schedules 1 to "
                     "%lu; this is schedule %lu of %lu (seed %s)", k - 1, k, k, seed);
        status = run_criterion("deadlocks", runs, NULL, &out, &said);
        CHECK(status != 0 && strstr(out, "deadlock: no thread can run") && strstr(out, named),
              "the last schedule's deadlock not named '%s': %s", named, out);
        CHECK(strstr(said, header), "the output does not say '%s': %s", header, said);
    }

    status = run_criterion("process_bound", "3", NULL, &out, &said);
    CHECK(status != 0, "process_bound passed: %s", out);
    CHECK(strstr(out, "not the test process (schedule 1 of 3, seed 0x5eed0000: it failed in a "
                 "process of its own and passed when run again"), "not said: %s", out);
    status = run_criterion("process_bound", "1", NULL, &out, &said);
    CHECK_INT(status, 0);
}

int main(int argc, char **argv)
{
    programs = argc > 1 ? argv[1] : SCHED_PROGRAMS;
    snprintf(report_path, sizeof(report_path), "%s/report-%d.json",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    test_strategies();
    test_virtual_time();
    test_cancel();
    test_deadlock();
    test_busy_wait();
    test_busy_wait_relocking();
    test_text_report();
    test_faults();
    test_found_and_replayed("counter", "random", "assert");
    test_found_and_replayed("counter", "pct", "assert");
    test_found_and_replayed("condif", "random", "assert");
    test_found_and_replayed("abba", "pct", "deadlock");
    test_report();
    test_exit_guard();
    test_schedules_per_test();
    test_libuv();
    test_timerfd();
    test_pipe_io();
    test_inprocess();
    test_posix_calls();
    test_one_cpu();
    test_unwinder_loaded_once();
    return check_finish();
}
