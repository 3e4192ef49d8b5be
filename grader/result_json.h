/*
 * result_json.h - an exercise's result read back from the grader's JSON
 * report (docs/json-format.md), the inverse of output_json.c.
 *
 * Batch grading keeps each submission's grades in its JSON report; a run
 * that grades some exercises again reads the others back from there, so
 * that the reports it writes still hold every exercise (batch_grade.c).
 */
#ifndef RACECOURSE_RESULT_JSON_H
#define RACECOURSE_RESULT_JSON_H

#include "result.h"

#include <cjson/cJSON.h>

/*
 * Fills *out from one object of a report's "exercises" array.  Unknown
 * status words read as the worst of their kind (a test "failed", a build
 * "failed", a race check "crashed"); missing strings read as "".  Returns
 * 0, or EINVAL when `json` is not an exercise object (no slug); on EINVAL
 * *out holds nothing to free.  Free *out with exercise_result_free().
 */
int exercise_result_from_json(const cJSON *json, exercise_result *out);

#endif
