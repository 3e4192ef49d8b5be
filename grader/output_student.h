/*
 * output_student.h - what students may see: the one policy that every
 * student-facing report (Markdown, Gradescope, Classroom, JUnit) applies
 * before it prints (docs/grader.md, "What students see").
 *
 * 1. Hidden stays hidden.  When a grade used the hidden tests, a hidden
 *    test (listed under hidden. and not under public. in the manifest)
 *    that did not pass shows its name, status, points and the manifest's
 *    hint, never its message: the message quotes the hidden test's code
 *    and expectations (`hidden_tests.c:148: ... expected 0`).  Build-log
 *    lines that quote the hidden tests go too.  The instructor may ask for
 *    the full messages: `hidden_messages = show` in the manifest's
 *    [racecourse] section, or `--show-hidden-messages`.
 * 2. Paths stay private.  No path of the grading machine reaches a
 *    student: the submission is named by its folder's name, and every
 *    absolute path in a message, build log or finding is cut to its last
 *    component (`/tmp/class/hw1-erin/exercises/joinall/joinall.c:12` reads
 *    `joinall.c:12`).  /dev/ and /proc/ paths are kept: they are no secret.
 *
 * The terminal report and the JSON report are the instructor's and keep
 * everything.
 */
#ifndef RACECOURSE_OUTPUT_STUDENT_H
#define RACECOURSE_OUTPUT_STUDENT_H

#include "output.h"

#include <stdbool.h>

/* What a hidden test that did not pass says instead of its message. */
#define OUTPUT_HIDDEN_MESSAGE "a hidden test: what it checked is not shown; see the hint"

/*
 * Whether test `t` of exercise `ex` is a hidden test of this grade (the
 * grade used the hidden tests, and the manifest lists the test as hidden
 * and not as public; a test of an exercise the manifest does not know
 * counts as hidden).
 */
bool output_is_hidden_test(const grade_result *result, const exercise_result *ex,
                           const test_result *t, const output_context *context);

/*
 * Fills *view with a deep copy of `result` as students may see it (the
 * two rules above).  Never fails (aborts when out of memory, as xmalloc()
 * does); free *view with grade_result_free().
 */
void output_student_view(const grade_result *result, const output_context *context,
                         grade_result *view);

/* `text` with every absolute path cut to its last component, malloc'd. */
char *output_private_paths(const char *text);

#endif
