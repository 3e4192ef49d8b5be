/*
 * test_build_profiles.c - the table of build profiles: every file it
 * names is in the kit, the two programs of a grade agree on the student's
 * object, libuv's part comes only with libuv, and the hidden tests are
 * used exactly when the kit has them and --public does not refuse them.
 * Run from the kit's root.
 */
#define _GNU_SOURCE
#include "build.h"
#include "build_profiles.h"
#include "check.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Whether two NULL-terminated lists of strings are equal. */
static bool same_list(const char *const *a, const char *const *b)
{
    size_t i = 0;

    for (; a && b && a[i] && b[i]; i++)
        if (strcmp(a[i], b[i]))
            return false;
    return (!a || !a[i]) && (!b || !b[i]);
}

static bool has(char **list, const char *item)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(list[i], item))
            return true;
    return false;
}

static const char *base(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* Every file of every profile exists; no two share a base name. */
static void test_files(void)
{
    manifest_exercise ex = { .slug = "joinall", .libs = "pthread uv m" };

    for (const build_profile *p = build_profiles; p->name; p++) {
        build_plan plan;
        char *error = NULL;
        const char *names[64];
        size_t n = 0;

        CHECK(build_profile_find(p->name) == p, "%s is found by its name", p->name);
        CHECK(p->what && *p->what, "%s says what it builds", p->name);
        CHECK_INT(build_plan_make(p, &ex, ".", "tests", false, &plan, &error), 0);
        if (error)
            printf("%s\n", error);
        free(error);
        for (char **list = plan.sources; *list; list++)
            CHECK(is_file(*list), "%s: %s exists", p->name, *list);
        for (char **list = plan.headers; *list; list++)
            CHECK(is_file(*list), "%s: %s exists", p->name, *list);
        for (char **list = plan.wraps; *list; list++)
            CHECK(is_file(*list), "%s: %s exists", p->name, *list);
        names[n++] = base(plan.main);
        for (char **list = plan.sources; *list && n < 64; list++)
            names[n++] = base(*list);
        for (char **list = plan.headers; *list && n < 64; list++)
            names[n++] = base(*list);
        for (size_t i = 0; i < n; i++)
            for (size_t k = i + 1; k < n; k++)
                CHECK(strcmp(names[i], names[k]), "%s: two files named %s", p->name,
                      names[i]);
        build_plan_free(&plan);
    }
    CHECK(build_profile_find("nothing") == NULL, "an unknown profile is not found");
}

/* The test binary and the race driver link the same student.o. */
static void test_grade_programs(void)
{
    const build_profile *tests = build_profile_find(BUILD_PROFILE_TESTS);
    const build_profile *driver = build_profile_find(BUILD_PROFILE_DRIVER);

    CHECK(tests && driver, "the grade's two profiles exist");
    if (!tests || !driver)
        return;
    CHECK(tests->criterion && !driver->criterion, "tests is the Criterion binary");
    CHECK(same_list(tests->cflags, driver->cflags), "same flags");
    CHECK(same_list(tests->student_cflags, driver->student_cflags), "same student flags");
    for (size_t i = 0; tests->guards[i] || driver->guards[i]; i++)
        CHECK(tests->guards[i] == driver->guards[i], "same guard list %zu", i);
}

/* libuv's sources and wraps come with libuv only. */
static void test_uv(void)
{
    const build_profile *tests = build_profile_find(BUILD_PROFILE_TESTS);
    manifest_exercise uv = { .slug = "async_stats", .libs = "pthread uv m" };
    manifest_exercise plain = { .slug = "joinall", .libs = "pthread" };
    build_plan a, b;
    char *error = NULL;
    bool wraps_uv = false;

    CHECK_INT(build_plan_make(tests, &uv, ".", "tests", false, &a, &error), 0);
    CHECK_INT(build_plan_make(tests, &plain, ".", "tests", false, &b, &error), 0);
    CHECK(a.uv && !b.uv, "libuv is seen in libs");
    CHECK(has(a.sources, "harness/fault_inject_uv.c"), "libuv: its fault injection");
    CHECK(!has(b.sources, "harness/fault_inject_uv.c"), "no libuv: none");
    CHECK(has(a.link, "-luv") && has(a.link, "-lcriterion"), "libraries linked");
    CHECK(!has(b.link, "-luv") && !has(b.link, "-lpthread"), "pthread comes with -pthread");
    for (size_t i = 0; a.link[i]; i++)
        wraps_uv = wraps_uv || strstr(a.link[i], "--wrap=uv_loop_init");
    CHECK(wraps_uv, "libuv: its calls are wrapped");
    for (size_t i = 0; b.link[i]; i++)
        CHECK(!strstr(b.link[i], "--wrap=uv_"), "no libuv: none wrapped (%s)", b.link[i]);
    CHECK(has(a.guards, "write") && has(a.guards, "mmap"), "the guards");
    build_plan_free(&a);
    build_plan_free(&b);
}

/*
 * The controlled scheduler's runtime comes with `schedules` only, in the
 * profiles that take it: its sources but fault.c, its headers, its wraps.
 */
static void test_scheduler(void)
{
    manifest_exercise on = { .slug = "coroutines", .libs = "pthread m", .schedules = 1 };
    manifest_exercise off = { .slug = "coroutines", .libs = "pthread m" };

    for (const build_profile *p = build_profiles; p->name; p++) {
        build_plan a, b;
        char *error = NULL;

        CHECK_INT(build_plan_make(p, &on, ".", "tests", false, &a, &error), 0);
        CHECK_INT(build_plan_make(p, &off, ".", "tests", false, &b, &error), 0);
        CHECK(a.scheduler == p->scheduler && !b.scheduler, "%s: the runtime with schedules",
              p->name);
        CHECK(has(a.sources, "scheduler/core.c") == p->scheduler &&
              has(a.headers, "scheduler/rc_internal.h") == p->scheduler &&
              has(a.wraps, "scheduler/wrapped-calls.txt") == p->scheduler,
              "%s: the runtime's sources, headers and wraps", p->name);
        CHECK(!has(a.sources, "scheduler/fault.c"), "%s: not fault.c", p->name);
        CHECK(!has(b.sources, "scheduler/core.c") && !has(b.wraps, "scheduler/wrapped-calls.txt"),
              "%s: no schedules, no runtime", p->name);
        for (char **list = a.sources; *list; list++)
            CHECK(is_file(*list), "%s: %s exists", p->name, *list);
        build_plan_free(&a);
        build_plan_free(&b);
    }
    for (const build_profile *p = build_profiles; p->name; p++) {
        manifest_exercise uv = { .slug = "coroutines", .libs = "pthread uv m", .schedules = 1 };
        build_plan a;
        char *error = NULL;

        CHECK_INT(build_plan_make(p, &uv, ".", "tests", false, &a, &error), 0);
        CHECK(has(a.link, "-l:libuv_a.a") == p->scheduler && has(a.link, "-luv") == !p->scheduler,
              "%s: libuv static under the scheduler, so that its calls are wrapped", p->name);
        build_plan_free(&a);
    }
    CHECK(build_profile_find(BUILD_PROFILE_TESTS)->scheduler, "the graded tests take it");
    CHECK(!build_profile_find(BUILD_PROFILE_DRIVER)->scheduler, "the race driver does not");
}

/* The one decision about hidden tests, and what the plans make of it. */
static void test_hidden(void)
{
    char dir[] = "/tmp/test_build_profiles.XXXXXX";
    manifest_exercise ex = { .slug = "alpha", .libs = "pthread" };
    char *sub, *file;
    build_plan plan;
    char *error = NULL;

    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(2);
    }
    CHECK(!build_uses_hidden_tests(dir, "alpha", false), "no file: not used");
    sub = xasprintf("%s/alpha", dir);
    file = xasprintf("%s/alpha/hidden_tests.c", dir);
    mkdir(sub, 0700);
    write_file(file, "", 0, 0600);
    CHECK(build_uses_hidden_tests(dir, "alpha", false), "the file: used");
    CHECK(!build_uses_hidden_tests(dir, "alpha", true), "--public: not used");
    CHECK_STR(build_tests_file(true), "hidden_tests.c");
    CHECK_STR(build_tests_file(false), "public_tests.c");

    CHECK_INT(build_plan_make(build_profile_find("tests"), &ex, ".", dir, false, &plan,
                              &error), 0);
    CHECK(plan.hidden, "the test binary takes the hidden tests");
    CHECK_STR(plan.main, file);
    build_plan_free(&plan);
    CHECK_INT(build_plan_make(build_profile_find("tests"), &ex, ".", dir, true, &plan,
                              &error), 0);
    CHECK(!plan.hidden, "--public: the public tests");
    CHECK_STR(plan.main, "./exercises/alpha/public_tests.c");
    build_plan_free(&plan);
    CHECK_INT(build_plan_make(build_profile_find("race"), &ex, ".", dir, false, &plan,
                              &error), 0);
    CHECK(!plan.hidden, "a driver never takes the tests");
    build_plan_free(&plan);
    remove_tree(dir);
    free(sub);
    free(file);
}

/* --print-build: one KEY<tab>VALUE a line; a path it could not say safely is refused. */
static void test_print(void)
{
    manifest_exercise ex = { .slug = "joinall", .libs = "pthread m" };
    build_plan plan;
    char *error = NULL, *text = NULL;
    size_t len = 0;
    FILE *out;

    CHECK_INT(build_plan_make(build_profile_find("race"), &ex, ".", "tests", false, &plan,
                              &error), 0);
    out = open_memstream(&text, &len);
    CHECK_INT(build_plan_print(&plan, "/kit", "joinall", out), 0);
    fclose(out);
    CHECK_HAS(text, "profile\trace\n");
    CHECK_HAS(text, "main\ttests/joinall/race_driver.c\n");
    CHECK_HAS(text, "source\t/kit/harness/race_watchdog.c\n");
    CHECK_HAS(text, "include\t/kit/exercises/joinall\n");
    CHECK_HAS(text, "guard\tclose\n");
    CHECK_HAS(text, "link\t-Wl,--wrap=exit,");
    CHECK(!strstr(text, "tests\t"), "a driver has no tests line");
    free(text);
    out = open_memstream(&text, &len);
    CHECK_INT(build_plan_print(&plan, "/a\tkit", "joinall", out), EINVAL);
    fclose(out);
    free(text);
    build_plan_free(&plan);
}

int main(void)
{
    test_files();
    test_grade_programs();
    test_uv();
    test_scheduler();
    test_hidden();
    test_print();
    return check_finish();
}
