/*
 * deadline.h - grading each submission as it was at a deadline
 * (`grade batch --deadline WHEN`, docs/batch.md "Deadlines").
 *
 * A submission that is a git repository is graded at the last commit of
 * its current branch (first parents) whose commit date is at or before
 * WHEN: its exercise files are taken from that commit into a snapshot
 * folder, and the commit is recorded in the report's stamp and in the
 * CSV.  git runs only plumbing that starts no configured program
 * (rev-list, cat-file), with the repository's hooks and fsmonitor off
 * and no system or global configuration.
 *
 * Commit dates are written by whoever commits: `git commit --date` or
 * GIT_COMMITTER_DATE forge them, and a push can come after the deadline
 * with older dates.  What GitHub records itself, and a student cannot
 * set, is when a push arrived: the repository's events (the API's
 * /repos/OWNER/REPO/events, "PushEvent" with created_at; kept 90 days) and
 * the time of the Actions runs a push triggered.  For a dispute, compare
 * those with the commit graded.
 */
#ifndef RACECOURSE_DEADLINE_H
#define RACECOURSE_DEADLINE_H

#include "manifest.h"

#include <stddef.h>

/*
 * Makes `snapshot` (a folder, created) hold exercises/<slug>/<slug>.c of
 * each exercise as they were in `repo` at the last commit before `when`
 * (any date git understands: "2025-05-01 23:59", ISO 8601, ...).  An
 * exercise absent at that commit is absent from the snapshot (graded as
 * missing).  Sets *commit (malloc'd): the full hash, or "" when `repo`
 * has no commit before `when`.  Returns 0; ENOTDIR when `repo` is not a
 * git repository; or an errno value with *error (malloc'd) when git could
 * not be run or the snapshot not written.
 */
int deadline_snapshot(const char *repo, const char *when,
                      const manifest_exercise *const *exercises, size_t n,
                      const char *snapshot, char **commit, char **error);

/*
 * Whole days (started) by which `commit` of `repo` is later than
 * `deadline`, by its committer date and git's reading of `deadline`: 0
 * when on time, -1 when git cannot say.
 */
int deadline_days_late(const char *repo, const char *commit, const char *deadline);

#endif
