/*
 * build.h - building one exercise of one submission.
 *
 * Only the student's exercises/<slug>/<slug>.c is taken from the
 * submission.  It is copied into a private work directory next to the
 * kit's own header, tests, harness and race driver, compiled, inspected
 * (inspect.h) and linked into two programs: the Criterion test binary and
 * the race driver.  Whatever else a student changed (headers, tests,
 * Makefile) never reaches the build.
 */
#ifndef RACECOURSE_BUILD_H
#define RACECOURSE_BUILD_H

#include "manifest.h"
#include "result.h"

#include <stdbool.h>

/* A student's file larger than this (bytes) is refused, not compiled. */
#define BUILD_STUDENT_FILE_MAX (512u << 10)

typedef struct build_request {
    const manifest_exercise *exercise;
    const char *kit_dir;        /* the kit: headers, public tests, harness */
    const char *tests_dir;      /* <slug>/hidden_tests.c, <slug>/race_driver.c */
    const char *submission_dir; /* the student's repository */
    const char *work_dir;       /* private, empty, writable by the runs */
    unsigned run_as;            /* the runs' user (sandbox_claim_user) */
    const char *cache_dir;      /* compiled kit objects (object_cache.h), or NULL */
    bool race;                  /* build the race driver */
    bool public_only;           /* the public tests even where hidden ones exist */
} build_request;

typedef struct build_output {
    enum build_status status;
    char *log;                  /* errors, refusal or warnings; "" when none */
    char *test_binary;          /* absolute path, NULL when not built */
    char *race_binary;          /* absolute path, NULL when not built */
    bool hidden_tests;          /* the test binary has the hidden tests */
    char *student_file;         /* base name, e.g. "bounded_queue.c" */
} build_output;

/*
 * Whether the hidden tests of `slug` are used: the kit has
 * <tests_dir>/<slug>/hidden_tests.c and `public_only` does not refuse
 * them.  The one place that decides it: the build, the grade and a batch
 * that did not grade an exercise all ask here.
 */
bool build_uses_hidden_tests(const char *tests_dir, const char *slug, bool public_only);

/*
 * Builds the exercise.  A missing student file, a compile error or a
 * refused object is a build status (out->status), not an error.  Returns
 * 0; or an errno value when the grader could not do its part: ENOENT when
 * the kit lacks the exercise's header or tests, EIO when a tool failed,
 * or the errno of a failed copy.
 */
int build_exercise(const build_request *request, build_output *out);

/* Frees what `out` owns. */
void build_output_free(build_output *out);

/*
 * The names of the kit's scheduler/ files that the test binary of an
 * exercise under the controlled scheduler (manifest `schedules`) is built
 * from, sorted: its sources and headers, without fault.c (the harness's
 * fault_inject.c is linked instead), then "wrapped-calls.txt".  A
 * NULL-ended array to free with build_names_free(); NULL with errno set
 * when the folder cannot be read.
 */
char **build_scheduler_files(const char *kit_dir);

/* Frees an array of build_scheduler_files(). */
void build_names_free(char **names);

#endif
