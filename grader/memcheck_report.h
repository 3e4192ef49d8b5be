/*
 * memcheck_report.h - memcheck's XML report, in words for a student.
 *
 * The second check of a one-thread exercise (coroutines) runs its driver
 * under `valgrind --tool=memcheck --xml=yes --leak-check=full`.  This
 * module reads that file (with helgrind_xml.c, which reads any Valgrind
 * XML report) and turns each error into a race_finding with the student's
 * file:line and one plain sentence, for instance
 *
 *   invalid access: coroutines.c:97 (co_destroy) reads 8 bytes of a
 *   block of 312 bytes that was already freed; freed here: coroutines.c:96
 *   (co_destroy); allocated here: coroutines.c:61 (co_create).  Do not
 *   use a block after freeing it: read what you need first.
 *
 *   leak: 65,536 bytes in 1 block allocated here: coroutines.c:70
 *   (co_create) are never freed, and nothing points to them any more.
 *   Free every block when what owns it is destroyed (finished or not).
 */
#ifndef RACECOURSE_MEMCHECK_REPORT_H
#define RACECOURSE_MEMCHECK_REPORT_H

#include "result.h"

#include <stddef.h>

/*
 * Reads the memcheck XML file at `xml_path`, as helgrind_report_read()
 * reads Helgrind's (same arguments, same errors, same folding of equal
 * errors; most frequent first, with the cap and the last "not shown: ..."
 * finding of race_words_findings()).  Each finding:
 *   kind     "invalid-access" (InvalidRead, InvalidWrite, InvalidJump),
 *            "leak" (Leak_DefinitelyLost, Leak_IndirectlyLost,
 *            Leak_PossiblyLost), "invalid-free" (InvalidFree,
 *            MismatchedFree), "uninitialised" (UninitValue,
 *            UninitCondition) or "other";
 *   file     `student_file` and the line of the first frame in it (for a
 *            leak, where the block was allocated), else "" and 0;
 *   message  "invalid access: ...", "leak: ...", ... with " (seen N
 *            times)" after the label when several errors were folded.
 * Two errors are folded when their kind and their first place are equal.
 */
int memcheck_report_read(const char *xml_path, const char *student_file,
                         size_t max_findings, race_result *out);

#endif
