/* output.c - the registry of report formats; see output.h. */
#include "output.h"

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
