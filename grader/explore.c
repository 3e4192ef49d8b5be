/* explore.c - `grade explore`: options, build, one contained run; see explore.h. */
#define _GNU_SOURCE
#include "explore.h"
#include "build_profiles.h"
#include "explore_report.h"
#include "object_cache.h"
#include "sandbox.h"
#include "toolchain.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { EXIT_PASSED = 0, EXIT_FOUND = 1, EXIT_USAGE = 2 };
#define MAX_ARGS 4096

typedef struct explore_options {
    int schedules;
    uint64_t seed;
    const char *strategy;       /* "random" or "pct" */
    int depth;
    bool replay;                /* seed is the schedule to replay */
    const char *json_path;      /* --json FILE, or NULL */
    char **files;               /* FILE.c... */
    size_t n_files;
    char **args;                /* after "--" */
    size_t n_args;
} explore_options;

static void usage(FILE *out)
{
    fprintf(out,
        "usage: grade explore [options] FILE.c... [-- ARGS...]\n"
        "Runs a pthread program (one of the files has main) under the kit's controlled\n"
        "scheduler: each schedule is one interleaving of its threads, chosen by a seed;\n"
        "time is virtual.  Stops at the first schedule that fails (assertion, crash,\n"
        "non-zero exit, deadlock, busy-wait, limit) and prints how to replay it.\n\n"
        "  --schedules N      schedules to run (default: %d)\n"
        "  --seed S           the first schedule's seed, decimal or 0x hex (default:\n"
        "                     0x%llx); schedule i runs with S + i\n"
        "  --strategy NAME    random (a random walk, default) or pct (random priorities\n"
        "                     with D - 1 change points)\n"
        "  --depth D          PCT's bug depth (default: 3)\n"
        "  --replay SEED      run that one schedule again, with its whole trace\n"
        "  --json FILE        write the outcome as JSON (docs/explore.md)\n\n"
        "A thread switch happens only at a synchronisation call: a race between two\n"
        "plain memory accesses is Helgrind's job (make race).  See docs/explore.md.\n\n"
        "Exit status: 0 every schedule passed, 1 a failing schedule was found, 2 usage\n"
        "or build error.\n", EXPLORE_SCHEDULES, (unsigned long long)EXPLORE_SEED);
}

/* A 64-bit seed, decimal or 0x hex. */
static bool parse_seed(const char *text, uint64_t *out)
{
    bool hex = !strncasecmp(text, "0x", 2);
    const char *digits = hex ? text + 2 : text;
    char *end;
    unsigned long long value;

    if (!*digits || *digits == '-' || *digits == '+' || *digits == ' ')
        return false;
    errno = 0;
    value = strtoull(digits, &end, hex ? 16 : 10);
    if (errno || *end)
        return false;
    *out = value;
    return true;
}

/* Fills `o`; -1 after saying what is wrong, 1 after --help. */
static int parse_args(int argc, char **argv, explore_options *o)
{
    enum { OPT_SCHEDULES = 1000, OPT_SEED, OPT_STRATEGY, OPT_DEPTH, OPT_REPLAY, OPT_JSON,
           OPT_HELP };
    static const struct option options[] = {
        { "schedules", required_argument, NULL, OPT_SCHEDULES },
        { "seed", required_argument, NULL, OPT_SEED },
        { "strategy", required_argument, NULL, OPT_STRATEGY },
        { "depth", required_argument, NULL, OPT_DEPTH },
        { "replay", required_argument, NULL, OPT_REPLAY },
        { "json", required_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, OPT_HELP },
        { 0 },
    };
    const char *bad = NULL;
    int opt, n_opts = argc;

    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--")) {
            n_opts = i;
            o->args = argv + i + 1;
            o->n_args = (size_t)(argc - i - 1);
            break;
        }
    optind = 1;
    while (!bad && (opt = getopt_long(n_opts, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case OPT_SCHEDULES:
            if (!parse_count(optarg, 1, 100000000, &o->schedules))
                bad = "--schedules takes a number from 1 to 100000000";
            break;
        case OPT_SEED:
            if (!parse_seed(optarg, &o->seed))
                bad = "--seed takes a 64-bit number, decimal or 0x hex";
            break;
        case OPT_REPLAY:
            if (!parse_seed(optarg, &o->seed))
                bad = "--replay takes the seed a failure printed, e.g. 0x5eed0024";
            o->replay = true;
            break;
        case OPT_STRATEGY:
            if (strcmp(optarg, "random") && strcmp(optarg, "pct"))
                bad = "--strategy is random or pct";
            o->strategy = optarg;
            break;
        case OPT_DEPTH:
            if (!parse_count(optarg, 1, 100, &o->depth))
                bad = "--depth takes a number from 1 to 100";
            break;
        case OPT_JSON:      o->json_path = optarg; break;
        case OPT_HELP:      usage(stdout); return 1;
        default:            bad = ""; break;
        }
    }
    o->files = argv + optind;
    o->n_files = (size_t)(n_opts - optind);
    if (!bad && o->n_files == 0)
        bad = "no program: give its .c files";
    for (size_t i = 0; !bad && i < o->n_files; i++) {
        if (!ends_with(o->files[i], ".c"))
            bad = "the program's files are .c files (options go before them, the program's "
                  "arguments after --)";
        else if (!is_file(o->files[i]))
            bad = "a file given does not exist";
    }
    if (bad) {
        if (*bad)
            fprintf(stderr, "grade explore: %s\n", bad);
        fprintf(stderr, "Try 'grade explore --help'.\n");
        return -1;
    }
    return 0;
}

/* Appends `word` to `sb`, quoted for a POSIX shell when it needs it. */
static void add_shell_word(strbuf *sb, const char *word)
{
    if (*word && strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "0123456789_-./=:,+@%") == strlen(word)) {
        strbuf_addstr(sb, word);
        return;
    }
    strbuf_addstr(sb, "'");
    for (const char *p = word; *p; p++) {
        if (*p == '\'')
            strbuf_addstr(sb, "'\\''");
        else
            strbuf_add(sb, p, 1);
    }
    strbuf_addstr(sb, "'");
}

/* A growing argv whose strings it owns. */
typedef struct arglist {
    char **v;
    size_t n;
} arglist;

static void arg_push(arglist *a, char *owned)
{
    a->v = xrealloc(a->v, (a->n + 2) * sizeof *a->v);
    a->v[a->n++] = owned;
    a->v[a->n] = NULL;
}

static void arg_free(arglist *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
}

/* The linker flag that wraps the calls of the wrap list `list` (build_wrap_flag). */
static int add_wraps(const char *list, arglist *a)
{
    char *flag;
    int err = build_wrap_flag(list, &flag);

    if (!err && flag)
        arg_push(a, flag);
    return err;
}

/*
 * Copies into `to` the files of folder `from` whose names end in one of
 * `suffixes` (".c", ".h"), their names appended to `names` when it is not
 * NULL; files already in `to` are left alone.  0 or an errno value.
 */
static int copy_matching(const char *from, const char *to, const char *const *suffixes,
                         arglist *names, const char *prefix)
{
    DIR *dir = opendir(from);
    struct dirent *entry;
    int err = 0;

    if (!dir)
        return errno;
    while (!err && (entry = readdir(dir))) {
        const char *name = entry->d_name;
        bool match = false;
        char *src, *dst;

        for (const char *const *s = suffixes; *s; s++)
            match = match || ends_with(name, *s);
        if (!match || name[0] == '.')
            continue;
        src = xasprintf("%s/%s", from, name);
        dst = xasprintf("%s/%s", to, name);
        if (is_file(src) && !is_file(dst))
            err = copy_file(src, dst, 0644);
        if (!err && names && is_file(src) && ends_with(name, ".c"))
            arg_push(names, xasprintf("%s%s", prefix, name));
        free(src);
        free(dst);
    }
    closedir(dir);
    return err;
}

/*
 * Copies the .c and .h files of KIT/harness to work/harness: the runtime
 * includes the harness's fault injection as "../harness/...".
 * 0 or an errno value.
 */
static int copy_harness(const char *kit, const char *work)
{
    static const char *const sources[] = { ".c", ".h", NULL };
    char *from = xasprintf("%s/harness", kit), *to = xasprintf("%s/harness", work);
    int err = 0;

    if (is_dir(from)) {
        if (mkdir(to, 0755) != 0)
            err = errno;
        else
            err = copy_matching(from, to, sources, NULL, NULL);
    }
    free(from);
    free(to);
    return err;
}

/*
 * Whether the program file `path` includes <uv.h>: then libuv is linked
 * statically (libuv_a.a), so that its own clock reads and epoll waits
 * are wrapped too (docs/explore.md).
 */
static bool uses_libuv(const char *path)
{
    char *text = read_file(path, NULL);
    bool uses = text && (strstr(text, "<uv.h>") || strstr(text, "\"uv.h\""));

    free(text);
    return uses;
}

/*
 * Compiles each runtime source named in `sources` ("scheduler/core.c" ...,
 * in `work`) into an object beside it, or takes it from the kit's object
 * cache (object_cache.h): the runtime is the same for every program.
 * Pushes the objects' names onto `argv`.  Returns 0; 1 after printing
 * the compiler's errors; or an errno value with *error set.
 */
static int runtime_objects(const char *kit, const char *work, const arglist *sources,
                           unsigned run_as, arglist *argv, char **error)
{
    static char *const flags[] = { "-std=gnu11", "-g", "-O1", "-pthread",
                                   "-I" BUILD_SCHEDULER_DIR, NULL };
    char *cache = object_cache_dir(kit), *log = NULL;
    int err = 0;

    for (size_t i = 0; !err && i < sources->n; i++) {
        char *object = xstrdup(sources->v[i]);
        int code;

        object[strlen(object) - 1] = 'o';
        code = kit_object(cache, work, sources->v[i], object, flags, run_as, &log);
        if (code < 0) {
            err = errno;
            *error = xasprintf("cannot run the compiler: %s", strerror(err));
        } else if (code != 0) {
            fprintf(stderr, "grade explore: the runtime does not compile:\n%s", log);
            err = 1;
        }
        free(log);
        log = NULL;
        if (!err)
            arg_push(argv, object);
        else
            free(object);
    }
    free(cache);
    return err;
}

/*
 * Copies the program's files (and the headers beside them) and the
 * runtime into `work`, and compiles work/prog there (the runtime's
 * objects cached: runtime_objects()).  Returns 0; 1 after printing the
 * compiler's errors; or an errno value with *error set.
 */
static int build(const explore_options *o, const char *kit, const char *work, unsigned run_as,
                 char **error)
{
    static const char *const headers[] = { ".h", NULL }, *const sources[] = { ".c", ".h", NULL };
    char *sched = xasprintf("%s/%s", kit, BUILD_SCHEDULER_DIR);
    char *sched_copy = xasprintf("%s/%s", work, BUILD_SCHEDULER_DIR);
    char *list = xasprintf("%s/%s", kit, BUILD_SCHEDULER_WRAPS), *log = NULL;
    arglist argv = { 0 }, runtime = { 0 };
    int err = 0, code;
    bool libuv = false;

    arg_push(&argv, xstrdup("gcc"));
    arg_push(&argv, xstrdup("-std=gnu11"));
    arg_push(&argv, xstrdup("-g"));
    arg_push(&argv, xstrdup("-O1"));
    arg_push(&argv, xstrdup("-pthread"));
    arg_push(&argv, xstrdup("-I" BUILD_SCHEDULER_DIR));
    arg_push(&argv, xstrdup("-o"));
    arg_push(&argv, xstrdup("prog"));
    for (size_t i = 0; !err && i < o->n_files; i++) {
        char *copy = xstrdup(o->files[i]), *name = basename(copy);
        char *dst = xasprintf("%s/%s", work, name), *dir = xstrdup(o->files[i]);

        if (is_file(dst))
            err = EEXIST, *error = xasprintf("two files named \"%s\": give each once", name);
        else if ((err = copy_file(o->files[i], dst, 0644)) != 0)
            *error = xasprintf("cannot copy \"%s\": %s", o->files[i], strerror(err));
        else
            arg_push(&argv, xstrdup(name));
        libuv |= !err && uses_libuv(o->files[i]);
        if (!err)
            (void)copy_matching(dirname(dir), work, headers, NULL, NULL);
        free(copy);
        free(dst);
        free(dir);
    }
    /* The runtime's objects are compiled beside its sources, as run_as. */
    if (!err && (mkdir(sched_copy, 0755) != 0 ||
                 (geteuid() == 0 && chown(sched_copy, run_as ? run_as : SANDBOX_NOBODY,
                                          run_as ? run_as : SANDBOX_NOBODY) != 0) ||
                 (err = copy_matching(sched, sched_copy, sources, &runtime, BUILD_SCHEDULER_DIR "/")) != 0)) {
        err = err ? err : errno;
        *error = xasprintf("cannot copy the runtime \"%s\": %s", sched, strerror(err));
    }
    if (!err && (err = copy_harness(kit, work)) != 0)
        *error = xasprintf("cannot copy the kit's harness: %s", strerror(err));
    if (!err)
        err = runtime_objects(kit, work, &runtime, run_as, &argv, error);
    if (!err && (err = add_wraps(list, &argv)) != 0)
        *error = xasprintf("cannot read \"%s\": %s", list, strerror(err));
    if (!err) {
        if (libuv)
            arg_push(&argv, xstrdup(BUILD_LIBUV_STATIC));
        arg_push(&argv, xstrdup("-lm"));
        code = tool_run(argv.v, work, run_as, 256u << 10, &log);
        if (code < 0) {
            err = errno;
            *error = xasprintf("cannot run the compiler: %s", strerror(err));
        } else if (code != 0) {
            fprintf(stderr, "grade explore: the program does not compile:\n%s", log);
            err = 1;
        }
    }
    free(log);
    arg_free(&argv);
    arg_free(&runtime);
    free(sched);
    free(sched_copy);
    free(list);
    return err;
}

/* Passed on from our environment when set: the runtime's limits. */
static const char *const passed_env[] = { "RC_SCHED_MAX_STEPS", "RC_SCHED_MAX_TIME",
                                          "RC_SCHED_WALL_S", NULL };

/* Runs work/prog once under the sandbox; *report is the runtime's report text or NULL. */
static int run(const explore_options *o, const char *work, unsigned run_as,
               sandbox_result *result, char **report)
{
    char *report_path = xasprintf("%s/report.json", work);
    arglist argv = { 0 }, env = { 0 };
    sandbox_job job = {
        .workdir = work,
        .report_fd = -1,
        .run_as = run_as,
        .limits = SANDBOX_DEFAULT_LIMITS,
    };
    int err;

    arg_push(&argv, xasprintf("%s/prog", work));
    for (size_t i = 0; i < o->n_args; i++)
        arg_push(&argv, xstrdup(o->args[i]));
    arg_push(&env, xstrdup("PATH=/usr/bin:/bin"));
    arg_push(&env, xstrdup("LANG=C"));
    arg_push(&env, xasprintf("RC_SCHED_RUNS=%d", o->replay ? 1 : o->schedules));
    arg_push(&env, xasprintf("RC_SCHED_SEED=0x%" PRIx64, o->seed));
    arg_push(&env, xasprintf("RC_SCHED_STRATEGY=%s", o->strategy));
    arg_push(&env, xasprintf("RC_SCHED_DEPTH=%d", o->depth));
    arg_push(&env, xasprintf("RC_SCHED_REPORT=%s", report_path));
    arg_push(&env, xstrdup(o->replay ? "RC_SCHED_TRACE=all" : "RC_SCHED_TRACE=tail"));
    for (const char *const *name = passed_env; *name; name++)
        if (getenv(*name))
            arg_push(&env, xasprintf("%s=%s", *name, getenv(*name)));
    job.argv = argv.v;
    job.envp = env.v;
    job.limits.wall_s = EXPLORE_WALL_S;
    job.limits.cpu_s = EXPLORE_WALL_S;
    err = sandbox_run(&job, result);
    *report = err ? NULL : read_file(report_path, NULL);
    arg_free(&argv);
    arg_free(&env);
    free(report_path);
    return err;
}

/* Says why a run left no report, with the end of its output. */
static void explain_no_report(const sandbox_result *r)
{
    char *tail = r->output ? r->output : "";
    size_t len = strlen(tail);

    if (r->timed_out)
        fprintf(stderr, "grade explore: the run took more than %g s and was stopped; try fewer "
                "--schedules, or RC_SCHED_WALL_S for a lower limit per schedule\n",
                EXPLORE_WALL_S);
    else if (r->signal)
        fprintf(stderr, "grade explore: the run was killed by %s before the scheduler wrote "
                "its report\n", signal_description(r->signal));
    else
        fprintf(stderr, "grade explore: the run ended (exit status %d) without a report from "
                "the scheduler\n", r->exit_code);
    if (len > 2048)
        tail += len - 2048;
    if (*tail)
        fprintf(stderr, "Its output (the end):\n%s%s", tail,
                tail[strlen(tail) - 1] == '\n' ? "" : "\n");
}

/* "FILE.c..." and "[--strategy pct --depth D] FILE.c... [-- ARGS...]", shell-quoted. */
static void describe(const explore_options *o, char **program, char **replay_args)
{
    strbuf prog = STRBUF_INIT, args = STRBUF_INIT;

    if (!strcmp(o->strategy, "pct"))
        strbuf_addf(&args, "--strategy pct --depth %d ", o->depth);
    for (size_t i = 0; i < o->n_files; i++) {
        strbuf_addstr(&prog, i ? " " : "");
        strbuf_addstr(&prog, o->files[i]);
        strbuf_addstr(&args, i ? " " : "");
        add_shell_word(&args, o->files[i]);
    }
    if (o->n_args)
        strbuf_addstr(&args, " --");
    for (size_t i = 0; i < o->n_args; i++) {
        strbuf_addstr(&args, " ");
        add_shell_word(&args, o->args[i]);
    }
    *program = strbuf_detach(&prog);
    *replay_args = strbuf_detach(&args);
}

/* Prints and writes what the report says; the exit status. */
static int conclude(const explore_options *o, const char *text)
{
    cJSON *report = explore_report_parse(text);
    explore_context ctx = { .replay_command = NULL, .replay = o->replay };
    char *program, *replay_args, *command;
    int status, err;

    if (!report) {
        fprintf(stderr, "grade explore: the scheduler's report is not what it should be:\n%.2000s\n",
                text);
        return EXIT_USAGE;
    }
    describe(o, &program, &replay_args);
    command = xasprintf("%s explore", program_invocation_name);
    ctx.program = program;
    ctx.replay_command = command;
    ctx.replay_args = replay_args;
    explore_report_print(report, &ctx, stdout);
    status = explore_report_failure(report) ? EXIT_FOUND : EXIT_PASSED;
    if (o->json_path && (err = explore_report_write_json(report, &ctx, o->json_path)) != 0) {
        fprintf(stderr, "grade explore: cannot write \"%s\": %s\n", o->json_path, strerror(err));
        status = EXIT_USAGE;
    }
    cJSON_Delete(report);
    free(program);
    free(replay_args);
    free(command);
    return status;
}

/* A private folder base/work that runs as `run_as` may write; NULL with errno. */
static char *make_dirs(char **base, unsigned run_as)
{
    const char *tmp = getenv("TMPDIR");
    uid_t owner = run_as ? run_as : SANDBOX_NOBODY;
    char *work;

    *base = xasprintf("%s/explore.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(*base)) {
        free(*base);
        *base = NULL;
        return NULL;
    }
    work = xasprintf("%s/work", *base);
    if (chmod(*base, 0711) != 0 || mkdir(work, 0755) != 0 ||
        (geteuid() == 0 && chown(work, owner, owner) != 0)) {
        free(work);
        return NULL;
    }
    return work;
}

int explore_main(int argc, char **argv, const char *kit_dir)
{
    explore_options o = { .schedules = EXPLORE_SCHEDULES, .seed = EXPLORE_SEED,
                          .strategy = "random", .depth = 3 };
    char *sched = xasprintf("%s/scheduler/wrapped-calls.txt", kit_dir);
    char *base = NULL, *work = NULL, *error = NULL, *report = NULL;
    sandbox_result result = { 0 };
    unsigned run_as = 0;
    int status = EXIT_USAGE, err;

    err = parse_args(argc, argv, &o);
    if (err) {
        free(sched);
        return err > 0 ? EXIT_PASSED : EXIT_USAGE;
    }
    if (!is_file(sched)) {
        fprintf(stderr, "grade explore: this kit has no scheduler runtime (\"%s\" is missing)\n",
                sched);
        goto out;
    }
    sandbox_init();
    run_as = sandbox_claim_user();
    work = make_dirs(&base, run_as);
    if (!work) {
        fprintf(stderr, "grade explore: cannot make a work folder: %s\n", strerror(errno));
        goto out;
    }
    err = build(&o, kit_dir, work, run_as, &error);
    if (err) {
        if (error)
            fprintf(stderr, "grade explore: %s\n", error);
        goto out;
    }
    err = run(&o, work, run_as, &result, &report);
    if (err)
        fprintf(stderr, "grade explore: cannot run the program: %s\n", strerror(err));
    else if (!report)
        explain_no_report(&result);
    else
        status = conclude(&o, report);
out:
    free(result.output);
    free(report);
    free(error);
    free(work);
    if (base)
        remove_tree(base);
    free(base);
    sandbox_release_user(run_as);
    free(sched);
    return status;
}
