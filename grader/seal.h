/*
 * seal.h - an exercise's programs and kit files, out of the student's reach.
 *
 * The build (build.h) leaves in the exercise's work directory what the
 * grader runs and reads afterwards: the test binary, the race driver, the
 * suppressions, the kit's sources.  Student code runs right next to them,
 * so before the first run the grader seals the directory:
 *
 *   - when the grader is root, every file and the directory itself become
 *     root's and read-only (programs 0555, suppressions 0444, sources and
 *     objects 0400, the directory 0711); when it is not, the same modes,
 *     which the same user could undo: there the sandbox's read-only view
 *     (sandbox_job.sealed_dir, where namespaces work) and the fingerprint
 *     below are what counts;
 *   - the runs work in `scratch/` inside it, the one folder they may write;
 *   - a fingerprint of every file is taken, and compared right after
 *     every run (a change made before a run is still there after it):
 *     a change means the exercise scores 0.
 */
#ifndef RACECOURSE_SEAL_H
#define RACECOURSE_SEAL_H

#include "hash.h"

#include <stdbool.h>

/* The runs' writable folder inside a sealed directory. */
#define SEAL_SCRATCH "scratch"

typedef struct seal {
    char *dir;                  /* the sealed work directory */
    char *scratch;              /* dir/scratch, writable by the runs */
    char fingerprint[HASH64_HEX_LEN + 1];
} seal;

/*
 * Seals `dir` for runs as `run_as` (0: nobody; see sandbox.h) and fills
 * `s` (free with seal_free()).  Returns 0, or the errno of a failed
 * chown, chmod, mkdir or read; `s` then holds nothing to free.
 */
int seal_work_dir(const char *dir, unsigned run_as, seal *s);

/*
 * Whether every file of the sealed directory is as it was sealed (the
 * scratch folder aside).  A file that cannot be read counts as changed.
 */
bool seal_intact(const seal *s);

void seal_free(seal *s);

#endif
