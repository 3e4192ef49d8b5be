/* result.c - see result.h. */
#include "result.h"
#include "util.h"
#include "../harness/racecourse_test.h"

#include <stdlib.h>
#include <string.h>

const char *test_status_name(enum test_status status)
{
    static const char *const names[] = {
        [TEST_PASSED] = "passed", [TEST_FAILED] = "failed", [TEST_CRASHED] = "crashed",
        [TEST_TIMEOUT] = "timeout", [TEST_SKIPPED] = "skipped",
    };
    return names[status];
}

const char *test_status_words(enum test_status status)
{
    static const char *const words[] = {
        [TEST_PASSED] = "passed", [TEST_FAILED] = "failed", [TEST_CRASHED] = "crashed",
        [TEST_TIMEOUT] = "timed out", [TEST_SKIPPED] = "not run",
    };
    return words[status];
}

char *printed_too_much_words(const char *when)
{
    return xasprintf("your code printed more than %u MB %s, which stopped it there: is a "
                     "print in a loop that never ends?", RC_PRINT_LIMIT >> 20, when);
}

const char *race_status_words(enum race_status status)
{
    static const char *const words[] = {
        [RACE_CLEAN] = "clean", [RACE_FOUND] = "errors found", [RACE_TIMEOUT] = "timed out",
        [RACE_CRASHED] = "stopped early", [RACE_SKIPPED] = "not run",
    };
    return words[status];
}

const char *build_status_name(enum build_status status)
{
    static const char *const names[] = {
        [BUILD_OK] = "ok", [BUILD_FAILED] = "failed", [BUILD_MISSING] = "missing",
    };
    return names[status];
}

const char *race_status_name(enum race_status status)
{
    static const char *const names[] = {
        [RACE_CLEAN] = "clean", [RACE_FOUND] = "race", [RACE_TIMEOUT] = "timeout",
        [RACE_CRASHED] = "crashed", [RACE_SKIPPED] = "skipped",
    };
    return names[status];
}

void test_results_free(test_result *tests, size_t n)
{
    for (size_t i = 0; tests && i < n; i++) {
        free(tests[i].name);
        free(tests[i].message);
        free(tests[i].hint);
        free(tests[i].output);
        free(tests[i].output_file);
        free(tests[i].stacks);
    }
    free(tests);
}

void race_places_add(race_place **places, size_t *n, const char *file, int line,
                     const char *function)
{
    *places = xrealloc(*places, (*n + 1) * sizeof **places);
    (*places)[(*n)++] = (race_place){ .file = xstrdup(file ? file : ""), .line = line,
                                      .function = xstrdup(function ? function : "") };
}

void race_places_free(race_place *places, size_t n)
{
    for (size_t i = 0; places && i < n; i++) {
        free(places[i].file);
        free(places[i].function);
    }
    free(places);
}

void race_findings_free(race_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_findings; i++) {
        free(r->findings[i].kind);
        free(r->findings[i].label);
        free(r->findings[i].file);
        free(r->findings[i].message);
        race_places_free(r->findings[i].places, r->findings[i].n_places);
    }
    free(r->findings);
    r->findings = NULL;
    r->n_findings = 0;
}

void race_result_free(race_result *r)
{
    if (!r)
        return;
    race_findings_free(r);
    free(r->message);
    r->message = NULL;
}

void exercise_result_free(exercise_result *ex)
{
    if (!ex)
        return;
    free(ex->slug);
    free(ex->build_log);
    test_results_free(ex->tests, ex->n_tests);
    race_result_free(&ex->race);
}

/* xstrdup() that keeps NULL. */
static char *copy_string(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void exercise_result_copy(exercise_result *to, const exercise_result *from)
{
    *to = *from;
    to->slug = copy_string(from->slug);
    to->build_log = copy_string(from->build_log);
    to->tests = from->n_tests ? xcalloc(from->n_tests, sizeof *to->tests) : NULL;
    for (size_t i = 0; i < from->n_tests; i++) {
        to->tests[i] = from->tests[i];
        to->tests[i].name = copy_string(from->tests[i].name);
        to->tests[i].message = copy_string(from->tests[i].message);
        to->tests[i].hint = copy_string(from->tests[i].hint);
        to->tests[i].output = copy_string(from->tests[i].output);
        to->tests[i].output_file = copy_string(from->tests[i].output_file);
        to->tests[i].stacks = copy_string(from->tests[i].stacks);
    }
    to->race.message = copy_string(from->race.message);
    to->race.findings = from->race.n_findings
                            ? xcalloc(from->race.n_findings, sizeof *to->race.findings)
                            : NULL;
    for (size_t i = 0; i < from->race.n_findings; i++) {
        const race_finding *f = &from->race.findings[i];
        race_finding *t = &to->race.findings[i];

        *t = *f;
        t->kind = copy_string(f->kind);
        t->label = copy_string(f->label);
        t->file = copy_string(f->file);
        t->message = copy_string(f->message);
        t->places = NULL;
        t->n_places = 0;
        for (size_t p = 0; p < f->n_places; p++)
            race_places_add(&t->places, &t->n_places, f->places[p].file, f->places[p].line,
                            f->places[p].function);
    }
}

void grade_result_free(grade_result *result)
{
    if (!result)
        return;
    for (size_t i = 0; i < result->n_exercises; i++)
        exercise_result_free(&result->exercises[i]);
    free(result->exercises);
    free(result->submission);
    free(result->containment);
    free(result->tests_kind);
}

bool race_is_memcheck(const race_result *r)
{
    return r && r->check && !strcmp(r->check, "memcheck");
}

bool race_is_resources(const race_result *r)
{
    return r && r->check && !strcmp(r->check, "resources");
}

const char *race_check_kind(const race_result *r)
{
    return race_is_memcheck(r) ? "memcheck" : race_is_resources(r) ? "resources" : "helgrind";
}

const char *race_check_title(const race_result *r)
{
    return race_is_memcheck(r) ? "memcheck check (Valgrind)"
         : race_is_resources(r) ? "resource check (Valgrind)" : "race check (Helgrind)";
}
