/*
 * gradebook_overrides.h - the instructor's changes on top of the computed
 * grades (docs/batch.md, "Overrides").
 *
 * OUT/overrides.csv (or `grade batch --overrides FILE`), RFC 4180 with a
 * header row:
 *
 *   id,exercise,points,reason
 *   hw1-erin,joinall,+5,regrade request: the deadline test was flaky
 *   hw1-bob,pingpong,80,a one-character compile error, fixed by hand
 *
 * `points` is a new score ("80") or a change ("+5", "-3"); the result is
 * kept between 0 and the exercise's maximum.  The gradebook applies them
 * after reading the reports: grades.csv shows the final scores with the
 * change and its reason in the notes, the summary counts the final
 * scores, and the student's Markdown report gets a section "Changes by
 * your instructor" (rewritten on every run, so removing a line removes
 * it).  The JSON reports keep what the grader computed.
 */
#ifndef RACECOURSE_GRADEBOOK_OVERRIDES_H
#define RACECOURSE_GRADEBOOK_OVERRIDES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct gb_override {
    char *id;
    char *slug;
    bool delta;                 /* points is a change, not a new score */
    int points;
    char *reason;
    int line;                   /* in the file, for messages */
} gb_override;

/*
 * Reads the overrides at `path` into a malloc'd array.  No file is no
 * override (0).  A line that cannot be read (not 4 fields, points not a
 * whole number) is named on `warnings` and left out.  Returns 0, or the
 * errno of a failed read (with *error, malloc'd).
 */
int gradebook_overrides_load(const char *path, FILE *warnings, gb_override **out, size_t *n,
                             char **error);

void gradebook_overrides_free(gb_override *overrides, size_t n);

/*
 * Splits one CSV record (RFC 4180: quoted fields, doubled quotes) at
 * `*cursor`, advancing it past the record's line end.  Returns the number
 * of fields put in fields[0..max) (malloc'd strings), 0 at the end.
 */
size_t csv_record(const char **cursor, char **fields, size_t max);

#endif
