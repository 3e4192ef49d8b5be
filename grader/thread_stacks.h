/*
 * thread_stacks.h - where each thread of a hung test was, just before its
 * timeout.
 *
 * While a test binary runs, a watcher looks at its test processes (the
 * binary's processes whose parent is the binary too: Criterion's runner
 * forks and execs one per test).  A test process still alive
 * `stack_at_s` seconds after it started gets `gdb -batch -p PID -ex
 * "thread apply all bt"` once, before the runner's timeout kills it; the
 * stacks are then cut down to the frames in the student's file and the
 * test's file, one short block per thread, and kept under the test's name
 * (found from its Criterion function, SUITE_NAME_impl, on a stack).
 *
 * Where gdb is missing or may not attach (ptrace restrictions), nothing is
 * kept: the caller says the test timed out, without stacks.
 */
#ifndef RACECOURSE_THREAD_STACKS_H
#define RACECOURSE_THREAD_STACKS_H

#include "manifest.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct stack_watch stack_watch;

/*
 * Starts watching the processes of `binary`; `files` are the base names
 * of the student's file and the test file.  Returns NULL when the watcher
 * could not start (no memory is not an error: xmalloc aborts).
 */
stack_watch *stack_watch_start(const char *binary, double stack_at_s,
                               const manifest_test *tests, size_t n_tests,
                               const char *student_file, const char *test_file);

/*
 * Stops the watcher and returns the stacks taken, one per test in the
 * order of `tests` (NULL where none was taken); the caller frees the
 * array and its strings.  Accepts NULL (returns NULL).
 */
char **stack_watch_stop(stack_watch *w);

/*
 * gdb's "thread apply all bt" output cut down to the frames whose file is
 * `student_file` or `test_file`, one block per thread:
 *
 *   thread 2: bq_get (bounded_queue.c:94)
 *             <- consumer (public_tests.c:40)
 *
 * The test's own function (SUITE_NAME_impl) is called "the test".  Without
 * `test_frames` only the student's frames are shown (hidden tests: their
 * source is not quoted, not even by line).  NULL when no thread has such a
 * frame.  *test_fn is set to the first Criterion test function seen
 * (malloc'd "SUITE_NAME_impl"), or NULL.
 */
char *thread_stacks_summary(const char *gdb_output, const char *student_file,
                            const char *test_file, bool test_frames, char **test_fn);

#endif
