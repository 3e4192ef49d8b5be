/*
 * grade_memo.h - byte-identical files are graded once per batch.
 *
 * In a class, many submissions hand in the very same file for an
 * exercise: the untouched stub of an exercise a student did not attempt,
 * one file shared by a group.  A grade depends on nothing of a submission
 * but its exercises/<slug>/<slug>.c (the build takes no other file of
 * it), and within one batch the kit and the options are fixed, so the
 * same bytes earn the same grade: the memo grades them once and hands
 * every later copy that result.  This is fairer as well as faster: two
 * students who hand in the same file get the same grade, even for code
 * whose behaviour varies from run to run.
 *
 * Entries are keyed by the exercise and the file's bytes, which are
 * compared whole (the hash only picks the candidates), so a file made to
 * collide with another cannot borrow its grade.  The memo is safe to use
 * from several threads: while one thread grades a file, another that
 * asks for the same file waits for that grading instead of repeating it.
 * It lives as long as one batch run; nothing is written to disk.
 */
#ifndef RACECOURSE_GRADE_MEMO_H
#define RACECOURSE_GRADE_MEMO_H

#include "result.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct grade_memo grade_memo;

/* An empty memo.  Aborts when out of memory, as xmalloc() does. */
grade_memo *grade_memo_new(void);

/* Frees the memo and every result it holds; NULL is ignored.  No thread may still use it. */
void grade_memo_free(grade_memo *memo);

/*
 * Looks up the file `bytes` (`len` bytes) handed in for exercise `slug`.
 *
 * Returns true when that file was graded already: *out is then a copy of
 * its result (free it with exercise_result_free()).  When another thread
 * is grading the same file at the time, this waits for it to settle.
 *
 * Returns false when nobody has graded the file yet: the caller now holds
 * the entry, must grade the file itself, and must then call
 * grade_memo_settle() with the same slug and bytes, whatever the outcome;
 * other threads asking for the file wait until it does.
 */
bool grade_memo_claim(grade_memo *memo, const char *slug, const void *bytes, size_t len,
                      exercise_result *out);

/*
 * Ends the claim on `slug` and `bytes` that grade_memo_claim() gave the
 * caller: records a copy of `result` for later claims and wakes the
 * threads waiting for it.  With `result` NULL (the grading failed, or was
 * not finished), the entry is dropped instead, and the next claim of the
 * file grades it anew.  Settling a file that was not claimed does nothing.
 */
void grade_memo_settle(grade_memo *memo, const char *slug, const void *bytes, size_t len,
                       const exercise_result *result);

/* How many claims so far were answered with an earlier result. */
size_t grade_memo_reused(grade_memo *memo);

#endif
