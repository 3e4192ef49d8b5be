/*
 * grade.h - grading one submission: build, tests, race check, score.
 *
 * Each exercise is graded in a private work directory under $TMPDIR (or
 * /tmp), removed afterwards; exercises run `jobs` at a time.  An
 * exercise's failure, whatever it is, costs only that exercise's points.
 *
 * Scoring: each test earns its manifest points when it passed (on every
 * one of `repeat` runs); the race check earns race_points when it was
 * clean on every run.  With the race check off (--no-race), its points
 * are left out of the maximum as well, so a full score stays possible.
 */
#ifndef RACECOURSE_GRADE_H
#define RACECOURSE_GRADE_H

#include "manifest.h"
#include "result.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct grade_options {
    const manifest *manifest;
    const char *kit_dir;            /* headers, public tests, harness, supp */
    const char *tests_dir;          /* hidden tests and race drivers */
    const char *submission_dir;
    char *const *slugs;             /* exercises to grade; all when n_slugs is 0 */
    size_t n_slugs;
    int jobs;                       /* exercises graded at once */
    int test_jobs;                  /* Criterion --jobs inside one run */
    bool race;                      /* run the race check */
    bool tests;                     /* run the tests (false: race check only) */
    bool public_only;               /* the public tests even where hidden ones exist */
    int repeat;                     /* runs of tests and race check */
    double time_scale;              /* multiplies every timeout and time unit */
    bool keep_work;                 /* leave work directories for debugging */
    const char *only_test;          /* run this test alone (one exercise), or NULL */
    const char *output_dir;         /* a failing test's whole printing goes to
                                       DIR/SLUG/TEST.txt, or NULL: not kept */
    bool stacks;                    /* every thread's stack of a test about to
                                       time out (grader/thread_stacks.h) */
} grade_options;

/*
 * Grades the submission into `out` (free it with grade_result_free()).
 * Returns 0; or an errno value, with *error a malloc'd message, when
 * grading could not happen at all: EINVAL (an unknown exercise name),
 * ENOENT (no such submission folder), or a failure to create work
 * directories or to run the sandbox.
 */
int grade_submission(const grade_options *options, grade_result *out, char **error);

/*
 * Fills ex->tests with the tests that grading with `options` runs for
 * `mx` (the hidden ones when build_uses_hidden_tests() says so, else the
 * public ones), each skipped (not run) with `why` as its message: for an
 * exercise that was not built, or not graded at all.
 */
void grade_tests_not_run(const grade_options *options, const manifest_exercise *mx,
                         const char *why, exercise_result *ex);

/*
 * Sets ex's score and maximum from its tests and its race check, as the
 * scoring above says: the race check's points count only when
 * options->race and the exercise has one, and are earned when it was clean.
 */
void grade_score(const grade_options *options, const manifest_exercise *mx,
                 exercise_result *ex);

#endif
