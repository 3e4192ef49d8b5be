/*
 * helgrind_report.h - Helgrind's XML report, in words for a student.
 *
 * Valgrind writes one <error> per problem it saw (with --xml=yes).  This
 * module reads that file with expat and turns each error into a
 * race_finding: its kind, the student's file:line where it happened, and
 * one plain sentence that says what the code did, where, on which memory
 * or lock, and what to try next:
 *
 *   data race: bounded_queue.c:42 (bq_size) reads memory that
 *   bounded_queue.c:57 (bq_put) writes in another thread, and no lock
 *   orders the two; the memory is the 4 bytes at offset 72 of a heap
 *   block of 80 bytes allocated at bounded_queue.c:20 (bq_create).
 *   Protect both accesses with the same mutex.
 *
 * Errors that say the same thing are folded into one finding.  One error
 * is left out: the "recursive write lock granted" that Helgrind 3.19
 * reports from its own wrapper whenever a pthread_spin_lock had to spin
 * on glibc 2.36 (x86-64), a fault of the tools, not of the code.
 * Valgrind 3.19 and newer write the same elements; unknown ones are
 * skipped.
 */
#ifndef RACECOURSE_HELGRIND_REPORT_H
#define RACECOURSE_HELGRIND_REPORT_H

#include "result.h"
#include "struct_fields.h"

#include <stddef.h>

/*
 * Reads the Valgrind XML file at `xml_path`.  `student_file` is the base
 * name of the student's source ("bounded_queue.c"): stack frames in it
 * are the ones a finding points at.  Fills out->findings (a malloc'd
 * array, NULL when there are none; at most `max_findings` after folding
 * duplicates, in the order and with the cap of race_words_findings():
 * lock misuse first, and a last "not shown: ..." finding of kind "other"
 * when some were left out), out->n_findings
 * and out->n_errors (the number of <error> elements, before folding,
 * less the spin lock error above);
 * leaves out->status, score and message to the caller.  Findings already
 * in `out` are overwritten, not freed.
 *
 * Each finding:
 *   kind     "race" (Valgrind's Race), "lock_order" (LockOrder), "misuse"
 *            (UnlockUnlocked, UnlockForeign, UnlockBogus, PthAPIerror,
 *            Misc) or "other" (any other kind).
 *   file     `student_file` and the line of the first frame in it, taken
 *            from the first stack (for a race that has none there, from
 *            the conflicting access; for a lock order, the place its
 *            sentence names first, see race_words_lock_order()); ""
 *            and 0 when no frame is in the student's file.  The sentence
 *            then names the first frame with a source file outside system
 *            libraries: "driver.c:30 (main) in the test's code".
 *   message  "data race: ...", "lock order: ...", "misuse of a pthread
 *            call: ..." or "thread problem: ...", with " (seen N times)"
 *            after the label when several errors were folded into it.
 * Two errors are folded when Valgrind's kind and the file:line of both
 * places (both accesses of a race, both acquisitions of a lock order; for
 * Misc and PthAPIerror also Valgrind's text) are equal.  N counts errors
 * as <errorcounts> does (an error Valgrind saw twice counts twice).
 *
 * Returns 0; ENOENT when the file does not exist (or another errno value
 * from opening it; EIO when reading fails); EINVAL when it is not a
 * complete Valgrind XML report (a run that was killed half way has no
 * closing </valgrindoutput>; empty files, other XML and DOCTYPEs are
 * refused too) or an argument is NULL; ENOMEM.  On error `out` holds no
 * findings (findings NULL, n_findings and n_errors 0).
 */
int helgrind_report_read(const char *xml_path, const char *student_file,
                         size_t max_findings, race_result *out);

/*
 * The same, naming the field of a raced-on heap block where `layouts`
 * (the student's structs, struct_fields.h; NULL: none) allows: "the field
 * \"count\" of the struct bqueue allocated at ..." instead of "the 4 bytes
 * at offset 160 of a heap block of 176 bytes allocated at ...".
 */
int helgrind_report_read_fields(const char *xml_path, const char *student_file,
                                const struct_layouts *layouts, size_t max_findings,
                                race_result *out);

#endif
