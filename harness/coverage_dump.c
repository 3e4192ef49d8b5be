/*
 * coverage_dump.c - keeps the coverage counts of tests that crash or time out.
 *
 * Linked only into coverage builds (make coverage, scripts/student/coverage;
 * the grader never uses it).  gcov writes a process's counts when it exits
 * normally; a test that crashes, or that Criterion ends for its timeout
 * (SIGPROF), would lose them, and with them the lines that ran before it
 * stopped.  This file's handler writes them first (__gcov_dump), then lets
 * the signal do what it would have done, so that Criterion still reports
 * the crash or the timeout as such.
 *
 * Not kept: SIGKILL (cannot be caught), and tests whose code called exit()
 * or _exit() (exit_guard.c ends them with _exit, which skips gcov).
 */
#include <signal.h>
#include <string.h>

void __gcov_dump(void);

static const int dumped_signals[] = {
    SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS,  /* crashes */
    SIGPROF,                                /* Criterion's per-test timeout */
    SIGTERM, SIGINT, SIGHUP, SIGALRM, SIGXCPU, /* stopped from outside */
};

/* Writes the counts, then the signal's own action ends the process
   (SA_RESETHAND restored it; SA_NODEFER lets it through at once). */
static void dump_and_die(int sig)
{
    __gcov_dump();
    raise(sig);
}

__attribute__((constructor)) static void coverage_dump_install(void)
{
    struct sigaction action;

    memset(&action, 0, sizeof action);
    action.sa_handler = dump_and_die;
    action.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof dumped_signals / sizeof dumped_signals[0]; i++) {
        struct sigaction old;

        /* a signal the process was started with ignored stays ignored */
        if (sigaction(dumped_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(dumped_signals[i], &action, NULL);
    }
}
