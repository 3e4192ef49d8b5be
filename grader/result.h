/*
 * result.h - what grading one submission produces.
 *
 * Every module of the grader speaks in these types: the runners fill them,
 * scoring adds them up, and each output format (text, JSON, ...) prints
 * them.  Strings are owned by the struct that holds them (malloc'd) and
 * freed by grade_result_free().
 */
#ifndef RACECOURSE_RESULT_H
#define RACECOURSE_RESULT_H

#include <stdbool.h>
#include <stddef.h>

enum test_status { TEST_PASSED, TEST_FAILED, TEST_CRASHED, TEST_TIMEOUT, TEST_SKIPPED };
enum build_status { BUILD_OK, BUILD_FAILED, BUILD_MISSING };
enum race_status { RACE_CLEAN, RACE_FOUND, RACE_TIMEOUT, RACE_CRASHED, RACE_SKIPPED };

/* One Criterion test of an exercise. */
typedef struct test_result {
    char *name;                 /* the test's name, as in the manifest */
    enum test_status status;
    int score, max_score;       /* points earned / possible */
    char *message;              /* why it did not pass, "" when it did */
    char *hint;                 /* the manifest's hint, "" when none */
    double seconds;             /* as Criterion measured it */
    char *output;               /* what the test printed, head and tail
                                   (test_run.h), NULL when nothing or passed */
    char *output_file;          /* the whole of it, kept on disk, or NULL */
    char *stacks;               /* each thread's frames in the student's and
                                   the test's files, taken just before a
                                   timeout, or NULL */
} test_result;

/* A place of code a finding's sentence names: "bq.c:57 (bq_put)". */
typedef struct race_place {
    char *file;                 /* the source file's base name: "bq.c", "race_driver.c" */
    int line;
    char *function;             /* "" when the tool did not name it */
} race_place;

/* One problem the race check reported (Helgrind, memcheck or the resource
 * check; ThreadSanitizer for make tsan), in words for a student. */
typedef struct race_finding {
    char *kind;                 /* "race", "lock_order", "misuse", "other"; memcheck's
                                   and the resource check's (docs/json-format.md) */
    char *label;                /* the words its message starts with ("data race",
                                   "lock order", "not shown"...), "" when none;
                                   NULL is read as "" */
    char *file;                 /* the student's file, "" when not in it */
    int line;                   /* line in that file, 0 when unknown */
    char *message;              /* the plain-language sentence */
    race_place *places;         /* the places the message names as "file:line (fn)"
                                   (the student's code and the test's), in its
                                   order; NULL when none */
    size_t n_places;
} race_finding;

/* The race check of an exercise. */
typedef struct race_result {
    enum race_status status;
    const char *check;          /* static: "helgrind", "memcheck" or "resources"; NULL
                                   (helgrind) when not run */
    int score, max_score;
    race_finding *findings;     /* folded duplicates, at most a handful */
    size_t n_findings;
    size_t n_errors;            /* errors Helgrind counted, before folding */
    bool unnamed_heap;          /* a finding shown names a heap block, not the struct
                                   field in it (race_check.c then names the fields) */
    char *message;              /* a summary sentence, "" when clean */
} race_result;

/* One exercise: build, tests, race check. */
typedef struct exercise_result {
    char *slug;
    int score, max_score;
    enum build_status build;
    char *build_log;            /* compiler's first errors, or refusal reason */
    test_result *tests;
    size_t n_tests;
    race_result race;
    double seconds;             /* wall time spent grading it */
    double build_s, tests_s, race_s;    /* the split of `seconds` */
} exercise_result;

/* One submission. */
typedef struct grade_result {
    char *submission;           /* the folder graded */
    exercise_result *exercises; /* in manifest order */
    size_t n_exercises;
    int score, max_score;
    double duration_s;
    char *containment;          /* how student code was contained */
    char *tests_kind;           /* "hidden" or "public" */
} grade_result;

/* Names used in reports: "passed", "failed", "crashed", "timeout", "skipped". */
const char *test_status_name(enum test_status status);
/*
 * The words reports for people use, one vocabulary for the student's
 * Markdown report and the class summary: "passed", "failed", "crashed",
 * "timed out", "not run"; and for the race check "clean", "errors found",
 * "timed out", "stopped early", "not run".
 */
const char *test_status_words(enum test_status status);
const char *race_status_words(enum race_status status);
/*
 * What the test or the race check says when the code under test printed
 * more than RC_PRINT_LIMIT bytes (exit status RC_EXIT_PRINTED_TOO_MUCH,
 * harness/print_guard.c); `when` says when ("during the test").
 * Malloc'd; aborts when out of memory, as xmalloc() does.
 */
char *printed_too_much_words(const char *when);
/* Whether the second check that ran is memcheck (else Helgrind). */
bool race_is_memcheck(const race_result *r);

/* Whether the second check that ran is the resource check (process_pool). */
bool race_is_resources(const race_result *r);

/* The check's kind as JSON says it: "helgrind", "memcheck" or "resources". */
const char *race_check_kind(const race_result *r);

/* Its name in reports: "race check (Helgrind)", "memcheck check (Valgrind)",
 * "resource check (Valgrind)". */
const char *race_check_title(const race_result *r);
/* "ok", "failed", "missing". */
const char *build_status_name(enum build_status status);
/* "clean", "race", "timeout", "crashed", "skipped". */
const char *race_status_name(enum race_status status);

/* Frees `n` test results and the array itself; NULL is ignored. */
void test_results_free(test_result *tests, size_t n);

/*
 * Appends a place to the `*n` places of `*places` (grown with realloc):
 * copies of `file` and `function` (NULL is taken as "").  Aborts when out
 * of memory, as xmalloc() does.
 */
void race_places_add(race_place **places, size_t *n, const char *file, int line,
                     const char *function);

/* Frees `n` places and the array itself; NULL is ignored. */
void race_places_free(race_place *places, size_t n);

/*
 * Frees r->findings and the strings each finding owns, then sets
 * r->findings to NULL and r->n_findings to 0; leaves the rest of `r`.
 * NULL is ignored; calling it twice is harmless.
 */
void race_findings_free(race_result *r);

/* Frees everything `r` owns (findings and message); NULL is ignored. */
void race_result_free(race_result *r);

/* Frees everything `result` owns (not `result` itself); NULL is ignored. */
void grade_result_free(grade_result *result);
void exercise_result_free(exercise_result *result);

/*
 * Makes *to a deep copy of *from: every string, test and finding is
 * duplicated, so each can be freed on its own.  Aborts when out of
 * memory, as xmalloc() does.
 */
void exercise_result_copy(exercise_result *to, const exercise_result *from);

#endif
