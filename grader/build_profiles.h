/*
 * build_profiles.h - every kind of program the kit builds, said once.
 *
 * A build profile is what makes one kind of program from a student's
 * file: its main kit source (the tests, a driver, a demo), the kit
 * sources linked beside it, the compiler flags, the calls renamed in the
 * student's object (the guards), the calls wrapped at link time (the
 * exit guard, fault injection: lists in harness/wraps/), and the
 * libraries.  The grader builds
 * with it (build.c), the batch fingerprint hashes its files (batch.c),
 * and the student tools read it through `grade --print-build`
 * (build_profile_print()), so that no list of files or flags is written
 * twice.  Adding a kind of program is one entry in build_profiles[].
 *
 * The program is linked in this order: the main source, the kit's sources
 * in their order, the student's object, the linker flags (wrap lists,
 * then libraries).  Order matters: harness/exit_guard.c tells the kit's
 * code from the student's by where the linker put it.
 *
 * Paths in a profile are relative to the kit's root, e.g.
 * "harness/test_support.c".  The grader copies each file into its work
 * directory under its base name, so no two files of a profile may share
 * one (the scheduler's sources, which include the harness's headers as
 * "../harness/NAME", find them through the work directory's harness/, a
 * link to itself: build.c).
 */
#ifndef RACECOURSE_BUILD_PROFILES_H
#define RACECOURSE_BUILD_PROFILES_H

#include "manifest.h"

#include <stdbool.h>
#include <stdio.h>

/* Where a profile's main source is: KIT/exercises/SLUG or TESTS/SLUG. */
enum build_place { BUILD_IN_EXERCISE, BUILD_IN_TESTS };

typedef struct build_profile {
    const char *name;                 /* "tests", "race", ... */
    const char *what;                 /* one line, for --help and the docs */
    const char *main;                 /* the main source's name, e.g. "race_driver.c";
                                       * NULL: the exercise's second-check driver
                                       * (manifest_driver: race or resource driver) */
    enum build_place main_in;         /* and its folder */
    bool criterion;                   /* a Criterion test binary */
    bool hidden_tests;                /* takes TESTS/SLUG/hidden_tests.c instead of
                                       * main when the kit has it (build_uses_hidden_tests) */
    const char *const *sources;       /* kit sources linked in, NULL-terminated */
    const char *const *sources_uv;    /* more of them when the exercise links libuv */
    const char *const *headers;       /* kit headers those include */
    const char *const *cflags;        /* every compile */
    const char *const *student_cflags; /* the student's file too */
    const char *const *kit_cflags;    /* the kit's sources too */
    const char *const *const *guards; /* lists of calls renamed to rc_guard_NAME in the
                                       * student's object (objcopy --redefine-sym) */
    const char *const *wraps;         /* files of calls wrapped (-Wl,--wrap=NAME), one
                                       * name a line, '#' starts a comment */
    const char *const *wraps_uv;      /* more of them when the exercise links libuv */
    bool scheduler;                   /* the controlled scheduler's runtime too when the
                                       * exercise's tests run under it (manifest
                                       * `schedules`; build_plan_make()) */
    const char *const *libs;          /* linker flags before the manifest's libs */
    const char *const *libs_after;    /* and after them */
} build_profile;

/* Every profile; the last entry has a NULL name. */
extern const build_profile build_profiles[];

/* The profile called `name`, or NULL. */
const build_profile *build_profile_find(const char *name);

/*
 * Whether the hidden tests of `slug` are used: the kit has
 * <tests_dir>/<slug>/hidden_tests.c and `public_only` does not refuse
 * them.  The one place that decides it: the build, the grade, a batch
 * that did not grade an exercise and the student tools all ask here.
 */
bool build_uses_hidden_tests(const char *tests_dir, const char *slug, bool public_only);

/* The tests' file name as the build and the messages name it. */
const char *build_tests_file(bool hidden);

/* Whether the manifest's libs ("pthread uv m") name libuv. */
bool build_links_uv(const char *libs);

/*
 * The controlled scheduler's runtime in the kit: its folder, the list of
 * the calls it wraps, and libuv as a program under it links it
 * (statically, so that --wrap reaches libuv's own calls: docs/scheduler.md).
 */
#define BUILD_SCHEDULER_DIR "scheduler"
#define BUILD_SCHEDULER_WRAPS BUILD_SCHEDULER_DIR "/wrapped-calls.txt"
#define BUILD_LIBUV_STATIC "-l:libuv_a.a"

/* The linker a plan asks gcc for (-fuse-ld=gold) when this file exists. */
#define BUILD_GOLD "/usr/bin/ld.gold"

/*
 * Reads the wrap list at `path` (one call's name a line, '#' starts a
 * comment; harness/wraps/, BUILD_SCHEDULER_WRAPS) into *flag, the one
 * linker flag that wraps them all ("-Wl,--wrap=a,--wrap=b"; NULL when the
 * list names none; free it).  Returns 0, or an errno value when the file
 * cannot be read.
 */
int build_wrap_flag(const char *path, char **flag);

/* One profile made concrete for one exercise. */
typedef struct build_plan {
    const build_profile *profile;
    bool hidden;          /* the main source is the hidden tests */
    bool uv;              /* the exercise links libuv */
    bool scheduler;       /* the controlled scheduler's runtime is linked in */
    char *main;           /* the main source's path */
    char **sources;       /* kit-relative paths of the sources, NULL-terminated */
    char **headers;       /* kit-relative paths of the headers, NULL-terminated */
    char **guards;        /* calls to rename, NULL-terminated */
    char **wraps;         /* kit-relative paths of the wrap lists, NULL-terminated */
    char **link;          /* linker flags after the objects: wraps, libraries */
} build_plan;

/*
 * Makes `profile` concrete for `exercise` of the kit at `kit_dir` with
 * hidden tests in `tests_dir` (`public_only`: never them).  A profile
 * with `scheduler` of an exercise whose tests run under the controlled
 * scheduler (schedules > 0) also gets the scheduler's runtime: every .c
 * file of scheduler/ but fault.c (it only includes harness/fault_inject.c,
 * which the profile links already) after the profile's sources, in name
 * order, the .h files of scheduler/ among the headers, and
 * scheduler/wrapped-calls.txt after the wrap lists.  The linker flags
 * start with -fuse-ld=gold when BUILD_GOLD exists.  Returns 0; or an errno
 * value with *error set (free it) when one of the wrap lists or
 * scheduler/ cannot be read.
 */
int build_plan_make(const build_profile *profile, const manifest_exercise *exercise,
                    const char *kit_dir, const char *tests_dir, bool public_only,
                    build_plan *out, char **error);

/* Frees what `plan` owns. */
void build_plan_free(build_plan *plan);

/*
 * Prints `plan` for a shell script: one item a line, "KEY<TAB>VALUE",
 * in build order (docs/grader.md, "Build profiles"); paths are absolute
 * under `kit_dir`.  Returns 0, or EINVAL when a path holds a tab or a
 * newline (it could not be read back safely).
 */
int build_plan_print(const build_plan *plan, const char *kit_dir, const char *slug, FILE *out);

#endif
