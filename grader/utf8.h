/*
 * utf8.h - making student text safe to put in a report.
 *
 * Whatever a student's code prints or a compiler echoes back can hold any
 * bytes; every report format first makes it valid UTF-8.
 */
#ifndef RACECOURSE_UTF8_H
#define RACECOURSE_UTF8_H

#include <stddef.h>

/*
 * The length (1 to 4) of the well-formed UTF-8 character at `s`, with its
 * code point in *code; 0 when `s` is at its terminating NUL or its bytes
 * are not well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF).  Never reads past a NUL.
 */
size_t utf8_char(const char *s, unsigned *code);

/*
 * A malloc'd copy of `text` (NULL counts as "") that is valid UTF-8, every
 * malformed byte replaced by U+FFFD, and that holds at most `max_bytes`
 * bytes of it, cut at a character boundary and followed by "\n[... cut]"
 * when anything was left out.  Aborts when memory runs out (util.h).
 */
char *utf8_clean(const char *text, size_t max_bytes);

#endif
