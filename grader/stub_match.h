/*
 * stub_match.h - whether a student's file is the course's stub, untouched.
 *
 * Batch grading calls an exercise "not attempted" when the student's file
 * is the stub handed out (exercises/<slug>/<slug>.c), byte for byte or
 * nearly: the same once comments and white space are taken out, so that a
 * file re-saved with other line ends, re-indented, or with a comment added
 * still counts as untouched.  The label never changes a grade (an
 * untouched stub scores 0 anyway); it tells "did nothing" from "tried and
 * failed" in the gradebook.
 */
#ifndef RACECOURSE_STUB_MATCH_H
#define RACECOURSE_STUB_MATCH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * `source` (len bytes) without its C comments and white space, as a
 * malloc'd string; string and character literals are kept whole.
 */
char *stub_match_normalize(const char *source, size_t len);

/*
 * Whether the file at `student` is the stub at `stub` as handed out (the
 * same after stub_match_normalize()).  False when either cannot be read.
 */
bool stub_match_untouched(const char *student, const char *stub);

#endif
