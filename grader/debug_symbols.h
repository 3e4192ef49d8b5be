/*
 * debug_symbols.h - a symbols-only copy of the system's debug information,
 * for a quicker race check.
 *
 * Valgrind reads the separate debugging information of every library the
 * race driver loads: on Debian the valgrind package depends on libc6-dbg,
 * whose files in /usr/lib/debug/.build-id hold glibc's symbol tables and
 * its DWARF.  Parsing the DWARF is about 0.2 s of CPU at every start of
 * Valgrind (a third of the race check of a reference solution), for line
 * numbers inside glibc that no report shows.  Helgrind cannot do without glibc's
 * symbols (it stops on an internal assertion when they are gone), but it
 * does without the DWARF.  So the grader makes, once, a copy of that folder
 * in its cache with `objcopy --strip-debug` applied to every file (symbol
 * tables kept, DWARF dropped), and the race check binds the copy over the
 * original inside the run's own mount namespace (sandbox.h).
 *
 * From the C library's own file the copy drops most local symbols too.
 * At every start Valgrind matches each function it replaces (malloc,
 * pthread_mutex_lock, strlen ...) against every function symbol of the
 * C library, nearly 7,000, of which 4,000 are local: a quarter of
 * Helgrind's start.  The copy keeps every global and weak symbol, the
 * local variants of the string functions (__strlen_evex ...), and every
 * local that a suppression names (a "fun:" line of Valgrind's
 * default.supp or of the kit's suppressions, wildcards included): a
 * suppression that matches glibc's frames by name still matches them.
 * Other local functions of glibc show as "???" in Valgrind's own
 * output, which no report quotes (reports show the student's frames).
 * Where Valgrind's default.supp is not where Debian and Ubuntu put it,
 * the copy keeps every local symbol.
 *
 * The verdict does not depend on it: grader/helgrind.supp matches glibc's
 * frames with and without the DWARF (inlined functions are frames of
 * their own only with it), and where the copy cannot be used (no cache,
 * no mount namespace) Valgrind reads the original, more slowly.
 */
#ifndef RACECOURSE_DEBUG_SYMBOLS_H
#define RACECOURSE_DEBUG_SYMBOLS_H

/* Where Valgrind finds separate debugging information, by build ID. */
#define SYSTEM_DEBUG_DIR "/usr/lib/debug/.build-id"

/*
 * The copy for the debugging information installed now, made first when
 * need be: "<cache_dir>/debug-symbols-<hash>", where the hash covers the
 * name, size and change time of every file copied and of the two
 * suppression files, so that an update of libc6-dbg or of a suppression
 * gets a copy of its own.  `suppressions` is the kit's
 * (grader/helgrind.supp), or NULL.  Safe to call from several threads
 * and processes at once (the copy is made under a temporary name, then
 * renamed).
 *
 * Returns the folder (free it), or NULL when there is nothing to copy
 * (SYSTEM_DEBUG_DIR is absent or empty), `cache_dir` is NULL, or the copy
 * could not be made (objcopy failed or is missing, the disk is full).
 */
char *debug_symbols_dir(const char *cache_dir, const char *suppressions);

#endif
