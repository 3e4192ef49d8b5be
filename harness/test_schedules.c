/*
 * test_schedules.c - each test passes under every schedule it is given.
 *
 * Under the controlled scheduler (manifest `schedules`, docs/scheduler.md)
 * a test process runs its test in one schedule, drawn from a seed.  With
 * RC_SCHED_RUNS=N (the grader sets it from the manifest's `schedules`;
 * RC_SCHED_RUNS_<test> from its `schedules.<test>`) the test has to
 * pass under N schedules, seeds SEED, SEED+1, ... SEED+N-1, and the
 * grade names the first that fails.  Criterion runs one test per process
 * and speaks to its runner once per test, so the schedules cannot each
 * be a Criterion test.  Instead, when the test's body is about to run
 * (the test binary is linked with --wrap=criterion_internal_test_main,
 * harness/wraps/schedules.txt), the test process forks a trial for each
 * schedule but the last, one after another:
 *
 * - a trial restarts the schedule with its seed (rc_sched_restart()),
 *   runs the test's body with its printing thrown away, and ends: 0 when
 *   no assertion failed.  Its assertions never reach Criterion (the
 *   runner would count them as the test's): criterion_send_assert and
 *   criterion_abort_test are wrapped too, and in a trial they only keep
 *   the first failure's words, in memory shared with the test process;
 * - the trials stop at the first that does not pass (a failed assertion,
 *   a crash, exit(), a verdict of the scheduler: a deadlock ...), or at
 *   the first that passed with no decision left to its seed (one thread
 *   ran at a time all along: rc_sched_choices()), since every other seed
 *   gives that very schedule;
 * - the last schedule is not a trial: when every trial before it
 *   passed, the test process runs it itself, for Criterion; when one
 *   failed, the test process runs that schedule again instead (and when a
 *   trial passed with no decision left, the first one).  So N schedules
 *   cost N runs of the body, and the failure a student sees is a real run
 *   of the test, as without trials (the crash, the trace, the test's
 *   printing): each of its failed assertions names the schedule and the
 *   command that replays it.
 *
 * A seed names one schedule whatever the process started with (the
 * restart draws every choice afresh from it), so `make replay ...
 * SEED=0x...` (RC_SCHED_SEED, one schedule) runs that very schedule.
 *
 * A schedule that failed in its trial and passes when the test process
 * runs it (the test then depends on more than the schedule, e.g. on the
 * machine's speed) still fails the test, with the trial's words; so does
 * a trial that could not be forked at all (the machine out of processes
 * for more than a second), with words that say so.
 *
 * Under the scheduler the test's schedule always starts again from its
 * seed when the body starts, trials or not.  Without the scheduler, or
 * when the test starts with threads of its own already running (a
 * fixture's), the test runs once, as before; with RC_SCHED_RUNS unset or
 * 1, once under its seed.
 */
#define _GNU_SOURCE
#include "test_schedules.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The scheduler's (scheduler/rc_sched.h), absent from binaries on real time. */
extern bool rc_sched_active(void) __attribute__((weak));
extern unsigned long rc_sched_runs(void) __attribute__((weak));
extern uint64_t rc_sched_seed(void) __attribute__((weak));
extern int rc_sched_restart(uint64_t seed) __attribute__((weak));
extern unsigned long rc_sched_choices(void) __attribute__((weak));

/* The harness's (exit_guard.c, print_guard.c). */
extern const char *rc_exit_guard_replay_command(void) __attribute__((weak));
extern void rc_print_discard(void) __attribute__((weak));
extern int rc_print_test_output(const char *data, size_t len) __attribute__((weak));
extern void __real__exit(int status) __attribute__((noreturn));

void __real_criterion_internal_test_main(void (*fn)(void));
void __real_criterion_send_assert(struct criterion_assert_stats *stats);
void __real_criterion_abort_test(void) __attribute__((noreturn));
void __wrap_criterion_internal_test_main(void (*fn)(void));
void __wrap_criterion_send_assert(struct criterion_assert_stats *stats);
void __wrap_criterion_abort_test(void) __attribute__((noreturn));

/* What a trial tells the test process, in a shared mapping. */
struct trial {
    bool passed;                /* the body ran to its end, no assertion failed */
    unsigned long choices;      /* decisions its seed made (rc_sched_choices()) */
    bool failed;                /* an assertion failed */
    char failure[2048];         /* "file:line: message" of the first */
    char file[256];             /* and its place apart, for Criterion */
    unsigned line;
    size_t message_at;          /* where its message starts in failure */
    bool not_started;           /* no process could be forked for it */
};

static struct trial *trial;     /* set in a trial's process only */

/*
 * The schedule of the test process's own run, when it is one of several:
 * the one a trial failed under, or the last.  number 0: no schedule to
 * name (one schedule, or every seed gives the same).
 */
static struct {
    unsigned long number;       /* 1-based */
    unsigned long of;
    uint64_t seed;
    const struct trial *trial;  /* what its trial said when it failed there, or NULL */
    bool reported;              /* an assertion failed in the run for Criterion */
} this_run;

/* Ends a trial: 0 when it passed. */
static void end_trial(void) __attribute__((noreturn));

static void end_trial(void)
{
    trial->choices = rc_sched_choices ? rc_sched_choices() : 1;
    trial->passed = !trial->failed;
    __real__exit(trial->failed ? 1 : 0);
}

/*
 * fork(), tried again for a second when the machine is short of
 * processes for a moment (the pause by the system call itself: the
 * scheduler's sleep is virtual).
 */
static pid_t fork_trial(void)
{
    for (int tries = 0;; tries++) {
        struct timespec pause = { 0, 100 * 1000 * 1000 };
        pid_t pid = fork();

        if (pid >= 0 || errno != EAGAIN || tries == 10)
            return pid;
        syscall(SYS_nanosleep, &pause, NULL);
    }
}

/*
 * Runs `fn` under schedule `seed` in a trial process; true when it
 * passed.  `shared` receives the first failure's words.
 */
static bool run_trial(void (*fn)(void), uint64_t seed, struct trial *shared)
{
    pid_t parent = getpid(), pid;
    int status = 0;

    memset(shared, 0, sizeof *shared);
    fflush(NULL);
    pid = fork_trial();
    if (pid < 0) {
        shared->not_started = true;
        snprintf(shared->failure, sizeof shared->failure, "fork: %s", strerror(errno));
        return false;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            __real__exit(1);
        trial = shared;
        if (rc_print_discard)
            rc_print_discard();
        if (rc_sched_restart(seed) != 0)
            __real__exit(1);
        fn();
        end_trial();
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && shared->passed)
        return true;
    if (!shared->failed) {
        if (WIFSIGNALED(status))
            snprintf(shared->failure, sizeof shared->failure,
                     "the test was killed by signal %d (%s)", WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
        else
            snprintf(shared->failure, sizeof shared->failure,
                     "the test ended with exit status %d", WEXITSTATUS(status));
    }
    return false;
}

/*
 * Tells the test's output, in one line before its own printing, which
 * schedule this run is and how to replay it, when it is not the first
 * (the first is the one `make check` and `make replay` run by default).
 * The line is seen only when the test fails.
 */
static void say_schedule(void)
{
    const char *replay = rc_exit_guard_replay_command ? rc_exit_guard_replay_command() : NULL;
    char text[512], how[320] = "", what[160];
    int n;

    if (this_run.number < 2 || !rc_print_test_output)
        return;
    if (replay)
        snprintf(how, sizeof how, "; replay it: %s SEED=0x%llx", replay,
                 (unsigned long long)this_run.seed);
    if (this_run.trial)
        snprintf(what, sizeof what, "this test failed under schedule %lu of %lu",
                 this_run.number, this_run.of);
    else if (this_run.number == 2)
        snprintf(what, sizeof what, "this test passed under schedule 1; this is schedule 2 of "
                 "%lu", this_run.of);
    else
        snprintf(what, sizeof what, "this test passed under schedules 1 to %lu; this is "
                 "schedule %lu of %lu", this_run.number - 1, this_run.number, this_run.of);
    n = snprintf(text, sizeof text, "racecourse: %s (seed 0x%llx); what follows is that "
                 "schedule's run%s\n", what, (unsigned long long)this_run.seed, how);
    if (n > 0)
        rc_print_test_output(text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

/* RC_SCHED_RUNS_<test>, this test's own number (the manifest's
   schedules.NAME), or RC_SCHED_RUNS. */
static unsigned long runs_of_this_test(void)
{
    char name[256];
    const char *text;
    char *end;
    unsigned long runs;

    snprintf(name, sizeof name, "RC_SCHED_RUNS_%s", criterion_current_test->name);
    text = getenv(name);
    if (!text)
        return rc_sched_runs();
    runs = strtoul(text, &end, 10);
    return *end || runs == 0 ? rc_sched_runs() : runs;
}

void __wrap_criterion_internal_test_main(void (*fn)(void))
{
    static struct trial *shared;
    unsigned long runs;
    uint64_t first;

    if (!rc_sched_active || !rc_sched_active() || rc_sched_restart(rc_sched_seed()) != 0) {
        __real_criterion_internal_test_main(fn);
        return;
    }
    runs = runs_of_this_test();
    if (runs > 1 && !shared) {
        shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shared == MAP_FAILED)
            shared = NULL;
    }
    first = rc_sched_seed();
    if (runs > 1 && !shared) {          /* no trial can report: say so, never pass quietly */
        static struct trial none = { .not_started = true };

        snprintf(none.failure, sizeof none.failure, "mmap: %s", strerror(errno));
        this_run.number = 1;
        this_run.of = runs;
        this_run.seed = first;
        this_run.trial = &none;
    }
    for (unsigned long i = 0; shared && runs > 1 && i < runs; i++) {
        if (i == runs - 1) {            /* every trial passed: the last runs here */
            this_run.number = runs;
            this_run.of = runs;
            this_run.seed = first + i;
            break;
        }
        if (run_trial(fn, first + i, shared)) {
            if (shared->choices == 0)
                break;          /* no seed decided anything: every schedule is this one */
            continue;
        }
        this_run.number = i + 1;
        this_run.of = runs;
        this_run.seed = first + i;
        this_run.trial = shared;
        break;
    }
    if (this_run.number) {
        say_schedule();
        rc_sched_restart(this_run.seed);
    }
    __real_criterion_internal_test_main(fn);
    rc_test_schedules_reached_end();
}

void rc_test_schedules_reached_end(void)
{
    const struct trial *t = this_run.trial;
    struct criterion_assert_stats stats = { .passed = false };
    char *message = NULL;
    int n;

    if (trial)
        end_trial();
    if (!t || this_run.reported)
        return;
    this_run.reported = true;
    if (t->not_started)
        n = asprintf(&message, "the test could not be tried under schedule %lu of %lu (%s): "
                     "this machine ran out of processes; grade again", this_run.number,
                     this_run.of, t->failure);
    else
        n = asprintf(&message, "%s (schedule %lu of %lu, seed 0x%llx: it failed in a process of "
                     "its own and passed when run again, so the test depends on more than the "
                     "schedule, e.g. on the machine's speed)", t->failure + t->message_at,
                     this_run.number, this_run.of, (unsigned long long)this_run.seed);
    if (n < 0)
        message = NULL;
    stats.message = message ? message : t->failure;
    stats.file = t->failed ? t->file : "schedule";
    stats.line = t->failed ? t->line : 0;
    __real_criterion_send_assert(&stats);
    free(message);
}

/*
 * A failed assertion's words with the schedule that failed, when a trial
 * did: "... (schedule 7 of 20; replay it: make replay EX=... SEED=0x5eed0006)";
 * a verdict of the scheduler names its replay itself.
 * NULL when there is nothing to add.
 */
static char *with_schedule(const char *message)
{
    const char *replay = rc_exit_guard_replay_command ? rc_exit_guard_replay_command() : NULL;
    char *text;
    int n;

    if (!this_run.number)
        return NULL;
    if (!message)
        message = "";
    if (strstr(message, "SEED=0x"))
        n = asprintf(&text, "%s (schedule %lu of %lu)", message, this_run.number, this_run.of);
    else if (replay)
        n = asprintf(&text, "%s (schedule %lu of %lu; replay it: %s SEED=0x%llx)", message,
                     this_run.number, this_run.of, replay, (unsigned long long)this_run.seed);
    else
        n = asprintf(&text, "%s (schedule %lu of %lu, seed 0x%llx)", message, this_run.number,
                     this_run.of, (unsigned long long)this_run.seed);
    return n < 0 ? NULL : text;
}

void __wrap_criterion_send_assert(struct criterion_assert_stats *stats)
{
    struct criterion_assert_stats named;
    char *message;

    if (trial) {
        if (!stats->passed && !trial->failed) {
            int at;

            trial->failed = true;
            snprintf(trial->file, sizeof trial->file, "%s", stats->file ? stats->file : "?");
            trial->line = stats->line;
            at = snprintf(trial->failure, sizeof trial->failure, "%s:%u: ", trial->file,
                          stats->line);
            trial->message_at = at > 0 && (size_t)at < sizeof trial->failure ? (size_t)at : 0;
            snprintf(trial->failure + trial->message_at,
                     sizeof trial->failure - trial->message_at, "%s",
                     stats->message ? stats->message : "");
        }
        return;
    }
    if (stats->passed || !(message = with_schedule(stats->message))) {
        __real_criterion_send_assert(stats);
        return;
    }
    this_run.reported = true;
    named = *stats;
    named.message = message;
    __real_criterion_send_assert(&named);
    free(message);
}

void __wrap_criterion_abort_test(void)
{
    if (trial)
        end_trial();
    __real_criterion_abort_test();
}
