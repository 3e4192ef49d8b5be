/*
 * config.c - the RC_SCHED_* environment of a program under the scheduler.
 */
#define _GNU_SOURCE
#include "rc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rc_config rc_cfg;

/* Reads unsigned `name` into *out (default kept when unset); -1 when bad. */
static int read_number(const char *name, unsigned long long *out, unsigned long long min)
{
    const char *text = getenv(name);
    char *end;
    unsigned long long value;

    if (!text || !*text)
        return 0;
    errno = 0;
    value = strtoull(text, &end, 0);
    if (errno || *end || value < min || text[0] == '-') {
        if (min > 0)
            fprintf(stderr, "scheduler: %s=\"%s\": want a number, at least %llu\n", name,
                    text, min);
        else
            fprintf(stderr, "scheduler: %s=\"%s\": want a number (decimal or 0x hex)\n",
                    name, text);
        return -1;
    }
    *out = value;
    return 0;
}

/* Reads a choice of two words; -1 when neither. */
static int read_choice(const char *name, const char *no, const char *yes, bool *out)
{
    const char *text = getenv(name);

    if (!text || !*text)
        return 0;
    if (strcmp(text, no) == 0 || strcmp(text, yes) == 0) {
        *out = strcmp(text, yes) == 0;
        return 0;
    }
    fprintf(stderr, "scheduler: %s=\"%s\": use %s or %s\n", name, text, no, yes);
    return -1;
}

int rc_config_read(void)
{
    unsigned long long seed = 0x5eed0000ull, runs = 1, depth = 3, steps = 100000;
    unsigned long long max_time = 3600, wall = 10, polls = 1000;
    const char *report = getenv("RC_SCHED_REPORT");

    if (read_number("RC_SCHED_SEED", &seed, 0) || read_number("RC_SCHED_RUNS", &runs, 1) ||
        read_number("RC_SCHED_DEPTH", &depth, 1) ||
        read_number("RC_SCHED_MAX_STEPS", &steps, 1) ||
        read_number("RC_SCHED_MAX_TIME", &max_time, 1) ||
        read_number("RC_SCHED_WALL_S", &wall, 1) || read_number("RC_SCHED_MAX_POLLS", &polls, 1))
        return -1;
    rc_cfg.inprocess = true;
    if (read_choice("RC_SCHED_INPROCESS", "0", "1", &rc_cfg.inprocess) ||
        read_choice("RC_SCHED_STRATEGY", "random", "pct", &rc_cfg.pct) ||
        read_choice("RC_SCHED_TRACE", "tail", "all", &rc_cfg.trace_all))
        return -1;
    if (depth > 8) {
        fprintf(stderr, "scheduler: RC_SCHED_DEPTH=%llu: at most 8\n", depth);
        return -1;
    }
    rc_cfg.seed = seed;
    rc_cfg.runs = runs;
    rc_cfg.depth = (int)depth;
    rc_cfg.max_steps = steps;
    rc_cfg.max_time = max_time > 1000000000ull ? INT64_MAX / 2 : (int64_t)max_time * 1000000000;
    rc_cfg.wall_s = (double)wall;
    rc_cfg.max_polls = polls;
    rc_cfg.report = report && *report ? report : NULL;
    return 0;
}
