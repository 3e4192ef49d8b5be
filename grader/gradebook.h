/*
 * gradebook.h - a class's grades: the batch reports read back, the CSV
 * gradebook and the class summary (docs/batch.md).
 *
 * Batch grading (batch.h) writes one JSON report per submission: the
 * grader's JSON report (docs/json-format.md) with a "batch" object added,
 * the report's stamp:
 *
 *   "batch": { "id": "alice", "status": "timed out",
 *              "exercises": { "joinall": "ok", "pingpong": "timed out" },
 *              "fingerprint": "fnv1a64:0123456789abcdef",
 *              "time_limit_s": 600 }
 *
 * The gradebook (grades.csv, summary.md) is always rebuilt from those
 * files, never from what one run remembers, so a batch that resumed an
 * interrupted one ends with the same gradebook as one that never stopped.
 * Neither file holds a time or a duration: the same reports give the same
 * bytes.
 */
#ifndef RACECOURSE_GRADEBOOK_H
#define RACECOURSE_GRADEBOOK_H

#include "manifest.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Statuses, as the CSV and the stamp spell them.  An exercise is "ok"
 * when it was built and run (whatever it scored), "build failed" (or
 * refused), "missing" (not submitted), "timed out" (not graded: the
 * submission's time limit was used up first) or "error" (the grader
 * itself failed; graded again on the next run).  A submission takes the
 * first of error, timed out, build failed, missing that any of its
 * exercises has, else "ok"; a submission without a usable report is
 * "not graded".
 */
#define GB_OK "ok"
#define GB_BUILD_FAILED "build failed"
#define GB_MISSING "missing"
#define GB_TIMED_OUT "timed out"
#define GB_ERROR "error"
#define GB_NOT_GRADED "not graded"

/* A report's stamp (its "batch" object); strings are malloc'd. */
typedef struct report_stamp {
    char *id;
    char *status;
    char *fingerprint;
    double time_limit_s;
} report_stamp;

/*
 * Reads the stamp of the report at `path`.  Returns 0; ENOENT when there
 * is no report, EINVAL when it is not a batch report (not JSON, or no
 * complete stamp), or the errno of a failed read.  On an error `out`
 * holds nothing to free.
 */
int gradebook_read_stamp(const char *path, report_stamp *out);

/* Frees what `stamp` owns; safe on a zeroed stamp. */
void report_stamp_free(report_stamp *stamp);

/* One submission of the class. */
typedef struct gradebook_entry {
    const char *id;             /* its folder's name: the CSV's id */
    const char *report;         /* path of its JSON report */
    const char *fingerprint;    /* the report counts only with this stamp */
} gradebook_entry;

typedef struct gradebook_request {
    const char *csv_path;       /* grades.csv */
    const char *summary_path;   /* summary.md */
    const manifest *manifest;
    const manifest_exercise *const *exercises;  /* the graded ones, in manifest order */
    size_t n_exercises;
    const gradebook_entry *entries;             /* any order: rows are sorted by id */
    size_t n_entries;
} gradebook_request;

/* What the gradebook holds, for the caller's last words and exit status. */
typedef struct gradebook_counts {
    size_t graded;              /* rows with a report */
    size_t not_graded;          /* rows without one */
    size_t full_marks;          /* graded rows at their maximum */
} gradebook_counts;

/*
 * Writes the CSV gradebook and the class summary, each replaced
 * atomically (atomic_file.h), and fills *counts.  Returns 0; or an errno
 * value with *error a malloc'd message when a file could not be written.
 * A report that is missing, unreadable or stamped with another
 * fingerprint is not an error: its row says "not graded".
 */
int gradebook_write(const gradebook_request *request, gradebook_counts *counts, char **error);

#endif
