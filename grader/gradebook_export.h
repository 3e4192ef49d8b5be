/*
 * gradebook_export.h - the gradebook as LMS grade imports (docs/batch.md,
 * "Exports"): Canvas and Moodle, through a roster.
 *
 * The roster (`grade batch --roster FILE`) maps each repository (the
 * submission's folder name, the CSV's id) to the student's identifier in
 * the LMS, with a header row:
 *
 *   repository,student,name
 *   hw1-erin,erin.m@uni.example,Erin Martin
 *
 * With it, the batch writes next to grades.csv:
 *
 *   canvas.csv   Canvas's gradebook import: Student, ID, SIS User ID,
 *                SIS Login ID, Section, then one column for the total;
 *                the second row is "Points Possible" (the maximum); the
 *                roster's student goes in SIS Login ID.
 *   moodle.csv   for Moodle's "CSV file" grade import: the identifier
 *                (map it to username, ID number or email on import),
 *                the name, the total and one column per exercise, the
 *                maximum in each column's title.
 *
 * Every roster line gets a row, in roster order; a student with no
 * submission (or no grade yet) gets an empty grade, for you to decide, and
 * a submission that the roster does not name is said on `warnings`.
 * Grades are the final ones, overrides included.
 */
#ifndef RACECOURSE_GRADEBOOK_EXPORT_H
#define RACECOURSE_GRADEBOOK_EXPORT_H

#include "gradebook_rows.h"

#include <stdio.h>

/*
 * Writes canvas.csv and moodle.csv into `dir` (each atomically) for the
 * rows (sorted by id).  Returns 0, or an errno value with *error (malloc'd)
 * when the roster cannot be read or a file cannot be written.
 */
int gradebook_export(const gradebook_request *req, const gb_row *rows, size_t n,
                     const char *roster_path, const char *dir, FILE *warnings, char **error);

#endif
