/*
 * output_json.h - the grader's JSON report as a cJSON tree, for a caller
 * that adds to it before printing (batch_grade.c adds its stamp).
 * output_json() (output.h) prints the same tree.
 */
#ifndef RACECOURSE_OUTPUT_JSON_H
#define RACECOURSE_OUTPUT_JSON_H

#include "output.h"

#include <cjson/cJSON.h>

/*
 * The report of `result` (docs/json-format.md), as output_json() prints
 * it: free it with cJSON_Delete().  NULL when cJSON ran out of memory.
 */
cJSON *output_json_tree(const grade_result *result, const output_context *context);

#endif
