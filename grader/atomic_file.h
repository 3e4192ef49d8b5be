/*
 * atomic_file.h - replacing a file all at once.
 *
 * A batch of grades can be interrupted at any moment (Ctrl-C, a reboot):
 * every file it writes is first written in full to a temporary file in
 * the same folder, flushed to disk, then renamed over the old one, so a
 * reader (or the next run) sees the old file or the new one, never part
 * of one.
 */
#ifndef RACECOURSE_ATOMIC_FILE_H
#define RACECOURSE_ATOMIC_FILE_H

#include <stddef.h>

/* Temporary files are named "." ATOMIC_FILE_TEMP_PREFIX "<name>.XXXXXX". */
#define ATOMIC_FILE_TEMP_PREFIX "tmp-"

/*
 * Writes `len` bytes to `path` (mode 0644), replacing it atomically.
 * Returns 0, or an errno value (the folder is missing or not writable,
 * the disk is full...); on an error `path` is unchanged and no temporary
 * file is left.
 */
int atomic_write_file(const char *path, const void *data, size_t len);

/*
 * Removes the temporary files that an interrupted atomic_write_file()
 * left in `dir`.  Only for a folder that nobody else is writing to at
 * the same time.  Returns 0 or the errno of opening `dir`.
 */
int atomic_file_cleanup(const char *dir);

#endif
