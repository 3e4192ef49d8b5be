/*
 * toolchain.h - running the compiler and binutils on a student's file.
 *
 * Compiling is running untrusted input through trusted tools (a file can
 * #include anything it can name), so these runs are contained like any
 * other: in the sandbox, as an unprivileged user when the grader is root, with a time
 * limit.
 */
#ifndef RACECOURSE_TOOLCHAIN_H
#define RACECOURSE_TOOLCHAIN_H

#include <stddef.h>

/* How long one compiler or binutils run may take, in seconds. */
#define TOOL_TIMEOUT_S 60.0

/*
 * Runs argv (argv[0] found in /usr/bin or /bin) in `dir`, as user
 * `run_as` when the grader is root (see sandbox.h), and stores its
 * output (stdout and stderr, up to `max_output` bytes) in *output.
 * Returns the program's exit code, 128 + signal when a signal ended it,
 * or -1 with errno set when it could not be run at all (*output is NULL
 * then).
 */
int tool_run(char *const argv[], const char *dir, unsigned run_as, size_t max_output,
             char **output);

#endif
