/* output.c - the registry of report formats; see output.h. */
#include "output.h"
#include "util.h"

#include <string.h>

const output_format output_formats[] = {
    { .name = "json", .description = "the grade as JSON (docs/json-format.md)",
      .write = output_json },
    { .name = "summary", .description = "one line per exercise, for scripts",
      .write = output_summary },
    { .name = "text", .description = "the terminal report, without colours",
      .write = output_text },
    { .name = "markdown", .description = "the report in Markdown ($GITHUB_STEP_SUMMARY)",
      .write = output_markdown },
    { .name = "classroom", .description = "GitHub Classroom step outputs, appended to FILE "
      "(docs/classroom-format.md)", .write = output_classroom, .append = true },
    { .name = "junit", .description = "JUnit XML, for CI test dashboards",
      .write = output_junit },
    { .name = "gradescope", .description = "Gradescope's results.json (docs/gradescope.md)",
      .write = output_gradescope },
    { .name = NULL },
};

const output_format *output_find(const char *name)
{
    for (const output_format *f = output_formats; f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}

int output_hidden_points(const grade_result *result, const output_context *context)
{
    int points = 0;

    if (!result->tests_kind || strcmp(result->tests_kind, "public") != 0 ||
        !context->manifest)
        return 0;
    for (size_t i = 0; i < result->n_exercises; i++) {
        const manifest_exercise *mx = manifest_find(context->manifest,
                                                    result->exercises[i].slug);

        for (size_t t = 0; mx && t < mx->n_hidden; t++)
            points += mx->hidden_tests[t].points;
    }
    return points;
}

char *output_public_total_words(const grade_result *result, const output_context *context)
{
    int hidden = output_hidden_points(result, context);
    size_t passed = 0, total = 0, skipped = 0;

    if (!hidden)
        return NULL;
    for (size_t i = 0; i < result->n_exercises; i++)
        for (size_t t = 0; t < result->exercises[i].n_tests; t++) {
            passed += result->exercises[i].tests[t].status == TEST_PASSED;
            skipped += result->exercises[i].tests[t].status == TEST_SKIPPED;
            total++;
        }
    if (skipped == total)
        return NULL;            /* no test ran (--race-only): nothing to say of them */
    return xasprintf("public tests: %s; the hidden tests, worth %d points, run when your "
                     "instructor grades (this total is not your grade)",
                     passed == total ? "all passed" : "not all passed yet", hidden);
}
