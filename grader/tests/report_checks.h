/*
 * report_checks.h - what the golden tests of the report readers
 * (test_helgrind_report.c, test_tsan_report.c, test_memcheck_report.c,
 * test_resource_report.c) share: reading a fixture by name from the
 * fixture folder, and checking where a finding points.
 */
#ifndef RACECOURSE_REPORT_CHECKS_H
#define RACECOURSE_REPORT_CHECKS_H

#include "check.h"
#include "result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A report reader: helgrind_report_read, tsan_report_read, memcheck_report_read. */
typedef int (*report_reader)(const char *path, const char *student_file, size_t max_findings,
                             race_result *out);

/* "dir/name", newly allocated (free it); exits 2 when out of memory. */
static inline char *fixture_path(const char *dir, const char *name)
{
    char *path;

    if (asprintf(&path, "%s/%s", dir, name) < 0) {
        fprintf(stderr, "test: out of memory\n");
        exit(2);
    }
    return path;
}

/*
 * Reads fixture `name` of folder `dir` with `read` into `r` (cleared
 * first), as if `student` were the student's file; returns what `read`
 * returns.
 */
static inline int fixture_read(report_reader read, const char *dir, const char *name,
                               const char *student, size_t max, race_result *r)
{
    char *path = fixture_path(dir, name);
    int err;

    memset(r, 0, sizeof *r);
    err = read(path, student, max, r);
    free(path);
    return err;
}

/* Checks a finding's kind, file and line (each failure at the caller's line). */
#define CHECK_FINDING(finding, want_kind, want_file, want_line)             \
    do {                                                                    \
        CHECK_STR((finding).kind, (want_kind));                             \
        CHECK_STR((finding).file, (want_file));                             \
        CHECK_INT((finding).line, (want_line));                             \
    } while (0)

#endif
