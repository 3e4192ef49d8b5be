/* build_profiles.c - see build_profiles.h. */
#define _GNU_SOURCE
#include "build_profiles.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define LISTS(...) ((const char *const *const[]){ __VA_ARGS__, NULL })

/*
 * ---- the calls the harness guards, each list said once ----
 *
 * The calls it wraps at link time are in harness/wraps/ (one name a
 * line), which the Makefile's own tests read too.
 */

/* Descriptors (harness/fd_guard.c): the student's code writes only to its own
 * (and its reads pause when a test asks: rc_slow_reads). */
static const char *const guard_fd[] = {
    "pipe", "pipe2", "socketpair", "eventfd", "timerfd_create", "epoll_create",
    "epoll_create1", "signalfd", "dup", "dup2", "dup3", "fcntl", "fcntl64", "close",
    "uv_pipe", "uv_socketpair", "write", "writev", "pwrite", "pwrite64", "pwritev",
    "pwritev2", "send", "sendto", "sendmsg", "sendmmsg", "sendfile", "splice", "tee",
    "vmsplice", "copy_file_range", "eventfd_write", "uv_write", "uv_write2",
    "uv_try_write", "uv_try_write2", "read", "recv", NULL,
};
/* Printing (harness/print_guard.c): to the run's captured output only. */
static const char *const guard_print[] = {
    "printf", "fprintf", "vprintf", "vfprintf", "__printf_chk", "__fprintf_chk",
    "__vprintf_chk", "__vfprintf_chk", "puts", "fputs", "putchar", "fputc", "putc", "fwrite",
    "perror", NULL,
};
/* Mappings and coroutine stacks (harness/mem_guard.c), registered with Valgrind. */
static const char *const guard_memory[] = { "mmap", "mmap64", "munmap", "mprotect",
                                            "makecontext", NULL };

/* ---- flags and files shared by several profiles ---- */

/*
 * Every compile.  The student's file is built with -O1 (-g keeps
 * Helgrind's file:line exact); the kit's sources with -O0, which compiles
 * twice as fast.
 */
static const char *const cflags[] = { "-std=gnu11", "-g", "-pthread", "-Wall", "-Wextra",
                                      "-Werror=implicit-function-declaration", "-fno-common",
                                      "-fno-omit-frame-pointer", NULL };
static const char *const harness_headers[] = { "harness/racecourse_test.h",
                                               "harness/exit_guard.h",
                                               "harness/fault_inject.h",
                                               "harness/fault_tests.h",
                                               "harness/helgrind_hidden.h",
                                               "harness/mem_guard.h",
                                               "harness/resource_check.h",
                                               "harness/test_schedules.h", NULL };

const build_profile build_profiles[] = {
    {
        .name = "tests",
        .what = "the graded test binary (the hidden tests when the kit has them)",
        .main = "public_tests.c", .main_in = BUILD_IN_EXERCISE,
        .criterion = true, .hidden_tests = true,
        .sources = LIST("harness/test_support.c", "harness/exit_guard.c",
                        "harness/report_hook.c", "harness/fd_guard.c",
                        "harness/print_guard.c", "harness/fault_inject.c",
                        "harness/mem_guard.c", "harness/test_schedules.c"),
        .sources_uv = LIST("harness/fault_inject_uv.c"),
        .headers = harness_headers,
        .cflags = cflags, .student_cflags = LIST("-O1"), .kit_cflags = LIST("-O0"),
        .guards = LISTS(guard_fd, guard_print, guard_memory),
        .wraps = LIST("harness/wraps/exit.txt", "harness/wraps/faults.txt",
                      "harness/wraps/tests.txt", "harness/wraps/schedules.txt"),
        .wraps_uv = LIST("harness/wraps/faults_uv.txt"),
        .scheduler = true,
        .libs = LIST("-lcriterion", "-lcjson"), .libs_after = LIST("-lm"),
    },
    {
        .name = "race",
        .what = "the graded race driver, run under Helgrind (or memcheck)",
        .main = NULL, .main_in = BUILD_IN_TESTS,
        .sources = LIST("harness/test_support.c", "harness/exit_guard.c",
                        "harness/fd_guard.c", "harness/print_guard.c",
                        "harness/mem_guard.c", "harness/race_watchdog.c",
                        "harness/resource_check.c"),
        .headers = harness_headers,
        .cflags = cflags, .student_cflags = LIST("-O1"), .kit_cflags = LIST("-O0"),
        .guards = LISTS(guard_fd, guard_print, guard_memory),
        /* race drivers may force interleavings too (rc_late_wakeups...) */
        .wraps = LIST("harness/wraps/exit.txt", "harness/wraps/tests.txt"),
        .libs_after = LIST("-lm"),
    },
    {
        .name = "tsan",
        .what = "the race driver with ThreadSanitizer (make tsan)",
        .main = "race_driver.c", .main_in = BUILD_IN_TESTS,
        .sources = LIST("harness/test_support.c", "harness/exit_guard.c",
                        "harness/tsan_support.c", "harness/race_watchdog.c"),
        .headers = harness_headers,
        .cflags = cflags, .student_cflags = LIST("-O1", "-fsanitize=thread"),
        .kit_cflags = LIST("-O1", "-fsanitize=thread"),
        .wraps = LIST("harness/wraps/exit.txt", "harness/wraps/tsan.txt"),
        .libs_after = LIST("-lm"),
    },
    {
        .name = "coverage",
        .what = "the test binary, the student's file measured (make coverage)",
        .main = "public_tests.c", .main_in = BUILD_IN_EXERCISE,
        .criterion = true, .hidden_tests = true,
        .sources = LIST("harness/test_support.c", "harness/exit_guard.c",
                        "harness/coverage_dump.c", "harness/mem_guard.c",
                        "harness/fd_guard.c", "harness/fault_inject.c"),
        .sources_uv = LIST("harness/fault_inject_uv.c"),
        .headers = harness_headers,
        .cflags = cflags, .student_cflags = LIST("-O0", "--coverage"), .kit_cflags = LIST("-O0"),
        .guards = LISTS(guard_memory),
        .wraps = LIST("harness/wraps/exit.txt", "harness/wraps/faults.txt"),
        .wraps_uv = LIST("harness/wraps/faults_uv.txt"),
        .scheduler = true,
        .libs = LIST("-lcriterion"), .libs_after = LIST("-lm", "-lgcov"),
    },
    {
        .name = "demo",
        .what = "the demo program beside an exercise (make demo)",
        .main = "demo.c", .main_in = BUILD_IN_EXERCISE,
        .cflags = LIST("-std=gnu11", "-g", "-Wall", "-Wextra",
                       "-Werror=implicit-function-declaration", "-pthread"),
        .student_cflags = LIST("-O1"), .kit_cflags = LIST("-O1"),
        .libs_after = LIST("-lm"),
    },
    { .name = NULL },
};

const build_profile *build_profile_find(const char *name)
{
    for (const build_profile *p = build_profiles; p->name; p++)
        if (!strcmp(p->name, name))
            return p;
    return NULL;
}

bool build_uses_hidden_tests(const char *tests_dir, const char *slug, bool public_only)
{
    char *path;
    bool found;

    if (public_only)
        return false;
    path = xasprintf("%s/%s/hidden_tests.c", tests_dir, slug);
    found = is_file(path);
    free(path);
    return found;
}

const char *build_tests_file(bool hidden)
{
    return hidden ? "hidden_tests.c" : "public_tests.c";
}

bool build_links_uv(const char *libs)
{
    char *copy = xstrdup(libs), *save = NULL;
    bool found = false;

    for (char *lib = strtok_r(copy, " \t", &save); lib; lib = strtok_r(NULL, " \t", &save))
        found = found || !strcmp(lib, "uv");
    free(copy);
    return found;
}

/* A growing NULL-terminated array of strings. */
typedef struct strv {
    char **items;
    size_t n;
} strv;

static void strv_push(strv *v, char *item)
{
    v->items = xrealloc(v->items, (v->n + 2) * sizeof *v->items);
    v->items[v->n++] = item;
    v->items[v->n] = NULL;
}

static void strv_push_all(strv *v, const char *const *items)
{
    for (size_t i = 0; items && items[i]; i++)
        strv_push(v, xstrdup(items[i]));
}

static char **strv_done(strv *v)
{
    if (!v->items)
        v->items = xcalloc(1, sizeof *v->items);
    return v->items;
}

static void strv_free(char **items)
{
    for (size_t i = 0; items && items[i]; i++)
        free(items[i]);
    free(items);
}

int build_wrap_flag(const char *path, char **flag)
{
    char *text = read_file(path, NULL), *save = NULL;
    strbuf sb = STRBUF_INIT;

    *flag = NULL;
    if (!text)
        return errno;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *hash = strchr(line, '#');
        char *name;

        if (hash)
            *hash = '\0';
        name = line + strspn(line, " \t");
        name[strcspn(name, " \t\r")] = '\0';
        if (*name)
            strbuf_addf(&sb, "%s--wrap=%s", sb.len ? "," : "-Wl,", name);
    }
    if (sb.len)
        *flag = strbuf_detach(&sb);
    strbuf_release(&sb);
    free(text);
    return 0;
}

/* The linker flag of the wrap list `file` (kit-relative), when it names a call. */
static int push_wrap_file(strv *link, const char *kit_dir, const char *file, char **error)
{
    char *path = xasprintf("%s/%s", kit_dir, file), *flag;
    int err = build_wrap_flag(path, &flag);

    if (err)
        *error = xasprintf("cannot read \"%s\": %s", path, strerror(err));
    else if (flag)
        strv_push(link, flag);
    free(path);
    return err;
}

/*
 * The scheduler's source the profiles leave out (build_plan_make()): it
 * only includes harness/fault_inject.c, which they link already.
 */
static const char *const scheduler_skipped = "fault.c";

/*
 * Adds the scheduler's sources (but scheduler_skipped) and headers of the
 * kit at `kit_dir` to `sources` and `headers`, in name order.  Returns 0
 * or an errno value with *error set.
 */
static int push_scheduler(strv *sources, strv *headers, const char *kit_dir, char **error)
{
    char *dir = xasprintf("%s/%s", kit_dir, BUILD_SCHEDULER_DIR);
    struct dirent **entries;
    int n = scandir(dir, &entries, NULL, dirent_by_name), err = n < 0 ? errno : 0;

    if (err)
        *error = xasprintf("cannot read \"%s\": %s", dir, strerror(err));
    for (int i = 0; i < n; i++) {
        const char *name = entries[i]->d_name;
        bool hidden = name[0] == '.';

        if (!hidden && ends_with(name, ".c") && strcmp(name, scheduler_skipped))
            strv_push(sources, xasprintf("%s/%s", BUILD_SCHEDULER_DIR, name));
        else if (!hidden && ends_with(name, ".h"))
            strv_push(headers, xasprintf("%s/%s", BUILD_SCHEDULER_DIR, name));
        free(entries[i]);
    }
    if (n >= 0)
        free(entries);
    free(dir);
    return err;
}

/*
 * The manifest's libs ("pthread uv m") as linker flags; pthread comes with
 * -pthread.  Under the scheduler (`scheduled`) libuv is linked statically,
 * libuv_a.a from libuv1-dev: --wrap then reaches its own pthread calls
 * (uv_mutex_*, uv_cond_*, uv_sem_*, uv_thread_*, uv_barrier_*, uv_once),
 * its clock reads and its epoll waits (docs/scheduler.md, "libuv").
 */
static void push_manifest_libs(strv *link, const char *libs, bool scheduled)
{
    char *copy = xstrdup(libs), *save = NULL;

    for (char *lib = strtok_r(copy, " \t", &save); lib; lib = strtok_r(NULL, " \t", &save))
        if (scheduled && !strcmp(lib, "uv"))
            strv_push(link, xstrdup(BUILD_LIBUV_STATIC));
        else if (strcmp(lib, "pthread"))
            strv_push(link, xasprintf("-l%s", lib));
    free(copy);
}

/*
 * gold, binutils' other linker, when the machine has it: it links a test
 * program in about a third of ld.bfd's time (16 against 43 ms here), and
 * a grading links two programs an exercise.  Newer binutils ship it apart
 * (Debian's binutils-gold) or not at all; then gcc's default linker.
 */
static void push_linker(strv *link)
{
    if (access(BUILD_GOLD, X_OK) == 0)
        strv_push(link, xstrdup("-fuse-ld=gold"));
}

static int header_file(const struct dirent *entry)
{
    return entry->d_name[0] != '.' && ends_with(entry->d_name, ".h");
}

/*
 * The exercise's headers besides its interface SLUG.h (copied on its
 * own): what its public and hidden tests share, e.g.
 * exercises/process_pool/pool_tests.h.  Kit-relative paths, by name.
 */
static void push_exercise_headers(strv *headers, const char *kit_dir, const char *slug)
{
    char *dir = xasprintf("%s/exercises/%s", kit_dir, slug);
    char *interface = xasprintf("%s.h", slug);
    struct dirent **entries = NULL;
    int n = scandir(dir, &entries, header_file, dirent_by_name);

    for (int i = 0; i < n; i++) {
        if (strcmp(entries[i]->d_name, interface) != 0)
            strv_push(headers, xasprintf("exercises/%s/%s", slug, entries[i]->d_name));
        free(entries[i]);
    }
    free(entries);
    free(interface);
    free(dir);
}

int build_plan_make(const build_profile *p, const manifest_exercise *ex, const char *kit_dir,
                    const char *tests_dir, bool public_only, build_plan *out, char **error)
{
    strv sources = { 0 }, headers = { 0 }, guards = { 0 }, wraps = { 0 }, link = { 0 };
    int err = 0;

    memset(out, 0, sizeof *out);
    out->profile = p;
    out->uv = build_links_uv(ex->libs);
    out->hidden = p->hidden_tests && build_uses_hidden_tests(tests_dir, ex->slug, public_only);
    if (out->hidden)
        out->main = xasprintf("%s/%s/%s", tests_dir, ex->slug, build_tests_file(true));
    else if (p->main_in == BUILD_IN_TESTS)
        out->main = xasprintf("%s/%s/%s", tests_dir, ex->slug,
                              p->main ? p->main : manifest_driver(ex));
    else
        out->main = xasprintf("%s/exercises/%s/%s", kit_dir, ex->slug, p->main);
    strv_push_all(&sources, p->sources);
    if (out->uv)
        strv_push_all(&sources, p->sources_uv);
    strv_push_all(&headers, p->headers);
    push_exercise_headers(&headers, kit_dir, ex->slug);
    for (size_t i = 0; p->guards && p->guards[i]; i++)
        strv_push_all(&guards, p->guards[i]);
    strv_push_all(&wraps, p->wraps);
    if (out->uv)
        strv_push_all(&wraps, p->wraps_uv);
    out->scheduler = p->scheduler && ex->schedules > 0;
    if (out->scheduler) {
        err = push_scheduler(&sources, &headers, kit_dir, error);
        strv_push(&wraps, xstrdup(BUILD_SCHEDULER_WRAPS));
    }
    push_linker(&link);
    for (size_t i = 0; !err && i < wraps.n; i++)
        err = push_wrap_file(&link, kit_dir, wraps.items[i], error);
    strv_push_all(&link, p->libs);
    push_manifest_libs(&link, ex->libs, out->scheduler);
    strv_push_all(&link, p->libs_after);
    out->sources = strv_done(&sources);
    out->headers = strv_done(&headers);
    out->guards = strv_done(&guards);
    out->wraps = strv_done(&wraps);
    out->link = strv_done(&link);
    if (err)
        build_plan_free(out);
    return err;
}

void build_plan_free(build_plan *plan)
{
    free(plan->main);
    strv_free(plan->sources);
    strv_free(plan->headers);
    strv_free(plan->guards);
    strv_free(plan->wraps);
    strv_free(plan->link);
    memset(plan, 0, sizeof *plan);
}

/* ---- --print-build ---- */

static bool printable(const char *value)
{
    return !strpbrk(value, "\t\n");
}

static int print_item(FILE *out, const char *key, const char *value)
{
    if (!printable(value))
        return EINVAL;
    fprintf(out, "%s\t%s\n", key, value);
    return 0;
}

static int print_list(FILE *out, const char *key, const char *const *values)
{
    int err = 0;

    for (size_t i = 0; !err && values && values[i]; i++)
        err = print_item(out, key, values[i]);
    return err;
}

/* KEY<TAB>KIT/PATH for each kit-relative path, and its folder as an include. */
static int print_paths(FILE *out, const char *key, const char *kit_dir, char **paths)
{
    int err = 0;

    for (size_t i = 0; !err && paths[i]; i++) {
        char *path = xasprintf("%s/%s", kit_dir, paths[i]);

        err = print_item(out, key, path);
        free(path);
    }
    return err;
}

/* Adds the folder of each kit-relative path to `dirs`, once. */
static void add_dirs(strv *dirs, const char *kit_dir, char **paths)
{
    for (size_t i = 0; paths[i]; i++) {
        const char *slash = strrchr(paths[i], '/');
        char *dir = slash ? xasprintf("%s/%.*s", kit_dir, (int)(slash - paths[i]), paths[i])
                          : xstrdup(kit_dir);
        bool seen = false;

        for (size_t k = 0; k < dirs->n && !seen; k++)
            seen = !strcmp(dirs->items[k], dir);
        if (seen)
            free(dir);
        else
            strv_push(dirs, dir);
    }
}

/*
 * The folders the sources include from: the exercise's (its header),
 * then those of the kit's sources and headers.
 */
static int print_includes(FILE *out, const build_plan *plan, const char *kit_dir,
                          const char *slug)
{
    strv dirs = { 0 };
    int err;

    strv_push(&dirs, xasprintf("%s/exercises/%s", kit_dir, slug));
    add_dirs(&dirs, kit_dir, plan->sources);
    add_dirs(&dirs, kit_dir, plan->headers);
    err = print_list(out, "include", (const char *const *)dirs.items);
    strv_free(dirs.items);
    return err;
}

int build_plan_print(const build_plan *plan, const char *kit_dir, const char *slug, FILE *out)
{
    const build_profile *p = plan->profile;
    int err = print_item(out, "profile", p->name);

    if (!err && p->criterion)
        err = print_item(out, "tests", plan->hidden ? "hidden" : "public");
    if (!err)
        err = print_list(out, "cflags", p->cflags);
    if (!err)
        err = print_list(out, "student-cflags", p->student_cflags);
    if (!err)
        err = print_list(out, "kit-cflags", p->kit_cflags);
    if (!err)
        err = print_includes(out, plan, kit_dir, slug);
    if (!err)
        err = print_item(out, "main", plan->main);
    if (!err)
        err = print_paths(out, "source", kit_dir, plan->sources);
    if (!err)
        err = print_list(out, "guard", (const char *const *)plan->guards);
    if (!err)
        err = print_list(out, "link", (const char *const *)plan->link);
    return err;
}
