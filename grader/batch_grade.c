/* batch_grade.c - one submission of a batch; see batch_grade.h. */
#define _GNU_SOURCE
#include "batch_grade.h"
#include "atomic_file.h"
#include "build.h"
#include "grade_memo.h"
#include "gradebook.h"
#include "hash.h"
#include "output_json.h"
#include "result_json.h"
#include "sandbox.h"
#include "stub_match.h"
#include "utf8.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * An exercise that was not graded: 0 points out of its usual maximum,
 * every test and the race check "not run: <why>".  The JSON report has
 * no build status for this, so it is "failed" with "not graded: <why>"
 * as its log; the stamp says "timed out" or "error".
 */
static void not_graded(const grade_options *g, const manifest_exercise *mx, const char *why,
                       exercise_result *ex)
{
    char *message = xasprintf("not run: %s", why);

    memset(ex, 0, sizeof *ex);
    ex->slug = xstrdup(mx->slug);
    ex->build = BUILD_FAILED;
    ex->build_log = xasprintf("not graded: %s", why);
    grade_tests_not_run(g, mx, message, ex);
    ex->race.status = RACE_SKIPPED;
    ex->race.message = message;
    grade_score(g, mx, ex);
}

/*
 * The status of a graded exercise: from its build, and "not attempted"
 * when it was built and scored 0 with the course's stub untouched
 * (stub_match.h); the label never changes the grade.
 */
static enum gb_status graded_status(const batch_job *job, const manifest_exercise *mx,
                                    const exercise_result *ex)
{
    char *mine, *stub;
    bool untouched;

    if (ex->build != BUILD_OK)
        return ex->build == BUILD_MISSING ? GB_S_MISSING : GB_S_BUILD_FAILED;
    if (ex->score != 0)
        return GB_S_OK;
    mine = xasprintf("%s/exercises/%s/%s.c", job->dir, mx->slug, mx->slug);
    stub = xasprintf("%s/exercises/%s/%s.c", job->options->grade.kit_dir, mx->slug, mx->slug);
    untouched = stub_match_untouched(mine, stub);
    free(mine);
    free(stub);
    return untouched ? GB_S_NOT_ATTEMPTED : GB_S_OK;
}

/* Reads back what `write` printed into memory; NULL with *err on a failure. */
static char *print_report(output_writer write, const grade_result *r, const output_context *c,
                          size_t *len, int *err)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);

    if (!f) {
        *err = errno;
        return NULL;
    }
    *err = write(r, c, f);
    if (fclose(f) != 0 && !*err)
        *err = errno;
    if (*err) {
        free(text);
        return NULL;
    }
    return text;
}

/* The grader's JSON report with the batch stamp (gradebook.h) added. */
static char *json_report(const batch_job *job, const grade_result *r, const output_context *c,
                         const enum gb_status *status, const char *const *fingerprints,
                         enum gb_status overall, int *err)
{
    const batch_options *o = job->options;
    char hex[HASH64_HEX_LEN + 1], *whole, *printed, *text, *id;
    cJSON *json = output_json_tree(r, c), *stamp, *exercises, *prints;
    hash64 all;

    if (!json) {
        *err = ENOMEM;
        return NULL;
    }
    stamp = cJSON_AddObjectToObject(json, "batch");
    id = utf8_clean(job->id, SIZE_MAX);
    cJSON_AddStringToObject(stamp, "id", id);
    free(id);
    cJSON_AddStringToObject(stamp, "status", gb_status_name(overall));
    exercises = cJSON_AddObjectToObject(stamp, "exercises");
    for (size_t k = 0; k < r->n_exercises; k++)
        cJSON_AddStringToObject(exercises, r->exercises[k].slug, gb_status_name(status[k]));
    hash64_init(&all);
    for (size_t k = 0; k < r->n_exercises; k++)
        hash64_add_str(&all, fingerprints[k]);
    hash64_hex(&all, hex);
    whole = xasprintf("fnv1a64:%s", hex);
    cJSON_AddStringToObject(stamp, "fingerprint", whole);
    free(whole);
    prints = cJSON_AddObjectToObject(stamp, "fingerprints");
    for (size_t k = 0; k < r->n_exercises; k++)
        cJSON_AddStringToObject(prints, r->exercises[k].slug, fingerprints[k]);
    cJSON_AddNumberToObject(stamp, "time_limit_s", o->time_limit_s);
    if (job->commit)
        cJSON_AddStringToObject(stamp, "commit", job->commit);
    if (job->days_late > 0 && o->late_penalty > 0) {
        cJSON_AddNumberToObject(stamp, "days_late", job->days_late);
        cJSON_AddNumberToObject(stamp, "late_penalty", o->late_penalty);
    }
    printed = cJSON_Print(json);
    cJSON_Delete(json);
    if (!printed) {
        *err = ENOMEM;
        return NULL;
    }
    text = xasprintf("%s\n", printed);
    free(printed);
    return text;
}

/* What the Markdown report says first about the exercises not graded. */
static void markdown_note(strbuf *sb, const batch_options *o, const grade_result *r,
                          const enum gb_status *status, enum gb_status which)
{
    const char *sep = "";

    for (size_t k = 0; k < r->n_exercises; k++) {
        if (status[k] != which)
            continue;
        if (!*sep && which == GB_S_NOT_ATTEMPTED)
            strbuf_addstr(sb, "> **Not attempted.** These files are the stubs as they were "
                          "handed out, so they score 0:");
        else if (!*sep && which == GB_S_TIMED_OUT)
            strbuf_addf(sb, "> **Timed out.** This submission used up its time limit of %g s "
                        "(`grade batch --time-limit`) before these exercises started; they "
                        "were not graded and score 0:", o->time_limit_s);
        else if (!*sep)
            strbuf_addstr(sb, "> **The grader failed** on these exercises; they score 0 for "
                          "now, and the next `grade batch` grades this submission again (the "
                          "JSON report's `build.log` says what failed):");
        strbuf_addf(sb, "%s `%s` (0/%d)", sep, r->exercises[k].slug, r->exercises[k].max_score);
        sep = ",";
    }
    if (*sep)
        strbuf_addstr(sb, ".\n\n");
}

/*
 * The Markdown report.  The exercises that were not graded are left out
 * of its table and sections (the format would call them failed builds)
 * and named in a note after its title instead (output_context.notes);
 * the total counts them.  The ones not attempted (the stub untouched)
 * are named in a note too.
 */
static char *markdown_report(const batch_options *o, const grade_result *r,
                             const output_context *c, const enum gb_status *status, int *err)
{
    grade_result shown = *r;
    output_context noted = *c;
    strbuf notes = STRBUF_INIT;
    size_t len;
    char *text;

    shown.exercises = xcalloc(r->n_exercises, sizeof *shown.exercises);
    shown.n_exercises = 0;
    for (size_t k = 0; k < r->n_exercises; k++)
        if (status[k] != GB_S_TIMED_OUT && status[k] != GB_S_ERROR)
            shown.exercises[shown.n_exercises++] = r->exercises[k];     /* shallow */
    markdown_note(&notes, o, r, status, GB_S_ERROR);
    markdown_note(&notes, o, r, status, GB_S_TIMED_OUT);
    markdown_note(&notes, o, r, status, GB_S_NOT_ATTEMPTED);
    noted.notes = notes.len ? notes.data : NULL;
    text = print_report(output_markdown, &shown, &noted, &len, err);
    free(shown.exercises);
    strbuf_release(&notes);
    return text;
}

static int write_reports(const batch_job *job, const grade_result *r,
                         const enum gb_status *status, const char *const *fingerprints,
                         enum gb_status overall, char **error)
{
    output_context context = { .manifest = job->options->grade.manifest, .color = false,
                               .show_hidden_messages = job->options->show_hidden_messages };
    const char *path = job->report_md;
    int err = 0;
    char *text = markdown_report(job->options, r, &context, status, &err);

    if (text) {
        err = atomic_write_file(path, text, strlen(text));
        free(text);
    }
    if (!err) {
        path = job->report_json;
        text = json_report(job, r, &context, status, fingerprints, overall, &err);
        if (text)
            err = atomic_write_file(path, text, strlen(text));
        free(text);
    }
    if (err)
        *error = xasprintf("cannot write \"%s\": %s", path, strerror(err));
    return err;
}

/* "180/200, timed out (pingpong: timed out, async_stats: timed out)" */
static char *outcome_line(const grade_result *r, const enum gb_status *status,
                          enum gb_status overall)
{
    strbuf sb = STRBUF_INIT;
    const char *sep = " (";

    strbuf_addf(&sb, "%d/%d, %s", r->score, r->max_score, gb_status_name(overall));
    for (size_t k = 0; k < r->n_exercises; k++) {
        if (status[k] == GB_S_OK)
            continue;
        strbuf_addf(&sb, "%s%s: %s", sep, r->exercises[k].slug, gb_status_name(status[k]));
        sep = ", ";
    }
    if (overall != GB_S_OK)
        strbuf_addstr(&sb, ")");
    return strbuf_detach(&sb);
}

struct batch_submission {
    const batch_job *job;
    double started;             /* when it was begun */
    size_t next;                /* the next exercise to start */
    size_t running;             /* exercises being graded now */
    bool closed;                /* no exercise of it starts any more */
    bool interrupted;           /* closed by a stop request with exercises left */
    bool finishing;             /* batch_submission_done() said so, once */
    pthread_mutex_t lock;       /* guards errors; the rest is the caller's */
    strbuf errors;              /* "slug: what failed; ..." */
    grade_result r;             /* each exercise filled by its grading */
    enum gb_status *status;     /* exercises 0 to next - 1 were started */
};

batch_submission *batch_submission_new(const batch_job *job)
{
    size_t n = job->options->n_exercises;
    batch_submission *s = xcalloc(1, sizeof *s);

    s->job = job;
    s->started = now_seconds();
    s->errors = (strbuf)STRBUF_INIT;
    s->r.exercises = xcalloc(n ? n : 1, sizeof *s->r.exercises);
    s->status = xcalloc(n ? n : 1, sizeof *s->status);
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

bool batch_submission_take(batch_submission *s, size_t *k)
{
    const batch_options *o = s->job->options;

    if (!s->closed && s->next < o->n_exercises && atomic_load(s->job->stop))
        s->interrupted = true;
    if (s->interrupted || s->next >= o->n_exercises ||
        now_seconds() - s->started >= o->time_limit_s)
        s->closed = true;
    if (s->closed)
        return false;
    *k = s->next++;
    s->running++;
    return true;
}

bool batch_submission_done(batch_submission *s, bool ended_one)
{
    if (ended_one)
        s->running--;
    if (!s->closed && s->next >= s->job->options->n_exercises)
        s->closed = true;
    if (!s->closed || s->running || s->finishing)
        return false;
    s->finishing = true;
    return true;
}

/*
 * The student's file for `mx`, when the memo may stand for its grading:
 * a regular file, not a link, of at most BUILD_STUDENT_FILE_MAX bytes,
 * read whole (the build takes the same file the same way).  NULL
 * otherwise: a missing or odd file is graded as usual, which is quick.
 */
static char *memo_key_file(const batch_job *job, const manifest_exercise *mx, size_t *len)
{
    char *path = xasprintf("%s/exercises/%s/%s.c", job->dir, mx->slug, mx->slug);
    char *bytes = NULL;
    struct stat st;

    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= BUILD_STUDENT_FILE_MAX)
        bytes = read_file(path, len);
    if (bytes && *len > BUILD_STUDENT_FILE_MAX) {     /* it grew meanwhile */
        free(bytes);
        bytes = NULL;
    }
    free(path);
    return bytes;
}

void batch_submission_grade(batch_submission *s, size_t k)
{
    const batch_options *o = s->job->options;
    const manifest_exercise *mx = o->exercises[k];
    exercise_result *ex = &s->r.exercises[k];
    grade_options options = o->grade;
    grade_result one;
    size_t len = 0;
    char *bytes = o->memo ? memo_key_file(s->job, mx, &len) : NULL, *error = NULL, *why;
    int err;

    if (bytes && grade_memo_claim(o->memo, mx->slug, bytes, len, ex)) {
        s->status[k] = graded_status(s->job, mx, ex);
        free(bytes);
        return;
    }
    options.submission_dir = s->job->dir;
    options.slugs = &mx->slug;
    options.n_slugs = 1;
    options.jobs = 1;
    err = grade_submission(&options, &one, &error);
    if (err || one.n_exercises != 1) {
        if (!err)
            grade_result_free(&one);
        why = xasprintf("the grader failed: %s", error ? error : strerror(err ? err : EIO));
        not_graded(&o->grade, mx, why, ex);
        s->status[k] = GB_S_ERROR;
        pthread_mutex_lock(&s->lock);
        strbuf_addf(&s->errors, "%s%s: %s", s->errors.len ? "; " : "", mx->slug, why);
        pthread_mutex_unlock(&s->lock);
        free(why);
        free(error);
    } else {
        *ex = one.exercises[0];
        s->status[k] = graded_status(s->job, mx, ex);
        one.n_exercises = 0;    /* moved into s->r */
        grade_result_free(&one);
    }
    if (bytes)
        grade_memo_settle(o->memo, mx->slug, bytes, len, s->status[k] == GB_S_ERROR ? NULL : ex);
    free(bytes);
}

/* A submission's reports: every exercise it holds, in manifest order. */
typedef struct merged {
    grade_result r;
    enum gb_status *status;
    const char **fingerprints;
    char **kept;                /* fingerprints read from the earlier report */
} merged;

/* The earlier report's result for `slug`, with its status and fingerprint; false if none. */
static bool earlier_exercise(const cJSON *report, const char *slug, exercise_result *ex,
                             enum gb_status *status, char **fingerprint)
{
    const cJSON *stamp = cJSON_GetObjectItemCaseSensitive(report, "batch"), *item;
    const cJSON *word = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(stamp, "exercises"), slug);
    const cJSON *print = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(stamp, "fingerprints"), slug);
    enum gb_status s = gb_status_from_name(cJSON_IsString(word) ? word->valuestring : NULL);

    if (s == GB_N_STATUSES)
        return false;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(report, "exercises")) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "slug");

        if (!cJSON_IsString(name) || strcmp(name->valuestring, slug) != 0)
            continue;
        if (exercise_result_from_json(item, ex) != 0)
            return false;
        *status = s;
        *fingerprint = xstrdup(cJSON_IsString(print) ? print->valuestring : "");
        return true;
    }
    return false;
}

/*
 * Merges this run's exercises (moved out of `run`) with those of the
 * submission's earlier report that this run did not grade, so that a run
 * of some exercises never drops the others (docs/batch.md).
 */
static void merge(const batch_job *job, grade_result *run, const enum gb_status *status,
                  merged *out)
{
    const batch_options *o = job->options;
    const manifest *m = o->grade.manifest;
    char *text = read_file(job->report_json, NULL);
    cJSON *earlier = text ? cJSON_Parse(text) : NULL;
    size_t n = m->n_exercises ? m->n_exercises : 1;

    free(text);
    memset(out, 0, sizeof *out);
    out->r.exercises = xcalloc(n, sizeof *out->r.exercises);
    out->status = xcalloc(n, sizeof *out->status);
    out->fingerprints = xcalloc(n, sizeof *out->fingerprints);
    out->kept = xcalloc(n, sizeof *out->kept);
    for (size_t i = 0; i < m->n_exercises; i++) {
        size_t j = out->r.n_exercises, k = 0;

        while (k < o->n_exercises && o->exercises[k] != &m->exercises[i])
            k++;
        if (k < o->n_exercises) {
            out->r.exercises[j] = run->exercises[k];
            memset(&run->exercises[k], 0, sizeof run->exercises[k]);
            out->status[j] = status[k];
            out->fingerprints[j] = job->fingerprints[k];
        } else if (earlier && earlier_exercise(earlier, m->exercises[i].slug,
                                               &out->r.exercises[j], &out->status[j],
                                               &out->kept[j])) {
            out->fingerprints[j] = out->kept[j];
        } else {
            continue;
        }
        out->r.n_exercises++;
    }
    cJSON_Delete(earlier);
}

static void merged_free(merged *m)
{
    for (size_t k = 0; k < m->r.n_exercises; k++)
        free(m->kept[k]);
    free(m->kept);
    free(m->fingerprints);
    free(m->status);
    grade_result_free(&m->r);
}

void batch_submission_finish(batch_submission *s, batch_outcome *out)
{
    const batch_job *job = s->job;
    const batch_options *o = job->options;
    size_t n = o->n_exercises, k;
    grade_result r = s->r;
    enum gb_status *status = s->status, overall = GB_S_OK;
    merged all = { 0 };
    char *why, *error = NULL;

    memset(out, 0, sizeof *out);
    r.n_exercises = n;
    if (s->interrupted) {
        out->interrupted = true;    /* nothing is written: the next batch grades it whole */
        goto done;
    }
    why = xasprintf("the submission's time limit of %g s was used up before this exercise "
                    "started", o->time_limit_s);
    for (k = 0; k < n; k++) {
        if (k >= s->next) {
            not_graded(&o->grade, o->exercises[k], why, &r.exercises[k]);
            status[k] = GB_S_TIMED_OUT;
        }
    }
    free(why);

    merge(job, &r, status, &all);
    all.r.submission = realpath(job->dir, NULL);
    if (!all.r.submission)
        all.r.submission = xstrdup(job->dir);
    all.r.containment = xstrdup(sandbox_containment());
    all.r.tests_kind = xstrdup("public");
    for (k = 0; k < all.r.n_exercises; k++) {
        all.r.score += all.r.exercises[k].score;
        all.r.max_score += all.r.exercises[k].max_score;
        if (all.status[k] < overall)
            overall = all.status[k];
        if (build_uses_hidden_tests(o->grade.tests_dir, all.r.exercises[k].slug,
                                    o->grade.public_only)) {
            free(all.r.tests_kind);
            all.r.tests_kind = xstrdup("hidden");
        }
    }
    all.r.duration_s = now_seconds() - s->started;
    out->failed = overall == GB_S_ERROR;
    if (write_reports(job, &all.r, all.status, all.fingerprints, overall, &error) != 0) {
        out->failed = true;
        strbuf_addf(&s->errors, "%s%s", s->errors.len ? "; " : "", error);
        free(error);
    }
    out->line = outcome_line(&all.r, all.status, overall);
    merged_free(&all);
done:
    out->error = s->errors.len ? strbuf_detach(&s->errors) : NULL;
    strbuf_release(&s->errors);
    grade_result_free(&r);
    free(status);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void batch_outcome_free(batch_outcome *out)
{
    free(out->line);
    free(out->error);
    out->line = out->error = NULL;
}
