/*
 * forkserver.c - the runtime's start: reads the environment and, for
 * RC_SCHED_RUNS > 1 or RC_SCHED_REPORT, becomes a fork server before
 * main runs: schedule i runs with seed SEED + i, until one fails or all
 * passed; then the report, and the exit status 0 (all passed), 1 (one
 * failed) or 2 (the runtime could not run).  Schedules run many in one
 * worker process while they pass (inprocess.c); the one it stopped at,
 * and the rest if that one passes, run each in a fresh child, its output
 * in a memfd: a failure is always reported from such a child.  Otherwise
 * one schedule runs in the process itself.
 *
 * The runtime's state is a MAP_SHARED mapping in fork-server mode: the
 * parent reads a child's verdict, thread table and trace after it ended,
 * and resolves the addresses in them (same program, same layout).
 */
#define _GNU_SOURCE
#include "rc_internal.h"

#include <errno.h>
#include <execinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUTPUT_TAIL 4096

static bool in_child;           /* a schedule of the fork server */
static bool wall_alarm_set;     /* one schedule in the process: alarm() is its limit */

static void rc_start(int argc, char **argv, char **envp);

void rc_as_child(void)
{
    in_child = true;
}

/*
 * _exit(), by the system call itself: a test binary is linked with
 * --wrap=_exit too (the harness's exit guard turns it into "your code
 * called exit()"), and the runtime's own ends must keep their status.
 */
static void end_process(int status) __attribute__((noreturn));

static void end_process(int status)
{
    for (;;)
        syscall(SYS_exit_group, status);
}

/* The thread that was running (its last call says where it was), or NULL. */
static const struct rc_thread *running_thread(void)
{
    for (int i = 0; i < rc->n_slots; i++)
        if (rc->threads[i].id == rc->running && rc->threads[i].state != RC_T_FREE)
            return &rc->threads[i];
    return NULL;
}

/* Ends the process of a schedule with a runtime verdict (core.c's rc_fail). */
void rc_schedule_end(void) __attribute__((noreturn));

void rc_schedule_end(void)
{
    if (rc->verdict == RC_V_DEADLOCK)
        rc_report_cycle();
    fflush(stdout);
    if (!in_child && !rc_hook_verdict(rc_verdict_name(rc->verdict)))
        rc_report_text(rc_verdict_name(rc->verdict), rc->message, true);
    fflush(stderr);
    end_process(1);
}

/*
 * In-process mode: past RC_SCHED_WALL_S, says who was running and its last
 * call, and ends (only async-signal-safe calls: no address resolved).
 */
static void wall_alarm(int sig)
{
    const struct rc_thread *last = running_thread();
    char text[512];
    int n;

    (void)sig;
    rc_on = false;      /* the write below is not a scheduling point (wrap_io.c) */
    n = snprintf(text, sizeof(text), "\nscheduler: limit: the schedule ran for more than %.0f s "
                 "of real time (RC_SCHED_WALL_S); thread %d was running, last seen in %s: a "
                 "loop with no scheduling point in it?\n", rc_cfg.wall_s, rc->running,
                 last ? last->call : "none");
    if (n > 0 && write(2, text, (size_t)n) < 0)
        end_process(1);
    end_process(1);
}

void rc_wall_limit_restart(void)
{
    if (wall_alarm_set)
        alarm((unsigned)rc_cfg.wall_s);
}

/* Waits for child `pid` at most `wall_s`; kills it past that.  Its status. */
static int wait_child(pid_t pid, double wall_s, bool *timed_out)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0), status = 0;

    *timed_out = false;
    if (fd >= 0) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r;

        while ((r = poll(&p, 1, (int)(wall_s * 1000))) < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            *timed_out = true;
            kill(pid, SIGKILL);
        }
        close(fd);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    return status;
}

/* The last OUTPUT_TAIL bytes of `fd` into buf; their length. */
static size_t output_tail(int fd, char *buf)
{
    off_t end = lseek(fd, 0, SEEK_END), from = end > OUTPUT_TAIL ? end - OUTPUT_TAIL : 0;
    ssize_t n = end > 0 ? pread(fd, buf, (size_t)(end - from), from) : 0;

    buf[n > 0 ? n : 0] = '\0';
    return n > 0 ? (size_t)n : 0;
}

/* The "... Assertion `x' failed." line of `output` into msg, without "prog: ". */
static bool assertion_line(const char *output, char *msg, size_t size)
{
    const char *at = strstr(output, "Assertion `"), *start, *end;
    size_t prefix = strlen(program_invocation_short_name);

    if (!at)
        return false;
    for (start = at; start > output && start[-1] != '\n'; start--)
        continue;
    end = strchr(at, '\n');
    if (!end)
        end = at + strlen(at);
    if (strncmp(start, program_invocation_short_name, prefix) == 0 &&
        strncmp(start + prefix, ": ", 2) == 0)
        start += prefix + 2;
    snprintf(msg, size, "%.*s", (int)(end - start), start);
    return true;
}

/* "killed by SIGSEGV (segmentation fault)" */
static void signal_message(int sig, char *msg, size_t size)
{
    const char *abbrev = sigabbrev_np(sig), *desc = strsignal(sig);
    char lower[128];
    size_t i;

    for (i = 0; desc && desc[i] && i + 1 < sizeof(lower); i++)
        lower[i] = i == 0 ? (char)(desc[i] | 0x20) : desc[i];
    lower[i] = '\0';
    snprintf(msg, size, "killed by SIG%s (%s)", abbrev ? abbrev : "?", lower);
}

/*
 * How schedule `status` ended: fills f (kind NULL when it passed).
 */
static void classify(int status, bool timed_out, const char *output, struct rc_failure *f,
                     char *msg, size_t size)
{
    f->kind = NULL;
    f->message = msg;
    f->threads = false;
    if (rc->verdict != RC_V_NONE) {
        f->kind = rc_verdict_name(rc->verdict);
        f->threads = true;
        snprintf(msg, size, "%s", rc->message);
    } else if (timed_out) {
        const struct rc_thread *last = running_thread();

        f->kind = "limit";
        f->threads = true;
        snprintf(msg, size, "wall-time limit: the schedule ran for more than %.0f s "
                 "(RC_SCHED_WALL_S); thread %d was running, last seen in %s at %s: a loop "
                 "with no scheduling point in it?", rc_cfg.wall_s, rc->running,
                 last ? last->call : "none", last ? rc_where(last->where) : "?");
    } else if (WIFSIGNALED(status)) {
        if (WTERMSIG(status) == SIGABRT && assertion_line(output, msg, size)) {
            f->kind = "assert";
        } else {
            f->kind = "crash";
            signal_message(WTERMSIG(status), msg, size);
        }
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        f->kind = "exit";
        snprintf(msg, size, "exited with status %d", WEXITSTATUS(status));
    }
}

/* Writes the report (when asked for) and ends the fork server. */
static void finish(unsigned long run, const struct rc_failure *f)
{
    if (rc_cfg.report && rc_report_json(rc_cfg.report, run, f) != 0) {
        fprintf(stderr, "scheduler: cannot write the report \"%s\": %s\n", rc_cfg.report,
                strerror(errno));
        end_process(2);
    }
    if (f && !rc_cfg.report) {
        fprintf(stderr, "scheduler: schedule %lu of %lu failed; its output%s:\n", run,
                rc_cfg.runs, f->output_len == OUTPUT_TAIL ? " (the last 4 KiB)" : "");
        fwrite(f->output, 1, f->output_len, stderr);
        rc_report_text(f->kind, f->message, f->threads);
    }
    end_process(f ? 1 : 0);
}

/*
 * Runs schedule i in a fresh child, its output in memfd `out`: returns
 * true in the child (which then runs main), false in the fork server
 * when it passed; ends the fork server with the report when it failed.
 */
static bool run_child(unsigned long i, int out)
{
    static char output[OUTPUT_TAIL + 1], msg[2048];
    struct rc_failure f = { .seed = rc_cfg.seed + i, .schedule = i + 1 };
    bool timed_out;
    pid_t pid;
    int status;

    if (ftruncate(out, 0) != 0 || lseek(out, 0, SEEK_SET) != 0) {
        perror("scheduler: output file");
        end_process(2);
    }
    rc->verdict = RC_V_NONE;
    rc->n_events = 0;
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        perror("scheduler: fork");
        end_process(2);
    }
    if (pid == 0) {
        dup2(out, 1);
        dup2(out, 2);
        close(out);
        in_child = true;
        setvbuf(stdout, NULL, _IOLBF, 0);
        rc_schedule_start(rc_cfg.seed + i);
        return true;
    }
    status = wait_child(pid, rc_cfg.wall_s, &timed_out);
    f.output_len = output_tail(out, output);
    f.output = output;
    classify(status, timed_out, output, &f, msg, sizeof(msg));
    if (f.kind)
        finish(i + 1, &f);
    return false;
}

/*
 * The fork server: returns only in a child, which then runs main.
 * Schedules that pass run in a worker, many in one process (inprocess.c);
 * the one it stopped at runs in a child of its own, and so do the rest if
 * that one passes.
 */
static void serve(int argc, char **argv, char **envp)
{
    int out = memfd_create("rc-sched-output", MFD_CLOEXEC);
    bool inprocess = rc_inprocess_usable();
    unsigned long i = 0;

    if (out < 0) {
        perror("scheduler: memfd_create");
        end_process(2);
    }
    while (i < rc_cfg.runs) {
        if (inprocess && rc_inprocess_run(&i, argc, argv, envp, rc_start))
            break;
        inprocess = false;
        if (i >= rc_cfg.runs)
            break;
        if (run_child(i, out))
            return;
        i++;
    }
    finish(rc_cfg.runs, NULL);
}

/*
 * Makes glibc load its unwinder (libgcc_s.so.1) now, in the process that
 * forks the schedules.  glibc loads it when a thread first ends, and each
 * schedule is a fresh fork whose threads end: every schedule loaded,
 * relocated and initialized the library again (libgcc_s probes the CPU
 * with cpuid, slow in a virtual machine).  backtrace() loads it the same
 * way, and the forks inherit it loaded.
 */
static void load_unwinder(void)
{
    void *frame;

    backtrace(&frame, 1);
}

/* glibc calls constructors with main's arguments: the worker runs main with them. */
__attribute__((constructor(101))) static void rc_start(int argc, char **argv, char **envp)
{
    bool server;

    if (rc_hook_stay_off())
        return;
    load_unwinder();
    if (rc_config_read() != 0)
        end_process(2);
    /* In a test process RC_SCHED_RUNS counts the schedules of each test
       (harness/test_schedules.c), which starts in the process itself. */
    server = (rc_cfg.runs > 1 && !rc_hook_test_process()) || rc_cfg.report;
    rc = mmap(NULL, sizeof(*rc), PROT_READ | PROT_WRITE,
              (server ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
    if (rc == MAP_FAILED) {
        perror("scheduler: mmap");
        end_process(2);
    }
    if (server) {
        serve(argc, argv, envp);
        return;
    }
    signal(SIGALRM, wall_alarm);
    wall_alarm_set = true;
    alarm((unsigned)rc_cfg.wall_s);
    rc_schedule_start(rc_cfg.seed);
}
