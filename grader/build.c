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

static const char *const harness_files[] = { "test_support.c", "exit_guard.c", "report_hook.c",
                                             "fd_guard.c", "print_guard.c", "fault_inject.c",
                                             "fault_inject_uv.c", "fault_inject.h", "exit_guard.h",
                                             "mem_guard.c", "mem_guard.h", "race_watchdog.c" };

/*
 * The student's calls that harness/fd_guard.c (descriptors),
 * print_guard.c (printing) and mem_guard.c (mappings, coroutine stacks)
 * guard: in the student's object only, NAME becomes rc_guard_NAME
 * (guard_object()).
 */
static const char *const guarded_calls[] = {
    "pipe", "pipe2", "socketpair", "eventfd", "timerfd_create", "epoll_create",
    "epoll_create1", "signalfd", "dup", "dup2", "dup3", "fcntl", "fcntl64", "close",
    "uv_pipe", "uv_socketpair", "write", "writev", "pwrite", "pwrite64", "pwritev",
    "pwritev2", "send", "sendto", "sendmsg", "sendmmsg", "sendfile", "splice", "tee",
    "vmsplice", "copy_file_range", "eventfd_write", "uv_write", "uv_write2",
    "uv_try_write", "uv_try_write2",
    "printf", "fprintf", "vprintf", "vfprintf", "__printf_chk", "__fprintf_chk",
    "__vprintf_chk", "__vfprintf_chk", "puts", "fputs", "putchar", "fputc", "putc", "fwrite",
    "perror",
    "mmap", "mmap64", "munmap", "mprotect", "makecontext", NULL,
};

/*
 * Compiler flags for every file.  The student's file is built with -O1
 * (-g keeps Helgrind's file:line exact); the kit's tests with -O0, which
 * compiles twice as fast.
 */
#define CC_FLAGS "-std=gnu11", "-g", "-pthread", "-Wall", "-Wextra", \
    "-Werror=implicit-function-declaration", "-fno-common", "-fno-omit-frame-pointer", \
    "-I", "."
#define WRAP_EXIT "-Wl,--wrap=exit,--wrap=_exit,--wrap=_Exit,--wrap=quick_exit,--wrap=pthread_exit"
/* The calls the tests can make fail (harness/fault_inject.h); test binaries only. */
#define WRAP_FAULTS "-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=reallocarray," \
    "--wrap=aligned_alloc,--wrap=posix_memalign,--wrap=free,--wrap=pthread_create," \
    "--wrap=pthread_join,--wrap=pthread_tryjoin_np,--wrap=pthread_timedjoin_np," \
    "--wrap=pthread_clockjoin_np,--wrap=pthread_detach,--wrap=pthread_mutex_init," \
    "--wrap=pthread_cond_init,--wrap=sem_init"
#define WRAP_FAULTS_UV "-Wl,--wrap=uv_loop_init,--wrap=uv_timer_init,--wrap=uv_timer_start," \
    "--wrap=uv_pipe_init,--wrap=uv_pipe_open,--wrap=uv_tcp_init,--wrap=uv_tcp_open," \
    "--wrap=uv_poll_init,--wrap=uv_poll_start,--wrap=uv_read_start"
/* Tests and race drivers: spurious wake-ups, late wake-ups and late locks on demand (exit_guard.c). */
#define WRAP_TESTS "-Wl,--wrap=pthread_cond_wait,--wrap=pthread_cond_timedwait,--wrap=pthread_mutex_lock"

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

/* The tests' file name in the work directory, as messages will show it. */
static const char *tests_source(bool hidden)
{
    return hidden ? "hidden_tests.c" : "public_tests.c";
}

bool build_uses_hidden_tests(const char *tests_dir, const char *slug, bool public_only)
{
    char *path = xasprintf("%s/%s/hidden_tests.c", tests_dir, slug);
    bool found = !public_only && is_file(path);

    free(path);
    return found;
}

/* Copies the kit's files the build needs into the work directory. */
static int copy_kit_files(const build_request *req, bool *hidden, bool *race)
{
    const char *slug = req->exercise->slug;
    char *header = xasprintf("%s/exercises/%s/%s.h", req->kit_dir, slug, slug);
    char *header_to = xasprintf("%s/%s.h", req->work_dir, slug);
    char *hidden_tests = xasprintf("%s/%s/hidden_tests.c", req->tests_dir, slug);
    char *public_tests = xasprintf("%s/exercises/%s/public_tests.c", req->kit_dir, slug);
    char *driver = xasprintf("%s/%s/race_driver.c", req->tests_dir, slug);
    char *tests_to = NULL;
    char *driver_to = xasprintf("%s/race_driver.c", req->work_dir);
    int err = 0;

    *hidden = build_uses_hidden_tests(req->tests_dir, slug, req->public_only);
    *race = *race && is_file(driver);
    tests_to = xasprintf("%s/%s", req->work_dir, tests_source(*hidden));
    if (!is_file(header) || (!*hidden && !is_file(public_tests)))
        err = ENOENT;
    if (!err)
        err = copy_file(header, header_to, 0644);
    if (!err)
        err = copy_file(*hidden ? hidden_tests : public_tests, tests_to, 0644);
    if (!err && *race)
        err = copy_file(driver, driver_to, 0644);
    for (size_t i = 0; !err && i < sizeof harness_files / sizeof *harness_files; i++) {
        char *from = xasprintf("%s/harness/%s", req->kit_dir, harness_files[i]);
        char *to = xasprintf("%s/%s", req->work_dir, harness_files[i]);

        err = copy_file(from, to, 0644);
        free(from);
        free(to);
    }
    if (!err) {
        char *from = xasprintf("%s/harness/racecourse_test.h", req->kit_dir);
        char *to = xasprintf("%s/racecourse_test.h", req->work_dir);

        err = copy_file(from, to, 0644);
        free(from);
        free(to);
    }
    free(header);
    free(header_to);
    free(hidden_tests);
    free(public_tests);
    free(driver);
    free(tests_to);
    free(driver_to);
    return err;
}

/*
 * Appends the manifest's libs ("pthread uv m") as linker flags; the
 * strings it makes are also added to owned[*n_owned...], for the caller
 * to free.
 */
static void add_libs(const char *libs, char **argv, size_t *argc, char **owned,
                     size_t *n_owned)
{
    char *copy = xstrdup(libs), *save = NULL;

    for (char *lib = strtok_r(copy, " \t", &save); lib; lib = strtok_r(NULL, " \t", &save)) {
        if (!strcmp(lib, "pthread"))
            continue;
        owned[*n_owned] = xasprintf("-l%s", lib);
        argv[(*argc)++] = owned[(*n_owned)++];
    }
    free(copy);
}

/* Runs the compiler; its exit code, and its output in *log. */
static int compile(char **argv, const char *dir, unsigned run_as, char **log)
{
    int code = tool_run(argv, dir, run_as, 256u << 10, log);

    if (code < 0)
        *log = xstrdup("");
    return code;
}

static void free_owned(char **owned, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
}

/*
 * The harness sources linked into the test binary and the race driver;
 * test binaries of exercises that link libuv also get fault_inject_uv.c.
 */
static const char *const test_harness[] = { "test_support.c", "exit_guard.c", "report_hook.c",
                                            "fd_guard.c", "print_guard.c", "fault_inject.c",
                                            "mem_guard.c", NULL };
static const char *const test_harness_uv[] = { "test_support.c", "exit_guard.c",
                                               "report_hook.c", "fd_guard.c", "print_guard.c",
                                               "fault_inject.c", "fault_inject_uv.c",
                                               "mem_guard.c", NULL };
static const char *const driver_harness[] = { "test_support.c", "exit_guard.c", "fd_guard.c",
                                              "print_guard.c", "mem_guard.c", "race_watchdog.c", NULL };

/* Whether the manifest's libs ("pthread uv m") name libuv. */
static bool links_uv(const char *libs)
{
    char *copy = xstrdup(libs), *save = NULL;
    bool found = false;

    for (char *lib = strtok_r(copy, " \t", &save); lib; lib = strtok_r(NULL, " \t", &save))
        found = found || !strcmp(lib, "uv");
    free(copy);
    return found;
}

/* "x.c" -> "x.o" */
static char *object_name(const char *source)
{
    char *object = xstrdup(source);

    object[strlen(object) - 1] = 'o';
    return object;
}

/*
 * Links the test binary or the race driver: the kit's objects (compiled
 * once, see object_cache.h) and the student's.  Returns the exit status
 * of the compile or link that failed, 0, or -1 (could not run it); *log
 * (freed first) gets that tool's output.
 */
static int link_program(const build_request *req, bool criterion, bool hidden, char **log)
{
    const char *main_source = criterion ? tests_source(hidden) : "race_driver.c";
    bool uv = links_uv(req->exercise->libs);
    const char *const *harness = !criterion ? driver_harness : uv ? test_harness_uv : test_harness;
    char *const kit_flags[] = { CC_FLAGS, "-O0", NULL };
    const char *flags[] = { CC_FLAGS };
    char *argv[64], *owned[64] = { 0 };
    size_t argc = 0, n_owned = 0;
    int code = 0;

    argv[argc++] = "gcc";
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        argv[argc++] = (char *)flags[i];
    argv[argc++] = "-o";
    argv[argc++] = criterion ? "tests" : "race_driver";
    for (size_t i = 0; code == 0 && (i == 0 || harness[i - 1]); i++) {
        const char *source = i == 0 ? main_source : harness[i - 1];

        owned[n_owned] = object_name(source);
        argv[argc++] = owned[n_owned++];
        free(*log);
        code = kit_object(req->cache_dir, req->work_dir, source, argv[argc - 1], kit_flags,
                          req->run_as, log);
    }
    if (code == 0) {
        argv[argc++] = "student.o";
        argv[argc++] = WRAP_EXIT;
        argv[argc++] = WRAP_TESTS;          /* race drivers may force interleavings too */
        if (criterion) {
            argv[argc++] = WRAP_FAULTS;
            if (uv)
                argv[argc++] = WRAP_FAULTS_UV;
            argv[argc++] = "-lcriterion";
            argv[argc++] = "-lcjson";
        }
        add_libs(req->exercise->libs, argv, &argc, owned, &n_owned);
        argv[argc++] = "-lm";
        argv[argc] = NULL;
        free(*log);
        code = compile(argv, req->work_dir, req->run_as, log);
    }
    free_owned(owned, n_owned);
    return code;
}

/*
 * Sends the student's calls that write, print or make descriptors to the
 * guards (fd_guard.c, print_guard.c): objcopy renames them in student.o.
 * Returns objcopy's exit status, or -1 when it could not run.
 */
static int guard_object(const build_request *req, char **log)
{
    size_t n = sizeof guarded_calls / sizeof *guarded_calls - 1;
    char **argv = xcalloc(n + 3, sizeof *argv);
    int code;

    argv[0] = "objcopy";
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = xasprintf("--redefine-sym=%s=rc_guard_%s", guarded_calls[i],
                                guarded_calls[i]);
    argv[n + 1] = "student.o";
    free(*log);
    code = compile(argv, req->work_dir, req->run_as, log);
    for (size_t i = 0; i < n; i++)
        free(argv[i + 1]);
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

int build_exercise(const build_request *req, build_output *out)
{
    const char *slug = req->exercise->slug;
    char *student_from = xasprintf("%s/exercises/%s/%s.c", req->submission_dir, slug, slug);
    char *student_to = xasprintf("%s/%s.c", req->work_dir, slug);
    char *allowlist = xasprintf("%s/grader/allowed-calls.txt", req->kit_dir);
    const char *flags[] = { CC_FLAGS };
    char *argv[32], *log = NULL, *refusal;
    size_t argc = 0;
    bool race = req->race;
    int err, code;

    memset(out, 0, sizeof *out);
    out->status = BUILD_OK;
    out->student_file = xasprintf("%s.c", slug);
    err = copy_student_file(student_from, student_to, &out->status, &out->log);
    if (err || out->status != BUILD_OK)
        goto done;
    if ((err = copy_kit_files(req, &out->hidden_tests, &race)) != 0)
        goto done;

    argv[argc++] = "gcc";
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        argv[argc++] = (char *)flags[i];
    argv[argc++] = "-O1";
    argv[argc++] = "-c";
    argv[argc++] = out->student_file;
    argv[argc++] = "-o";
    argv[argc++] = "student.o";
    argv[argc] = NULL;
    code = compile(argv, req->work_dir, req->run_as, &log);
    if (code != 0) {
        fail_build(out, "your file does not compile", log);
        goto done;
    }
    out->log = first_lines(log, LOG_MAX_LINES, LOG_MAX_BYTES);

    refusal = inspect_object(req->work_dir, "student.o", allowlist, req->exercise->allow,
                             req->run_as, &err);
    if (err)
        goto done;
    if (refusal) {
        fail_build(out, refusal, "");
        free(refusal);
        goto done;
    }
    refusal = inspect_defines(req->work_dir, "student.o", guarded_calls, req->run_as, &err);
    if (err)
        goto done;
    if (refusal) {
        fail_build(out, refusal, "");
        free(refusal);
        goto done;
    }
    if (guard_object(req, &log) != 0) {
        err = EIO;
        goto done;
    }

    if (link_program(req, true, out->hidden_tests, &log) != 0) {
        fail_build(out, "the tests could not be built with your file "
                   "(did you change a function's signature?)", log);
        goto done;
    }
    refusal = inspect_binary(req->work_dir, "tests", "student.o", req->run_as, &err);
    if (err)
        goto done;
    if (refusal) {
        fail_build(out, refusal, "");
        free(refusal);
        goto done;
    }
    out->test_binary = xasprintf("%s/tests", req->work_dir);

    if (race) {
        if (link_program(req, false, false, &log) != 0) {
            fail_build(out, "the race driver could not be built with your file", log);
            free(out->test_binary);
            out->test_binary = NULL;
            goto done;
        }
        out->race_binary = xasprintf("%s/race_driver", req->work_dir);
    }
done:
    free(log);
    free(student_from);
    free(student_to);
    free(allowlist);
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
