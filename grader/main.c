/*
 * main.c - the grader's command line.
 *
 *   grade [options] [SLUG...]       grade one submission (see --help)
 *   grade batch DIR [options]       grade a class (batch.h)
 *   grade explore [options] FILE.c  run a program under the controlled
 *                                   scheduler (explore.h)
 *   grade --make-vars               the manifest as make variables
 *   grade --print-build PROFILE SLUG
 *                                   how the kit builds one kind of program
 *                                   (build_profiles.h), for the student tools
 *   grade --manifest-get SLUG KEY   one value of the manifest, for scripts
 *                                   (manifest_query.h)
 *
 * Exit status: 0 when every graded exercise got full marks, 1 when
 * something scored less, 2 for a usage or setup error.
 */
#define _GNU_SOURCE
#include "batch.h"
#include "build_profiles.h"
#include "explore.h"
#include "grade.h"
#include "manifest.h"
#include "manifest_check.h"
#include "manifest_query.h"
#include "output.h"
#include "sandbox.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_FULL = 0, EXIT_LESS = 1, EXIT_USAGE = 2 };
#define MAX_FORMATS 16

typedef struct cli {
    grade_options grade;
    char *kit_dir;
    const char *manifest_path;
    const char *format_files[MAX_FORMATS];   /* indexed like output_formats */
    bool make_vars;
    const char *print_build;                 /* --print-build PROFILE */
    bool manifest_get;
    bool check_manifest;
    bool show_hidden;
    bool quiet;
    bool verbose;
} cli;

/*
 * --jobs by default: twice the cores this process may run on (2 to 64).
 * An exercise's grading waits part of the time (process_pool's pipes and
 * real deadlines, the race drivers' pauses): with one exercise a core,
 * the cores stood idle a quarter of the time.  A full submission on this
 * kit's 2-core machine: 5.6 s with two exercises at once, 4.6 s with four
 * (scripts/bench).
 */
static int default_jobs(void)
{
    cpu_set_t cpus;
    long n = -1;

    if (sched_getaffinity(0, sizeof cpus, &cpus) == 0)
        n = CPU_COUNT(&cpus);
    if (n < 1)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    return n > 32 ? 64 : 2 * (int)n;
}

static void usage(FILE *out)
{
    fprintf(out,
        "usage: grade [options] [SLUG...]\n"
        "       grade batch DIR [options] [SLUG...]   (a class: grade batch --help)\n"
        "       grade explore [options] FILE.c...     (one program's interleavings:\n"
        "                                             grade explore --help)\n"
        "Grades a submission: builds each exercise against the kit's tests, runs\n"
        "them and the Helgrind race check, and prints the score.\n\n"
        "  --submission DIR   the student's repository (default: .)\n"
        "  --tests DIR        hidden tests and race drivers (default: KIT/tests)\n"
        "  --kit DIR          the kit: manifest, headers, harness (default: the\n"
        "                     folder above this program's build/)\n"
        "  --jobs N           exercises graded at once (default: twice the\n"
        "                     number of cores, here %d)\n"
        "  --test-jobs N      tests run at once inside one exercise (default: 2)\n"
        "  --no-race          skip the race check (its points leave the maximum)\n"
        "  --race-only        run the race check alone (no tests)\n"
        "  --public           use the public tests even where hidden ones exist\n"
        "  --verbose          list the tests that passed too\n"
        "  --repeat N         run tests and race check N times; a test passes only\n"
        "                     if it passes every time (default: 1)\n"
        "  --time-scale X     multiply timeouts and test time units (slow machines)\n"
        "  --keep             keep the work directories (for debugging)\n"
        "  --test NAME        run this one test of the one exercise named\n"
        "  --output-dir DIR   keep a failing test's whole printing in DIR/SLUG/TEST.txt\n"
        "                     (the report shows its first and last 20 lines)\n"
        "  --stacks           on a test about to time out, show where each thread\n"
        "                     was (gdb, before the kill)\n"
        "  --quiet            no terminal report\n"
        "  --make-vars        print the manifest as make variables and exit\n"
        "  --manifest-get SLUG KEY\n"
        "                     print one value of the manifest (SLUG racecourse: the\n"
        "                     kit's own keys) and exit\n"
        "  --check-manifest   check manifest.ini against the kit's files and tests, quickly\n"
        "  --show-hidden-messages\n"
        "                     students' reports quote hidden tests' messages too\n"
        "  --print-build PROFILE SLUG\n"
        "                     print how the kit builds PROFILE's program for SLUG,\n"
        "                     one \"KEY<tab>VALUE\" a line (docs/grader.md), and exit;\n"
        "                     with --public, the public tests.  The profiles:\n"
        , default_jobs());
    for (const build_profile *p = build_profiles; p->name; p++)
        fprintf(out, "      %-9s %s\n", p->name, p->what);
    fprintf(out, "\n");
    for (const output_format *f = output_formats; f->name; f++)
        fprintf(out, "  --%s FILE%*s%s\n", f->name, (int)(13 - strlen(f->name)), "",
                f->description);
    fprintf(out, "\nExit status: 0 full marks, 1 less than full marks, 2 usage or setup error.\n");
}

/* The kit: the folder above the one this program is in (KIT/build/grade). */
static char *default_kit_dir(void)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);

    if (len <= 0)
        return xstrdup(".");
    exe[len] = '\0';
    return xasprintf("%s/..", dirname(exe));
}

static int parse_args(int argc, char **argv, cli *c)
{
    enum { OPT_SUBMISSION = 1000, OPT_TESTS, OPT_KIT, OPT_JOBS, OPT_TEST_JOBS, OPT_NO_RACE,
           OPT_REPEAT, OPT_SCALE, OPT_KEEP, OPT_QUIET, OPT_MAKE_VARS, OPT_HELP,
           OPT_PUBLIC, OPT_RACE_ONLY, OPT_VERBOSE, OPT_CHECK_MANIFEST, OPT_SHOW_HIDDEN,
           OPT_TEST, OPT_OUTPUT_DIR, OPT_STACKS, OPT_PRINT_BUILD, OPT_MANIFEST_GET, OPT_FORMAT };
    static const struct option named[] = {
        { "submission", required_argument, NULL, OPT_SUBMISSION },
        { "tests", required_argument, NULL, OPT_TESTS },
        { "kit", required_argument, NULL, OPT_KIT },
        { "jobs", required_argument, NULL, OPT_JOBS },
        { "test-jobs", required_argument, NULL, OPT_TEST_JOBS },
        { "no-race", no_argument, NULL, OPT_NO_RACE },
        { "repeat", required_argument, NULL, OPT_REPEAT },
        { "time-scale", required_argument, NULL, OPT_SCALE },
        { "keep", no_argument, NULL, OPT_KEEP },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "make-vars", no_argument, NULL, OPT_MAKE_VARS },
        { "help", no_argument, NULL, OPT_HELP },
        { "public", no_argument, NULL, OPT_PUBLIC },
        { "race-only", no_argument, NULL, OPT_RACE_ONLY },
        { "verbose", no_argument, NULL, OPT_VERBOSE },
        { "check-manifest", no_argument, NULL, OPT_CHECK_MANIFEST },
        { "show-hidden-messages", no_argument, NULL, OPT_SHOW_HIDDEN },
        { "test", required_argument, NULL, OPT_TEST },
        { "output-dir", required_argument, NULL, OPT_OUTPUT_DIR },
        { "stacks", no_argument, NULL, OPT_STACKS },
        { "print-build", required_argument, NULL, OPT_PRINT_BUILD },
        { "manifest-get", no_argument, NULL, OPT_MANIFEST_GET },
    };
    struct option options[sizeof named / sizeof *named + MAX_FORMATS + 1];
    size_t n_options = sizeof named / sizeof *named;
    int opt;

    memcpy(options, named, sizeof named);
    for (size_t f = 0; f < MAX_FORMATS && output_formats[f].name; f++)
        options[n_options++] = (struct option){ output_formats[f].name, required_argument,
                                                NULL, OPT_FORMAT + (int)f };
    options[n_options] = (struct option){ 0 };
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case OPT_SUBMISSION: c->grade.submission_dir = optarg; break;
        case OPT_TESTS:      c->grade.tests_dir = optarg; break;
        case OPT_KIT:        free(c->kit_dir); c->kit_dir = xstrdup(optarg); break;
        case OPT_NO_RACE:    c->grade.race = false; break;
        case OPT_KEEP:       c->grade.keep_work = true; break;
        case OPT_QUIET:      c->quiet = true; break;
        case OPT_MAKE_VARS:  c->make_vars = true; break;
        case OPT_MANIFEST_GET: c->manifest_get = true; break;
        case OPT_HELP:       usage(stdout); exit(EXIT_FULL);
        case OPT_PUBLIC:     c->grade.public_only = true; break;
        case OPT_RACE_ONLY:  c->grade.tests = false; break;
        case OPT_VERBOSE:    c->verbose = true; break;
        case OPT_CHECK_MANIFEST: c->check_manifest = true; break;
        case OPT_SHOW_HIDDEN: c->show_hidden = true; break;
        case OPT_TEST:       c->grade.only_test = optarg; break;
        case OPT_OUTPUT_DIR: c->grade.output_dir = optarg; break;
        case OPT_STACKS:     c->grade.stacks = true; break;
        case OPT_PRINT_BUILD: c->print_build = optarg; break;
        case OPT_JOBS:
            if (!parse_count(optarg, 1, 64, &c->grade.jobs))
                return fprintf(stderr, "grade: --jobs takes a number from 1 to 64\n"), -1;
            break;
        case OPT_TEST_JOBS:
            if (!parse_count(optarg, 1, 64, &c->grade.test_jobs))
                return fprintf(stderr, "grade: --test-jobs takes a number from 1 to 64\n"), -1;
            break;
        case OPT_REPEAT:
            if (!parse_count(optarg, 1, 100, &c->grade.repeat))
                return fprintf(stderr, "grade: --repeat takes a number from 1 to 100\n"), -1;
            break;
        case OPT_SCALE: {
            char *end;

            c->grade.time_scale = strtod(optarg, &end);
            if (end == optarg || *end || !(c->grade.time_scale >= 0.1 &&
                                           c->grade.time_scale <= 100))
                return fprintf(stderr, "grade: --time-scale takes a number from 0.1 to 100\n"), -1;
            break;
        }
        default:
            if (opt >= OPT_FORMAT && opt < OPT_FORMAT + MAX_FORMATS) {
                c->format_files[opt - OPT_FORMAT] = optarg;
                break;
            }
            fprintf(stderr, "grade: try 'grade --help'\n");
            return -1;
        }
    }
    c->grade.slugs = argv + optind;
    c->grade.n_slugs = (size_t)(argc - optind);
    return 0;
}

/*
 * --print-build PROFILE SLUG: the profile's program for one exercise, for
 * the student tools (scripts/student/lib.sh).  An exit status.
 */
static int print_build(const cli *c, const manifest *m)
{
    const build_profile *profile = build_profile_find(c->print_build);
    const manifest_exercise *ex;
    char *kit_dir = realpath(c->grade.kit_dir, NULL);
    char *tests_dir = realpath(c->grade.tests_dir, NULL);
    build_plan plan;
    char *error = NULL;
    int err, status = EXIT_USAGE;

    if (!kit_dir || !tests_dir) {
        fprintf(stderr, "grade: cannot find the kit \"%s\" and its tests \"%s\"\n",
                c->grade.kit_dir, c->grade.tests_dir);
        goto out;
    }
    if (!profile) {
        fprintf(stderr, "grade: unknown build profile \"%s\"; the profiles:", c->print_build);
        for (const build_profile *p = build_profiles; p->name; p++)
            fprintf(stderr, " %s", p->name);
        fprintf(stderr, "\n");
        goto out;
    }
    if (c->grade.n_slugs != 1) {
        fprintf(stderr, "grade: --print-build takes one exercise\n");
        goto out;
    }
    ex = manifest_find(m, c->grade.slugs[0]);
    if (!ex) {
        fprintf(stderr, "grade: unknown exercise \"%s\"\n", c->grade.slugs[0]);
        goto out;
    }
    err = build_plan_make(profile, ex, kit_dir, tests_dir, c->grade.public_only, &plan, &error);
    if (err) {
        fprintf(stderr, "grade: %s\n", error);
        free(error);
        goto out;
    }
    err = build_plan_print(&plan, kit_dir, ex->slug, stdout);
    build_plan_free(&plan);
    if (err)
        fprintf(stderr, "grade: the kit's path holds a tab or a newline: cannot print it\n");
    else
        status = EXIT_FULL;
out:
    free(kit_dir);
    free(tests_dir);
    return status;
}

/* The manifest as make variables, for the Makefile (see manifest.h). */
static void print_make_vars(const manifest *m)
{
    printf("RC_VERSION := %s\nRC_EXERCISES :=", m->version);
    for (size_t i = 0; i < m->n_exercises; i++)
        printf(" %s", m->exercises[i].slug);
    printf("\n");
    for (size_t i = 0; i < m->n_exercises; i++) {
        const manifest_exercise *ex = &m->exercises[i];
        int hidden_points = 0;

        for (size_t t = 0; t < ex->n_hidden; t++)
            hidden_points += ex->hidden_tests[t].points;
        printf("RC_LIBS_%s := %s\n", ex->slug, ex->libs);
        printf("RC_RACE_%s := %s\n", ex->slug, ex->race ? "on" : "off");
        printf("RC_DRIVER_%s := %s\n", ex->slug, manifest_driver(ex));
        printf("RC_SCHEDULES_%s := %d\n", ex->slug, ex->schedules);
        printf("RC_COVERAGE_LINES_%s := %d\n", ex->slug, ex->coverage_lines);
        printf("RC_COVERAGE_BRANCHES_%s := %d\n", ex->slug, ex->coverage_branches);
        printf("RC_HIDDEN_POINTS_%s := %d\n", ex->slug, hidden_points);
        printf("RC_PUBLIC_TESTS_%s :=", ex->slug);
        for (size_t t = 0; t < ex->n_public; t++)
            printf(" %s", ex->public_tests[t].name);
        printf("\nRC_HIDDEN_TESTS_%s :=", ex->slug);
        for (size_t t = 0; t < ex->n_hidden; t++)
            printf(" %s", ex->hidden_tests[t].name);
        printf("\n");
    }
}

/* --manifest-get SLUG KEY (manifest_query.h). */
static int print_manifest_value(const cli *c, const manifest *m)
{
    char *error = NULL;

    if (c->grade.n_slugs != 2) {
        fprintf(stderr, "grade: --manifest-get takes an exercise and a key: "
                "grade --manifest-get SLUG KEY\n");
        return EXIT_USAGE;
    }
    if (manifest_query(m, c->grade.slugs[0], c->grade.slugs[1], stdout, &error) != 0) {
        fprintf(stderr, "grade: %s\n", error);
        free(error);
        return EXIT_USAGE;
    }
    return EXIT_FULL;
}

static int write_outputs(const cli *c, const grade_result *result, const manifest *m)
{
    output_context context = { .manifest = m, .color = isatty(STDOUT_FILENO),
                               .verbose = c->verbose, .show_hidden_messages = c->show_hidden };
    int status = 0;

    if (!c->quiet)
        output_text(result, &context, stdout);
    context.color = false;
    for (size_t f = 0; f < MAX_FORMATS && output_formats[f].name; f++) {
        const char *path = c->format_files[f];
        FILE *out;
        int err;

        if (!path)
            continue;
        out = strcmp(path, "-") ? fopen(path, output_formats[f].append ? "a" : "w") : stdout;
        if (!out) {
            fprintf(stderr, "grade: cannot write \"%s\": %s\n", path, strerror(errno));
            status = -1;
            continue;
        }
        err = output_formats[f].write(result, &context, out);
        if (out != stdout && fclose(out) != 0 && !err)
            err = errno;
        if (err) {
            fprintf(stderr, "grade: cannot write \"%s\": %s\n", path, strerror(err));
            status = -1;
        }
    }
    return status;
}

int main(int argc, char **argv)
{
    cli c = { .grade = { .submission_dir = ".", .jobs = default_jobs(), .test_jobs = 2, .race = true,
                         .tests = true, .repeat = 1, .time_scale = 1.0 } };
    manifest m;
    grade_result result;
    char *error = NULL, *manifest_path, *tests_dir = NULL;
    int err, status;

    c.kit_dir = default_kit_dir();
    if (argc > 1 && !strcmp(argv[1], "batch")) {
        status = batch_main(argc - 1, argv + 1, c.kit_dir);
        free(c.kit_dir);
        return status;
    }
    if (argc > 1 && !strcmp(argv[1], "explore")) {
        status = explore_main(argc - 1, argv + 1, c.kit_dir);
        free(c.kit_dir);
        return status;
    }
    if (parse_args(argc, argv, &c) != 0) {
        free(c.kit_dir);
        return EXIT_USAGE;
    }
    if (c.check_manifest) {
        tests_dir = c.grade.tests_dir ? NULL : xasprintf("%s/tests", c.kit_dir);
        status = manifest_check(c.kit_dir, tests_dir ? tests_dir : c.grade.tests_dir, stdout,
                                stderr);
        free(tests_dir);
        free(c.kit_dir);
        return status;
    }
    manifest_path = xasprintf("%s/manifest.ini", c.kit_dir);
    err = manifest_load(manifest_path, &m, &error);
    free(manifest_path);
    if (err) {
        fprintf(stderr, "grade: %s\n", error);
        free(error);
        free(c.kit_dir);
        return EXIT_USAGE;
    }
    if (c.make_vars || c.manifest_get) {
        if (c.make_vars)
            print_make_vars(&m);
        status = c.make_vars ? EXIT_FULL : print_manifest_value(&c, &m);
        manifest_free(&m);
        free(c.kit_dir);
        return status;
    }
    if (!c.grade.tests_dir)
        c.grade.tests_dir = tests_dir = xasprintf("%s/tests", c.kit_dir);
    c.grade.kit_dir = c.kit_dir;
    c.grade.manifest = &m;
    if (c.print_build) {
        status = print_build(&c, &m);
        free(tests_dir);
        free(c.kit_dir);
        manifest_free(&m);
        return status;
    }
    err = grade_submission(&c.grade, &result, &error);
    if (err) {
        fprintf(stderr, "grade: %s\n", error);
        status = EXIT_USAGE;
    } else {
        status = result.score == result.max_score ? EXIT_FULL : EXIT_LESS;
        if (write_outputs(&c, &result, &m) != 0)
            status = EXIT_USAGE;
        grade_result_free(&result);
    }
    free(error);
    free(tests_dir);
    free(c.kit_dir);
    manifest_free(&m);
    return status;
}
