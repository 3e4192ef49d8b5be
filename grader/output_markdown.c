/*
 * output_markdown.c - the report in GitHub-flavoured Markdown, for the
 * job summary ($GITHUB_STEP_SUMMARY) and for instructors.
 *
 * The total, a table of exercises, then one section per exercise: one
 * line when it got full marks, else each test that did not pass with its
 * message and hint, the race check's findings with file:line, and what
 * to try next.
 *
 * Student text (test messages, build logs, race findings) never reaches
 * the page raw: it is escaped by output_md.h (a <pre> block for
 * multi-line text, backslashes and entities inline).  GitHub limits a step summary to 1 MiB, so each message is
 * cut at MESSAGE_MAX bytes and a message repeated by the next test is
 * shown once.
 */
#include "output.h"
#include "output_md.h"
#include "output_student.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MESSAGE_MAX 2000        /* bytes of one test message or finding */
#define LOG_MAX 6000            /* bytes of a build log */

static size_t tests_passed(const exercise_result *ex)
{
    size_t passed = 0;

    for (size_t i = 0; i < ex->n_tests; i++)
        passed += ex->tests[i].status == TEST_PASSED;
    return passed;
}

static void print_table(const grade_result *result, FILE *out)
{
    fputs("| | exercise | score | build | tests passed | race check |\n"
          "| --- | --- | ---: | --- | ---: | --- |\n", out);
    for (size_t i = 0; i < result->n_exercises; i++) {
        const exercise_result *ex = &result->exercises[i];

        fprintf(out, "| %s | ", ex->score == ex->max_score ? "\xE2\x9C\x85" : "\xE2\x9D\x8C");
        md_inline(out, ex->slug, MESSAGE_MAX);
        fprintf(out, " | %d/%d | %s | %zu/%zu | %s |\n", ex->score, ex->max_score,
                build_status_name(ex->build), tests_passed(ex), ex->n_tests,
                ex->race.status == RACE_SKIPPED && ex->race.max_score == 0 ?
                "off" : race_status_words(ex->race.status));
    }
}

static void print_hint(const test_result *t, FILE *out)
{
    if (t->hint && *t->hint) {
        fputs("Hint: ", out);
        md_inline_code(out, t->hint, MESSAGE_MAX);
        fputs("\n\n", out);
    }
}

/*
 * Each test that did not pass: its status, points, message and hint; a
 * hidden test's message is not shown (output_student.h).
 */
static void print_failed_tests(const exercise_result *ex, FILE *out)
{
    const char *said = NULL;

    for (size_t i = 0; i < ex->n_tests; i++) {
        const test_result *t = &ex->tests[i];

        if (t->status == TEST_PASSED)
            continue;
        fputs("- **", out);
        md_inline(out, t->name, MESSAGE_MAX);
        fprintf(out, "** %s, %d/%d", test_status_words(t->status), t->score, t->max_score);
        if (t->status == TEST_SKIPPED || !*t->message) {
            fputs("\n", out);
            continue;
        }
        if (!strcmp(t->message, OUTPUT_HIDDEN_MESSAGE)) {
            fputs(", a hidden test (what it checked is not shown)\n\n", out);
            print_hint(t, out);
            continue;
        }
        if (said && !strcmp(said, t->message)) {
            fputs(": the same message as the test above\n", out);
            continue;
        }
        said = t->message;
        fputs("\n", out);
        md_pre(out, t->message, MESSAGE_MAX);
        print_hint(t, out);
        if (t->stacks) {
            fputs("  Where each thread was just before the timeout:\n", out);
            md_pre(out, t->stacks, MESSAGE_MAX);
        }
        if (t->output) {
            fputs("  What your code printed during this test (first and last lines):\n", out);
            md_pre(out, t->output, MESSAGE_MAX);
        }
    }
}

static void print_race(const exercise_result *ex, FILE *out)
{
    const race_result *r = &ex->race;

    if (r->status == RACE_CLEAN || (r->status == RACE_SKIPPED && r->max_score == 0))
        return;
    fprintf(out, "\n**Race check: %s, %d/%d.**", race_status_words(r->status), r->score,
            r->max_score);
    if (r->message && *r->message) {
        fputs("\n", out);
        md_pre(out, r->message, MESSAGE_MAX);
    } else {
        fputs("\n\n", out);
    }
    for (size_t i = 0; i < r->n_findings; i++) {
        const race_finding *f = &r->findings[i];

        fputs("- ", out);
        if (f->file && *f->file) {
            char *where = f->line > 0 ? xasprintf("%s:%d", f->file, f->line) : xstrdup(f->file);

            if (!strstr(f->message, where)) {     /* the sentence usually names it */
                md_code(out, where, MESSAGE_MAX);
                fputs(": ", out);
            }
            free(where);
        }
        md_inline(out, f->message, MESSAGE_MAX);
        fputs("\n", out);
    }
    if (r->n_findings)
        fputs("\n", out);
}

/* "What to try next", from what went wrong. */
static void print_next(const exercise_result *ex, const manifest_exercise *mx, FILE *out)
{
    bool test_failed = false, test_hung = false;
    char *command;

    for (size_t i = 0; i < ex->n_tests; i++) {
        test_failed |= ex->tests[i].status == TEST_FAILED || ex->tests[i].status == TEST_CRASHED;
        test_hung |= ex->tests[i].status == TEST_TIMEOUT;
    }
    fputs("**What to try next**\n\n", out);
    if (ex->build == BUILD_MISSING) {
        char *path = xasprintf("exercises/%s/%s.c", ex->slug, ex->slug);

        fputs("- write ", out);
        md_code(out, path, MESSAGE_MAX);
        fputs(" and grade again\n", out);
        free(path);
    } else if (ex->build == BUILD_FAILED) {
        fputs("- fix the first error above (the later ones often follow from it), then grade "
              "again\n", out);
    }
    if (test_failed || test_hung) {
        command = xasprintf("make check EX=%s", ex->slug);
        fputs("- ", out);
        md_code(out, command, MESSAGE_MAX);
        fputs(" runs the public tests with their full output\n", out);
        free(command);
    }
    if (test_hung)
        fputs("- a test that times out usually waits for a wake-up that never comes: look "
              "for a wait without a matching signal or broadcast, or a lock never "
              "released\n", out);
    if (ex->race.status == RACE_TIMEOUT) {
        command = xasprintf("make check EX=%s", ex->slug);
        fputs("- the race driver's threads named above wait for a wake-up that never comes, "
              "or for a lock never released: ", out);
        md_code(out, command, MESSAGE_MAX);
        fputs(" shows which test hangs\n", out);
        free(command);
    } else if (ex->race.status == RACE_FOUND || ex->race.status == RACE_CRASHED) {
        command = xasprintf("make race EX=%s", ex->slug);
        fputs("- ", out);
        md_code(out, command, MESSAGE_MAX);
        fputs(race_is_memcheck(&ex->race) || race_is_resources(&ex->race)
              ? " shows memcheck's full report\n"
                                          : " shows Helgrind's full report\n", out);
        free(command);
    }
    if (mx && mx->n_hints) {
        fputs("- ", out);
        md_inline_code(out, mx->hints[0], MESSAGE_MAX);
        fputs("\n", out);
    }
    fputs("\n", out);
}

static void print_exercise(const exercise_result *ex, const output_context *c, FILE *out)
{
    const manifest_exercise *mx = c->manifest ? manifest_find(c->manifest, ex->slug) : NULL;

    if (ex->score == ex->max_score) {
        fputs("\xE2\x9C\x85 **", out);
        md_inline(out, ex->slug, MESSAGE_MAX);
        fprintf(out, "** %d/%d: %s%s.\n\n", ex->score, ex->max_score,
                ex->max_score ? "every test passed" : "nothing to grade",
                ex->race.status == RACE_CLEAN ? ", no race found" : "");
        return;
    }
    fputs("### \xE2\x9D\x8C ", out);
    md_inline(out, ex->slug, MESSAGE_MAX);
    fprintf(out, ": %d/%d\n\n", ex->score, ex->max_score);
    if (mx && mx->title && *mx->title) {
        fputs("*", out);
        md_inline(out, mx->title, MESSAGE_MAX);
        fputs("*\n\n", out);
    }
    if (ex->build == BUILD_MISSING) {
        fputs("Not submitted.\n\n", out);
    } else if (ex->build == BUILD_FAILED) {
        fputs("**The build failed**: nothing was run.\n", out);
        md_pre(out, ex->build_log, LOG_MAX);
    } else {
        fprintf(out, "**Tests: %zu of %zu passed.**\n\n", tests_passed(ex), ex->n_tests);
        print_failed_tests(ex, out);
        print_race(ex, out);
    }
    print_next(ex, mx, out);
}

static int write_markdown(const grade_result *result, const output_context *context, FILE *out)
{
    char *words = output_public_total_words(result, context);

    fprintf(out, "## racecourse: %s%d/%d\n\n", words ? "public tests " : "", result->score,
            result->max_score);
    if (context->notes)
        fputs(context->notes, out);
    if (words) {
        fputs("**Not a grade:** ", out);
        md_inline(out, words, MESSAGE_MAX);
        fputs(".\n\n", out);
    }
    free(words);
    fputs("Graded ", out);
    md_code(out, result->submission ? result->submission : ".", MESSAGE_MAX);
    fputs(" with the ", out);
    md_inline(out, result->tests_kind ? result->tests_kind : "public", MESSAGE_MAX);
    fprintf(out, " tests%s", context->manifest ? " (kit " : "");
    if (context->manifest) {
        md_inline(out, context->manifest->version, MESSAGE_MAX);
        fputs(")", out);
    }
    fprintf(out, " in %.1f s.\n\n", result->duration_s);
    print_table(result, out);
    fputs("\n", out);
    for (size_t i = 0; i < result->n_exercises; i++)
        print_exercise(&result->exercises[i], context, out);
    fputs("<sub>Student code ran in: ", out);
    md_inline(out, result->containment ? result->containment : "unknown", MESSAGE_MAX);
    fputs(".</sub>\n", out);
    return ferror(out) ? EIO : 0;
}

int output_markdown(const grade_result *result, const output_context *context, FILE *out)
{
    grade_result view;
    int err;

    output_student_view(result, context, &view);
    err = write_markdown(&view, context, out);
    grade_result_free(&view);
    return err;
}
