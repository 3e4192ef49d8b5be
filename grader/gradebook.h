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
 *              "fingerprints": { "joinall": "fnv1a64:...", "pingpong": "..." },
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
#include <stdio.h>

/*
 * Statuses, as the CSV and the stamp spell them.  An exercise is "ok"
 * when it was built and run (whatever it scored), "build failed" (or
 * refused), "missing" (not submitted), "not attempted" (the course's stub
 * as handed out, byte for byte or nearly: stub_match.h), "timed out" (not graded: the
 * submission's time limit was used up first) or "error" (the grader
 * itself failed; graded again on the next run).  A submission takes the
 * first of error, timed out, build failed, missing, not attempted that
 * any of its exercises has, else "ok"; a submission without a usable report is
 * "not graded".
 */
enum gb_status {
    GB_S_ERROR,                 /* "error" */
    GB_S_TIMED_OUT,             /* "timed out" */
    GB_S_BUILD_FAILED,          /* "build failed" */
    GB_S_MISSING,               /* "missing" */
    GB_S_NOT_ATTEMPTED,         /* "not attempted" */
    GB_S_OK,                    /* "ok" */
    GB_N_STATUSES,              /* the statuses of an exercise end here */
    GB_S_NOT_GRADED = GB_N_STATUSES,    /* "not graded": a submission without a report */
};

/* How the CSV, the stamp and the summary spell `status`. */
const char *gb_status_name(enum gb_status status);

/* The exercise status that `word` spells, or GB_N_STATUSES when none (or NULL). */
enum gb_status gb_status_from_name(const char *word);

/* One exercise of a stamp: its status word and its own fingerprint. */
typedef struct stamp_exercise {
    char *slug;
    char *status;               /* gb_status_name() of its status */
    char *fingerprint;          /* "" in a report older than per-exercise fingerprints */
} stamp_exercise;

/* A report's stamp (its "batch" object); strings are malloc'd. */
typedef struct report_stamp {
    char *id;
    char *status;
    char *fingerprint;          /* of the whole report: all its exercises */
    double time_limit_s;
    stamp_exercise *exercises;  /* in the report's order */
    size_t n_exercises;
} report_stamp;

/*
 * Reads the stamp of the report at `path`.  Returns 0; ENOENT when there
 * is no report, EINVAL when it is not a batch report (not JSON, or no
 * complete stamp), or the errno of a failed read.  On an error `out`
 * holds nothing to free.
 */
int gradebook_read_stamp(const char *path, report_stamp *out);

/* The stamp's entry for exercise `slug`, or NULL when it has none. */
const stamp_exercise *report_stamp_find(const report_stamp *stamp, const char *slug);

/* Frees what `stamp` owns; safe on a zeroed stamp. */
void report_stamp_free(report_stamp *stamp);

/*
 * One submission of the class.  Its report counts only when, for every
 * column that `fingerprints` names, the stamp holds that exercise with
 * that fingerprint (the grade is the grade of the files as they are now);
 * else its row says "not graded".  A NULL `fingerprints`, or a NULL in it,
 * takes the report as it is (a student this run was not asked to grade,
 * an exercise it did not grade).
 */
typedef struct gradebook_entry {
    const char *id;             /* its folder's name: the CSV's id */
    const char *report;         /* path of its JSON report */
    const char *report_md;      /* its Markdown report, where overrides are told */
    const char *const *fingerprints;    /* one per column of the request, or NULL */
} gradebook_entry;

typedef struct gradebook_request {
    const char *csv_path;       /* grades.csv */
    const char *summary_path;   /* summary.md */
    const manifest *manifest;
    /*
     * The columns, in manifest order: the exercises of this run and every
     * exercise an earlier run left in a report, so that grading some
     * exercises again never drops the others' columns.  A submission whose
     * report lacks one has an empty cell there ("not graded" in its notes).
     */
    const manifest_exercise *const *exercises;
    size_t n_exercises;
    const gradebook_entry *entries;             /* any order: rows are sorted by id */
    size_t n_entries;
    const char *overrides_path; /* the instructor's overrides (gradebook_overrides.h), or NULL */
    FILE *warnings;             /* where an override that applies to nothing is named */
    const char *appendix;       /* Markdown added at the end of summary.md, or NULL */
    const char *roster_path;    /* with it, canvas.csv and moodle.csv (gradebook_export.h) */
    const char *export_dir;     /* where they go */
} gradebook_request;

/* What the gradebook holds, for the caller's last words and exit status. */
typedef struct gradebook_counts {
    size_t graded;              /* rows with a report */
    size_t not_graded;          /* rows without one */
    size_t full_marks;          /* graded rows at their maximum */
} gradebook_counts;

/*
 * Writes the CSV gradebook and the class summary, each replaced
 * atomically (atomic_file.h), and fills *counts.  The overrides are
 * applied first (gradebook_overrides.h), and each graded student's
 * Markdown report gets (or loses) its section about them.  Returns 0; or an errno
 * value with *error a malloc'd message when a file could not be written.
 * A report that is missing, unreadable or stamped with another
 * fingerprint is not an error: its row says "not graded".
 */
int gradebook_write(const gradebook_request *request, gradebook_counts *counts, char **error);

#endif
