/*
 * output.h - the report formats, one file each, behind one registry.
 *
 * Every format prints a grade_result; main.c picks them by option
 * (--json FILE, ...) and the terminal report always goes to stdout.
 */
#ifndef RACECOURSE_OUTPUT_H
#define RACECOURSE_OUTPUT_H

#include "manifest.h"
#include "result.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct output_context {
    const manifest *manifest;
    bool color;                 /* ANSI colours (terminal report only) */
    bool verbose;               /* list passed tests too (terminal report only) */
    bool show_hidden_messages;  /* --show-hidden-messages: students see hidden tests'
                                   messages (output_student.h) */
    const char *notes;          /* Markdown report only: Markdown put right after its
                                   title (grade batch: the exercises not graded), or NULL */
} output_context;

/* Writes `result` to `out`; returns 0 or an errno value (EIO on a write error). */
typedef int (*output_writer)(const grade_result *result, const output_context *context,
                             FILE *out);

typedef struct output_format {
    const char *name;           /* the option that asks for it: --<name> FILE */
    const char *description;    /* one line, for --help */
    output_writer write;
    bool append;                /* add to FILE (GitHub's $GITHUB_OUTPUT), not replace it */
} output_format;

/* The registry: terminated by an entry whose name is NULL. */
extern const output_format output_formats[];

/* The format called `name`, or NULL. */
const output_format *output_find(const char *name);

/*
 * When `result` used the public tests while the manifest has hidden tests
 * for the exercises graded (the student repository, or --public): the
 * hidden tests' points of those exercises, which this result does not
 * count.  0 otherwise: the result is a grade.
 */
int output_hidden_points(const grade_result *result, const output_context *context);

/* "public tests: all passed; the hidden tests, worth N points, run when
   your instructor grades" and its variants: the words that say what a
   public-tests total is (NULL when output_hidden_points() is 0, or when
   no test ran: --race-only).  Free it. */
char *output_public_total_words(const grade_result *result, const output_context *context);

int output_text(const grade_result *result, const output_context *context, FILE *out);
int output_json(const grade_result *result, const output_context *context, FILE *out);
int output_summary(const grade_result *result, const output_context *context, FILE *out);

/*
 * The formats for other programs (output_<name>.c).  Each writes the
 * whole report to `out` and returns 0, EIO when writing to `out` failed,
 * or ENOMEM when cJSON could not allocate; on an error part of the report
 * may have been written.  Student text (test messages, build logs) is
 * made valid UTF-8 (bad bytes become U+FFFD) and escaped for the format.
 *
 * output_markdown: GitHub-flavoured Markdown for $GITHUB_STEP_SUMMARY and
 *   instructors: the total, a table of exercises, then what failed and
 *   what to try next.  Student text is HTML-escaped inside <pre> blocks
 *   or backslash-escaped inline, so it can neither end a block nor
 *   inject HTML.
 * output_classroom: GitHub step outputs (NAME=VALUE lines for
 *   $GITHUB_OUTPUT) for classroom-resources/autograding-grading-reporter:
 *   one runner per exercise with points, and `runners=<ids>`
 *   (docs/classroom-format.md).
 * output_junit: JUnit XML, a testsuite per exercise, a testcase per test
 *   and one for the race check (and one for the build when it failed).
 * output_gradescope: Gradescope's results.json (docs/gradescope.md).
 *
 * These four are for students: each prints output_student_view() of the
 * result, so hidden tests keep their messages to themselves and no path
 * of the grading machine appears (output_student.h).
 */
int output_markdown(const grade_result *result, const output_context *context, FILE *out);
int output_classroom(const grade_result *result, const output_context *context, FILE *out);
int output_junit(const grade_result *result, const output_context *context, FILE *out);
int output_gradescope(const grade_result *result, const output_context *context, FILE *out);

#endif
