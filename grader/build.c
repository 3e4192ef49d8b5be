/* build.c - see build.h. */
#define _GNU_SOURCE
#include "build.h"
#include "inspect.h"
#include "object_cache.h"
#include "toolchain.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_MAX_LINES 25
#define LOG_MAX_BYTES 4000

/* Appends a NULL-terminated list of flags to argv[*argc...]. */
static void push_cflags(const char *const *flags, const char **argv, size_t *argc)
{
    for (size_t i = 0; flags && flags[i]; i++)
        argv[(*argc)++] = flags[i];
}

/* Copies the student's file, refusing links, devices and huge files. */
static int copy_student_file(const char *from, const char *to, enum build_status *status,
                             char **log)
{
    struct stat st;
    int fd;
    char *data;
    size_t len;
    int err;

    if (lstat(from, &st) != 0 || S_ISDIR(st.st_mode)) {
        *status = BUILD_MISSING;
        *log = xasprintf("not submitted: %s was not found", from);
        return 0;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > BUILD_STUDENT_FILE_MAX) {
        *status = BUILD_FAILED;
        *log = xasprintf("%s must be an ordinary C file of at most %u KiB "
                         "(not a link or a device)", from, BUILD_STUDENT_FILE_MAX >> 10);
        return 0;
    }
    fd = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno;
    close(fd);
    data = read_file(from, &len);
    if (!data)
        return errno;
    err = write_file(to, data, len, 0644);
    free(data);
    return err;
}

/* Copies `from` into the work directory under its base name. */
static int copy_in(const build_request *req, const char *from)
{
    const char *slash = strrchr(from, '/');
    char *to = xasprintf("%s/%s", req->work_dir, slash ? slash + 1 : from);
    int err = copy_file(from, to, 0644);

    free(to);
    return err;
}

/*
 * Where the kit file at kit-relative `path` goes in the work directory:
 * under its base name, but the controlled scheduler's files keep their
 * folder (scheduler/core.c; see link_scheduler_dirs()).
 */
static const char *work_path(const char *path)
{
    return !strncmp(path, "scheduler/", 10) ? path : base_name(path);
}

/* Copies the kit files of `paths` (kit-relative) to their work_path(). */
static int copy_paths(const build_request *req, char **paths)
{
    int err = 0;

    for (size_t i = 0; !err && paths[i]; i++) {
        char *from = xasprintf("%s/%s", req->kit_dir, paths[i]);
        char *to = xasprintf("%s/%s", req->work_dir, work_path(paths[i]));

        err = copy_file(from, to, 0644);
        free(from);
        free(to);
    }
    return err;
}

/* Copies the kit's sources and headers of `plan`. */
static int copy_plan_files(const build_request *req, const build_plan *plan)
{
    int err = copy_paths(req, plan->sources);

    return err ? err : copy_paths(req, plan->headers);
}

/*
 * Makes the work directory's scheduler/ folder (owned as the work
 * directory is) for the scheduler's files, and its harness/, a link to
 * the work directory itself: the scheduler's sources include the
 * harness's headers as "../harness/NAME", which the work directory holds.
 * Returns 0 or an errno value.
 */
static int link_scheduler_dirs(const build_request *req)
{
    char *dir = xasprintf("%s/scheduler", req->work_dir);
    char *link = xasprintf("%s/harness", req->work_dir);
    struct stat st;
    int err = 0;

    if (stat(req->work_dir, &st) != 0 || (mkdir(dir, 0755) != 0 && errno != EEXIST) ||
        (geteuid() == 0 && chown(dir, st.st_uid, st.st_gid) != 0) ||
        (symlink(".", link) != 0 && errno != EEXIST))
        err = errno;
    free(dir);
    free(link);
    return err;
}

/*
 * Copies the kit's files the build needs into the work directory: the
 * exercise's header and the files of both programs (the race driver's
 * only when `*race` and the kit has one; *race says whether it did).
 */
static int copy_kit_files(const build_request *req, const build_plan *tests,
                          const build_plan *driver, bool *race)
{
    const char *slug = req->exercise->slug;
    char *header = xasprintf("%s/exercises/%s/%s.h", req->kit_dir, slug, slug);
    int err = 0;

    *race = *race && is_file(driver->main);
    if (!is_file(header) || !is_file(tests->main))
        err = ENOENT;
    if (!err)
        err = copy_in(req, header);
    if (!err)
        err = copy_in(req, tests->main);
    if (!err && tests->scheduler)
        err = link_scheduler_dirs(req);
    if (!err)
        err = copy_plan_files(req, tests);
    if (!err && *race)
        err = copy_in(req, driver->main);
    if (!err && *race)
        err = copy_plan_files(req, driver);
    free(header);
    return err;
}

/* Runs the compiler; its exit code, and its output in *log. */
static int compile(const char **argv, const char *dir, unsigned run_as, char **log)
{
    int code = tool_run((char **)argv, dir, run_as, 256u << 10, log);

    if (code < 0)
        *log = xstrdup("");
    return code;
}

static void free_owned(char **owned, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
}

/* "x.c" -> "x.o" */
static char *object_name(const char *source)
{
    char *object = xstrdup(base_name(source));

    object[strlen(object) - 1] = 'o';
    return object;
}

/* Counts a NULL-terminated list. */
static size_t count(char *const *list)
{
    size_t n = 0;

    while (list && list[n])
        n++;
    return n;
}

/*
 * Links the program of `plan` as `output`: the kit's objects (compiled
 * once, see object_cache.h) and the student's.  Returns the exit status
 * of the compile or link that failed, 0, or -1 (could not run it); *log
 * (freed first) gets that tool's output.
 */
static int link_program(const build_request *req, const build_plan *plan, const char *output,
                        char **log)
{
    const build_profile *p = plan->profile;
    size_t n_sources = count(plan->sources) + 1;
    size_t max = 32 + n_sources + count(plan->link);
    const char **argv = xcalloc(max, sizeof *argv), **kit_flags = xcalloc(32, sizeof *argv);
    char **owned = xcalloc(n_sources, sizeof *owned);
    bool *busy = xcalloc(n_sources, sizeof *busy);
    size_t argc = 0, n_kit = 0, n_owned = 0;
    int code = 0;

    push_cflags(p->cflags, kit_flags, &n_kit);
    kit_flags[n_kit++] = "-I";
    kit_flags[n_kit++] = ".";
    if (plan->scheduler) {      /* the kit's tests may include "rc_sched.h" */
        kit_flags[n_kit++] = "-I";
        kit_flags[n_kit++] = "scheduler";
    }
    push_cflags(p->kit_cflags, kit_flags, &n_kit);
    argv[argc++] = "gcc";
    push_cflags(p->cflags, argv, &argc);
    argv[argc++] = "-I";
    argv[argc++] = ".";
    argv[argc++] = "-o";
    argv[argc++] = output;
    /* Objects another grader is compiling right now come last (object_cache.h). */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; code == 0 && i < n_sources; i++) {
            const char *source = i == 0 ? base_name(plan->main)
                                        : work_path(plan->sources[i - 1]);

            if (pass == 0) {
                owned[n_owned] = object_name(source);
                argv[argc++] = owned[n_owned++];
            } else if (!busy[i]) {
                continue;
            }
            free(*log);
            code = kit_object_try(req->cache_dir, req->work_dir, source, owned[i],
                                  (char *const *)kit_flags, req->run_as, pass == 1, log);
            busy[i] = code == KIT_OBJECT_BUSY;
            if (busy[i])
                code = 0;
        }
    }
    if (code == 0) {
        argv[argc++] = "student.o";
        for (size_t i = 0; plan->link[i]; i++)
            argv[argc++] = plan->link[i];
        argv[argc] = NULL;
        free(*log);
        code = compile(argv, req->work_dir, req->run_as, log);
    }
    free_owned(owned, n_owned);
    free(owned);
    free(busy);
    free(kit_flags);
    free(argv);
    return code;
}

/*
 * Sends the student's calls that the profile guards (descriptors,
 * printing, mappings: build_profiles.c) to the harness's guards: objcopy
 * renames NAME to rc_guard_NAME in student.o.  Returns objcopy's exit
 * status, or -1 when it could not run.
 */
static int guard_object(const build_request *req, const build_plan *plan, char **log)
{
    size_t n = count(plan->guards);
    const char **argv = xcalloc(n + 3, sizeof *argv);
    char **owned = xcalloc(n + 1, sizeof *owned);
    int code;

    argv[0] = "objcopy";
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = owned[i] = xasprintf("--redefine-sym=%s=rc_guard_%s", plan->guards[i],
                                           plan->guards[i]);
    argv[n + 1] = "student.o";
    free(*log);
    code = compile(argv, req->work_dir, req->run_as, log);
    free_owned(owned, n);
    free(owned);
    free(argv);
    return code;
}

static void fail_build(build_output *out, const char *what, const char *log)
{
    char *trimmed = first_lines(log, LOG_MAX_LINES, LOG_MAX_BYTES);

    out->status = BUILD_FAILED;
    free(out->log);
    out->log = *trimmed ? xasprintf("%s:\n%s", what, trimmed) : xstrdup(what);
    free(trimmed);
}

/* Compiles the student's file into student.o as `plan`'s profile says. */
static int compile_student(const build_request *req, const build_plan *plan,
                           const char *student_file, char **log)
{
    const char *argv[48];
    size_t argc = 0;

    argv[argc++] = "gcc";
    push_cflags(plan->profile->cflags, argv, &argc);
    argv[argc++] = "-I";
    argv[argc++] = ".";
    push_cflags(plan->profile->student_cflags, argv, &argc);
    argv[argc++] = "-c";
    argv[argc++] = student_file;
    argv[argc++] = "-o";
    argv[argc++] = "student.o";
    argv[argc] = NULL;
    return compile(argv, req->work_dir, req->run_as, log);
}

/*
 * Checks student.o: only allowed calls (inspect_object), and none of the
 * guarded calls defined by the student.  Returns 0 or an errno value; a
 * refusal is a failed build.
 */
static int inspect_student(const build_request *req, const build_plan *plan,
                           build_output *out, bool *refused)
{
    char *allowlist = xasprintf("%s/grader/allowed-calls.txt", req->kit_dir);
    char *refusal;
    int err;

    refusal = inspect_object(req->work_dir, "student.o", allowlist, req->exercise->allow,
                             req->run_as, &err);
    free(allowlist);
    if (!err && !refusal)
        refusal = inspect_defines(req->work_dir, "student.o",
                                  (const char *const *)plan->guards, req->run_as, &err);
    if (!err && refusal)
        fail_build(out, refusal, "");
    *refused = refusal != NULL;
    free(refusal);
    return err;
}

/* Builds from the copied files; see build_exercise(). */
static int build_programs(const build_request *req, const build_plan *tests,
                          const build_plan *driver, bool race, build_output *out)
{
    char *log = NULL, *refusal;
    bool refused;
    int err = 0;

    if (compile_student(req, tests, out->student_file, &log) != 0) {
        fail_build(out, "your file does not compile", log);
        goto done;
    }
    free(out->log);
    out->log = first_lines(log, LOG_MAX_LINES, LOG_MAX_BYTES);
    if ((err = inspect_student(req, tests, out, &refused)) != 0 || refused)
        goto done;
    if (guard_object(req, tests, &log) != 0) {
        err = EIO;
        goto done;
    }
    if (link_program(req, tests, "tests", &log) != 0) {
        fail_build(out, "the tests could not be built with your file "
                   "(did you change a function's signature?)", log);
        goto done;
    }
    refusal = inspect_binary(req->work_dir, "tests", "student.o", req->run_as, &err);
    if (!err && refusal)
        fail_build(out, refusal, "");
    if (err || refusal) {
        free(refusal);
        goto done;
    }
    out->test_binary = xasprintf("%s/tests", req->work_dir);
    if (race) {
        if (link_program(req, driver, "race_driver", &log) != 0) {
            fail_build(out, "the race driver could not be built with your file", log);
            free(out->test_binary);
            out->test_binary = NULL;
            goto done;
        }
        out->race_binary = xasprintf("%s/race_driver", req->work_dir);
    }
done:
    free(log);
    return err;
}

int build_exercise(const build_request *req, build_output *out)
{
    const char *slug = req->exercise->slug;
    char *student_from = xasprintf("%s/exercises/%s/%s.c", req->submission_dir, slug, slug);
    char *student_to = xasprintf("%s/%s.c", req->work_dir, slug);
    build_plan tests, driver;
    char *error = NULL;
    bool race = req->race;
    int err;

    memset(out, 0, sizeof *out);
    out->status = BUILD_OK;
    out->student_file = xasprintf("%s.c", slug);
    err = build_plan_make(build_profile_find(BUILD_PROFILE_TESTS), req->exercise, req->kit_dir,
                          req->tests_dir, req->public_only, &tests, &error);
    if (err) {
        free(error);
        goto plans_failed;
    }
    err = build_plan_make(build_profile_find(BUILD_PROFILE_DRIVER), req->exercise,
                          req->kit_dir, req->tests_dir, req->public_only, &driver, &error);
    if (err) {
        free(error);
        build_plan_free(&tests);
        goto plans_failed;
    }
    err = copy_student_file(student_from, student_to, &out->status, &out->log);
    if (!err && out->status == BUILD_OK) {
        out->hidden_tests = tests.hidden;
        err = copy_kit_files(req, &tests, &driver, &race);
    }
    if (!err && out->status == BUILD_OK)
        err = build_programs(req, &tests, &driver, race, out);
    build_plan_free(&tests);
    build_plan_free(&driver);
plans_failed:
    free(student_from);
    free(student_to);
    if (!out->log)
        out->log = xstrdup("");
    return err;
}

void build_output_free(build_output *out)
{
    free(out->log);
    free(out->test_binary);
    free(out->race_binary);
    free(out->student_file);
    memset(out, 0, sizeof *out);
}
