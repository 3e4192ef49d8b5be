/*
 * output.h - the report formats, one file each, behind one registry.
 *
 * Every format prints a grade_result; main.c picks them by option
 * (--json FILE, ...) and the terminal report always goes to stdout.
 */
#ifndef RACECOURSE_OUTPUT_H
#define RACECOURSE_OUTPUT_H

#include "manifest.h"
#include "result.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct output_context {
    const manifest *manifest;
    bool color;                 /* ANSI colours (terminal report only) */
} output_context;

/* Writes `result` to `out`; returns 0 or an errno value (EIO on a write error). */
typedef int (*output_writer)(const grade_result *result, const output_context *context,
                             FILE *out);

typedef struct output_format {
    const char *name;           /* the option that asks for it: --<name> FILE */
    const char *description;    /* one line, for --help */
    output_writer write;
} output_format;

/* The registry: terminated by an entry whose name is NULL. */
extern const output_format output_formats[];

/* The format called `name`, or NULL. */
const output_format *output_find(const char *name);

int output_text(const grade_result *result, const output_context *context, FILE *out);
int output_json(const grade_result *result, const output_context *context, FILE *out);
int output_summary(const grade_result *result, const output_context *context, FILE *out);

#endif
