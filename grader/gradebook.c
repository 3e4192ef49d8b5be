/*
 * gradebook.c - the reports read back, and grades.csv; see gradebook.h.
 * (summary.md: gradebook_summary.c; the rows' helpers: gradebook_rows.c.)
 *
 * grades.csv follows RFC 4180: a header row, CRLF line ends, and each
 * field as gb_csv_field() writes it.
 */
#define _GNU_SOURCE
#include "gradebook.h"
#include "atomic_file.h"
#include "gradebook_export.h"
#include "gradebook_overrides.h"
#include "gradebook_rows.h"
#include "gradebook_summary.h"
#include "result.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading reports ---- */

/* The stamp's exercises: its "exercises" words and "fingerprints". */
static void read_stamp_exercises(const cJSON *stamp, report_stamp *out)
{
    const cJSON *words = gb_member(stamp, "exercises"), *fingerprints, *item;
    size_t i = 0;

    fingerprints = gb_member(stamp, "fingerprints");
    out->n_exercises = cJSON_IsObject(words) ? (size_t)cJSON_GetArraySize(words) : 0;
    out->exercises = xcalloc(out->n_exercises ? out->n_exercises : 1, sizeof *out->exercises);
    cJSON_ArrayForEach(item, words) {
        const char *fingerprint;

        if (i >= out->n_exercises || !item->string || !cJSON_IsString(item))
            continue;
        fingerprint = gb_string(fingerprints, item->string);
        out->exercises[i].slug = xstrdup(item->string);
        out->exercises[i].status = xstrdup(item->valuestring);
        out->exercises[i].fingerprint = xstrdup(fingerprint ? fingerprint : "");
        i++;
    }
    out->n_exercises = i;
}

int gradebook_read_stamp(const char *path, report_stamp *out)
{
    char *text = read_file(path, NULL);
    cJSON *json;
    const cJSON *stamp, *limit;
    const char *id, *status, *fingerprint;
    int err = 0;

    memset(out, 0, sizeof *out);
    if (!text)
        return errno;
    json = cJSON_Parse(text);
    free(text);
    stamp = gb_member(json, "batch");
    id = gb_string(stamp, "id");
    status = gb_string(stamp, "status");
    fingerprint = gb_string(stamp, "fingerprint");
    limit = gb_member(stamp, "time_limit_s");
    if (id && status && fingerprint && cJSON_IsNumber(limit)) {
        out->id = xstrdup(id);
        out->status = xstrdup(status);
        out->fingerprint = xstrdup(fingerprint);
        out->time_limit_s = limit->valuedouble;
        read_stamp_exercises(stamp, out);
    } else {
        err = EINVAL;
    }
    cJSON_Delete(json);
    return err;
}

const stamp_exercise *report_stamp_find(const report_stamp *stamp, const char *slug)
{
    for (size_t i = 0; i < stamp->n_exercises; i++)
        if (!strcmp(stamp->exercises[i].slug, slug))
            return &stamp->exercises[i];
    return NULL;
}

void report_stamp_free(report_stamp *stamp)
{
    if (!stamp)
        return;
    free(stamp->id);
    free(stamp->status);
    free(stamp->fingerprint);
    for (size_t i = 0; i < stamp->n_exercises; i++) {
        free(stamp->exercises[i].slug);
        free(stamp->exercises[i].status);
        free(stamp->exercises[i].fingerprint);
    }
    free(stamp->exercises);
    memset(stamp, 0, sizeof *stamp);
}

/* The exercise's status: the stamp's word for it, else its build's. */
static enum gb_status exercise_status(const cJSON *stamp, const cJSON *ex)
{
    const char *slug = gb_string(ex, "slug");
    const cJSON *said_by_stamp = gb_member(stamp, "exercises");
    enum gb_status said = gb_status_from_name(slug ? gb_string(said_by_stamp, slug) : NULL);
    const char *build = gb_string(gb_member(ex, "build"), "status");

    if (said != GB_N_STATUSES)
        return said;
    if (build && !strcmp(build, build_status_name(BUILD_OK)))
        return GB_S_OK;
    if (build && !strcmp(build, build_status_name(BUILD_MISSING)))
        return GB_S_MISSING;
    return build && !strcmp(build, build_status_name(BUILD_FAILED)) ? GB_S_BUILD_FAILED
                                                                    : GB_S_ERROR;
}

/* Whether the stamp holds every fingerprint the entry asks for. */
static bool current(const gradebook_request *req, const gradebook_entry *entry,
                    const cJSON *stamp)
{
    const cJSON *fingerprints = gb_member(stamp, "fingerprints");

    for (size_t k = 0; entry->fingerprints && k < req->n_exercises; k++) {
        const char *want = entry->fingerprints[k];
        const char *have = gb_string(fingerprints, req->exercises[k]->slug);

        if (want && (!have || strcmp(want, have) != 0))
            return false;
    }
    return true;
}

/* Fills `r` from the entry's report, or leaves it "not graded". */
static void load_row(const gradebook_request *req, const gradebook_entry *entry, gb_row *r)
{
    char *text = read_file(entry->report, NULL);
    const cJSON *stamp, *exercises, *ex;
    enum gb_status worst = GB_S_OK;

    r->id = entry->id;
    r->entry = entry;
    r->status = GB_S_NOT_GRADED;
    r->ex = xcalloc(req->n_exercises, sizeof *r->ex);
    if (!text)
        return;
    r->report = cJSON_Parse(text);
    free(text);
    stamp = gb_member(r->report, "batch");
    if (!gb_string(stamp, "fingerprint") || !current(req, entry, stamp)) {
        cJSON_Delete(r->report);
        r->report = NULL;
        return;
    }
    exercises = gb_member(r->report, "exercises");
    for (size_t k = 0; k < req->n_exercises; k++) {
        gb_exercise *rx = &r->ex[k];

        rx->status = GB_S_NOT_GRADED;   /* no run graded it for this student yet */
        cJSON_ArrayForEach(ex, exercises) {
            const char *slug = gb_string(ex, "slug");

            if (slug && !strcmp(slug, req->exercises[k]->slug)) {
                rx->json = ex;
                rx->score = rx->computed = gb_int(ex, "score");
                rx->max_score = gb_int(ex, "max_score");
                rx->status = exercise_status(stamp, ex);
                break;
            }
        }
        if (rx->status < worst)
            worst = rx->status;
    }
    r->total = gb_int(r->report, "score");
    r->max_total = gb_int(r->report, "max_score");
    r->status = worst;
}

/* ---- grades.csv ---- */

static char *csv_text(const gradebook_request *req, const gb_row *rows, size_t n)
{
    strbuf sb = STRBUF_INIT;
    bool commits = false;       /* a commit column, when some run graded at a deadline */

    strbuf_addstr(&sb, "id,total");
    for (size_t k = 0; k < req->n_exercises; k++) {
        strbuf_addstr(&sb, ",");
        gb_csv_field(&sb, req->exercises[k]->slug);
    }
    strbuf_addstr(&sb, ",status,notes");
    for (size_t i = 0; i < n && !commits; i++)
        commits = gb_string(gb_member(rows[i].report, "batch"), "commit") != NULL;
    strbuf_addstr(&sb, commits ? ",commit\r\n" : "\r\n");
    for (size_t i = 0; i < n; i++) {
        const gb_row *r = &rows[i];
        strbuf notes = STRBUF_INIT;

        gb_csv_field(&sb, r->id);
        if (r->report)
            strbuf_addf(&sb, ",%d", r->total);
        else
            strbuf_addstr(&sb, ",");
        for (size_t k = 0; k < req->n_exercises; k++) {
            if (r->report && r->ex[k].status != GB_S_NOT_GRADED)
                strbuf_addf(&sb, ",%d", r->ex[k].score);
            else
                strbuf_addstr(&sb, ",");
            if (r->report && r->ex[k].status != GB_S_OK)
                strbuf_addf(&notes, "%s%s: %s", notes.len ? "; " : "",
                            req->exercises[k]->slug, gb_status_name(r->ex[k].status));
        }
        if (r->overridden)
            strbuf_addf(&notes, "%s%s", notes.len ? "; " : "", r->overridden);
        strbuf_addstr(&sb, ",");
        gb_csv_field(&sb, gb_status_name(r->status));
        strbuf_addstr(&sb, ",");
        gb_csv_field(&sb, notes.len ? notes.data : "");
        if (commits) {
            const char *commit = gb_string(gb_member(r->report, "batch"), "commit");

            strbuf_addstr(&sb, ",");
            gb_csv_field(&sb, commit ? commit : "");
        }
        strbuf_addstr(&sb, "\r\n");
        strbuf_release(&notes);
    }
    return strbuf_detach(&sb);
}

/* ---- the instructor's overrides ---- */

/* Applies override `o` to the rows (sorted by id); false when it fits none. */
static bool apply_override(const gradebook_request *req, gb_row *rows, size_t n,
                           const gb_override *o)
{
    gb_row key = { .id = o->id }, *r = bsearch(&key, rows, n, sizeof *rows, gb_row_by_id);
    size_t k = 0;
    gb_exercise *rx;
    int before;
    strbuf sb = STRBUF_INIT;

    while (k < req->n_exercises && strcmp(req->exercises[k]->slug, o->slug) != 0)
        k++;
    if (!r || k == req->n_exercises || !r->report || r->ex[k].status == GB_S_NOT_GRADED)
        return false;
    rx = &r->ex[k];
    before = rx->score;
    rx->score = o->delta ? rx->score + o->points : o->points;
    if (rx->score < 0)
        rx->score = 0;
    if (rx->score > rx->max_score)
        rx->score = rx->max_score;
    r->total += rx->score - before;
    if (r->overridden)
        strbuf_addf(&sb, "%s; ", r->overridden);
    strbuf_addf(&sb, "%s: %d -> %d by the instructor (%s)", o->slug, before, rx->score,
                o->reason);
    free(r->overridden);
    r->overridden = strbuf_detach(&sb);
    if (r->told)
        strbuf_addstr(&sb, r->told);
    strbuf_addf(&sb, "- `%s`: %d -> %d points: %s\n", o->slug, before, rx->score, o->reason);
    free(r->told);
    r->told = strbuf_detach(&sb);
    return true;
}

/*
 * The late rule (grade batch --grace): a report stamped "days_late" N and
 * "late_penalty" P loses N times P percent of each exercise's score
 * (rounded down, never below 0), said in the notes and the student's
 * report like an override.
 */
static void apply_late_rule(const gradebook_request *req, gb_row *r)
{
    const cJSON *stamp = gb_member(r->report, "batch");
    int days = gb_int(stamp, "days_late"), percent = gb_int(stamp, "late_penalty");
    int off = days * percent > 100 ? 100 : days * percent, before = r->total;
    strbuf sb = STRBUF_INIT;

    if (!r->report || days <= 0 || percent <= 0)
        return;
    for (size_t k = 0; k < req->n_exercises; k++) {
        gb_exercise *rx = &r->ex[k];
        int kept;

        if (rx->status == GB_S_NOT_GRADED)
            continue;
        kept = rx->score * (100 - off) / 100;
        r->total -= rx->score - kept;
        rx->score = kept;
    }
    strbuf_addf(&sb, "late by %d day%s: -%d %% (%d -> %d)", days, days == 1 ? "" : "s", off,
                before, r->total);
    r->overridden = strbuf_detach(&sb);
    strbuf_addf(&sb, "- late by %d day%s after the deadline: -%d %% by the course's late rule, "
                "%d -> %d points\n", days, days == 1 ? "" : "s", off, before, r->total);
    r->told = strbuf_detach(&sb);
}

static int apply_overrides(const gradebook_request *req, gb_row *rows, size_t n, char **error)
{
    FILE *warnings = req->warnings ? req->warnings : stderr;
    gb_override *overrides;
    size_t n_overrides;
    int err;

    if (!req->overrides_path)
        return 0;
    err = gradebook_overrides_load(req->overrides_path, warnings, &overrides, &n_overrides,
                                   error);
    if (err)
        return err;
    for (size_t i = 0; i < n_overrides; i++)
        if (!apply_override(req, rows, n, &overrides[i]))
            fprintf(warnings, "grade batch: %s:%d: no graded exercise \"%s\" of \"%s\" in "
                    "the gradebook: override left out\n", req->overrides_path,
                    overrides[i].line, overrides[i].slug, overrides[i].id);
    gradebook_overrides_free(overrides, n_overrides);
    return 0;
}

#define OVERRIDE_SECTION "\n## Changes by your instructor\n"

/* The row's Markdown report with its section about overrides as it should be. */
static int tell_overrides(const gb_row *r)
{
    const char *path = r->entry->report_md;
    char *text = path && r->report ? read_file(path, NULL) : NULL, *old;
    strbuf sb = STRBUF_INIT;
    int err = 0;

    if (!text)
        return 0;
    old = strstr(text, OVERRIDE_SECTION);
    if (!old && !r->told) {
        free(text);
        return 0;
    }
    strbuf_add(&sb, text, old ? (size_t)(old - text) : strlen(text));
    if (r->told)
        strbuf_addf(&sb, OVERRIDE_SECTION "\n%s\n**Your total is now %d/%d.**\n", r->told,
                    r->total, r->max_total);
    err = atomic_write_file(path, sb.data, sb.len);
    strbuf_release(&sb);
    free(text);
    return err;
}

/* ---- both ---- */

int gradebook_write(const gradebook_request *req, gradebook_counts *counts, char **error)
{
    gb_row *rows = xcalloc(req->n_entries, sizeof *rows);
    char *csv, *summary;
    int err;

    *error = NULL;
    memset(counts, 0, sizeof *counts);
    for (size_t i = 0; i < req->n_entries; i++)
        load_row(req, &req->entries[i], &rows[i]);
    qsort(rows, req->n_entries, sizeof *rows, gb_row_by_id);
    for (size_t i = 0; i < req->n_entries; i++)
        apply_late_rule(req, &rows[i]);
    if ((err = apply_overrides(req, rows, req->n_entries, error)) != 0)
        goto done;
    for (size_t i = 0; i < req->n_entries; i++) {
        if (!rows[i].report) {
            counts->not_graded++;
            continue;
        }
        counts->graded++;
        counts->full_marks += rows[i].total == rows[i].max_total;
    }
    for (size_t i = 0; i < req->n_entries; i++)
        if ((err = tell_overrides(&rows[i])) != 0) {
            *error = xasprintf("cannot write \"%s\": %s", rows[i].entry->report_md,
                               strerror(err));
            goto done;
        }
    csv = csv_text(req, rows, req->n_entries);
    summary = gradebook_summary(req, rows, req->n_entries);
    err = atomic_write_file(req->csv_path, csv, strlen(csv));
    if (err)
        *error = xasprintf("cannot write \"%s\": %s", req->csv_path, strerror(err));
    else if ((err = atomic_write_file(req->summary_path, summary, strlen(summary))) != 0)
        *error = xasprintf("cannot write \"%s\": %s", req->summary_path, strerror(err));
    else if (req->roster_path)
        err = gradebook_export(req, rows, req->n_entries, req->roster_path, req->export_dir,
                               req->warnings ? req->warnings : stderr, error);
    free(csv);
    free(summary);
done:
    for (size_t i = 0; i < req->n_entries; i++) {
        cJSON_Delete(rows[i].report);
        free(rows[i].ex);
        free(rows[i].overridden);
        free(rows[i].told);
    }
    free(rows);
    return err;
}
