/*
 * batch_grade.h - one submission of a batch: graded under its time limit,
 * its reports written (batch.h, docs/batch.md).
 *
 * The time limit.  Every build, test run and race check already runs in
 * the sandbox under its own wall-clock limit (the manifest's
 * run_timeout_s and race_timeout_s, the toolchain's limit), so no run can
 * hang.  What remains is a submission that uses every limit in turn, in
 * every exercise (say six exercises that each deadlock in every test):
 * minutes per exercise.  So a submission's exercises are graded one after
 * the other, each by its own grade_submission() (jobs = 1), and once the
 * submission has spent --time-limit seconds no new exercise is started:
 * the ones left score 0 and are marked "timed out".  The exercise that was
 * running when the budget ran out finishes within its own limits, so a
 * submission takes at most time_limit_s plus one exercise's worst case.
 * Nothing is killed from outside the sandbox, so nothing is left behind.
 */
#ifndef RACECOURSE_BATCH_GRADE_H
#define RACECOURSE_BATCH_GRADE_H

#include "batch.h"

#include <stdatomic.h>
#include <stdbool.h>

typedef struct batch_job {
    const batch_options *options;
    const char *id;             /* the folder's name */
    const char *dir;            /* the submission */
    const char *fingerprint;    /* stamped into the JSON report */
    const char *report_json;    /* where the reports go */
    const char *report_md;
    atomic_int *stop;           /* nonzero: start no new exercise */
} batch_job;

typedef struct batch_outcome {
    bool interrupted;           /* stopped early by *stop: nothing was written */
    bool failed;                /* the grader failed somewhere ("error") */
    char *line;                 /* for the terminal: "180/200, ok" */
    char *error;                /* what failed, for stderr; NULL when nothing */
} batch_outcome;

/*
 * Grades the job's submission and writes its Markdown report, then its
 * JSON report (the record that the submission was graded), each
 * atomically.  A failure of the grader on one exercise scores that
 * exercise 0 with status "error" (the next batch grades the submission
 * again) and is described in out->error; so is a report that could not
 * be written.  Free `out` with batch_outcome_free().
 */
void batch_grade(const batch_job *job, batch_outcome *out);

void batch_outcome_free(batch_outcome *out);

#endif
