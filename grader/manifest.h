/*
 * manifest.h - manifest.ini, the one list of exercises.
 *
 * The manifest names every exercise in teaching order with its points,
 * timeouts, hints and race-check settings.  The grader reads it here; the
 * Makefile reads it through `grade --make-vars` (see main.c), so that no
 * per-exercise rule is ever written twice.  docs/manifest.md describes the
 * format.
 */
#ifndef RACECOURSE_MANIFEST_H
#define RACECOURSE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#define MANIFEST_FORMAT 1

/* Processes (and threads) a run may have when the manifest does not say. */
#define MANIFEST_DEFAULT_PROCESSES 1024
#define MANIFEST_MAX_SCHEDULES 100  /* `schedules`: the most each test may be given */

/* One test with its points; hint is "" when the manifest gives none. */
typedef struct manifest_test {
    char *name;
    int points;
    char *hint;
    int schedules;              /* schedules.NAME: this test's own number of
                                   schedules; 0: the exercise's `schedules` */
} manifest_test;

/* The second check of an exercise (manifest key `check`). */
enum manifest_check {
    CHECK_HELGRIND,             /* data races, lock order (threads) */
    CHECK_MEMCHECK,             /* invalid accesses and leaks (one thread) */
    CHECK_RESOURCES,            /* children, descriptors and shared mappings left
                                   behind, and memcheck in the parent (processes) */
};

typedef struct manifest_exercise {
    char *slug;
    char *title;
    char *libs;                 /* space-separated: pthread, uv, m */
    char *allow;                /* space-separated library calls this exercise
                                   may make beyond grader/allowed-calls.txt;
                                   "" when none (see docs/manifest.md) */
    double test_timeout_s;      /* Criterion's per-test timeout */
    double run_timeout_s;       /* wall limit of one whole test binary run */
    bool race;                  /* whether the second check runs */
    enum manifest_check check;  /* which one: helgrind (default), memcheck or resources */
    size_t processes;           /* RLIMIT_NPROC of its runs (threads count too),
                                   MANIFEST_DEFAULT_PROCESSES unless it says */
    int race_points;
    double race_timeout_s;
    int schedules;              /* 0: tests on real time; N: each test must pass
                                   under N schedules of the controlled scheduler,
                                   in virtual time (docs/manifest.md) */
    int coverage_lines;         /* minimum % of the reference, 0 = unchecked */
    int coverage_branches;
    char **hints;               /* exercise-level hints */
    size_t n_hints;
    manifest_test *public_tests;
    size_t n_public;
    manifest_test *hidden_tests;
    size_t n_hidden;
} manifest_exercise;

typedef struct manifest {
    int format;
    char *version;
    bool show_hidden_messages;      /* hidden_messages = show: students see hidden tests'
                                       messages (output_student.h); default hide */
    manifest_exercise *exercises;   /* in teaching order */
    size_t n_exercises;
} manifest;

/*
 * Loads and checks the manifest at `path`.  Returns 0, or an errno value
 * with *error set to a malloc'd message naming the file and line:
 * ENOENT (no such file), EINVAL (a syntax error, an unknown key, a line
 * too long, points that do not add up to 100, a hint for an unknown test,
 * an unsupported format).  On error `m` holds nothing to free.
 */
int manifest_load(const char *path, manifest *m, char **error);

/* The exercise called `slug`, or NULL. */
const manifest_exercise *manifest_find(const manifest *m, const char *slug);

/* The test called `name` in `tests[0..n)`, or NULL. */
const manifest_test *manifest_find_test(const manifest_test *tests, size_t n,
                                        const char *name);

/*
 * The second check's driver, a file name in tests/<slug>/:
 * "resource_driver.c" for `check = resources`, else "race_driver.c".
 */
const char *manifest_driver(const manifest_exercise *ex);

/* Frees what `m` owns; safe on a zeroed manifest. */
void manifest_free(manifest *m);

#endif
