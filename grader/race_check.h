/*
 * race_check.h - the Helgrind race check of an exercise.
 *
 * The race driver (tests/<slug>/race_driver.c, a plain program built with
 * the student's file) runs under `valgrind --tool=helgrind --xml=yes` in
 * the sandbox, with the kit's suppressions (grader/helgrind.supp).  The
 * XML report is read by helgrind_report.c.  An exercise with one thread
 * (manifest `check = memcheck`) runs its driver under memcheck instead,
 * with the full leak check; memcheck_report.c reads that report.  An
 * exercise of processes (manifest `check = resources`) runs its resource
 * driver (tests/<slug>/resource_driver.c) the same way under memcheck;
 * resource_report.c reads memcheck's errors and the driver's records of
 * what pool_destroy left behind, and a run without the driver's last
 * record counts as crashed.  The outcome:
 *
 *   clean    the driver ran to its end and Helgrind reported no error
 *   race     Helgrind (or memcheck) reported at least one error (the
 *            findings say where); JSON calls it "errors" for memcheck
 *   timeout  the driver did not finish in time, or stopped itself because
 *            its threads made no progress (exit status RC_EXIT_STUCK; the
 *            message then quotes what it said: which thread is blocked in
 *            which call of the student's code)
 *   crashed  the driver crashed, stopped early, or its code called exit()
 */
#ifndef RACECOURSE_RACE_CHECK_H
#define RACECOURSE_RACE_CHECK_H

#include "result.h"

#include <stdbool.h>

/* The kit's Helgrind suppressions, in the kit's folder. */
#define KIT_SUPPRESSIONS "grader/helgrind.supp"

typedef struct race_request {
    const char *driver;             /* the race driver binary */
    const char *work_dir;           /* its working directory, writable */
    const char *sealed_dir;         /* read-only around work_dir, or NULL */
    const char *suppressions;       /* Helgrind suppression file */
    const char *student_file;       /* base name, for the findings */
    double timeout_s;
    unsigned run_as;                /* the run's user (sandbox_claim_user) */
    const char *debug_symbols;      /* debug_symbols_dir(), or NULL */
    bool memcheck;                  /* memcheck (invalid accesses, leaks; the
                                       exercise has one thread) instead of
                                       Helgrind: manifest `check = memcheck` */
    bool resources;                 /* the resource check (manifest `check =
                                       resources`): memcheck in the parent and
                                       the driver's findings of what was left
                                       (resource_report.h); implies memcheck */
    size_t processes;               /* RLIMIT_NPROC of the run (manifest key
                                       `processes`); 0: the sandbox's default */
} race_request;

/* Findings kept after folding duplicates. */
#define RACE_FINDINGS_SHOWN 5

/*
 * Runs the check and fills `out` (status, findings, message; not the
 * points).  Returns 0, or an errno value when the sandbox could not run
 * Valgrind at all.
 */
int race_check(const race_request *request, race_result *out);

#endif
