/*
 * report_stack.h - the stacks of a tool's report, and the places a
 * finding names in them.
 *
 * Every reader of a tool's report (helgrind_report.c and
 * memcheck_report.c through helgrind_xml.c, tsan_report.c from
 * ThreadSanitizer's text) holds a problem as a list of parts: a line of
 * the tool's text and the stack under it.  A finding points at one frame
 * of a stack: the first in the student's file, else the first of the
 * test's code (with a source file, outside the libraries).  This module
 * picks that frame and writes it the one way all readers write it:
 *
 *   "bq.c:57 (bq_put)"                        the student's code
 *   "race_driver.c:30 (main) in the test's code"
 *   "bq.c:57"                                  the short form
 *   "|exercises/bq/bq.c:57"                    in a folding key
 *
 * Which frames are library code is the tool's business: each reader
 * gives its own test in a report_places.
 */
#ifndef RACECOURSE_REPORT_STACK_H
#define RACECOURSE_REPORT_STACK_H

#include "result.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/* One frame of a stack, innermost first.  Strings are malloc'd. */
typedef struct report_frame {
    char *fn;                       /* function, NULL when the tool did not say */
    char *dir;                      /* source directory, or NULL */
    char *file;                     /* source file as the tool wrote it, or NULL */
    char *obj;                      /* executable or library ("race_driver",
                                       "/lib/x86_64-linux-gnu/libc.so.6"), or NULL */
    int line;                       /* 0 when unknown */
} report_frame;

/* One line of a problem and the stack after it. */
typedef struct report_part {
    char *text;                     /* the tool's words, or NULL */
    report_frame *frames;           /* the stack, NULL when there is none */
    size_t n_frames;
    int has_stack;                  /* a stack followed (maybe empty) */
} report_part;

/* The places a finding's sentence names, in its order (race_finding's places). */
typedef struct report_named {
    race_place *places;
    size_t n;
} report_named;

/* Where a reader looks for the places it names. */
typedef struct report_places {
    const char *student_file;       /* "bounded_queue.c": frames in it are the student's */
    bool (*is_library)(const report_frame *f);  /* never the student's nor the test's */
    report_named *named;            /* where report_put_where() notes each place it
                                     * writes; NULL: nowhere */
} report_places;

/*
 * The frame `part`'s stack points at: the first in the student's file
 * (compared by base name), else the first with a source file that is not
 * library code.  *student says which.  NULL (and *student false) when
 * none, or when `part` is NULL.
 */
const report_frame *report_pick_frame(const report_places *rp, const report_part *part,
                                      bool *student);

/*
 * Appends "file:line (fn)" of `part`'s frame (no " (fn)" when the tool
 * did not name it), with " in the test's code" when it is not the
 * student's; `fallback` when the stack has no such frame.  The place is
 * noted in rp->named (when not NULL), as report_note_place() does.
 */
void report_put_where(strbuf *b, const report_places *rp, const report_part *part,
                      const char *fallback);

/*
 * Notes the place of `part`'s frame (its file's base name, line and
 * function) at the end of rp->named, for a place the caller's sentence
 * names from report_where_string(); nothing when rp->named is NULL or the
 * stack has no frame to name.
 */
void report_note_place(const report_places *rp, const report_part *part);

/* Frees the places of `named` and empties it. */
void report_named_free(report_named *named);

/* Appends just "file:line" of `part`'s frame, or nothing. */
void report_put_place(strbuf *b, const report_places *rp, const report_part *part);

/* Appends "|file:line" of `part`'s frame (the file as the tool wrote it;
 * "|:0" when none) to a folding key. */
void report_put_key(strbuf *b, const report_places *rp, const report_part *part);

/*
 * Appends the keys of two places whose order does not matter (the two
 * sides of a lock order): `b`'s first when `line_b` (its line in the
 * student's file, 0 when not there) is before `line_a`, else `a`'s first.
 */
void report_put_key_pair(strbuf *key, const report_places *rp, const report_part *a,
                         int line_a, const report_part *b, int line_b);

/* Whether the frames of `a` and `b` are at the same file:line. */
bool report_same_place(const report_places *rp, const report_part *a, const report_part *b);

/*
 * `part`'s place as a new string: "file:line (fn)..." as
 * report_put_where() writes it, or "file:line" when `is_short`.  *line
 * gets the line when the frame is the student's, else 0.  NULL (and
 * *line 0) when the stack has no frame to name.  Nothing is noted: the
 * caller notes the places it puts in its sentence (report_note_place()).
 */
char *report_where_string(const report_places *rp, const report_part *part, int *line,
                          bool is_short);

/*
 * The test's function the student's code was running in `part`'s stack
 * ("job_fn"), or NULL: the innermost frame with source that is not
 * library code, when it is not the student's but a frame further out is.
 */
const char *report_callback_in(const report_places *rp, const report_part *part);

/*
 * The first of parts[1..n) whose text starts with `prefix`, or NULL
 * (parts[0] is the problem's title).
 */
const report_part *report_find_part(const report_part *parts, size_t n, const char *prefix);

/*
 * The number right after `marker` in `text`, read as the tools write
 * them ("1,112" is 1112), or 0 when `marker` is not there or no digit
 * follows it.
 */
unsigned long report_number_after(const char *text, const char *marker);

#endif
