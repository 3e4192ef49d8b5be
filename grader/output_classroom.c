/*
 * output_classroom.c - the grade for GitHub Classroom's reporter action
 * (classroom-resources/autograding-grading-reporter@v1); the format and a
 * workflow are in docs/classroom-format.md.
 *
 * Theory of operation.  The reporter reads, for each id of its `runners`
 * input, the environment variable <ID uppercased>_RESULTS: base64 of a
 * JSON result {"version":1,"status","max_score","tests":[...]}.  It gives
 * Classroom the sum of every test's `score` over the runners whose
 * max_score is not 0, and prints "Total points for <id>" as
 * (tests passed / tests) x max_score.  Our tests have unequal points, so
 * one entry per test would make the two disagree.  Each exercise is one
 * runner, and when it is partly passed each test (and the race check) is
 * listed as points/u entries of u points each, u the greatest common
 * divisor of the runner's points and scores: then every entry is worth
 * the same and
 * both numbers are the exercise's score.  A runner that is fully passed
 * or scored 0 needs no splitting (the fraction is 1 or 0) and lists each
 * test once.  A build that failed is a single "error" entry.
 *
 * The file written is step outputs, "NAME=VALUE" lines for
 * $GITHUB_OUTPUT: one per runner (NAME is the runner id: the slug's
 * letters and digits), then "runners=<id>,<id>,...".  An exercise whose
 * maximum is 0 gets no runner.  Messages are cut so that each value stays
 * under RUNNER_BUDGET bytes (Linux refuses an environment string over
 * 128 KiB).
 */
#include "output.h"
#include "output_student.h"
#include "util.h"
#include "utf8.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RUNNER_BUDGET (64 * 1024)   /* bytes of one runner's base64 value */
#define MESSAGE_MAX 1024            /* bytes of one message, cut further when over budget */
#define ID_MAX 64

static void base64(strbuf *out, const unsigned char *data, size_t len)
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    for (size_t i = 0; i < len; i += 3) {
        unsigned long n = (unsigned long)data[i] << 16;
        char quad[4];

        if (i + 1 < len)
            n |= (unsigned long)data[i + 1] << 8;
        if (i + 2 < len)
            n |= data[i + 2];
        quad[0] = digits[n >> 18 & 63];
        quad[1] = digits[n >> 12 & 63];
        quad[2] = i + 1 < len ? digits[n >> 6 & 63] : '=';
        quad[3] = i + 2 < len ? digits[n & 63] : '=';
        strbuf_add(out, quad, 4);
    }
}

static int gcd(int a, int b)
{
    while (b) {
        int r = a % b;

        a = b;
        b = r;
    }
    return a;
}

static int clamp(int score, int max)
{
    return score < 0 ? 0 : score > max ? max : score;
}

/* One graded item of a runner: a test or the race check. */
typedef struct item {
    const char *name;
    int score, max;             /* clamped to 0..max */
    const char *status;         /* the reporter's word when not all passed */
    char *message;              /* why not ("<name>: ..."; printed for "error") */
    char *code;                 /* test_code: the reason, a hint, what next */
    const char *file;           /* the student's file for the race check */
    int line;
    double seconds;
} item;

/* The runner id of `slug`: its ASCII letters and digits, lower case, starting with a letter. */
static void runner_id(const char *slug, char id[ID_MAX])
{
    char letters[ID_MAX - 8];   /* room for "ex" before and a number after */
    size_t n = 0;

    for (const char *p = slug; *p && n < sizeof letters - 1; p++)
        if (isalnum((unsigned char)*p))
            letters[n++] = (char)tolower((unsigned char)*p);
    letters[n] = '\0';
    /* A step output's name starts with a letter (or _, which the reporter refuses). */
    snprintf(id, ID_MAX, "%s%s", !n || isdigit((unsigned char)letters[0]) ? "ex" : "", letters);
}

/* Makes `id` differ from "runners" and from ids[0..n) by a number after it. */
static void make_unique(char id[ID_MAX], char (*ids)[ID_MAX], size_t n)
{
    size_t base = strlen(id);

    for (int k = 2;; k++) {
        bool clash = !strcmp(id, "runners");

        for (size_t i = 0; i < n && !clash; i++)
            clash = !strcmp(id, ids[i]);
        if (!clash)
            return;
        snprintf(id + base, ID_MAX - base, "%d", k);
    }
}

static const char *test_status_word(enum test_status status)
{
    return status == TEST_PASSED ? "pass" : status == TEST_FAILED ? "fail" : "error";
}

static const char *race_status_word(enum race_status status)
{
    return status == RACE_CLEAN ? "pass" : status == RACE_FOUND ? "fail" : "error";
}

/* test_code for a test that did not pass: the reason unless the reporter prints it, hint, next. */
static char *test_code(const exercise_result *ex, const test_result *t)
{
    strbuf sb = STRBUF_INIT;

    if (t->status == TEST_FAILED) {
        char *message = utf8_clean(t->message, MESSAGE_MAX / 2);  /* room for the rest */

        strbuf_addf(&sb, "%s\n", message);
        free(message);
    }
    if (t->hint && *t->hint)
        strbuf_addf(&sb, "hint: %s\n", t->hint);
    strbuf_addf(&sb, "next: make check EX=%s", ex->slug);
    return strbuf_detach(&sb);
}

static char *race_code(const exercise_result *ex)
{
    const race_result *r = &ex->race;
    strbuf sb = STRBUF_INIT;

    if (r->status == RACE_FOUND && r->message && *r->message)
        strbuf_addf(&sb, "%s\n", r->message);
    for (size_t i = 0; i < r->n_findings; i++) {
        const race_finding *f = &r->findings[i];

        if (f->file && *f->file)
            strbuf_addf(&sb, "%s:%d: ", f->file, f->line);
        strbuf_addf(&sb, "%s\n", f->message);
    }
    if (r->status != RACE_SKIPPED)
        strbuf_addf(&sb, "next: make race EX=%s", ex->slug);
    return strbuf_detach(&sb);
}

/* The items of `ex`: its tests with points, then the race check when it has points. */
static item *exercise_items(const exercise_result *ex, size_t *n)
{
    item *items = xcalloc(ex->n_tests + 1, sizeof *items);

    *n = 0;
    for (size_t i = 0; i < ex->n_tests; i++) {
        const test_result *t = &ex->tests[i];
        item *it = &items[*n];

        if (t->max_score <= 0)
            continue;           /* worth nothing: it would only skew the fraction */
        it->name = t->name;
        it->max = t->max_score;
        it->score = clamp(t->score, t->max_score);
        it->status = test_status_word(t->status);
        it->seconds = t->seconds;
        if (it->score < it->max) {
            it->message = xasprintf("%s: %s", t->name,
                                    t->status == TEST_SKIPPED && !*t->message ?
                                    "not run" : t->message);
            it->code = test_code(ex, t);
        }
        ++*n;
    }
    if (ex->race.max_score > 0) {
        const race_result *r = &ex->race;
        item *it = &items[*n];

        it->name = race_check_title(r);
        it->max = r->max_score;
        it->score = clamp(r->score, r->max_score);
        it->status = race_status_word(r->status);
        if (it->score < it->max) {
            it->message = xasprintf("race check: %s", r->message && *r->message ? r->message :
                                    race_status_name(r->status));
            it->code = race_code(ex);
            if (r->n_findings && r->findings[0].file && *r->findings[0].file) {
                it->file = r->findings[0].file;
                it->line = r->findings[0].line;
            }
        }
        ++*n;
    }
    return items;
}

static void items_free(item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].message);
        free(items[i].code);
    }
    free(items);
}

/* Whether .NET's Char.IsWhiteSpace holds for `code` (the runner trims those). */
static bool is_space(unsigned code)
{
    return code == ' ' || (code >= '\t' && code <= '\r') || code == 0x85 || code == 0xA0 ||
           code == 0x1680 || (code >= 0x2000 && code <= 0x200A) || code == 0x2028 ||
           code == 0x2029 || code == 0x202F || code == 0x205F || code == 0x3000;
}

/*
 * `text` made safe to print in a GitHub Actions log, where the reporter
 * prints it: valid UTF-8 cut to `max` bytes, control characters other
 * than newline and tab as U+FFFD (a carriage return would start a line),
 * and no line read as a workflow command: a zero-width space goes before
 * a line that starts with "::" once spaces are trimmed, and into every
 * "##[".  Otherwise a student's message could print
 * "::notice title=Autograding complete::Points 100/100".  Malloc'd.
 */
static char *log_safe(const char *text, size_t max)
{
    static const char zwsp[] = "\xE2\x80\x8B";
    char *clean = utf8_clean(text, max);
    strbuf sb = STRBUF_INIT;
    bool line_start = true;
    unsigned code = 0;

    for (const char *p = clean; *p;) {
        size_t len = utf8_char(p, &code);

        if (!len)
            break;              /* cannot happen after utf8_clean() */
        if (line_start) {
            const char *q = p;
            size_t n;

            while ((n = utf8_char(q, &code)) && is_space(code) && *q != '\n')
                q += n;
            if (!strncmp(q, "::", 2))
                strbuf_addstr(&sb, zwsp);
            line_start = false;
            utf8_char(p, &code);
        }
        if (!strncmp(p, "##[", 3)) {
            strbuf_addstr(&sb, "##");
            strbuf_addstr(&sb, zwsp);
            p += 2;
            continue;
        }
        if (*p == '\n')
            line_start = true;
        if ((code < 0x20 && *p != '\n' && *p != '\t') || code == 0x7F)
            strbuf_addstr(&sb, "\xEF\xBF\xBD");
        else
            strbuf_add(&sb, p, len);
        p += len;
    }
    free(clean);
    return strbuf_detach(&sb);
}

/* Adds one test entry to `tests`; texts made log-safe and cut to `max_text` bytes. */
static void add_entry(cJSON *tests, const char *name, const char *status, int score,
                      const char *message, const char *code, const char *file, int line,
                      double seconds, size_t max_text)
{
    cJSON *entry = cJSON_CreateObject();
    char *text;

    text = log_safe(name, 256);
    cJSON_AddStringToObject(entry, "name", text);
    free(text);
    cJSON_AddStringToObject(entry, "status", status);
    cJSON_AddNumberToObject(entry, "score", score);
    text = log_safe(message, max_text);
    cJSON_AddStringToObject(entry, "message", text);
    free(text);
    text = log_safe(code, max_text);
    cJSON_AddStringToObject(entry, "test_code", text);
    free(text);
    cJSON_AddNumberToObject(entry, "line_no", line);      /* 0: the reporter prints no line */
    cJSON_AddStringToObject(entry, "filename", file ? file : "");
    cJSON_AddNumberToObject(entry, "execution_time", round(seconds * 1000) / 1000);
    cJSON_AddItemToArray(tests, entry);
}

/*
 * Adds the entries of one item.  `unit` 0: one entry worth it all.  Else
 * max/unit entries of `unit` points: the first score/unit passed, the
 * next carries the status and the reason (the reporter prints `message`
 * for an "error" entry only, `test_code` for any), the rest are quiet
 * "fail" entries so that the reason is printed once.
 */
static void add_item(cJSON *tests, const item *it, int unit, size_t max_text)
{
    int parts = unit ? it->max / unit : 1, passed = unit ? it->score / unit : it->score == it->max;

    for (int k = 0; k < parts; k++) {
        char name[512];
        bool pass = k < passed, first_miss = k == passed;

        if (parts > 1)
            snprintf(name, sizeof name, "%s (%d of %d)", it->name, k + 1, parts);
        else
            snprintf(name, sizeof name, "%s", it->name);
        add_entry(tests, name, pass ? "pass" : first_miss ? it->status : "fail",
                  pass ? (unit ? unit : it->max) : 0,
                  first_miss ? it->message : "",
                  first_miss ? it->code : "", first_miss ? it->file : "",
                  first_miss ? it->line : 0, k == 0 ? it->seconds : 0, max_text);
    }
}

/* The runner's JSON for `ex`, its texts cut to `max_text` bytes; NULL when out of memory. */
static char *runner_json(const exercise_result *ex, const item *items, size_t n,
                         size_t max_text)
{
    cJSON *json = cJSON_CreateObject(), *tests;
    int score = 0, max = 0, unit = 0;
    char *text;

    for (size_t i = 0; i < n; i++) {
        score += items[i].score;
        max += items[i].max;
        unit = gcd(gcd(unit, items[i].max), items[i].score);
    }
    cJSON_AddNumberToObject(json, "version", 1);
    cJSON_AddStringToObject(json, "status", ex->build != BUILD_OK ? "error" :
                                            score == max ? "pass" : "fail");
    cJSON_AddNumberToObject(json, "max_score", max);
    tests = cJSON_AddArrayToObject(json, "tests");
    if (ex->build != BUILD_OK) {
        char *message = xasprintf("%s: %s", ex->slug, ex->build == BUILD_MISSING ?
                                  "not submitted" : "the build failed, nothing was run");

        add_entry(tests, "build", "error", 0, message, ex->build_log, "", 0, ex->build_s,
                  max_text);
        free(message);
    } else {
        if (score == 0 || score == max)
            unit = 0;           /* a fraction of 0 or 1 needs no splitting */
        for (size_t i = 0; i < n; i++)
            add_item(tests, &items[i], unit, max_text);
    }
    text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    return text;
}

/* The base64 value of `ex`'s runner, under RUNNER_BUDGET when cutting messages can do it. */
static int runner_value(const exercise_result *ex, const item *items, size_t n, strbuf *value)
{
    for (size_t max_text = MESSAGE_MAX;; max_text /= 2) {
        char *json = runner_json(ex, items, n, max_text);

        if (!json)
            return ENOMEM;
        value->len = 0;
        base64(value, (const unsigned char *)json, strlen(json));
        free(json);
        if (value->len < RUNNER_BUDGET || max_text == 0)
            return 0;
    }
}

static int write_classroom(const grade_result *result, const output_context *context, FILE *out)
{
    char (*ids)[ID_MAX] = xcalloc(result->n_exercises + 1, ID_MAX);
    strbuf value = STRBUF_INIT;
    size_t n_ids = 0;
    int err = 0;

    (void)context;
    for (size_t i = 0; i < result->n_exercises && !err; i++) {
        const exercise_result *ex = &result->exercises[i];
        size_t n;
        item *items = exercise_items(ex, &n);
        int max = 0;

        for (size_t k = 0; k < n; k++)
            max += items[k].max;
        if (max > 0) {
            runner_id(ex->slug, ids[n_ids]);
            make_unique(ids[n_ids], ids, n_ids);
            err = runner_value(ex, items, n, &value);
            if (!err)
                fprintf(out, "%s=%s\n", ids[n_ids++], value.data);
        }
        items_free(items, n);
    }
    if (!err) {
        fputs("runners=", out);
        for (size_t i = 0; i < n_ids; i++)
            fprintf(out, "%s%s", i ? "," : "", ids[i]);
        fputs("\n", out);
    }
    free(ids);
    strbuf_release(&value);
    return err ? err : ferror(out) ? EIO : 0;
}

int output_classroom(const grade_result *result, const output_context *context, FILE *out)
{
    grade_result view;
    int err;

    output_student_view(result, context, &view);
    err = write_classroom(&view, context, out);
    grade_result_free(&view);
    return err;
}
