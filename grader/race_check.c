/* race_check.c - see race_check.h. */
#define _GNU_SOURCE
#include "race_check.h"
#include "debug_symbols.h"
#include "helgrind_report.h"
#include "helgrind_xml.h"
#include "memcheck_report.h"
#include "resource_report.h"
#include "sandbox.h"
#include "struct_fields.h"
#include "toolchain.h"
#include "util.h"
#include "../harness/racecourse_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* readelf's text of a race driver's DWARF: a few hundred kB. */
#define DWARF_TEXT_MAX (16u << 20)

/* Valgrind maps more address space than it uses; this still stops a runaway. */
#define VALGRIND_MEMORY_MB 16384

/*
 * What the driver said, without Valgrind's own "==PID==" lines and the
 * resource records (read from the XML report, resource_report.h).
 */
static char *driver_output(const char *output)
{
    strbuf kept = STRBUF_INIT;
    char *all = xstrdup(output), *line, *save = NULL, *trimmed;

    for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (strncmp(line, "==", 2) != 0 &&
            strncmp(line, RESOURCE_RECORD_PREFIX, strlen(RESOURCE_RECORD_PREFIX)) != 0)
            strbuf_addf(&kept, "%s\n", line);
    free(all);
    trimmed = first_lines(kept.data ? kept.data : "", 8, 900);
    strbuf_release(&kept);
    return trimmed;
}

/* The signal that ended the driver as Valgrind's XML says (0: none, or no report). */
static int fatal_signal(const char *xml)
{
    hg_xml report;
    int signal = 0;

    if (hg_xml_read(xml, &report) == 0)
        signal = report.fatal_signal;
    hg_xml_free(&report);
    return signal;
}

static char *early_end_message(const sandbox_result *run, const char *xml, const char *driver)
{
    int signal = run->signal ? run->signal : fatal_signal(xml);
    char *said, *message;

    if (signal)
        return xasprintf("the %s crashed with %s", driver, signal_description(signal));
    if (run->exited && run->exit_code == RC_EXIT_CALLED)
        return xasprintf("your code called exit() while the %s ran; library code "
                         "must return an error instead", driver);
    if (run->exited && run->exit_code == RC_EXIT_PRINTED_TOO_MUCH) {
        char *when = xasprintf("while the %s ran", driver);

        message = printed_too_much_words(when);
        free(when);
        return message;
    }
    said = driver_output(run->output);
    message = xasprintf("the %s stopped before its end (exit status %d)%s%s", driver,
                        run->exit_code, *said ? ": " : "", said);
    free(said);
    return message;
}

/*
 * The driver stopped itself because its threads made no progress
 * (race_watchdog.c): its own words, without their "race driver: stuck: "
 * starts, say for how long and which thread is in which call.
 */
static char *stuck_message(const sandbox_result *run)
{
    strbuf words = STRBUF_INIT;
    char *said = driver_output(run->output), *line, *save = NULL, *message;

    for (line = strtok_r(said, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "race driver: ", 13) == 0)
            line += 13;
        if (strncmp(line, "stuck: ", 7) == 0)
            line += 7;
        strbuf_addf(&words, "%s%s", words.data ? "\n" : "", line);
    }
    message = xasprintf("the race driver stopped itself: %s",
                        words.data ? words.data : "your code made no progress");
    strbuf_release(&words);
    free(said);
    return message;
}

/*
 * Reads the findings again, naming the fields of the student's structs
 * (struct_fields.h) from the driver's DWARF, which readelf prints in the
 * sandbox.  Keeps the findings as they are when anything fails.
 */
static void name_fields(const race_request *req, const char *xml, race_result *out)
{
    char *dir = xstrdup(req->driver), *slash = strrchr(dir, '/');
    char *argv[] = { "readelf", "--debug-dump=info", slash ? slash + 1 : dir, NULL };
    char *text = NULL;
    struct_layouts layouts;
    race_result named = { 0 };

    if (slash)
        *slash = '\0';
    if (tool_run(argv, slash ? dir : ".", req->run_as, DWARF_TEXT_MAX, &text) == 0 &&
        struct_layouts_parse(text, req->student_file, &layouts) == 0) {
        if (helgrind_report_read_fields(xml, req->student_file, &layouts, RACE_FINDINGS_SHOWN,
                                        &named) == 0) {
            race_findings_free(out);
            out->findings = named.findings;
            out->n_findings = named.n_findings;
        }
        struct_layouts_free(&layouts);
    }
    free(text);
    free(dir);
}

/*
 * Valgrind's XML goes to a descriptor (--xml-fd=3) of an unlinked file
 * that only the grader can name: Valgrind keeps its own descriptors out of
 * the client's reach, so the code under test can neither write nor close
 * it, and there is no file in the work directory to overwrite.
 */
static int open_xml(const char *dir)
{
    return open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

int race_check(const race_request *req, race_result *out)
{
    char *supp_option = xasprintf("--suppressions=%s", req->suppressions);
    char *helgrind[] = { "/usr/bin/valgrind", "--tool=helgrind", "--xml=yes", "--xml-fd=3",
                         supp_option, "--child-silent-after-fork=yes", "--error-limit=no",
                         (char *)req->driver, NULL };
    /* Leaks that nothing points to any more are errors; still reachable is not. */
    char *memcheck[] = { "/usr/bin/valgrind", "--tool=memcheck", "--xml=yes", "--xml-fd=3",
                         "--leak-check=full", "--show-leak-kinds=definite,possible",
                         "--errors-for-leak-kinds=definite,possible",
                         "--child-silent-after-fork=yes", "--error-limit=no",
                         (char *)req->driver, NULL };
    char **argv = req->memcheck || req->resources ? memcheck : helgrind;
    const char *tool = req->memcheck ? "memcheck" : "Helgrind";
    const char *driver = req->resources ? "resource driver" : "race driver";
    bool finished = true;
    char *envp[] = { "PATH=/usr/bin:/bin", "LANG=C", NULL };
    sandbox_job job = {
        .argv = argv,
        .envp = envp,
        .workdir = req->work_dir,
        .sealed_dir = req->sealed_dir,
        .report_fd = open_xml(req->work_dir),
        .run_as = req->run_as,
        .cover_dir = SYSTEM_DEBUG_DIR,      /* see debug_symbols.h */
        .cover_with = req->debug_symbols,
        /*
         * Valgrind runs one thread at a time, under a lock the threads
         * take in turn.  Spread over several CPUs, a thread that spins
         * takes that lock back before a waiting thread on another CPU
         * wakes up, and the others starve for seconds: a driver whose
         * joinall polls took 0.6 to 18 s and now and then looked stuck.
         * On one CPU each gets its turn (0.4 s every time).
         */
        .one_cpu = argv == helgrind,
        .limits = SANDBOX_DEFAULT_LIMITS,
    };
    sandbox_result run;
    char *xml = xasprintf("/proc/self/fd/%d", job.report_fd);
    int err, read_err;

    memset(out, 0, sizeof *out);
    if (job.report_fd < 0) {
        err = errno;
        goto done;
    }
    job.limits.wall_s = req->timeout_s;
    job.limits.cpu_s = req->timeout_s;
    job.limits.memory_mb = VALGRIND_MEMORY_MB;
    if (req->processes)
        job.limits.processes = req->processes;
    err = sandbox_run(&job, &run);
    if (err)
        goto done;
    out->check = req->resources ? "resources" : req->memcheck ? "memcheck" : "helgrind";
    read_err = req->resources
        ? resource_report_read(xml, req->student_file, RACE_FINDINGS_SHOWN, out, &finished)
        : req->memcheck
        ? memcheck_report_read(xml, req->student_file, RACE_FINDINGS_SHOWN, out)
        : helgrind_report_read(xml, req->student_file, RACE_FINDINGS_SHOWN, out);
    if (!read_err && out->n_errors > 0 && out->unnamed_heap)
        name_fields(req, xml, out);
    if (run.exited && run.exit_code == RC_EXIT_STUCK) {
        out->status = RACE_TIMEOUT;
        out->message = stuck_message(&run);
    } else if (run.timed_out) {
        out->status = RACE_TIMEOUT;
        out->message = xasprintf("the %s did not finish within %g s: a deadlock, "
                                 "or a wait that is never woken up?", driver, req->timeout_s);
    } else if (read_err || !run.exited || run.exit_code != RC_EXIT_PASSED) {
        out->status = RACE_CRASHED;
        out->message = early_end_message(&run, xml, driver);
    } else if (!finished) {
        out->status = RACE_CRASHED;
        out->message = xasprintf("the %s ended without its last report: did your code "
                                 "end it or write into it?", driver);
    } else if (req->resources && out->n_errors > 0) {
        out->status = RACE_FOUND;
        out->message = xasprintf("the resource check found %zu problem%s: what pool_destroy "
                                 "left behind, or memcheck's errors in the parent process",
                                 out->n_errors, out->n_errors == 1 ? "" : "s");
    } else if (out->n_errors > 0) {
        out->status = RACE_FOUND;
        out->message = xasprintf("%s reported %zu error%s while the %s driver "
                                 "ran your code", tool, out->n_errors,
                                 out->n_errors == 1 ? "" : "s",
                                 req->memcheck ? "memcheck" : "race");
    } else {
        out->status = RACE_CLEAN;
        out->message = xstrdup("");
    }
    free(run.output);
done:
    if (job.report_fd >= 0)
        close(job.report_fd);
    free(xml);
    free(supp_option);
    return err;
}
