/*
 * explore.h - `grade explore`: a pthread program run under the kit's
 * controlled scheduler (scheduler/, docs/explore.md).
 *
 *   grade explore [--schedules N] [--seed S] [--strategy random|pct]
 *                 [--depth D] [--replay SEED] [--json FILE] FILE.c... [-- ARGS...]
 *
 * The files are copied into a private work directory and compiled with
 * every .c file of the kit's scheduler/, with `-Wl,--wrap=SYMBOL` for each line of
 * scheduler/wrapped-calls.txt (assert enabled).  The program then runs
 * ONCE, contained like student code (sandbox.h): the runtime inside it
 * is a fork server that runs the N schedules, each in a fresh child, and
 * writes one JSON report (sched-contract) that explore_report.h reads
 * and prints.  --replay runs one schedule again with its whole trace.
 */
#ifndef RACECOURSE_EXPLORE_H
#define RACECOURSE_EXPLORE_H

/* Schedules run by default, and the first seed when none is given. */
#define EXPLORE_SCHEDULES 1000
#define EXPLORE_SEED 0x5eed0000ull

/* Real seconds the whole run (every schedule) may take. */
#define EXPLORE_WALL_S 600.0

/*
 * The command: argv[0] is "explore".  Builds and runs the program, prints
 * the outcome for people on stdout (errors on stderr) and, with --json, the
 * JSON docs/explore.md describes.  Returns the exit status: 0 when every
 * schedule passed, 1 when one failed, 2 for a usage or build error, a missing
 * runtime (KIT/scheduler) or a run that produced no report.
 */
int explore_main(int argc, char **argv, const char *kit_dir);

#endif
