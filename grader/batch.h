/*
 * batch.h - grading a whole class into a gradebook (docs/batch.md).
 *
 *   grade batch DIR [options] [SLUG...]
 *
 * Every folder directly under DIR that has an exercises/ folder is one
 * submission (one student's repository, as GitHub Classroom's download or
 * a `git clone` of each gives them); its name is the student's id.  Each
 * is graded as `grade --submission` would (with the hidden tests unless
 * --tests says otherwise), several at once, into an output folder:
 *
 *   OUT/grades.csv             one row per submission (gradebook.h)
 *   OUT/summary.md             the class summary: means, score bands, what
 *                              failed most often
 *   OUT/reports/<id>.json      the grader's JSON report, stamped (gradebook.h)
 *   OUT/reports/<id>.md        the same report in Markdown
 *   OUT/canvas.csv, moodle.csv with --roster: LMS imports (gradebook_export.h)
 *   OUT/snapshots/<id>/        with --deadline: the files graded, from the commit
 *   OUT/overrides.csv          read, never written: the instructor's changes
 *                              (gradebook_overrides.h)
 *
 * A second run grades only what changed (the student's files, the tests,
 * the manifest, the grading options: see the fingerprint in batch.c);
 * an interrupted run resumes where it stopped.  A run of some exercises
 * or some students (--student) merges into the gradebook: each report
 * keeps the exercises it held that the run did not grade, and the rows
 * and columns of the others stay.  No run deletes a report.
 */
#ifndef RACECOURSE_BATCH_H
#define RACECOURSE_BATCH_H

#include "grade.h"
#include "grade_memo.h"

#include <stdbool.h>
#include <stddef.h>

/* The default of --time-limit: seconds one submission may spend. */
#define BATCH_TIME_LIMIT_S 600.0

typedef struct batch_options {
    /*
     * How to grade each submission: manifest, kit_dir, tests_dir, race,
     * repeat, time_scale and test_jobs are used; submission_dir, slugs
     * and jobs are set for each exercise of each submission.
     */
    grade_options grade;
    const char *class_dir;      /* DIR: one folder per submission */
    const char *out_dir;        /* where the gradebook goes */
    const manifest_exercise *const *exercises;  /* the ones to grade, in manifest order */
    size_t n_exercises;
    const char *const *students;    /* --student: the ids to grade; none: all */
    size_t n_students;
    int jobs;                   /* submissions graded side by side, 1 to 64 */
    int exercise_jobs;          /* exercises in flight per job, 1 to 64 */
    double time_limit_s;        /* per submission; see batch.c */
    bool regrade;               /* grade even the unchanged submissions */
    bool quiet;                 /* errors only: no progress, no line per submission */
    bool show_hidden_messages;  /* the Markdown reports quote hidden tests' messages */
    const char *overrides;      /* the instructor's overrides; NULL: OUT/overrides.csv */
    int similarity;             /* percent for the summary's similar files; 0: off */
    const char *roster;         /* --roster: write canvas.csv and moodle.csv too */
    const char *deadline;       /* --deadline: grade each git submission at its last
                                   commit before it (deadline.h) */
    const char *grace;          /* --grace: grade the last commit before this instead,
                                   late_penalty percent off per day after the deadline */
    int late_penalty;
    grade_memo *memo;           /* set by batch_run(): identical files graded once */
} batch_options;

/*
 * Grades the class and writes the gradebook.  Returns the exit status of
 * `grade batch`: 0 when every submission was graded and got full marks,
 * 1 when a submission scored less or could not be graded, 2 with *error
 * (malloc'd) set when the batch could not run (no such folder, the output
 * folder cannot be written or is in use by another batch, the kit's files
 * cannot be read).  When SIGINT or SIGTERM stops it, it writes the
 * gradebook of what was graded and then dies of that signal.
 */
int batch_run(const batch_options *options, char **error);

/*
 * The `grade batch` command: argv[0] is "batch", then DIR, options and
 * exercise names (see `grade batch --help`).  `default_kit_dir` is used
 * when --kit is not given.  Returns the exit status (as batch_run(), and
 * 2 for a usage error, after saying what is wrong on stderr).
 */
int batch_main(int argc, char **argv, const char *default_kit_dir);

#endif
