/*
 * tsan_report.h - ThreadSanitizer's text report, in words for a student.
 *
 * A program built with -fsanitize=thread (the race driver, for `make
 * tsan`) writes one block of text per problem it sees (to stderr, or with
 * TSAN_OPTIONS=log_path=P to P.<pid>):
 *
 *   ==================
 *   WARNING: ThreadSanitizer: data race (pid=27022)
 *     Write of size 4 at 0x55ac0507200c by thread T2:
 *       #0 joinall exercises/joinall/joinall.c:55 (race_driver+0x2447)
 *       #1 run_round tests/joinall/race_driver.c:158 (race_driver+0x2ce4)
 *
 *     Previous write of size 4 at 0x55ac0507200c by thread T3:
 *       #0 joinall exercises/joinall/joinall.c:55 (race_driver+0x2447)
 *
 *     Location is global 'left' of size 4 at 0x55ac0507200c (race_driver+0x700c)
 *   SUMMARY: ThreadSanitizer: data race exercises/joinall/joinall.c:55 in joinall
 *   ==================
 *
 * This module turns each block into a race_finding worded like those of
 * helgrind_report.h, so that `make tsan` and the grader's race check
 * speak alike:
 *
 *   data race: two threads run joinall.c:55 (joinall) at the same time:
 *   one writes memory that the other also writes, and no lock orders the
 *   two; the memory is the global variable "left". Protect both accesses
 *   with the same mutex.
 *
 * Blocks that say the same thing are folded into one finding.  The text
 * format is that of GCC 12's libtsan (Debian 12) and newer; lines it does
 * not know are skipped.
 */
#ifndef RACECOURSE_TSAN_REPORT_H
#define RACECOURSE_TSAN_REPORT_H

#include "result.h"
#include "struct_fields.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Reads ThreadSanitizer's report in `text` (the whole log of one run, or
 * several logs one after the other; other output between the blocks is
 * ignored).  `student_file` is the base name of the student's source
 * ("joinall.c"): stack frames in it are the ones a finding points at.
 * Fills out->findings (a malloc'd array, NULL when there are none; at
 * most `max_findings` after folding duplicates, in the order and with the
 * cap of race_words_findings(): lock misuse first, and a last "not shown:
 * ..." finding of kind "other" when some were left out), out->n_findings
 * and out->n_errors (the problems
 * ThreadSanitizer reported, before folding; "And 3 more similar thread
 * leaks" counts 3 more); leaves status, score and message to the caller.
 * Findings already in `out` are overwritten, not freed.
 *
 * Each finding:
 *   kind     "race" (data race), "lock_order" (lock-order-inversion),
 *            "misuse" (unlock of an unlocked mutex, destroy of a locked
 *            mutex, double lock, invalid mutex, read-write lock misuse)
 *            or "other" (thread leak, a crash ThreadSanitizer caught, a
 *            problem of ThreadSanitizer itself, anything else).
 *   file     `student_file` and the line of the first frame in it, taken
 *            from the first stack of the block (for a race that has none
 *            there, from the conflicting access; for a lock order, the
 *            place its sentence names first, see race_words_lock_order());
 *            "" and 0 when no frame is in the student's
 *            file.  The sentence then names the first frame with a source
 *            file outside shared libraries: "race_driver.c:30 (main) in
 *            the test's code".
 *   message  "data race: ...", "lock order: ...", "misuse of a pthread
 *            call: ...", "thread leak: ...", "crash: ..." or "thread
 *            problem: ...", with " (seen N times)" after the label when
 *            several problems were folded into it.
 * Two blocks are folded when their kind and the file:line of both places
 * (both accesses of a race, both acquisitions of a lock order; the one
 * place of the others, with ThreadSanitizer's title for misuse and other
 * problems) are equal.
 *
 * Returns 0 (a text with no report in it is a clean run); EINVAL when an
 * argument is NULL.  On error `out` holds no findings.
 */
int tsan_report_parse(const char *text, const char *student_file, size_t max_findings,
                      race_result *out);

/* What the caller knows of the student's program, beyond its file's name. */
typedef struct tsan_report_options {
    const struct_layouts *layouts;  /* the student's structs (struct_fields.h), to name
                                     * the field of a raced-on heap block as
                                     * helgrind_report_read_fields() does; NULL: none */
    bool no_joins;                  /* the student's file joins no thread (no
                                     * pthread_join, timed, clock or try join) */
} tsan_report_options;

/*
 * The same, with what `opts` says (NULL: as tsan_report_parse()).  With
 * no_joins, a thread leak of a thread the test's code started is not one
 * the student's code was to join (the race driver joins its own threads):
 * it is said as a thread that never ended, still inside the student's
 * code when the driver gave up ("thread leak: a thread started at
 * race_driver.c:135 (run_round) in the test's code never ended: ...").
 */
int tsan_report_parse_with(const char *text, const char *student_file,
                           const tsan_report_options *opts, size_t max_findings,
                           race_result *out);

/*
 * The same for the file at `path`.  Returns 0, or the errno value of
 * reading it (ENOENT when it does not exist), or EINVAL.
 */
int tsan_report_read(const char *path, const char *student_file, size_t max_findings,
                     race_result *out);

#endif
