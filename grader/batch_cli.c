/* batch_cli.c - the `grade batch` command line; see batch.h. */
#define _GNU_SOURCE
#include "batch.h"
#include "manifest.h"
#include "similarity.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_USAGE = 2 };

static void usage(FILE *out)
{
    fprintf(out,
        "usage: grade batch DIR [options] [SLUG...]\n"
        "Grades every submission under DIR (each folder that has an exercises/ folder,\n"
        "named after its student) with the hidden tests, into a gradebook:\n"
        "OUT/grades.csv, OUT/summary.md, and OUT/reports/<id>.json and <id>.md.\n"
        "A second run grades only what changed; an interrupted run resumes.  Grading\n"
        "some exercises or some students merges into the gradebook: nothing earlier\n"
        "runs wrote is dropped.\n\n"
        "  --out DIR          the gradebook's folder (default: DIR-grades, next to DIR)\n"
        "  --jobs N           submissions graded side by side (default: 1)\n"
        "  --exercise-jobs N  exercises in flight per job: N times --jobs in all\n"
        "                     (default: 2)\n"
        "  --time-limit S     seconds one submission may take: after that, its exercises\n"
        "                     not started yet score 0, \"timed out\" (default: %g)\n"
        "  --student ID       grade only this submission (repeatable); the others keep\n"
        "                     their rows and reports\n"
        "  --regrade          grade every submission again, changed or not\n"
        "  --similarity P     the summary names pairs of files alike at P %% or more, by\n"
        "                     sim_c (default: %d; 0: no comparison)\n"
        "  --deadline WHEN    grade each git submission at its last commit before WHEN\n"
        "                     (\"2025-05-01 23:59\"); the commit goes in the CSV\n"
        "  --grace WHEN       with --deadline: grade the last commit before WHEN instead,\n"
        "                     --late-penalty P percent off for each day after the deadline\n"
        "  --roster FILE      repository,student,name lines: also write OUT/canvas.csv and\n"
        "                     OUT/moodle.csv, grade imports for Canvas and Moodle\n"
        "  --overrides FILE   the instructor's changes to grades: id,exercise,points,reason\n"
        "                     (default: OUT/overrides.csv, when it exists)\n"
        "  --tests DIR        hidden tests and race drivers (default: KIT/tests)\n"
        "  --kit DIR          the kit: manifest, headers, harness (default: the\n"
        "                     folder above this program's build/)\n"
        "  --test-jobs N      tests run at once inside one exercise (default: 2)\n"
        "  --no-race          skip the race check (its points leave the maximum)\n"
        "  --repeat N         run tests and race check N times; a test passes only\n"
        "                     if it passes every time (default: 1)\n"
        "  --time-scale X     multiply timeouts and test time units (slow machines)\n"
        "  --quiet            no progress and no line per submission\n"
        "  --show-hidden-messages\n"
        "                     the reports for students quote hidden tests' messages\n"
        "                     (default: name, points and hint only)\n\n"
        "Exit status: 0 every submission graded with full marks, 1 something less (or a\n"
        "submission not graded), 2 usage or setup error.  See docs/batch.md.\n",
        BATCH_TIME_LIMIT_S, SIMILARITY_THRESHOLD);
}

static bool parse_real(const char *text, double low, double high, double *out)
{
    char *end;
    double value = strtod(text, &end);

    if (end == text || *end || !(value >= low && value <= high))
        return false;
    *out = value;
    return true;
}

/* Fills `o` from the command line; -1 after saying what is wrong. */
static int parse_args(int argc, char **argv, batch_options *o, const char **kit,
                      char ***slugs, size_t *n_slugs, const char ***students)
{
    enum { OPT_OUT = 1000, OPT_STUDENT, OPT_JOBS, OPT_EXERCISE_JOBS, OPT_LIMIT, OPT_REGRADE, OPT_TESTS,
           OPT_KIT, OPT_TEST_JOBS, OPT_NO_RACE, OPT_REPEAT, OPT_SCALE, OPT_QUIET, OPT_HELP,
           OPT_SHOW_HIDDEN, OPT_OVERRIDES, OPT_SIMILARITY, OPT_ROSTER, OPT_DEADLINE,
           OPT_GRACE, OPT_LATE_PENALTY };
    static const struct option options[] = {
        { "out", required_argument, NULL, OPT_OUT },
        { "student", required_argument, NULL, OPT_STUDENT },
        { "jobs", required_argument, NULL, OPT_JOBS },
        { "exercise-jobs", required_argument, NULL, OPT_EXERCISE_JOBS },
        { "time-limit", required_argument, NULL, OPT_LIMIT },
        { "regrade", no_argument, NULL, OPT_REGRADE },
        { "tests", required_argument, NULL, OPT_TESTS },
        { "kit", required_argument, NULL, OPT_KIT },
        { "test-jobs", required_argument, NULL, OPT_TEST_JOBS },
        { "no-race", no_argument, NULL, OPT_NO_RACE },
        { "repeat", required_argument, NULL, OPT_REPEAT },
        { "time-scale", required_argument, NULL, OPT_SCALE },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "show-hidden-messages", no_argument, NULL, OPT_SHOW_HIDDEN },
        { "overrides", required_argument, NULL, OPT_OVERRIDES },
        { "similarity", required_argument, NULL, OPT_SIMILARITY },
        { "roster", required_argument, NULL, OPT_ROSTER },
        { "deadline", required_argument, NULL, OPT_DEADLINE },
        { "grace", required_argument, NULL, OPT_GRACE },
        { "late-penalty", required_argument, NULL, OPT_LATE_PENALTY },
        { "help", no_argument, NULL, OPT_HELP },
        { 0 },
    };
    const char *bad = NULL;
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case OPT_OUT:       o->out_dir = optarg; break;
        case OPT_STUDENT:
            *students = xrealloc(*students, (o->n_students + 1) * sizeof **students);
            (*students)[o->n_students++] = optarg;
            o->students = *students;
            break;
        case OPT_REGRADE:   o->regrade = true; break;
        case OPT_TESTS:     o->grade.tests_dir = optarg; break;
        case OPT_KIT:       *kit = optarg; break;
        case OPT_NO_RACE:   o->grade.race = false; break;
        case OPT_QUIET:     o->quiet = true; break;
        case OPT_SHOW_HIDDEN: o->show_hidden_messages = true; break;
        case OPT_OVERRIDES: o->overrides = optarg; break;
        case OPT_ROSTER:    o->roster = optarg; break;
        case OPT_DEADLINE:  o->deadline = optarg; break;
        case OPT_GRACE:     o->grace = optarg; break;
        case OPT_LATE_PENALTY:
            if (!parse_count(optarg, 0, 100, &o->late_penalty))
                bad = "--late-penalty takes a percentage per day, from 0 to 100";
            break;
        case OPT_SIMILARITY:
            if (!parse_count(optarg, 0, 100, &o->similarity))
                bad = "--similarity takes a percentage from 0 (no comparison) to 100";
            break;
        case OPT_HELP:      usage(stdout); exit(0);
        case OPT_JOBS:
            if (!parse_count(optarg, 1, 64, &o->jobs))
                bad = "--jobs takes a number from 1 to 64";
            break;
        case OPT_EXERCISE_JOBS:
            if (!parse_count(optarg, 1, 64, &o->exercise_jobs))
                bad = "--exercise-jobs takes a number from 1 to 64";
            break;
        case OPT_TEST_JOBS:
            if (!parse_count(optarg, 1, 64, &o->grade.test_jobs))
                bad = "--test-jobs takes a number from 1 to 64";
            break;
        case OPT_REPEAT:
            if (!parse_count(optarg, 1, 100, &o->grade.repeat))
                bad = "--repeat takes a number from 1 to 100";
            break;
        case OPT_LIMIT:
            if (!parse_real(optarg, 0.001, 7 * 86400, &o->time_limit_s))
                bad = "--time-limit takes seconds, more than 0 and at most a week";
            break;
        case OPT_SCALE:
            if (!parse_real(optarg, 0.1, 100, &o->grade.time_scale))
                bad = "--time-scale takes a number from 0.1 to 100";
            break;
        default:
            bad = "try 'grade batch --help'";
            break;
        }
        if (bad) {
            fprintf(stderr, "grade batch: %s\n", bad);
            return -1;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "grade batch: which folder? usage: grade batch DIR [options] "
                "[SLUG...]\n");
        return -1;
    }
    if (o->grace && !o->deadline) {
        fprintf(stderr, "grade batch: --grace needs --deadline\n");
        return -1;
    }
    o->class_dir = argv[optind];
    *slugs = argv + optind + 1;
    *n_slugs = (size_t)(argc - optind - 1);
    return 0;
}

/* The exercises to grade, in manifest order; NULL after saying which name is unknown. */
static const manifest_exercise **choose(const manifest *m, char **slugs, size_t n_slugs,
                                        size_t *n)
{
    const manifest_exercise **chosen = xcalloc(m->n_exercises, sizeof *chosen);

    *n = 0;
    for (size_t k = 0; k < n_slugs; k++) {
        if (!manifest_find(m, slugs[k])) {
            fprintf(stderr, "grade batch: unknown exercise \"%s\" (see manifest.ini)\n",
                    slugs[k]);
            free(chosen);
            return NULL;
        }
    }
    for (size_t i = 0; i < m->n_exercises; i++) {
        bool wanted = n_slugs == 0;

        for (size_t k = 0; k < n_slugs && !wanted; k++)
            wanted = !strcmp(slugs[k], m->exercises[i].slug);
        if (wanted)
            chosen[(*n)++] = &m->exercises[i];
    }
    return chosen;
}

/* DIR-grades, next to DIR ("class/" gives "class-grades"). */
static char *default_out_dir(const char *class_dir)
{
    char *real = realpath(class_dir, NULL);
    char *out;

    if (!real)
        return NULL;
    out = xasprintf("%s-grades", strcmp(real, "/") ? real : "");
    free(real);
    return out;
}

int batch_main(int argc, char **argv, const char *default_kit_dir)
{
    batch_options o = {
        .grade = { .jobs = 1, .test_jobs = 2, .race = true, .tests = true, .repeat = 1,
                   .time_scale = 1.0 },
        .jobs = 1, .exercise_jobs = 2, .time_limit_s = BATCH_TIME_LIMIT_S,
        .similarity = SIMILARITY_THRESHOLD,
    };
    const manifest_exercise **exercises = NULL;
    const char **students = NULL;
    const char *kit = default_kit_dir;
    char *manifest_path, *tests_dir = NULL, *out_dir = NULL, *error = NULL, **slugs;
    size_t n_slugs;
    manifest m;
    int status;

    if (parse_args(argc, argv, &o, &kit, &slugs, &n_slugs, &students) != 0) {
        free(students);
        return EXIT_USAGE;
    }
    manifest_path = xasprintf("%s/manifest.ini", kit);
    status = manifest_load(manifest_path, &m, &error);
    free(manifest_path);
    if (status) {
        fprintf(stderr, "grade batch: %s\n", error);
        free(error);
        free(students);
        return EXIT_USAGE;
    }
    exercises = choose(&m, slugs, n_slugs, &o.n_exercises);
    if (!exercises) {
        manifest_free(&m);
        free(students);
        return EXIT_USAGE;
    }
    o.exercises = exercises;
    o.grade.manifest = &m;
    o.grade.kit_dir = kit;
    if (!o.grade.tests_dir)
        o.grade.tests_dir = tests_dir = xasprintf("%s/tests", kit);
    if (!o.out_dir && !(o.out_dir = out_dir = default_out_dir(o.class_dir))) {
        fprintf(stderr, "grade batch: no class folder \"%s\": %s\n", o.class_dir,
                strerror(errno));
        status = EXIT_USAGE;
    } else {
        status = batch_run(&o, &error);
        if (error)
            fprintf(stderr, "grade batch: %s\n", error);
    }
    free(error);
    free(out_dir);
    free(tests_dir);
    free(exercises);
    free(students);
    manifest_free(&m);
    return status;
}
