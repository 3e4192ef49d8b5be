/* gradebook_overrides.c - the instructor's overrides; see gradebook_overrides.h. */
#define _GNU_SOURCE
#include "gradebook_overrides.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t csv_record(const char **cursor, char **fields, size_t max)
{
    const char *p = *cursor;
    size_t n = 0;

    if (!*p)
        return 0;
    for (;;) {
        strbuf field = STRBUF_INIT;

        if (*p == '"') {
            for (p++; *p; p++) {
                if (*p == '"' && p[1] == '"')
                    strbuf_add(&field, p++, 1);
                else if (*p == '"')
                    break;
                else
                    strbuf_add(&field, p, 1);
            }
            if (*p == '"')
                p++;
        }
        while (*p && *p != ',' && *p != '\n' && *p != '\r')
            strbuf_add(&field, p++, 1);
        if (n < max)
            fields[n++] = strbuf_detach(&field);
        else
            strbuf_release(&field);
        if (*p != ',')
            break;
        p++;
    }
    if (*p == '\r')
        p++;
    if (*p == '\n')
        p++;
    *cursor = p;
    return n;
}

/* "+5", "-3" (a change) or "80" (a score). */
static bool parse_points(const char *text, gb_override *o)
{
    char *end;
    long value;

    while (*text == ' ')
        text++;
    o->delta = *text == '+' || *text == '-';
    errno = 0;
    value = strtol(text, &end, 10);
    while (*end == ' ')
        end++;
    if (end == text || *end || errno || value < -1000 || value > 1000 || (!o->delta && value < 0))
        return false;
    o->points = (int)value;
    return true;
}

int gradebook_overrides_load(const char *path, FILE *warnings, gb_override **out, size_t *n,
                             char **error)
{
    char *text = read_file(path, NULL);
    const char *cursor;
    char *fields[5];
    size_t got;
    int line = 0;

    *out = NULL;
    *n = 0;
    *error = NULL;
    if (!text) {
        if (errno == ENOENT)
            return 0;
        *error = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
        return errno;
    }
    cursor = text;
    while ((got = csv_record(&cursor, fields, 5)) > 0) {
        gb_override o = { .line = ++line };
        bool blank = got == 1 && !*fields[0];

        if (line == 1 || blank) {           /* the header, or an empty line */
        } else if (got != 4 || !*fields[0] || !*fields[1] || !parse_points(fields[2], &o)) {
            fprintf(warnings, "grade batch: %s:%d: not an override (id,exercise,points,reason "
                    "with points 80, +5 or -3): line left out\n", path, line);
        } else {
            o.id = xstrdup(fields[0]);
            o.slug = xstrdup(fields[1]);
            o.reason = xstrdup(fields[3]);
            *out = xrealloc(*out, (*n + 1) * sizeof **out);
            (*out)[(*n)++] = o;
        }
        for (size_t i = 0; i < got; i++)
            free(fields[i]);
    }
    free(text);
    return 0;
}

void gradebook_overrides_free(gb_override *overrides, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(overrides[i].id);
        free(overrides[i].slug);
        free(overrides[i].reason);
    }
    free(overrides);
}
