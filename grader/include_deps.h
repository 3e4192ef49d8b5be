/*
 * include_deps.h - the files a compile of one kit source reads from its
 * work directory, as a fingerprint.
 *
 * The object cache (object_cache.h) may reuse an object only when every
 * input of the compile is the same.  Those inputs are the source, the
 * compiler's flags and the files the preprocessor reaches: what the
 * source includes, what those include, and so on.  Hashing every header
 * of the work directory instead would make each exercise's objects
 * differ (its header SLUG.h is there), so that the harness and the
 * scheduler, which never include it, were compiled again for every
 * exercise.
 *
 * The scan follows #include "name" (the including file's folder first,
 * then each -I folder) and #include <name> (each -I folder), and the
 * names that __has_include() asks about, without evaluating #if: a file
 * behind a false condition is counted too, which can only cost a compile.
 * A name found in none of those folders is a system header, outside the
 * work directory; it is not read.  Because a system header may include a
 * name that a -I folder shadows (a work directory's time.h), every header
 * of a -I folder (and of its subfolders, one level down) whose name is
 * also a system header's is counted as well.
 */
#ifndef RACECOURSE_INCLUDE_DEPS_H
#define RACECOURSE_INCLUDE_DEPS_H

#include "hash.h"

#include <stdbool.h>

/*
 * Adds to `hash` the name and bytes of every file that compiling
 * `source` (a path relative to `work_dir`) with the compiler arguments
 * `flags` (NULL-terminated) includes from the work directory or a -I
 * folder, in the order they are met.  Returns true; false when the scan
 * cannot be sure of the inputs: a file it cannot read or that holds a NUL
 * byte, an #include of a macro, #include_next or #import, an absolute include, or a flag that
 * changes the search (-iquote, -isystem, -include, -nostdinc, --sysroot,
 * @file...).  The hash must not be used then.
 */
bool include_deps_hash(hash64 *hash, const char *work_dir, const char *source,
                       char *const flags[]);

#endif
