/*
 * output_json.c - the grade as JSON, in the format docs/json-format.md
 * describes.  cJSON does the escaping.
 */
#include "output_json.h"
#include "utf8.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Adds student-touched text as valid UTF-8 (cJSON escapes the rest). */
static void add_text(cJSON *json, const char *key, const char *text)
{
    char *clean = utf8_clean(text, SIZE_MAX);

    cJSON_AddStringToObject(json, key, clean);
    free(clean);
}

static cJSON *test_json(const test_result *t)
{
    cJSON *json = cJSON_CreateObject();

    cJSON_AddStringToObject(json, "name", t->name);
    cJSON_AddStringToObject(json, "status", test_status_name(t->status));
    cJSON_AddNumberToObject(json, "score", t->score);
    cJSON_AddNumberToObject(json, "max_score", t->max_score);
    add_text(json, "message", t->message);
    cJSON_AddStringToObject(json, "hint", t->status == TEST_PASSED ? "" : t->hint);
    cJSON_AddNumberToObject(json, "seconds", round(t->seconds * 1000) / 1000);
    if (t->output)
        add_text(json, "output", t->output);
    if (t->output_file)
        add_text(json, "output_file", t->output_file);
    if (t->stacks)
        add_text(json, "stacks", t->stacks);
    return json;
}

/* A finding's places: [ { "file": "bq.c", "line": 57, "function": "bq_put" } ]. */
static cJSON *places_json(const race_finding *f)
{
    cJSON *places = cJSON_CreateArray();

    for (size_t i = 0; i < f->n_places; i++) {
        cJSON *place = cJSON_CreateObject();

        add_text(place, "file", f->places[i].file);
        cJSON_AddNumberToObject(place, "line", f->places[i].line);
        add_text(place, "function", f->places[i].function);
        cJSON_AddItemToArray(places, place);
    }
    return places;
}

static cJSON *race_json(const race_result *race)
{
    cJSON *json = cJSON_CreateObject();
    cJSON *reports;

    bool memcheck = race_is_memcheck(race) || race_is_resources(race);

    /* docs/json-format.md: memcheck's and the resource check's findings use the status "errors". */
    cJSON_AddStringToObject(json, "status", memcheck && race->status == RACE_FOUND
                                                ? "errors" : race_status_name(race->status));
    cJSON_AddStringToObject(json, "kind", race_check_kind(race));
    cJSON_AddNumberToObject(json, "score", race->score);
    cJSON_AddNumberToObject(json, "max_score", race->max_score);
    add_text(json, "message", race->message);
    cJSON_AddNumberToObject(json, "errors", (double)race->n_errors);
    reports = cJSON_AddArrayToObject(json, "reports");
    for (size_t i = 0; i < race->n_findings; i++) {
        const race_finding *f = &race->findings[i];
        cJSON *report = cJSON_CreateObject();

        cJSON_AddStringToObject(report, "kind", f->kind);
        cJSON_AddStringToObject(report, "label", f->label ? f->label : "");
        cJSON_AddStringToObject(report, "file", f->file);
        cJSON_AddNumberToObject(report, "line", f->line);
        add_text(report, "message", f->message);
        cJSON_AddItemToObject(report, "places", places_json(f));
        cJSON_AddItemToArray(reports, report);
    }
    return json;
}

static cJSON *exercise_json(const exercise_result *ex)
{
    cJSON *json = cJSON_CreateObject();
    cJSON *build, *tests, *timing;

    cJSON_AddStringToObject(json, "slug", ex->slug);
    cJSON_AddNumberToObject(json, "score", ex->score);
    cJSON_AddNumberToObject(json, "max_score", ex->max_score);
    build = cJSON_AddObjectToObject(json, "build");
    cJSON_AddStringToObject(build, "status", build_status_name(ex->build));
    add_text(build, "log", ex->build_log);
    tests = cJSON_AddArrayToObject(json, "tests");
    for (size_t i = 0; i < ex->n_tests; i++)
        cJSON_AddItemToArray(tests, test_json(&ex->tests[i]));
    cJSON_AddItemToObject(json, "race", race_json(&ex->race));
    timing = cJSON_AddObjectToObject(json, "seconds");
    cJSON_AddNumberToObject(timing, "total", round(ex->seconds * 1000) / 1000);
    cJSON_AddNumberToObject(timing, "build", round(ex->build_s * 1000) / 1000);
    cJSON_AddNumberToObject(timing, "tests", round(ex->tests_s * 1000) / 1000);
    cJSON_AddNumberToObject(timing, "race", round(ex->race_s * 1000) / 1000);
    return json;
}

cJSON *output_json_tree(const grade_result *result, const output_context *context)
{
    cJSON *json = cJSON_CreateObject();
    cJSON *exercises;

    cJSON_AddNumberToObject(json, "score", result->score);
    cJSON_AddNumberToObject(json, "max_score", result->max_score);
    cJSON_AddNumberToObject(json, "duration_s", round(result->duration_s * 10) / 10);
    cJSON_AddStringToObject(json, "kit_version", context->manifest->version);
    cJSON_AddStringToObject(json, "tests", result->tests_kind);
    cJSON_AddStringToObject(json, "containment", result->containment);
    exercises = cJSON_AddArrayToObject(json, "exercises");
    for (size_t i = 0; i < result->n_exercises; i++)
        cJSON_AddItemToArray(exercises, exercise_json(&result->exercises[i]));
    return json;
}

int output_json(const grade_result *result, const output_context *context, FILE *out)
{
    cJSON *json = output_json_tree(result, context);
    char *text = json ? cJSON_Print(json) : NULL;
    int err = 0;

    if (!text || fprintf(out, "%s\n", text) < 0)
        err = text ? EIO : ENOMEM;
    free(text);
    cJSON_Delete(json);
    return err;
}
