/*
 * helgrind_xml.h - Helgrind's XML report, read into memory.
 *
 * Valgrind writes one <error> per problem it saw (with --xml=yes).  This
 * module reads that file with expat and keeps, for each error, what a
 * reader needs to explain it: Valgrind's kind, its texts in order, the
 * stack after each text, and how many times Valgrind saw it.  What an
 * error means is not this module's business (see helgrind_report.h).
 *
 * An error is a list of parts.  A part is one text of the error
 * (<xwhat><text>, <xauxwhat><text>, <auxwhat> or <what>) and the <stack>
 * that follows it, if any:
 *
 *   parts[0]      what went wrong and where: "Possible data race during
 *                 read of size 4 at 0x4A8D0C8 by thread #3"
 *   parts[1..]    the conflicting access, the memory ("Address ... is 72
 *                 bytes inside a block of size 80 alloc'd" and the
 *                 allocation's stack), the lock order, ...
 *
 * The first <stack> of an error belongs to parts[0], even when a <what>
 * comes between them (PthAPIerror); a later one belongs to the text just
 * before it; a stack with no text of its own gets a part whose text is
 * NULL.  Thread announcements, suppressions, nested errors and elements
 * this module does not know (Valgrind 3.19 and newer add some) are
 * skipped.
 */
#ifndef RACECOURSE_HELGRIND_XML_H
#define RACECOURSE_HELGRIND_XML_H

#include "report_stack.h"

#include <stddef.h>

/*
 * Every string below is malloc'd, trimmed of white space at both ends and
 * cut at 8192 bytes.
 */

/* One <frame> of a <stack>, innermost first (report_stack.h): fn, dir,
 * file and obj as Valgrind wrote them, NULL when it did not; line 0 when
 * unknown or not a positive int. */
typedef report_frame hg_frame;

/* One text of an error and the stack after it (report_stack.h): text is
 * NULL for an <xwhat> or <xauxwhat> without <text>, or a stack alone;
 * has_stack is set when a <stack> followed (maybe empty). */
typedef report_part hg_part;

/* One top-level <error>. */
typedef struct hg_error {
    char *kind;                     /* "Race", "LockOrder", "Misc", ...;
                                       NULL when there was no <kind> */
    char *unique;                   /* Valgrind's id ("0x1f"), or NULL */
    hg_part *parts;                 /* in report order; NULL when none */
    size_t n_parts;
    long count;                     /* times Valgrind saw it: the <count> of
                                       its <errorcounts> pair, else 1 */
} hg_error;

/* A whole report. */
typedef struct hg_xml {
    hg_error *errors;               /* in report order; NULL when none */
    size_t n_errors;
    int fatal_signal;               /* the signal that ended the program
                                       (<fatal_signal><signo>), or 0 */
    char **client_msgs;             /* the <text> of each top-level <clientmsg>
                                       (what the program printed with
                                       VALGRIND_PRINTF), in order; NULL when none */
    size_t n_client_msgs;
} hg_xml;

/*
 * Reads the Valgrind XML file at `path` into `out`, which then owns every
 * array and string in it (free them with hg_xml_free()).  What `out` held
 * before is overwritten, not freed.  Client messages are kept as they
 * are; only the program's own records (resource_report.h) give them a
 * meaning.
 *
 * Returns 0; ENOENT when the file does not exist (or another errno value
 * from opening it; EIO when reading fails); EINVAL when it is not a
 * complete Valgrind XML report (a run that was killed half way has no
 * closing </valgrindoutput>; empty files, other XML, more than 32 nested
 * elements and DOCTYPEs are refused too) or an argument is NULL; ENOMEM.
 * On error `out` is empty (errors NULL, n_errors 0, fatal_signal 0) unless
 * it is NULL.
 */
int hg_xml_read(const char *path, hg_xml *out);

/*
 * Frees everything `x` owns, then sets x->errors to NULL, x->n_errors
 * and x->fatal_signal to 0.  NULL is ignored; calling it twice is harmless.
 */
void hg_xml_free(hg_xml *x);

#endif
