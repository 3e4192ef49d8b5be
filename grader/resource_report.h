/*
 * resource_report.h - the resource check's report, in words for a student.
 *
 * The second check of process_pool (manifest `check = resources`) runs
 * its driver (tests/process_pool/resource_driver.c) under memcheck, like
 * a memcheck check, and the driver reports what each pool left behind
 * after pool_destroy as records (harness/resource_check.h) that Valgrind
 * writes into its XML report as client messages:
 *
 *   racecourse-resource kind=children round=3 alive=1 zombies=1 pids=812,813
 *   racecourse-resource kind=fd round=3 fd=5 type=pipe
 *   racecourse-resource kind=mapping round=3 bytes=4096
 *   racecourse-resource kind=done rounds=25
 *
 * Only client messages are read, never what the program printed; the
 * workers, forked under Valgrind with --child-silent-after-fork=yes, write
 * nothing into the report, so their memcheck errors do not count and they
 * cannot add records.  Client messages that are not records are ignored.
 *
 * The records become findings of kind "leftover", one per kind of thing
 * left (children; descriptors of one type; shared mappings), folded over
 * the rounds, for instance
 *
 *   after pool_destroy, 2 worker processes were still alive (pids 812,
 *   813): wait for every worker with waitpid (after 24 of the driver's
 *   25 pools)
 *
 *   descriptor 5 (a pipe) was still open after pool_destroy: close both
 *   ends of every pipe
 *
 *   a shared mapping of 4096 bytes was left after pool_destroy: munmap the
 *   counter
 *
 * followed by memcheck's findings in the parent (memcheck_report.h), which
 * carry the student's file:line.
 */
#ifndef RACECOURSE_RESOURCE_REPORT_H
#define RACECOURSE_RESOURCE_REPORT_H

#include "result.h"

/* What starts a record (the driver prints each on stderr too). */
#define RESOURCE_RECORD_PREFIX "racecourse-resource "

#include <stdbool.h>
#include <stddef.h>

/*
 * Reads the report at `xml_path` into `out` (findings, n_findings and
 * n_errors only: leftovers first, then memcheck's errors, at most
 * `max_findings` in all; n_errors counts the records of things left plus
 * memcheck's errors).  *finished tells whether the driver wrote its last
 * record (kind=done).  Returns 0, or the errno value of
 * memcheck_report_read() (EINVAL: NULL argument or not a complete report).
 */
int resource_report_read(const char *xml_path, const char *student_file,
                         size_t max_findings, race_result *out, bool *finished);

/*
 * The same from the client messages alone (for the unit tests):
 * `msgs[0..n)` as hg_xml_read() gives them.  Fills out->findings,
 * n_findings and n_errors with the leftovers only.
 */
void resource_findings(char *const *msgs, size_t n, size_t max_findings, race_result *out,
                       bool *finished);

#endif
