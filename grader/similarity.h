/*
 * similarity.h - which students handed in the same or nearly the same
 * file: a section of the class summary (docs/batch.md, "Similar files").
 *
 * The comparison is Dick Grune's similarity tester for C, `sim_c` (the
 * Debian package similarity-tester, made for this): it compares token
 * streams, so renamed variables, other layout and other comments do not
 * hide a copy.  Before it runs, every line that is also a line of the
 * course's stub (the includes, the function heads, `errno = ENOSYS;`) is
 * blanked, so the stub's own text never makes two students alike; the
 * files not attempted (the stub untouched) are left out.  sim_c runs on
 * copies, contained like the compiler (toolchain.h).
 *
 * What it finds is evidence for a person to look at, not a verdict: two
 * good solutions of a small exercise can be alike, and a shared file can
 * have a legitimate reason.
 */
#ifndef RACECOURSE_SIMILARITY_H
#define RACECOURSE_SIMILARITY_H

#include <stddef.h>

/* One student's file of one exercise. */
typedef struct similarity_file {
    const char *id;             /* the student */
    const char *path;           /* their exercises/<slug>/<slug>.c */
} similarity_file;

/* The sim_c program, and the default percentage that makes a pair worth showing. */
#define SIMILARITY_TOOL "sim_c"
#define SIMILARITY_THRESHOLD 80

/*
 * Compares the files of exercise `slug` (with the stub at `stub`) and
 * appends to `out` (a Markdown list, possibly empty) each pair of students
 * whose files share at least `threshold` percent of their material, in
 * either direction, most similar first, with the line ranges sim_c
 * matched.  `work_dir` is an empty folder that the sandbox's user can
 * read (mode 0755), which it fills and empties again.
 * Returns 0, or ENOENT when sim_c is not installed, or the errno of a
 * failed run.
 */
int similarity_compare(const char *slug, const char *stub, const similarity_file *files,
                       size_t n, int threshold, const char *work_dir, char **out);

#endif
