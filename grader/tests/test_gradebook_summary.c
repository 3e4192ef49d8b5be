/*
 * test_gradebook_summary.c - unit tests for gradebook_summary(): the race
 * findings of summary.md are counted from the reports' structured fields
 * (docs/json-format.md: race.reports[].label and .places[].function),
 * never from the words of their messages.
 *
 * Prints "file:line: message" for each failed check, then "N passed, M
 * failed"; exits 1 when a check failed.
 */
#define _GNU_SOURCE
#include "gradebook_summary.h"
#include "util.h"
#include "check.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static manifest_test alpha_tests[] = { { .name = (char *)"a_works", .points = 80 } };
static manifest_exercise alpha = { .slug = (char *)"alpha", .public_tests = alpha_tests,
                                   .n_public = 1 };
static const manifest_exercise *const columns[] = { &alpha };
static const manifest kit = { .format = 1, .version = (char *)"9.9.9", .exercises = &alpha,
                              .n_exercises = 1 };

/* A report whose one exercise, alpha, ran, passed its test, and whose
   race check found `reports` (a JSON array). */
static cJSON *report(const char *reports)
{
    char *text = xasprintf(
        "{ \"tests\": \"public\", \"exercises\": [ { \"slug\": \"alpha\", \"score\": 80, "
        "\"max_score\": 100, \"tests\": [ { \"name\": \"a_works\", \"status\": \"passed\" } ], "
        "\"race\": { \"status\": \"race\", \"kind\": \"helgrind\", \"score\": 0, "
        "\"max_score\": 20, \"reports\": %s } } ] }", reports);
    cJSON *json = cJSON_Parse(text);

    CHECK(json != NULL, "the report does not parse: %s", text);
    free(text);
    return json;
}

static void make_row(gb_row *row, gb_exercise *ex, const char *id, cJSON *json)
{
    *ex = (gb_exercise){ .json = cJSON_GetArrayItem(cJSON_GetObjectItem(json, "exercises"), 0),
                         .score = 80, .max_score = 100, .computed = 80, .status = GB_S_OK };
    *row = (gb_row){ .id = id, .report = json, .total = 80, .max_total = 100,
                     .status = GB_S_OK, .ex = ex };
}

static void test_findings(void)
{
    gb_row rows[3];
    gb_exercise ex[3];
    gradebook_request req = { .manifest = &kit, .exercises = columns, .n_exercises = 1 };
    char *summary;

    /* Two labelled findings with their places (the test's code too), the
       cap's "not shown" finding, one without a label (the resource
       check's), and functions the summary cannot quote as they are. */
    make_row(&rows[0], &ex[0], "ann", report(
        "[ { \"kind\": \"race\", \"label\": \"data race\", \"message\": \"data race: ...\", "
        "    \"places\": [ { \"file\": \"q.c\", \"line\": 12, \"function\": \"q_put\" }, "
        "                  { \"file\": \"race_driver.c\", \"line\": 30, \"function\": \"main\" }, "
        "                  { \"file\": \"q.c\", \"line\": 13, \"function\": \"q_put\" }, "
        "                  { \"file\": \"q.c\", \"line\": 14, \"function\": \"\" }, "
        "                  { \"file\": \"q.c\", \"line\": 15, \"function\": \"q_put.part.0\" }, "
        "                  { \"file\": \"q.c\", \"line\": 16, \"function\": \"a`b\" } ] }, "
        "  { \"kind\": \"lock_order\", \"label\": \"lock order\", \"message\": \"lock order: ...\", "
        "    \"places\": [ { \"file\": \"q.c\", \"line\": 40, \"function\": \"take_ab\" }, "
        "                  { \"file\": \"q.c\", \"line\": 50, \"function\": \"take_ba\" } ] }, "
        "  { \"kind\": \"other\", \"label\": \"not shown\", "
        "    \"message\": \"not shown: 2 more data races.\", \"places\": [] }, "
        "  { \"kind\": \"leftover\", \"label\": \"\", "
        "    \"message\": \"after pool_destroy, 1 worker process was still alive\", "
        "    \"places\": [] } ]"));
    make_row(&rows[1], &ex[1], "bob", report(
        "[ { \"kind\": \"race\", \"label\": \"data race\", \"message\": \"data race: ...\", "
        "    \"places\": [ { \"file\": \"q.c\", \"line\": 12, \"function\": \"q_put\" }, "
        "                  { \"file\": \"q.c\", \"line\": 20, \"function\": \"q_get\" } ] } ]"));
    /* Its message names a place, but the summary reads no message: no
       label, no places, so "other" and no function. */
    make_row(&rows[2], &ex[2], "cy", report(
        "[ { \"kind\": \"race\", \"message\": \"data race: q.c:12 (q_put) writes memory\" } ]"));

    summary = gradebook_summary(&req, rows, 3);
    CHECK_HAS(summary, "Race check (of the 3 submissions that ran): ");
    CHECK_HAS(summary,
              "Findings most often reported (submissions with at least one):\n\n"
              "- data race: 2\n"
              "- other: 2\n"
              "- lock order: 1\n"
              "- not shown: 1\n"
              "  - data race in `q_put`: 2\n"
              "  - data race in `main`: 1\n"
              "  - lock order in `take_ab`: 1\n"
              "  - lock order in `take_ba`: 1\n"
              "  - data race in `q_get`: 1\n\n");
    CHECK(!strstr(summary, "part.0") && !strstr(summary, "a`b"),
          "a function that is not a plain name reached the summary");
    free(summary);
    for (size_t i = 0; i < 3; i++)
        cJSON_Delete(rows[i].report);
}

int main(void)
{
    test_findings();
    return check_finish();
}
