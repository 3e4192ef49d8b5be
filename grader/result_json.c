/* result_json.c - an exercise's result read back from JSON; see result_json.h. */
#include "result_json.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const cJSON *member(const cJSON *object, const char *key)
{
    return cJSON_IsObject(object) ? cJSON_GetObjectItemCaseSensitive(object, key) : NULL;
}

static char *text(const cJSON *object, const char *key)
{
    const cJSON *item = member(object, key);

    return xstrdup(cJSON_IsString(item) ? item->valuestring : "");
}

/* The string at `key`, or NULL when there is none. */
static char *text_or_null(const cJSON *object, const char *key)
{
    const cJSON *item = member(object, key);

    return cJSON_IsString(item) ? xstrdup(item->valuestring) : NULL;
}

static double number(const cJSON *object, const char *key)
{
    const cJSON *item = member(object, key);

    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) ||
        fabs(item->valuedouble) > INT32_MAX)
        return 0;
    return item->valuedouble;
}

/* The index of `word` in names[0..n), or `fallback`. */
static int status_of(const cJSON *object, const char *key, const char *(*name)(int), int n,
                     int fallback)
{
    const cJSON *item = member(object, key);

    for (int s = 0; cJSON_IsString(item) && s < n; s++)
        if (!strcmp(item->valuestring, name(s)))
            return s;
    return fallback;
}

static const char *test_name(int s) { return test_status_name((enum test_status)s); }
static const char *build_name(int s) { return build_status_name((enum build_status)s); }
static const char *race_name(int s) { return race_status_name((enum race_status)s); }

static void read_race(const cJSON *json, race_result *race)
{
    const cJSON *reports = member(json, "reports"), *item;
    size_t i = 0;

    const cJSON *kind = member(json, "kind"), *status = member(json, "status");

    race->status = status_of(json, "status", race_name, RACE_SKIPPED + 1, RACE_CRASHED);
    if (cJSON_IsString(status) && !strcmp(status->valuestring, "errors"))
        race->status = RACE_FOUND;          /* memcheck's word for it */
    race->check = !cJSON_IsString(kind) ? "helgrind"
        : !strcmp(kind->valuestring, "memcheck") ? "memcheck"
        : !strcmp(kind->valuestring, "resources") ? "resources" : "helgrind";
    race->score = (int)number(json, "score");
    race->max_score = (int)number(json, "max_score");
    race->message = text(json, "message");
    race->n_errors = (size_t)number(json, "errors");
    race->n_findings = cJSON_IsArray(reports) ? (size_t)cJSON_GetArraySize(reports) : 0;
    race->findings = xcalloc(race->n_findings ? race->n_findings : 1, sizeof *race->findings);
    cJSON_ArrayForEach(item, reports) {
        if (i >= race->n_findings)
            break;
        race_finding *f = &race->findings[i];
        const cJSON *place;

        f->kind = text(item, "kind");
        f->label = text(item, "label");
        f->file = text(item, "file");
        f->line = (int)number(item, "line");
        f->message = text(item, "message");
        cJSON_ArrayForEach(place, member(item, "places")) {
            char *file = text(place, "file"), *function = text(place, "function");

            race_places_add(&f->places, &f->n_places, file, (int)number(place, "line"),
                            function);
            free(file);
            free(function);
        }
        i++;
    }
}

int exercise_result_from_json(const cJSON *json, exercise_result *out)
{
    const cJSON *slug = member(json, "slug"), *tests = member(json, "tests"), *item;
    const cJSON *timing = member(json, "seconds");
    size_t i = 0;

    memset(out, 0, sizeof *out);
    if (!cJSON_IsString(slug))
        return EINVAL;
    out->slug = xstrdup(slug->valuestring);
    out->score = (int)number(json, "score");
    out->max_score = (int)number(json, "max_score");
    out->build = status_of(member(json, "build"), "status", build_name, BUILD_MISSING + 1,
                           BUILD_FAILED);
    out->build_log = text(member(json, "build"), "log");
    out->n_tests = cJSON_IsArray(tests) ? (size_t)cJSON_GetArraySize(tests) : 0;
    out->tests = xcalloc(out->n_tests ? out->n_tests : 1, sizeof *out->tests);
    cJSON_ArrayForEach(item, tests) {
        test_result *t = &out->tests[i];

        if (i >= out->n_tests)
            break;
        t->name = text(item, "name");
        t->status = status_of(item, "status", test_name, TEST_SKIPPED + 1, TEST_FAILED);
        t->score = (int)number(item, "score");
        t->max_score = (int)number(item, "max_score");
        t->message = text(item, "message");
        t->hint = text(item, "hint");
        t->seconds = number(item, "seconds");
        t->output = text_or_null(item, "output");
        t->output_file = text_or_null(item, "output_file");
        t->stacks = text_or_null(item, "stacks");
        i++;
    }
    read_race(member(json, "race"), &out->race);
    out->seconds = number(timing, "total");
    out->build_s = number(timing, "build");
    out->tests_s = number(timing, "tests");
    out->race_s = number(timing, "race");
    return 0;
}
