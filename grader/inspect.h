/*
 * inspect.h - refusing student objects that could tamper with grading.
 *
 * A student's file is linked into the test binary, so it could rewrite
 * the tests' results from inside: a constructor that runs before the
 * tests, a Criterion report hook, a function that replaces one of the C
 * library's, a call to open() or write() on the report, a raw system
 * call.  Before anything runs, the compiled object is checked:
 *
 *   - every library symbol it uses is in grader/allowed-calls.txt;
 *   - it has only ordinary sections (code, data, debug information):
 *     no .init_array, .ctors, .fini_array, no Criterion test or hook;
 *   - it contains no system-call instruction;
 *   - it defines no reserved name (main, __*, cr_*, criterion_*, rc_*);
 *
 * and after linking, none of its functions replaces a shared library's.
 * Each refusal says what was found and what to do instead.
 */
#ifndef RACECOURSE_INSPECT_H
#define RACECOURSE_INSPECT_H

/*
 * Checks `object` (a path relative to `dir`, where the tools run, as
 * user `run_as`: see sandbox.h) against
 * the patterns in `allowlist_path` and the names in `also_allowed` (the
 * exercise's own allowance, manifest key `allow`: space-separated names,
 * may be ""). Returns NULL when the object may be
 * linked, or a malloc'd explanation for the student.  When a tool fails
 * or the allowlist cannot be read, returns NULL with *err set to the
 * errno; *err is 0 otherwise.
 */
char *inspect_object(const char *dir, const char *object, const char *allowlist_path,
                     const char *also_allowed, unsigned run_as, int *err);

/*
 * Checks that `object` defines no global function or data called one of
 * `names` (a NULL-terminated list of library functions): the build renames
 * the student's calls of those (see grader/build.c), so a definition of
 * its own would replace a library function.  Returns and sets *err like
 * inspect_object().
 */
char *inspect_defines(const char *dir, const char *object, const char *const *names,
                      unsigned run_as, int *err);

/*
 * Checks that `binary` (linked from `object`, both relative to `dir`)
 * exports no function of the student's to the shared libraries, i.e.
 * that the student's file replaces no library function.  Returns and
 * sets *err like inspect_object().
 */
char *inspect_binary(const char *dir, const char *binary, const char *object, unsigned run_as,
                     int *err);

#endif
