/*
 * hash.h - a 64-bit fingerprint of bytes and files, for change detection.
 *
 * Batch grading (batch.h) fingerprints everything a grade depends on (the
 * student's files, the tests, the manifest) so that a second run can tell
 * that nothing changed and keep the grade it already has.
 *
 * The hash is FNV-1a, 64 bits (Fowler, Noll and Vo; the offset basis and
 * prime are the published ones): simple, well known and enough to notice
 * a change.  It is not a cryptographic hash and need not be: glibc has no
 * SHA API and the grader links no crypto library.  A collision made on
 * purpose would only make the grader keep a grade that the same student's
 * earlier files earned with the same tests, never raise one.
 */
#ifndef RACECOURSE_HASH_H
#define RACECOURSE_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The hash so far; start it with hash64_init() (copying one is fine). */
typedef struct hash64 {
    uint64_t state;
} hash64;

#define HASH64_HEX_LEN 16       /* hex digits of hash64_hex(), without the NUL */

void hash64_init(hash64 *h);

/* Adds `len` bytes. */
void hash64_add(hash64 *h, const void *data, size_t len);

/* Adds a string and its terminating NUL, so "ab" + "c" differs from "a" + "bc". */
void hash64_add_str(hash64 *h, const char *s);

/*
 * Adds what `path` is: "absent" when there is nothing there, a regular
 * file's size and bytes, or the kind of anything else (a directory, a
 * device, or with follow_links false a symbolic link and its target).
 * A regular file larger than `max_bytes` adds its size, change time and
 * inode instead of its bytes (a huge file is refused by the build anyway,
 * and reading it would stall the caller).  Returns 0, or the errno of a
 * failed read (the hash then holds part of the file: do not use it).
 */
int hash64_add_file(hash64 *h, const char *path, bool follow_links, size_t max_bytes);

/* The hash as 16 lower-case hex digits and a NUL in `out`. */
void hash64_hex(const hash64 *h, char out[HASH64_HEX_LEN + 1]);

#endif
