/*
 * gradebook_summary.h - summary.md, the class summary (docs/batch.md).
 * Internal to the gradebook; see gradebook.h.
 */
#ifndef RACECOURSE_GRADEBOOK_SUMMARY_H
#define RACECOURSE_GRADEBOOK_SUMMARY_H

#include "gradebook_rows.h"

/* summary.md for `rows` (sorted by id), as a malloc'd string. */
char *gradebook_summary(const gradebook_request *request, const gb_row *rows, size_t n);

#endif
