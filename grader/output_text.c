/*
 * output_text.c - the report a person reads in a terminal.
 *
 * Passing parts take one line; what failed says why, where, and what to
 * try next.  Colours only when context->color is set (stdout is a TTY).
 */
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static const char *paint(const output_context *c, const char *colour)
{
    return c->color ? colour : "";
}

/* Prints `text` with every line indented by `indent` spaces. */
static void indented(FILE *out, int indent, const char *text)
{
    while (*text) {
        size_t len = strcspn(text, "\n");

        fprintf(out, "%*s%.*s\n", indent, "", (int)len, text);
        text += len;
        if (*text == '\n')
            text++;
    }
}

/* "label ....... score/max", the score in one column on every line. */
static void score_line(FILE *out, const output_context *c, const char *label, int score,
                       int max)
{
    fprintf(out, "%-60s %s%3d/%d%s\n", label, paint(c, score == max ? GREEN : RED), score,
            max, paint(c, RESET));
}

static const char *test_word(enum test_status status)
{
    switch (status) {
    case TEST_PASSED:  return "PASS";
    case TEST_FAILED:  return "FAIL";
    case TEST_CRASHED: return "CRASH";
    case TEST_TIMEOUT: return "TIMEOUT";
    default:           return "SKIP";
    }
}

/* What a test that did not pass printed, and where its threads were. */
static void print_details(const test_result *t, FILE *out)
{
    if (t->stacks) {
        fprintf(out, "            where each thread was just before the timeout "
                     "(your file and the test's):\n");
        indented(out, 14, t->stacks);
    }
    if (t->output) {
        fprintf(out, "            your code printed during this test:\n");
        for (const char *line = t->output; *line;) {
            size_t len = strcspn(line, "\n");

            fprintf(out, "            | %.*s\n", (int)len, line);
            line += len + (line[len] == '\n');
        }
        if (t->output_file)
            fprintf(out, "            (all of it: %s)\n", t->output_file);
    }
}

static void print_tests(const exercise_result *ex, const output_context *c, FILE *out)
{
    size_t passed = 0, skipped = 0;
    int score = 0, max = 0;
    const char *said = NULL;
    char label[128];

    for (size_t i = 0; i < ex->n_tests; i++) {
        passed += ex->tests[i].status == TEST_PASSED;
        skipped += ex->tests[i].status == TEST_SKIPPED;
        score += ex->tests[i].score;
        max += ex->tests[i].max_score;
    }
    if (ex->n_tests && skipped == ex->n_tests) {
        snprintf(label, sizeof label, "  tests   %s", ex->tests[0].message);
        score_line(out, c, label, score, max);
        return;
    }
    snprintf(label, sizeof label, "  tests   %zu of %zu passed", passed, ex->n_tests);
    score_line(out, c, label, score, max);
    for (size_t i = 0; i < ex->n_tests; i++) {
        const test_result *t = &ex->tests[i];

        if (t->status == TEST_PASSED && !c->verbose)
            continue;
        snprintf(label, sizeof label, "    %-7s %s", test_word(t->status), t->name);
        score_line(out, c, label, t->score, t->max_score);
        /* A message shared with the test above (the whole run crashed,
           say) is said once, hints and all. */
        if (t->status == TEST_PASSED || t->status == TEST_SKIPPED)
            continue;
        if (said && !strcmp(said, t->message)) {
            fprintf(out, "            (the same as above)\n");
            print_details(t, out);
            continue;
        }
        indented(out, 12, t->message);
        said = t->message;
        if (*t->hint)
            fprintf(out, "            %shint:%s %s\n", paint(c, YELLOW), paint(c, RESET),
                    t->hint);
        print_details(t, out);
    }
}

/* Whether the race check ran alone (--race-only: every test skipped). */
static bool race_only(const exercise_result *ex)
{
    for (size_t i = 0; i < ex->n_tests; i++)
        if (ex->tests[i].status != TEST_SKIPPED)
            return false;
    return ex->n_tests > 0;
}

static void print_race(const exercise_result *ex, const output_context *c, FILE *out)
{
    const race_result *r = &ex->race;
    const char *word = race_status_words(r->status);
    bool memcheck = race_is_memcheck(r) || race_is_resources(r);
    char label[64];

    if (r->status == RACE_SKIPPED && r->max_score == 0)
        return;                 /* switched off: no points at stake, nothing to say */
    snprintf(label, sizeof label, "  %-7s %s", race_is_resources(r) ? "resource"
                                              : memcheck ? "memcheck" : "race", word);
    score_line(out, c, label, r->score, r->max_score);
    if (r->status == RACE_CLEAN)
        return;
    if (r->message && *r->message)
        indented(out, 12, r->message);
    for (size_t i = 0; i < r->n_findings; i++) {
        fprintf(out, "          - ");
        indented(out, 0, r->findings[i].message);
    }
    /* Said by make grade and make check, not by make race itself (no test ran). */
    if (r->status == RACE_FOUND && !race_only(ex))
        fprintf(out, "            next: run `make race EX=%s` to see %s's full report\n",
                ex->slug, memcheck ? "memcheck" : "Helgrind");
    else if (r->status == RACE_TIMEOUT)
        fprintf(out, "            next: find the wait that nothing wakes (or the lock "
                "nothing unlocks); `make check EX=%s` shows which test hangs\n", ex->slug);
}

/*
 * The title in at most size - 1 bytes, cut between words (and before a
 * colon's second half) with "...", never inside a word.
 */
static void short_title(const char *title, char *out, size_t size)
{
    size_t len = strlen(title), cut;

    if (len < size) {
        memcpy(out, title, len + 1);
        return;
    }
    cut = size - 4;                      /* room for "..." */
    while (cut > 0 && title[cut] != ' ')
        cut--;
    while (cut > 0 && strchr(" :,;", title[cut - 1]))
        cut--;
    snprintf(out, size, "%.*s...", (int)cut, title);
}

static void print_exercise(const exercise_result *ex, const output_context *c, FILE *out)
{
    const manifest_exercise *mx = manifest_find(c->manifest, ex->slug);
    bool full = ex->score == ex->max_score;

    char label[128], title[48];

    short_title(mx ? mx->title : "", title, sizeof title);
    snprintf(label, sizeof label, "%-15s %s", ex->slug, title);
    fprintf(out, "%s", paint(c, BOLD));
    score_line(out, c, label, ex->score, ex->max_score);
    fprintf(out, "%s", paint(c, RESET));
    if (ex->build == BUILD_MISSING) {
        fprintf(out, "  not submitted: write exercises/%s/%s.c and grade again\n\n",
                ex->slug, ex->slug);
        return;
    }
    if (ex->build == BUILD_FAILED) {
        fprintf(out, "  build   %sfailed%s: nothing was run\n", paint(c, RED), paint(c, RESET));
        indented(out, 12, ex->build_log);
        fprintf(out, "\n");
        return;
    }
    print_tests(ex, c, out);
    print_race(ex, c, out);
    if (!full && mx && mx->n_hints)
        fprintf(out, "  %shint:%s %s\n", paint(c, YELLOW), paint(c, RESET), mx->hints[0]);
    fprintf(out, "\n");
}

int output_text(const grade_result *result, const output_context *c, FILE *out)
{
    fprintf(out, "racecourse %s: %s, with the %s tests\n\n", c->manifest->version,
            result->submission, result->tests_kind);
    for (size_t i = 0; i < result->n_exercises; i++)
        print_exercise(&result->exercises[i], c, out);
    char *words = output_public_total_words(result, c);

    fprintf(out, "%s%s %d/%d%s in %.1f s (student code ran in: %s)\n", paint(c, BOLD),
            words ? "Public tests total" : "Total", result->score, result->max_score,
            paint(c, RESET), result->duration_s, result->containment);
    if (words)
        fprintf(out, "%s\n", words);
    free(words);
    return ferror(out) ? EIO : 0;
}
