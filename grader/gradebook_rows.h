/*
 * gradebook_rows.h - what gradebook.c (reports, grades.csv),
 * gradebook_summary.c (summary.md) and gradebook_export.c (LMS imports)
 * share: a submission's row as read back from its report, and the helpers
 * that read it (gradebook_rows.c).  Internal to the gradebook; see
 * gradebook.h.  gradebook.c makes the rows and hands them to the others;
 * none of them calls back into gradebook.c.
 */
#ifndef RACECOURSE_GRADEBOOK_ROWS_H
#define RACECOURSE_GRADEBOOK_ROWS_H

#include "gradebook.h"

#include "util.h"

#include <cjson/cJSON.h>

/* One exercise of one submission. */
typedef struct gb_exercise {
    const cJSON *json;          /* its object in the report; NULL when absent */
    int score, max_score;       /* score: after the instructor's overrides */
    int computed;               /* the score the grader computed */
    enum gb_status status;
} gb_exercise;

/* One submission: one line of the CSV. */
typedef struct gb_row {
    const char *id;
    cJSON *report;              /* the whole report; NULL: not graded */
    int total, max_total;
    enum gb_status status;      /* GB_S_NOT_GRADED without a report */
    gb_exercise *ex;            /* one per graded exercise, in column order */
    const gradebook_entry *entry;
    char *overridden;           /* for the CSV's notes: "joinall: 80 -> 85 by ... (reason)" */
    char *told;                 /* for the Markdown report: a list item per override */
} gb_row;

/* Reading a report: the member `key` of an object, its string, its integer
   (NULL, NULL and 0 when it is absent or of another type). */
const cJSON *gb_member(const cJSON *object, const char *key);
const char *gb_string(const cJSON *object, const char *key);
int gb_int(const cJSON *object, const char *key);

/* Adds `text` to `sb` as one CSV field (RFC 4180 quoting, valid UTF-8). */
void gb_csv_field(strbuf *sb, const char *text);

/* Orders rows by id (strcmp), for qsort() and bsearch() of gb_row. */
int gb_row_by_id(const void *a, const void *b);

/* The row of `id` in rows (sorted by id), or NULL. */
const gb_row *gb_find_row(const gb_row *rows, size_t n, const char *id);

#endif
