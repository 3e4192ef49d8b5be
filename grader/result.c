/* result.c - see result.h. */
#include "result.h"

#include <stdlib.h>

const char *test_status_name(enum test_status status)
{
    static const char *const names[] = {
        [TEST_PASSED] = "passed", [TEST_FAILED] = "failed", [TEST_CRASHED] = "crashed",
        [TEST_TIMEOUT] = "timeout", [TEST_SKIPPED] = "skipped",
    };
    return names[status];
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

void exercise_result_free(exercise_result *ex)
{
    if (!ex)
        return;
    free(ex->slug);
    free(ex->build_log);
    for (size_t i = 0; i < ex->n_tests; i++) {
        free(ex->tests[i].name);
        free(ex->tests[i].message);
        free(ex->tests[i].hint);
    }
    free(ex->tests);
    for (size_t i = 0; i < ex->race.n_findings; i++) {
        free(ex->race.findings[i].kind);
        free(ex->race.findings[i].file);
        free(ex->race.findings[i].message);
    }
    free(ex->race.findings);
    free(ex->race.message);
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
