/* output.c - the registry of report formats; see output.h. */
#include "output.h"

#include <string.h>

const output_format output_formats[] = {
    { "json", "the grade as JSON (docs/json-format.md)", output_json },
    { "summary", "one line per exercise, for scripts", output_summary },
    { "text", "the terminal report, without colours", output_text },
    { NULL, NULL, NULL },
};

const output_format *output_find(const char *name)
{
    for (const output_format *f = output_formats; f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}
