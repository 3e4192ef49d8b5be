/* output_student.c - what students may see; see output_student.h. */
#define _GNU_SOURCE
#include "output_student.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

bool output_is_hidden_test(const grade_result *result, const exercise_result *ex,
                           const test_result *t, const output_context *context)
{
    const manifest_exercise *mx;

    if (!result->tests_kind || strcmp(result->tests_kind, "hidden") != 0)
        return false;
    mx = context->manifest ? manifest_find(context->manifest, ex->slug) : NULL;
    if (!mx)
        return true;            /* unknown: keep it to ourselves */
    return manifest_find_test(mx->hidden_tests, mx->n_hidden, t->name) &&
           !manifest_find_test(mx->public_tests, mx->n_public, t->name);
}

/* Whether a path may start at p: after the start or a separator. */
static bool path_starts(const char *text, const char *p)
{
    return *p == '/' && p[1] && p[1] != '/' && p[1] != ' ' &&
           (p == text || strchr(" \t\n\"'`(=:,[<", p[-1]));
}

/* Where the path starting at p ends. */
static const char *path_end(const char *p)
{
    while (*p && !strchr(" \t\n\"'`)],;<>", *p))
        p++;
    return p;
}

char *output_private_paths(const char *text)
{
    strbuf sb = STRBUF_INIT;
    const char *p = text ? text : "";

    while (*p) {
        const char *end, *last = NULL;

        if (!path_starts(text, p)) {
            strbuf_add(&sb, p++, 1);
            continue;
        }
        end = path_end(p);
        for (const char *q = p; q < end; q++)
            if (*q == '/' && q + 1 < end)
                last = q;
        if (!strncmp(p, "/dev/", 5) || !strncmp(p, "/proc/", 6) || last == p)
            strbuf_add(&sb, p, (size_t)(end - p));  /* a system path, or "/x" */
        else
            strbuf_add(&sb, last + 1, (size_t)(end - last - 1));
        p = end;
    }
    return strbuf_detach(&sb);
}

/* Replaces *text by output_private_paths(*text). */
static void scrub(char **text)
{
    char *clean;

    if (!*text)
        return;
    clean = output_private_paths(*text);
    free(*text);
    *text = clean;
}

/* The build log without the lines that quote the hidden tests. */
static void drop_hidden_lines(char **log)
{
    strbuf sb = STRBUF_INIT;
    bool dropped = false;

    if (!*log || !strstr(*log, "hidden_tests.c"))
        return;
    for (const char *line = *log; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);

        if (memmem(line, len, "hidden_tests.c", 14)) {
            if (!dropped)
                strbuf_addstr(&sb, "(lines about the hidden tests are not shown)\n");
            dropped = true;
        } else {
            strbuf_add(&sb, line, len);
            dropped = false;
        }
        line += len;
    }
    free(*log);
    *log = strbuf_detach(&sb);
}

static bool show_hidden(const output_context *context)
{
    return context->show_hidden_messages ||
           (context->manifest && context->manifest->show_hidden_messages);
}

void output_student_view(const grade_result *result, const output_context *context,
                         grade_result *view)
{
    bool show = show_hidden(context);
    const char *base;

    *view = *result;
    base = result->submission ? strrchr(result->submission, '/') : NULL;
    view->submission = xstrdup(base && base[1] ? base + 1 :
                               result->submission ? result->submission : ".");
    view->containment = result->containment ? xstrdup(result->containment) : NULL;
    view->tests_kind = result->tests_kind ? xstrdup(result->tests_kind) : NULL;
    view->exercises = xcalloc(result->n_exercises ? result->n_exercises : 1,
                              sizeof *view->exercises);
    for (size_t i = 0; i < result->n_exercises; i++) {
        exercise_result *ex = &view->exercises[i];

        exercise_result_copy(ex, &result->exercises[i]);
        if (!show && result->tests_kind && !strcmp(result->tests_kind, "hidden"))
            drop_hidden_lines(&ex->build_log);
        scrub(&ex->build_log);
        for (size_t t = 0; t < ex->n_tests; t++) {
            test_result *test = &ex->tests[t];

            if (!show && test->status != TEST_PASSED && test->status != TEST_SKIPPED &&
                output_is_hidden_test(result, ex, test, context)) {
                free(test->message);
                test->message = xstrdup(OUTPUT_HIDDEN_MESSAGE);
                /* What the code printed can quote the test's data. */
                free(test->output);
                free(test->output_file);
                test->output = test->output_file = NULL;
            }
            scrub(&test->message);
            scrub(&test->output);
            scrub(&test->output_file);
            scrub(&test->stacks);
        }
        scrub(&ex->race.message);
        for (size_t f = 0; f < ex->race.n_findings; f++) {
            scrub(&ex->race.findings[f].file);
            scrub(&ex->race.findings[f].message);
            for (size_t p = 0; p < ex->race.findings[f].n_places; p++)
                scrub(&ex->race.findings[f].places[p].file);
        }
    }
}
