/*
 * output_gradescope.c - Gradescope's results.json (the autograder
 * specification, "Output format"); how to use it: docs/gradescope.md.
 *
 *   { "score": TOTAL, "execution_time": S, "output": "<summary>",
 *     "output_format": "text", "test_output_format": "text",
 *     "test_name_format": "text", "stdout_visibility": "hidden",
 *     "extra_data": { "kit_version", "tests", "containment", "max_score" },
 *     "tests": [ { "name": "SLUG: TEST", "number": "E.T", "score", "max_score",
 *                  "status": "passed|failed", "output", "visibility",
 *                  "extra_data": { "status", "hidden" } }, ... ] }
 *
 * One entry per test and one for the race check of each exercise (and a
 * "build" entry without points when the build failed, saying why), so
 * that the entries' max_score add up to the grade's maximum and "score"
 * is its total.  Every text is "text" format: Gradescope shows it as it is, and
 * student text cannot inject HTML (the top-level default would render it).
 *
 * Hidden tests follow the policy of every student-facing report
 * (output_student.h): the entry of a hidden test that did not pass says
 * its status, that it is hidden, and its hint, never its message (unless
 * the instructor asks for it).  Its visibility stays "visible":
 * its name and hint are public already (manifest.ini ships with the kit),
 * and the spec hides a student's total score whenever a test is hidden.
 * extra_data.hidden marks these entries so that an instructor can make
 * them "after_due_date" (docs/gradescope.md).  The race check's entry
 * shows its findings: they point into the student's own file.  stdout
 * (the terminal report, with every message) stays for instructors only.
 */
#include "output.h"
#include "output_student.h"
#include "util.h"
#include "utf8.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define OUTPUT_MAX 8000         /* bytes of one test's output */

static const char *str(const char *s)
{
    return s ? s : "";
}

/* Adds `text` to `json` as `key`, as valid UTF-8 of at most `max` bytes. */
static void add_text(cJSON *json, const char *key, const char *text, size_t max)
{
    char *clean = utf8_clean(text, max);

    cJSON_AddStringToObject(json, key, clean);
    free(clean);
}

static const char *race_words(const race_result *race)
{
    switch (race->status) {
    case RACE_CLEAN:   return "clean";
    case RACE_FOUND:   return "found errors";
    case RACE_TIMEOUT: return "timed out";
    case RACE_CRASHED: return "stopped early";
    default:           return race->max_score ? "not run" : "off";
    }
}

static cJSON *entry(const char *slug, const char *name, size_t ex_number, size_t number,
                    int score, int max_score, bool passed)
{
    cJSON *json = cJSON_CreateObject();
    char *text = xasprintf("%s: %s", slug, name);

    add_text(json, "name", text, 512);
    free(text);
    text = xasprintf("%zu.%zu", ex_number, number);
    cJSON_AddStringToObject(json, "number", text);
    free(text);
    if (max_score >= 0) {
        cJSON_AddNumberToObject(json, "score", score);
        cJSON_AddNumberToObject(json, "max_score", max_score);
    }
    cJSON_AddStringToObject(json, "status", passed ? "passed" : "failed");
    cJSON_AddStringToObject(json, "visibility", "visible");
    return json;
}

static cJSON *test_entry(const exercise_result *ex, const test_result *t, size_t ex_number,
                         size_t number, bool hidden)
{
    cJSON *json = entry(ex->slug, t->name, ex_number, number, t->score, t->max_score,
                        t->status == TEST_PASSED);
    cJSON *extra;
    char *text;

    if (t->status == TEST_PASSED)
        text = xstrdup(test_status_words(t->status));
    else if (t->status == TEST_SKIPPED)
        text = xstrdup(ex->build == BUILD_OK ? "not run" : "not run: the build failed");
    else {
        char *message = utf8_clean(t->message, OUTPUT_MAX - 1000);   /* room for the rest */

        text = xasprintf("%s: %s%s%s%s%s", test_status_words(t->status), message,
                         *str(t->hint) ? "\nHint: " : "", str(t->hint),
                         hidden ? "" : "\nTo see it yourself: make check EX=", hidden ? "" : ex->slug);
        free(message);
    }
    add_text(json, "output", text, OUTPUT_MAX);
    free(text);
    extra = cJSON_AddObjectToObject(json, "extra_data");
    cJSON_AddStringToObject(extra, "status", test_status_name(t->status));
    cJSON_AddBoolToObject(extra, "hidden", hidden);
    return json;
}

static cJSON *race_entry(const exercise_result *ex, size_t ex_number, size_t number)
{
    const race_result *r = &ex->race;
    bool memcheck = race_is_memcheck(r) || race_is_resources(r);
    cJSON *json = entry(ex->slug, race_check_title(r),
                        ex_number, number, r->score, r->max_score, r->status == RACE_CLEAN);
    cJSON *extra;
    strbuf sb = STRBUF_INIT;
    char *text;

    if (r->status == RACE_CLEAN)
        strbuf_addstr(&sb, race_is_resources(r)
                      ? "clean: pool_destroy left no process, descriptor or mapping, and "
                        "memcheck found no error" :
                      memcheck ? "clean: memcheck found no invalid access and no leak"
                               : "clean: Helgrind found no race");
    else
        strbuf_addf(&sb, "%s", r->message && *r->message ? r->message :
                               race_status_name(r->status));
    for (size_t i = 0; i < r->n_findings; i++) {
        const race_finding *f = &r->findings[i];

        strbuf_addstr(&sb, "\n- ");
        if (f->file && *f->file)
            strbuf_addf(&sb, "%s:%d: ", f->file, f->line);
        strbuf_addstr(&sb, str(f->message));
    }
    if (r->status == RACE_FOUND || r->status == RACE_TIMEOUT || r->status == RACE_CRASHED)
        strbuf_addf(&sb, "\nTo see %s's full report: make race EX=%s",
                    memcheck ? "memcheck" : "Helgrind", ex->slug);
    text = strbuf_detach(&sb);
    add_text(json, "output", text, OUTPUT_MAX);
    free(text);
    extra = cJSON_AddObjectToObject(json, "extra_data");
    cJSON_AddStringToObject(extra, "status", race_status_name(r->status));
    cJSON_AddBoolToObject(extra, "hidden", false);
    return json;
}

/* An entry without points saying why nothing was run. */
static cJSON *build_entry(const exercise_result *ex, size_t ex_number)
{
    cJSON *json = entry(ex->slug, "build", ex_number, 0, 0, -1, false);
    char *text = ex->build == BUILD_MISSING ?
                 xasprintf("not submitted: write exercises/%s/%s.c", ex->slug, ex->slug) :
                 xasprintf("the build failed, nothing was run:\n%s", str(ex->build_log));

    add_text(json, "output", text, OUTPUT_MAX);
    free(text);
    return json;
}

/* The top-level output: the total and one line per exercise. */
static char *summary(const grade_result *result)
{
    strbuf sb = STRBUF_INIT;

    strbuf_addf(&sb, "Total %d/%d with the %s tests.\n\n", result->score, result->max_score,
                str(result->tests_kind));
    for (size_t i = 0; i < result->n_exercises; i++) {
        const exercise_result *ex = &result->exercises[i];
        size_t passed = 0;

        for (size_t t = 0; t < ex->n_tests; t++)
            passed += ex->tests[t].status == TEST_PASSED;
        strbuf_addf(&sb, "%-15s %3d/%-3d  ", ex->slug, ex->score, ex->max_score);
        if (ex->build != BUILD_OK)
            strbuf_addstr(&sb, ex->build == BUILD_MISSING ? "not submitted\n" :
                                                            "the build failed\n");
        else if (ex->max_score == 0)
            strbuf_addstr(&sb, "nothing to grade\n");
        else
            strbuf_addf(&sb, "%zu of %zu tests passed, race check %s\n", passed, ex->n_tests,
                        race_words(&ex->race));
    }
    return strbuf_detach(&sb);
}

static int write_gradescope(const grade_result *result, const output_context *context, FILE *out)
{
    cJSON *json = cJSON_CreateObject(), *tests, *extra;
    char *text;
    int err = 0;

    cJSON_AddNumberToObject(json, "score", result->score);
    cJSON_AddNumberToObject(json, "execution_time", round(result->duration_s));
    text = summary(result);
    add_text(json, "output", text, 64 * 1024);
    free(text);
    cJSON_AddStringToObject(json, "output_format", "text");
    cJSON_AddStringToObject(json, "test_output_format", "text");
    cJSON_AddStringToObject(json, "test_name_format", "text");
    cJSON_AddStringToObject(json, "stdout_visibility", "hidden");
    extra = cJSON_AddObjectToObject(json, "extra_data");
    cJSON_AddNumberToObject(extra, "max_score", result->max_score);
    if (context->manifest)
        cJSON_AddStringToObject(extra, "kit_version", context->manifest->version);
    cJSON_AddStringToObject(extra, "tests", str(result->tests_kind));
    add_text(extra, "containment", result->containment, 512);
    tests = cJSON_AddArrayToObject(json, "tests");
    for (size_t i = 0; i < result->n_exercises; i++) {
        const exercise_result *ex = &result->exercises[i];
        size_t number = 1;

        if (ex->build != BUILD_OK)
            cJSON_AddItemToArray(tests, build_entry(ex, i + 1));
        for (size_t t = 0; t < ex->n_tests; t++)
            cJSON_AddItemToArray(tests, test_entry(ex, &ex->tests[t], i + 1, number++,
                                                   output_is_hidden_test(result, ex,
                                                                         &ex->tests[t],
                                                                         context)));
        if (ex->race.max_score > 0 || ex->race.status != RACE_SKIPPED)
            cJSON_AddItemToArray(tests, race_entry(ex, i + 1, number));
    }
    text = cJSON_Print(json);
    if (!text || fprintf(out, "%s\n", text) < 0)
        err = text ? EIO : ENOMEM;
    free(text);
    cJSON_Delete(json);
    return err ? err : ferror(out) ? EIO : 0;
}

int output_gradescope(const grade_result *result, const output_context *context, FILE *out)
{
    grade_result view;
    int err;

    output_student_view(result, context, &view);
    err = write_gradescope(&view, context, out);
    grade_result_free(&view);
    return err;
}
