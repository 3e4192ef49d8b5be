/*
 * manifest_check.h - `grade --check-manifest`: the quick check after
 * editing manifest.ini (docs/instructor-guide.md, "Change the points").
 *
 * In a second or two, without building or running anything, it says
 * whether the kit still agrees with its manifest: the manifest loads (the
 * points add up to 100 per exercise, once with the public tests and once
 * with the hidden ones), every exercise has its files (header, stub,
 * README, public tests, hidden tests, race driver when the race check is
 * on), and the tests listed are exactly the RC_TEST()s of the test files,
 * both ways.  `make test` remains the full proof (reference 100, stub 0,
 * mutants below 100).
 */
#ifndef RACECOURSE_MANIFEST_CHECK_H
#define RACECOURSE_MANIFEST_CHECK_H

#include <stdio.h>

/*
 * Checks the kit in `kit_dir` (its manifest.ini, exercises/) with the
 * hidden tests and race drivers of `tests_dir`, printing a line per
 * exercise and the totals to `out` and each problem to `err`.  Returns 0
 * when all is well, 1 when a file or a test is missing or unlisted, 2 when
 * the manifest cannot be loaded (its error printed).
 */
int manifest_check(const char *kit_dir, const char *tests_dir, FILE *out, FILE *err);

#endif
