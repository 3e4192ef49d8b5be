/*
 * batch_grade.h - one submission of a batch: graded under its time limit,
 * its reports written (batch.h, docs/batch.md).
 *
 * The time limit.  Every build, test run and race check already runs in
 * the sandbox under its own wall-clock limit (the manifest's
 * run_timeout_s and race_timeout_s, the toolchain's limit), so no run can
 * hang.  What remains is a submission that uses every limit in turn, in
 * every exercise (say six exercises that each deadlock in every test):
 * minutes per exercise.  So each exercise is graded by its own
 * grade_submission() (jobs = 1), and once the submission has spent
 * --time-limit seconds no new exercise of it is started: the ones left
 * score 0 and are marked "timed out".  The exercises that were running
 * when the budget ran out finish within their own limits, so a submission
 * takes at most time_limit_s plus one exercise's worst case.  Nothing is
 * killed from outside the sandbox, so nothing is left behind.
 *
 * Identical files.  Before grading an exercise, its file is looked up in
 * the batch's memo (grade_memo.h): a file graded before in this run gets
 * that result, and costs no time.
 */
#ifndef RACECOURSE_BATCH_GRADE_H
#define RACECOURSE_BATCH_GRADE_H

#include "batch.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct batch_job {
    const batch_options *options;
    const char *id;             /* the folder's name */
    const char *dir;            /* the submission */
    const char *const *fingerprints;    /* one per exercise of the run, stamped into the
                                           JSON report */
    const char *commit;         /* --deadline: the commit graded, stamped; or NULL */
    int days_late;              /* --grace: days after the deadline, stamped */
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
 * One submission being graded.  Its exercises are graded one by one,
 * possibly by several threads at once: batch_submission_take() gives out
 * the next exercise, batch_submission_grade() grades it, and once
 * batch_submission_done() says that every exercise has ended (or will
 * never start), batch_submission_finish() writes the reports.  Calls of
 * take() and done() on one submission must not overlap (the batch holds a
 * lock around them); grade() runs without it.
 */
typedef struct batch_submission batch_submission;

/* Begins grading the job's submission; its time limit counts from now. */
batch_submission *batch_submission_new(const batch_job *job);

/*
 * The next exercise to grade, in *k: true, and it counts as running until
 * batch_submission_done(s, true).  False when no exercise is to start any
 * more: every one has started, the time limit is used up (the rest will
 * score 0, "timed out"), or *job->stop asks to stop (the submission is
 * then interrupted: nothing of it will be written).
 */
bool batch_submission_take(batch_submission *s, size_t *k);

/*
 * Grades exercise k (given by batch_submission_take()): from the memo
 * when an identical file was graded before, by grade_submission()
 * otherwise.  A failure of the grader scores it 0 with status "error" (the
 * next batch grades the submission again).
 */
void batch_submission_grade(batch_submission *s, size_t k);

/*
 * Notes that a grading ended (ended_one) or just asks.  Returns true,
 * once, when no exercise is running and none will start: the caller must
 * then call batch_submission_finish().
 */
bool batch_submission_done(batch_submission *s, bool ended_one);

/*
 * Writes the Markdown report, then the JSON report (the record that the
 * submission was graded), each atomically, fills `out` and frees `s`.
 * The reports hold this run's exercises and, read back from the earlier
 * JSON report, every other exercise it held, with its status and
 * fingerprint: a run of some exercises drops none of the others.
 * An interrupted submission writes nothing (out->interrupted).  A report
 * that could not be written is described in out->error.  Free `out` with
 * batch_outcome_free().
 */
void batch_submission_finish(batch_submission *s, batch_outcome *out);

void batch_outcome_free(batch_outcome *out);

#endif
