/*
 * tsan_report_main.c - ThreadSanitizer's logs in plain words (build/tsan-report).
 *
 *   tsan-report [--max N] [--dwarf FILE] [--kinds FILE] [--no-joins] STUDENT_FILE [LOG...]
 *
 * Reads the logs of one run of a program built with -fsanitize=thread
 * (TSAN_OPTIONS=log_path=P writes P.<pid>, one per process), folds what
 * they report (grader/tsan_report.h) and prints, when something was found,
 *
 *   ThreadSanitizer reported 3 problems while the race driver ran your code
 *   - data race (seen 2 times): joinall.c:55 (joinall) writes memory ...
 *   - thread leak: ...
 *
 * at most N findings (default 5; race_words.h says which come first and
 * how the others are counted).  STUDENT_FILE is the base name of the
 * student's source ("joinall.c").  --dwarf FILE: `readelf
 * --debug-dump=info` of the program, to name the fields of the student's
 * structs (struct_fields.h).  --kinds FILE: the kind of each finding
 * printed ("race", "lock_order", "misuse" or "other"), one a line, in
 * their order, for a script to read instead of the sentences (written
 * empty when nothing was found).  --no-joins: the student's file joins no
 * thread, so a thread of the test's code left unjoined is said as one that
 * never ended inside the student's code, not one the student was to join
 * (tsan_report_parse_with()).  No log, or logs with no report in them: a
 * clean run, nothing printed.
 *
 * Exit status: 0 clean, 1 something was reported, 2 usage error or a log
 * that cannot be read.  Used by scripts/student/tsan (make tsan).
 */
#define _GNU_SOURCE
#include "struct_fields.h"
#include "tsan_report.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes the kind of each finding of `r`, one a line, to `path`; 0 or -1 with errno. */
static int write_kinds(const char *path, const race_result *r)
{
    strbuf sb = STRBUF_INIT;
    int err;

    for (size_t i = 0; r->n_errors && i < r->n_findings; i++)
        strbuf_addf(&sb, "%s\n", r->findings[i].kind);
    err = write_file(path, sb.data ? sb.data : "", sb.len, 0644);
    strbuf_release(&sb);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    strbuf all = STRBUF_INIT;
    race_result r = { 0 };
    unsigned long max = 5;
    int first = 1, err;
    const char *dwarf = NULL, *kinds = NULL;
    struct_layouts layouts = { 0 };
    tsan_report_options opts = { .layouts = &layouts };

    while (argc > first + 1 && argv[first][0] == '-') {
        if (!strcmp(argv[first], "--no-joins")) {
            opts.no_joins = true;
            first++;
            continue;
        }
        if (!strcmp(argv[first], "--max")) {
            char *end;

            max = strtoul(argv[first + 1], &end, 10);
            if (end == argv[first + 1] || *end || max > 100) {
                fprintf(stderr, "tsan-report: --max takes a number from 0 to 100\n");
                return 2;
            }
        } else if (!strcmp(argv[first], "--dwarf")) {
            dwarf = argv[first + 1];
        } else if (!strcmp(argv[first], "--kinds")) {
            kinds = argv[first + 1];
        } else {
            break;
        }
        first += 2;
    }
    if (argc <= first || argv[first][0] == '-') {
        fprintf(stderr, "usage: tsan-report [--max N] [--dwarf FILE] [--kinds FILE] "
                "[--no-joins] STUDENT_FILE [LOG...]\n");
        return 2;
    }
    if (dwarf) {
        char *text = read_file(dwarf, NULL);

        /* no names is no failure: the offsets stay */
        if (!text || struct_layouts_parse(text, argv[first], &layouts) != 0)
            memset(&layouts, 0, sizeof layouts);
        free(text);
    }
    for (int i = first + 1; i < argc; i++) {
        char *text = read_file(argv[i], NULL);

        if (!text) {
            fprintf(stderr, "tsan-report: cannot read \"%s\": %s\n", argv[i], strerror(errno));
            strbuf_release(&all);
            return 2;
        }
        strbuf_addstr(&all, text);
        strbuf_addstr(&all, "\n");
        free(text);
    }
    err = tsan_report_parse_with(all.data ? all.data : "", argv[first], &opts, max, &r);
    strbuf_release(&all);
    struct_layouts_free(&layouts);
    if (err) {
        fprintf(stderr, "tsan-report: %s\n", strerror(err));
        return 2;
    }
    if (kinds && write_kinds(kinds, &r) != 0) {
        fprintf(stderr, "tsan-report: cannot write \"%s\": %s\n", kinds, strerror(errno));
        race_findings_free(&r);
        return 2;
    }
    if (r.n_errors == 0)
        return 0;
    printf("ThreadSanitizer reported %zu problem%s while the race driver ran your code\n",
           r.n_errors, r.n_errors == 1 ? "" : "s");
    for (size_t i = 0; i < r.n_findings; i++)
        printf("- %s\n", r.findings[i].message);
    race_findings_free(&r);
    return 1;
}
