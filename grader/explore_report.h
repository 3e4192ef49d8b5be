/*
 * explore_report.h - the runtime's report of an explore run, for people
 * and as the JSON docs/explore.md describes.
 *
 * The report is the JSON object the runtime writes at RC_SCHED_REPORT
 * (docs: /work/notes/sched-contract.md, mirrored in docs/explore.md):
 * strategy, depth, schedules_run and a failure (null, or kind, seed,
 * schedule, message, output, steps, time, threads[], trace[]).  It comes
 * from the program's process, so every field is checked before use.
 */
#ifndef RACECOURSE_EXPLORE_REPORT_H
#define RACECOURSE_EXPLORE_REPORT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

/* What the report is printed with: the command, to say how to replay. */
typedef struct explore_context {
    const char *program;        /* the files as given, space-separated */
    const char *replay_command; /* without the seed: "build/grade explore" */
    const char *replay_args;    /* after the seed: "[--strategy ...] FILE.c [-- ARGS]" */
    bool replay;                /* this run was a --replay: the whole trace */
} explore_context;

/*
 * Parses the report text.  Returns the object, or NULL when the text is
 * not a JSON object with a number "schedules_run" and a "failure" that is
 * null or an object with a string "kind".
 */
cJSON *explore_report_parse(const char *text);

/* The failure object of a parsed report, or NULL when every schedule passed. */
const cJSON *explore_report_failure(const cJSON *report);

/* Prints the outcome for a student to `out`. */
void explore_report_print(const cJSON *report, const explore_context *ctx, FILE *out);

/*
 * Writes the JSON of docs/explore.md (program, strategy, schedules_run,
 * failure{kind, seed, schedule, message, trace[], and the report's other
 * fields}) to `path`.  Returns 0 or an errno value.
 */
int explore_report_write_json(const cJSON *report, const explore_context *ctx,
                              const char *path);

#endif
