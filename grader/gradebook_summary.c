/*
 * gradebook_summary.c - summary.md, the class summary: statuses, means and
 * score bands, and what to re-teach (the tests most often not passed, the
 * race findings most often reported).  See gradebook.h and docs/batch.md.
 */
#define _GNU_SOURCE
#include "gradebook_summary.h"
#include "output_md.h"
#include "result.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOP_TESTS 8             /* tests listed per exercise */
#define TOP_FINDINGS 8          /* race findings listed per exercise */
#define N_BUCKETS 5
#define TEXT_MAX 200            /* bytes of an id or a test's name */

/* Score bands, in percent of the maximum: 0, 1-49, 50-79, 80-99, 100. */
static const char *const bucket_names[N_BUCKETS] = { "0", "1-49", "50-79", "80-99", "100" };

/* The race check's statuses (the JSON spells them race_status_name()). */
#define N_RACE_STATUSES (RACE_SKIPPED + 1)
/* A test's statuses other than passed: TEST_FAILED + s for s below this. */
#define N_NOT_PASSED (TEST_SKIPPED - TEST_FAILED + 1)

/* A name and how many submissions it concerns (a test, a finding). */
typedef struct tally {
    char *name;
    size_t count;
    size_t order;               /* first seen: breaks ties */
    size_t by_status[N_NOT_PASSED + 1];     /* tests: failed ... skipped, other */
} tally;

typedef struct tallies {
    tally *items;
    size_t n, cap;
} tallies;

/* Student text (an id, a test's name) as inline Markdown (output_md.h), one line. */
static void md_text(strbuf *sb, const char *text)
{
    char *escaped = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&escaped, &len);

    if (!f)
        abort();                /* out of memory, as xmalloc() does */
    md_inline(f, text, TEXT_MAX);
    if (fclose(f) != 0)
        abort();
    strbuf_add(sb, escaped, len);
    free(escaped);
}

/* Adds `name` to the tally (once per call) and returns its entry. */
static tally *count(tallies *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->items[i].name, name)) {
            t->items[i].count++;
            return &t->items[i];
        }
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 16;
        t->items = xrealloc(t->items, t->cap * sizeof *t->items);
    }
    t->items[t->n] = (tally){ .name = xstrdup(name), .count = 1, .order = t->n };
    return &t->items[t->n++];
}

static int by_count(const void *a, const void *b)
{
    const tally *x = a, *y = b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void tallies_free(tallies *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->items[i].name);
    free(t->items);
}

static int bucket(int score, int max)
{
    if (score <= 0)
        return 0;
    if (score >= max)
        return 4;
    if ((long)score * 100 < (long)max * 50)
        return 1;
    return (long)score * 100 < (long)max * 80 ? 2 : 3;
}

static double percent(size_t part, size_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* A table row: the mean, the mean of those who submitted, the bands. */
static void score_row(strbuf *sb, const char *name, int max, long sum, size_t n, long sum_sub,
                      size_t n_sub, const size_t *bands)
{
    strbuf_addf(sb, "| %s | %d | %.1f | ", name, max, n ? (double)sum / (double)n : 0.0);
    if (n_sub)
        strbuf_addf(sb, "%.1f |", (double)sum_sub / (double)n_sub);
    else
        strbuf_addstr(sb, "- |");
    for (int b = 0; b < N_BUCKETS; b++)
        strbuf_addf(sb, " %zu |", bands[b]);
    strbuf_addstr(sb, "\n");
}

static void summary_scores(strbuf *sb, const gradebook_request *req, const gb_row *rows, size_t n)
{
    size_t bands[N_BUCKETS], n_graded = 0, n_sub;
    long sum, sum_sub;
    int max = 0, total_max = 0;

    strbuf_addstr(sb, "## Scores\n\n"
                  "Points per exercise, over the graded submissions; a missing, failed or "
                  "timed-out exercise counts 0, and \"submitted\" leaves out the submissions "
                  "without the exercise's file.  The bands count submissions by percent of "
                  "the maximum.\n\n| exercise | max | mean | mean (submitted) |");
    for (int b = 0; b < N_BUCKETS; b++)
        strbuf_addf(sb, " %s |", bucket_names[b]);
    strbuf_addstr(sb, "\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (size_t k = 0; k < req->n_exercises; k++) {
        char *name = xasprintf("`%s`", req->exercises[k]->slug);

        memset(bands, 0, sizeof bands);
        sum = sum_sub = 0;
        n_graded = n_sub = 0;
        max = 0;
        for (size_t i = 0; i < n; i++) {
            const gb_exercise *rx = &rows[i].ex[k];

            if (!rows[i].report || rx->status == GB_S_NOT_GRADED)
                continue;
            n_graded++;
            sum += rx->score;
            if (rx->max_score > max)
                max = rx->max_score;
            bands[bucket(rx->score, rx->max_score)]++;
            if (rx->status != GB_S_MISSING) {
                n_sub++;
                sum_sub += rx->score;
            }
        }
        total_max += max;
        score_row(sb, name, max, sum, n_graded, sum_sub, n_sub, bands);
        free(name);
    }
    memset(bands, 0, sizeof bands);
    sum = 0;
    n_graded = 0;
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].report)
            continue;
        n_graded++;
        sum += rows[i].total;
        bands[bucket(rows[i].total, rows[i].max_total)]++;
    }
    score_row(sb, "**total**", total_max, sum, n_graded, sum, n_graded, bands);
    strbuf_addstr(sb, "\n");
}

/* Whether any test of the exercise passed: a stub passes none. */
static bool any_passed(const cJSON *ex)
{
    const cJSON *test;

    cJSON_ArrayForEach(test, gb_member(ex, "tests")) {
        const char *status = gb_string(test, "status");

        if (status && !strcmp(status, test_status_name(TEST_PASSED)))
            return true;
    }
    return false;
}

/*
 * The tests that did not pass, of the submissions whose exercise ran and
 * passed at least one test: one that passed none (an untouched stub, a
 * crash at the first call) fails every test alike and would say nothing
 * about which one to re-teach.
 */
static void summary_tests(strbuf *sb, const manifest_exercise *mx, const gb_row *rows, size_t n,
                          size_t k)
{
    tallies t = { 0 };
    size_t shown = 0, tried = 0, none = 0;

    for (size_t i = 0; i < n; i++) {
        const cJSON *test;

        if (!rows[i].report || rows[i].ex[k].status != GB_S_OK)
            continue;
        if (!any_passed(rows[i].ex[k].json)) {
            none++;
            continue;
        }
        tried++;
        cJSON_ArrayForEach(test, gb_member(rows[i].ex[k].json, "tests")) {
            const char *name = gb_string(test, "name"), *status = gb_string(test, "status");
            size_t s = 0;
            tally *entry;

            if (!name || !status || !strcmp(status, test_status_name(TEST_PASSED)))
                continue;
            entry = count(&t, name);
            while (s < N_NOT_PASSED &&
                   strcmp(status, test_status_name((enum test_status)(TEST_FAILED + s))) != 0)
                s++;
            entry->by_status[s]++;
        }
    }
    if (none)
        strbuf_addf(sb, "Passed no test at all (a stub, or a crash at once): %zu.\n\n", none);
    if (!tried) {
        tallies_free(&t);
        return;
    }
    if (!t.n) {
        strbuf_addf(sb, "Tests: every test passed in each of the other %zu submissions.\n\n",
                    tried);
        tallies_free(&t);
        return;
    }
    qsort(t.items, t.n, sizeof *t.items, by_count);
    strbuf_addf(sb, "Tests most often not passed (of the %zu submissions that passed some):\n\n",
                tried);
    for (size_t i = 0; i < t.n && shown < TOP_TESTS; i++, shown++) {
        const tally *e = &t.items[i];
        const manifest_test *mt = manifest_find_test(mx->hidden_tests, mx->n_hidden, e->name);
        const char *sep = "";

        if (!mt)
            mt = manifest_find_test(mx->public_tests, mx->n_public, e->name);
        strbuf_addstr(sb, "- ");
        if (mt) {
            strbuf_addf(sb, "`%s`", mt->name);
        } else {
            md_text(sb, e->name);
        }
        strbuf_addf(sb, ": %zu of %zu (%.0f%%;", e->count, tried, percent(e->count, tried));
        for (size_t s = 0; s <= N_NOT_PASSED; s++) {
            if (!e->by_status[s])
                continue;
            strbuf_addf(sb, "%s %s %zu", sep,
                        s < N_NOT_PASSED ? test_status_words((enum test_status)(TEST_FAILED + s))
                                         : "other",
                        e->by_status[s]);
            sep = ",";
        }
        strbuf_addstr(sb, ")\n");
        if (mt && *mt->hint)
            strbuf_addf(sb, "  - hint: %s\n", mt->hint);
    }
    if (t.n > shown)
        strbuf_addf(sb, "- and %zu more tests\n", t.n - shown);
    strbuf_addstr(sb, "\n");
    tallies_free(&t);
}

/* Whether `name` is a C identifier of at most 64 bytes: a function's name
   the summary can put between backticks as it is. */
static bool plain_function(const char *name)
{
    size_t len = name ? strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") : 0;

    return len && len <= 64 && !name[len];
}

/* Whether `label` is the words of a label ("data race"): lower-case letters and spaces. */
static bool plain_label(const char *label)
{
    return label && *label && strspn(label, "abcdefghijklmnopqrstuvwxyz ") == strlen(label);
}

/*
 * Adds to `t`, once per submission, each "label in `function`" of the
 * places the findings name (docs/json-format.md: race.reports[].label and
 * .places[].function), and each label alone to `kinds`; a finding without
 * a label counts as "other".
 */
static void count_findings(const cJSON *reports, tallies *t, tallies *kinds)
{
    tallies seen = { 0 };
    const cJSON *report, *place;

    cJSON_ArrayForEach(report, reports) {
        const char *label = gb_string(report, "label");

        if (!gb_string(report, "message"))
            continue;
        if (!plain_label(label))
            label = "other";
        count(&seen, label);
        cJSON_ArrayForEach(place, gb_member(report, "places")) {
            const char *function = gb_string(place, "function");
            char *key;

            if (!plain_function(function))
                continue;
            key = xasprintf("%s in `%s`", label, function);
            count(&seen, key);
            free(key);
        }
    }
    for (size_t i = 0; i < seen.n; i++)
        count(strchr(seen.items[i].name, '`') ? t : kinds, seen.items[i].name);
    tallies_free(&seen);
}

static void summary_race(strbuf *sb, const gb_row *rows, size_t n, size_t k)
{
    size_t by_status[N_RACE_STATUSES + 1] = { 0 }, checked = 0, shown = 0;
    tallies t = { 0 }, kinds = { 0 };
    const char *sep = "";

    for (size_t i = 0; i < n; i++) {
        const cJSON *race = gb_member(rows[i].ex[k].json, "race");
        const char *status = gb_string(race, "status");
        size_t s = 0;

        if (!rows[i].report || rows[i].ex[k].status != GB_S_OK ||
            gb_int(race, "max_score") <= 0 || !status)
            continue;
        checked++;
        while (s < N_RACE_STATUSES && strcmp(status, race_status_name((enum race_status)s)) != 0)
            s++;
        by_status[s]++;
        count_findings(gb_member(race, "reports"), &t, &kinds);
    }
    if (!checked) {
        strbuf_addstr(sb, "Race check: not run in any submission.\n\n");
        return;
    }
    strbuf_addf(sb, "Race check (of the %zu submissions that ran):", checked);
    for (size_t s = 0; s <= N_RACE_STATUSES; s++) {
        if (!by_status[s])
            continue;
        strbuf_addf(sb, "%s %s %zu", sep,
                    s < N_RACE_STATUSES ? race_status_words((enum race_status)s) : "other",
                    by_status[s]);
        sep = ",";
    }
    strbuf_addstr(sb, ".\n\n");
    if (kinds.n) {
        qsort(kinds.items, kinds.n, sizeof *kinds.items, by_count);
        strbuf_addstr(sb, "Findings most often reported (submissions with at least one):\n\n");
        for (size_t i = 0; i < kinds.n; i++)
            strbuf_addf(sb, "- %s: %zu\n", kinds.items[i].name, kinds.items[i].count);
        qsort(t.items, t.n, sizeof *t.items, by_count);
        for (size_t i = 0; i < t.n && shown < TOP_FINDINGS; i++, shown++)
            strbuf_addf(sb, "  - %s: %zu\n", t.items[i].name, t.items[i].count);
        strbuf_addstr(sb, "\n");
    }
    tallies_free(&t);
    tallies_free(&kinds);
}

static void summary_exercises(strbuf *sb, const gradebook_request *req, const gb_row *rows,
                              size_t n)
{
    strbuf_addstr(sb, "## What to re-teach\n\n");
    for (size_t k = 0; k < req->n_exercises; k++) {
        size_t by_status[GB_N_STATUSES] = { 0 }, graded = 0;
        const char *sep = "";

        for (size_t i = 0; i < n; i++) {
            if (!rows[i].report || rows[i].ex[k].status == GB_S_NOT_GRADED)
                continue;
            graded++;
            by_status[rows[i].ex[k].status]++;
        }
        strbuf_addf(sb, "### `%s`\n\nRan: %zu of %zu graded submissions", req->exercises[k]->slug,
                    by_status[GB_S_OK], graded);
        for (size_t s = 0; s < GB_S_OK; s++) {
            if (!by_status[s])
                continue;
            strbuf_addf(sb, "%s%s %zu", *sep ? sep : " (", gb_status_name((enum gb_status)s), by_status[s]);
            sep = ", ";
        }
        strbuf_addf(sb, "%s.\n\n", *sep ? ")" : "");
        if (!by_status[GB_S_OK])
            continue;
        summary_tests(sb, req->exercises[k], rows, n, k);
        summary_race(sb, rows, n, k);
    }
}

/* The submissions an instructor should look at, by status. */
static void summary_attention(strbuf *sb, const gb_row *rows, size_t n)
{
    static const enum gb_status which[] = { GB_S_ERROR, GB_S_TIMED_OUT, GB_S_NOT_GRADED };
    bool any = false;

    for (size_t w = 0; w < sizeof which / sizeof *which; w++) {
        bool first = true;

        for (size_t i = 0; i < n; i++) {
            if (rows[i].status != which[w])
                continue;
            if (!any)
                strbuf_addstr(sb, "## Submissions to look at\n\n");
            any = true;
            if (first)
                strbuf_addf(sb, "- %s: ", gb_status_name(which[w]));
            else
                strbuf_addstr(sb, ", ");
            md_text(sb, rows[i].id);
            first = false;
        }
        if (!first)
            strbuf_addstr(sb, "\n");
    }
    if (any)
        strbuf_addstr(sb, "\nA submission that timed out used up its time limit "
                      "(`--time-limit`); one in error hit a fault of the grader itself and is "
                      "graded again on the next run; one not graded has no report yet (an "
                      "interrupted batch: run it again).\n");
}

char *gradebook_summary(const gradebook_request *req, const gb_row *rows, size_t n)
{
    strbuf sb = STRBUF_INIT;
    size_t graded = 0, by_status[GB_N_STATUSES] = { 0 };
    const char *tests = NULL;

    for (size_t i = 0; i < n; i++) {
        if (!rows[i].report)
            continue;
        graded++;
        if (!tests)
            tests = gb_string(rows[i].report, "tests");
        by_status[rows[i].status]++;
    }
    strbuf_addf(&sb, "# racecourse: class summary\n\nKit %s, %s tests.  %zu submissions: "
                "%zu graded, %zu not graded.\n\nSubmissions by status:",
                req->manifest->version, tests ? tests : "hidden", n, graded, n - graded);
    for (size_t s = GB_N_STATUSES; s-- > 0;)
        strbuf_addf(&sb, " %s %zu%s", gb_status_name((enum gb_status)s), by_status[s], s ? "," : ".\n\n");
    summary_scores(&sb, req, rows, n);
    summary_exercises(&sb, req, rows, n);
    summary_attention(&sb, rows, n);
    if (req->appendix && *req->appendix)
        strbuf_addf(&sb, "\n%s", req->appendix);
    return strbuf_detach(&sb);
}
