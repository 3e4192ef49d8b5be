/*
 * manifest_query.h - `grade --manifest-get SLUG KEY`: one value of the
 * manifest as the grader read it, for the kit's scripts.
 *
 * The scripts (scripts/student/, scripts/release, scripts/checks/) ask the
 * grader instead of parsing manifest.ini again, so that comments, defaults
 * and repeated keys mean what they mean to the grader.  `--make-vars` stays
 * the Makefile's view (lists of exercises and tests, libs, race on/off).
 *
 * Keys of an exercise (SLUG):
 *   title libs allow test_timeout_s run_timeout_s race check driver processes
 *   schedules race_points
 *   race_timeout_s coverage_lines coverage_branches
 *                         the value, defaults filled in (race: on or off;
 *                         check: helgrind, memcheck or resources; driver:
 *                         race_driver.c or resource_driver.c; seconds as %g)
 *   hint                  the exercise's hints, one a line (none: nothing)
 *   public, hidden        the tests' names, one a line
 *   public_points, hidden_points
 *                         the sum of the tests' points
 *   public.NAME, hidden.NAME
 *                         the test's points
 *   hint.NAME             the test's hint (none: nothing)
 * Keys of [racecourse] (SLUG racecourse):
 *   format version hidden_messages (hide or show)
 *   exercises             every exercise, one a line, in teaching order
 */
#ifndef RACECOURSE_MANIFEST_QUERY_H
#define RACECOURSE_MANIFEST_QUERY_H

#include "manifest.h"

#include <stdio.h>

/*
 * Prints the value of `key` in section `slug` of `m` to `out`, each line
 * ended by a newline.  Returns 0; ENOENT (printing nothing) when `slug` is
 * neither an exercise nor "racecourse", or when the section has no test
 * called as `key` says; EINVAL when `key` is no key of the list above.
 * *error is then set to a malloc'd message that says which.
 */
int manifest_query(const manifest *m, const char *slug, const char *key, FILE *out,
                   char **error);

#endif
