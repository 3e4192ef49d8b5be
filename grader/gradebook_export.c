/* gradebook_export.c - Canvas and Moodle grade imports; see gradebook_export.h. */
#define _GNU_SOURCE
#include "gradebook_export.h"
#include "atomic_file.h"
#include "gradebook_overrides.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct roster_line {
    char *repository, *student, *name;
} roster_line;

/* Reads the roster (header row first); the lines in *out. */
static int read_roster(const char *path, roster_line **out, size_t *n, char **error)
{
    char *text = read_file(path, NULL), *fields[4];
    const char *cursor = text;
    size_t got;
    int line = 0;

    *out = NULL;
    *n = 0;
    if (!text) {
        int err = errno;

        *error = xasprintf("cannot read the roster \"%s\": %s", path, strerror(err));
        return err;
    }
    while ((got = csv_record(&cursor, fields, 4)) > 0) {
        if (++line > 1 && got >= 2 && *fields[0] && *fields[1]) {
            *out = xrealloc(*out, (*n + 1) * sizeof **out);
            (*out)[(*n)++] = (roster_line){ .repository = xstrdup(fields[0]),
                                            .student = xstrdup(fields[1]),
                                            .name = xstrdup(got >= 3 ? fields[2] : "") };
        }
        for (size_t i = 0; i < got; i++)
            free(fields[i]);
    }
    free(text);
    return 0;
}

static void roster_free(roster_line *lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(lines[i].repository);
        free(lines[i].student);
        free(lines[i].name);
    }
    free(lines);
}

/* The maximum of column k over the graded rows (100 for an exercise). */
static int column_max(const gb_row *rows, size_t n, size_t k)
{
    int max = 0;

    for (size_t i = 0; i < n; i++)
        if (rows[i].report && rows[i].ex[k].max_score > max)
            max = rows[i].ex[k].max_score;
    return max;
}

static char *canvas_text(const gradebook_request *req, const gb_row *rows, size_t n,
                         const roster_line *roster, size_t n_roster)
{
    strbuf sb = STRBUF_INIT;
    char *title = xasprintf("racecourse %s", req->manifest->version);
    int max = 0;

    for (size_t k = 0; k < req->n_exercises; k++)
        max += column_max(rows, n, k);
    strbuf_addstr(&sb, "Student,ID,SIS User ID,SIS Login ID,Section,");
    gb_csv_field(&sb, title);
    strbuf_addf(&sb, "\r\n    Points Possible,,,,,%d\r\n", max);
    for (size_t i = 0; i < n_roster; i++) {
        const gb_row *r = gb_find_row(rows, n, roster[i].repository);

        gb_csv_field(&sb, roster[i].name);
        strbuf_addstr(&sb, ",,,");
        gb_csv_field(&sb, roster[i].student);
        strbuf_addstr(&sb, ",,");
        if (r && r->report)
            strbuf_addf(&sb, "%d", r->total);
        strbuf_addstr(&sb, "\r\n");
    }
    free(title);
    return strbuf_detach(&sb);
}

static char *moodle_text(const gradebook_request *req, const gb_row *rows, size_t n,
                         const roster_line *roster, size_t n_roster)
{
    strbuf sb = STRBUF_INIT;
    int max = 0;

    for (size_t k = 0; k < req->n_exercises; k++)
        max += column_max(rows, n, k);
    strbuf_addf(&sb, "Identifier,Full name,racecourse total (%d)", max);
    for (size_t k = 0; k < req->n_exercises; k++)
        strbuf_addf(&sb, ",%s (%d)", req->exercises[k]->slug, column_max(rows, n, k));
    strbuf_addstr(&sb, "\r\n");
    for (size_t i = 0; i < n_roster; i++) {
        const gb_row *r = gb_find_row(rows, n, roster[i].repository);
        bool graded = r && r->report;

        gb_csv_field(&sb, roster[i].student);
        strbuf_addstr(&sb, ",");
        gb_csv_field(&sb, roster[i].name);
        if (graded)
            strbuf_addf(&sb, ",%d", r->total);
        else
            strbuf_addstr(&sb, ",");
        for (size_t k = 0; k < req->n_exercises; k++) {
            if (graded && r->ex[k].status != GB_S_NOT_GRADED)
                strbuf_addf(&sb, ",%d", r->ex[k].score);
            else
                strbuf_addstr(&sb, ",");
        }
        strbuf_addstr(&sb, "\r\n");
    }
    return strbuf_detach(&sb);
}

static int write_text(const char *dir, const char *name, char *text, char **error)
{
    char *path = xasprintf("%s/%s", dir, name);
    int err = atomic_write_file(path, text, strlen(text));

    if (err)
        *error = xasprintf("cannot write \"%s\": %s", path, strerror(err));
    free(path);
    free(text);
    return err;
}

int gradebook_export(const gradebook_request *req, const gb_row *rows, size_t n,
                     const char *roster_path, const char *dir, FILE *warnings, char **error)
{
    roster_line *roster;
    size_t n_roster;
    int err = read_roster(roster_path, &roster, &n_roster, error);

    if (err)
        return err;
    for (size_t i = 0; i < n; i++) {
        bool named = false;

        for (size_t j = 0; j < n_roster && !named; j++)
            named = !strcmp(roster[j].repository, rows[i].id);
        if (!named)
            fprintf(warnings, "grade batch: the roster \"%s\" does not name \"%s\": left out "
                    "of canvas.csv and moodle.csv\n", roster_path, rows[i].id);
    }
    for (size_t j = 0; j < n_roster; j++) {
        const gb_row *r = gb_find_row(rows, n, roster[j].repository);

        if (!r || !r->report)
            fprintf(warnings, "grade batch: %s (\"%s\" in the roster) has no grade: its grade "
                    "is left empty in canvas.csv and moodle.csv\n", roster[j].student,
                    roster[j].repository);
    }
    err = write_text(dir, "canvas.csv", canvas_text(req, rows, n, roster, n_roster), error);
    if (!err)
        err = write_text(dir, "moodle.csv", moodle_text(req, rows, n, roster, n_roster), error);
    roster_free(roster, n_roster);
    return err;
}
