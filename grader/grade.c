/* grade.c - see grade.h. */
#define _GNU_SOURCE
#include "grade.h"
#include "build.h"
#include "debug_symbols.h"
#include "object_cache.h"
#include "race_check.h"
#include "sandbox.h"
#include "seal.h"
#include "test_run.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The copy of the kit's suppressions in an exercise's work folder, sealed with it. */
#define SUPPRESSIONS_COPY "helgrind.supp"

/* The work shared by the grading threads. */
typedef struct grading {
    const grade_options *options;
    const manifest_exercise **exercises;
    exercise_result *results;
    size_t n;
    char *base_dir;                 /* private directory of this submission */
    char *cache_dir;                /* compiled kit objects, or NULL */
    char *debug_symbols;            /* for the race check (debug_symbols.h), or NULL */
    pthread_mutex_t lock;
    size_t *order;                  /* the exercises' indexes, in the order to take them */
    size_t next;                    /* next exercise to take, in order */
    int error;                      /* first error of the grader's own */
    char *error_message;
} grading;

static void set_error(grading *g, int err, char *message)
{
    pthread_mutex_lock(&g->lock);
    if (!g->error) {
        g->error = err;
        g->error_message = message;
        message = NULL;
    }
    pthread_mutex_unlock(&g->lock);
    free(message);
}

/* A directory that the runs (as `run_as`, when we are root) may write. */
static char *make_work_dir(const char *base, const char *slug, unsigned run_as)
{
    char *dir = xasprintf("%s/%s", base, slug);
    uid_t owner = run_as ? run_as : SANDBOX_NOBODY;

    if (mkdir(dir, 0700) != 0 || (geteuid() == 0 && chown(dir, owner, owner) != 0)) {
        free(dir);
        return NULL;
    }
    return dir;
}

/* Whether the hidden tests of `slug` are used (build.h decides). */
static bool has_hidden_tests(const grade_options *o, const char *slug)
{
    return build_uses_hidden_tests(o->tests_dir, slug, o->public_only);
}

/* Marks every test as not run, with `why` as its message. */
static void tests_not_run(const manifest_test *tests, size_t n, const char *why,
                          exercise_result *ex)
{
    ex->tests = xcalloc(n, sizeof *ex->tests);
    ex->n_tests = n;
    for (size_t i = 0; i < n; i++) {
        ex->tests[i].name = xstrdup(tests[i].name);
        ex->tests[i].hint = xstrdup(tests[i].hint);
        ex->tests[i].message = xstrdup(why);
        ex->tests[i].status = TEST_SKIPPED;
        ex->tests[i].max_score = tests[i].points;
    }
}

void grade_tests_not_run(const grade_options *o, const manifest_exercise *mx, const char *why,
                         exercise_result *ex)
{
    if (has_hidden_tests(o, mx->slug))
        tests_not_run(mx->hidden_tests, mx->n_hidden, why, ex);
    else
        tests_not_run(mx->public_tests, mx->n_public, why, ex);
}

/* Keeps, for each test, its first result that is not a pass. */
static void merge_run(exercise_result *ex, test_result *run, int index, int repeat)
{
    for (size_t i = 0; i < ex->n_tests; i++) {
        test_result *kept = &ex->tests[i], *now = &run[i];

        if (kept->status != TEST_PASSED || now->status == TEST_PASSED)
            continue;
        free(kept->message);
        kept->status = now->status;
        kept->score = 0;
        kept->seconds = now->seconds;
        kept->message = repeat > 1 ? xasprintf("%s (on run %d of %d)", now->message,
                                               index + 1, repeat)
                                   : xstrdup(now->message);
        /* What it printed and where it hung go with the run that failed. */
        free(kept->output);
        free(kept->output_file);
        free(kept->stacks);
        kept->output = now->output;
        kept->output_file = now->output_file;
        kept->stacks = now->stacks;
        now->output = now->output_file = now->stacks = NULL;
    }
}

/*
 * Whether the sealed files are as they were built; when they are not, a
 * run changed what the grader runs or reads: *tampered is set.  Checked
 * after every run, not before: a change made before a run, by whatever
 * run made it, is still there when the check after that run looks.
 */
static bool still_sealed(const seal *sealed, bool *tampered)
{
    if (!seal_intact(sealed))
        *tampered = true;
    return !*tampered;
}

static int run_tests(const grade_options *o, const manifest_exercise *mx,
                     const build_output *built, const seal *sealed, unsigned run_as,
                     exercise_result *ex, bool *tampered)
{
    const manifest_test *tests = built->hidden_tests ? mx->hidden_tests : mx->public_tests;
    size_t n = built->hidden_tests ? mx->n_hidden : mx->n_public;
    char *keep = o->output_dir ? xasprintf("%s/%s", o->output_dir, mx->slug) : NULL;
    test_run_request request = {
        .binary = built->test_binary, .work_dir = sealed->scratch,
        .sealed_dir = sealed->dir, .tests = tests, .n_tests = n,
        .test_timeout_s = mx->test_timeout_s, .run_timeout_s = mx->run_timeout_s,
        .time_scale = o->time_scale, .jobs = o->test_jobs, .run_as = run_as,
        .keep_output_dir = keep, .stacks = o->stacks, .student_file = built->student_file,
        .test_file = build_tests_file(built->hidden_tests),
        .processes = mx->processes, .schedules = mx->schedules,
    };
    const manifest_test *only = o->only_test ? manifest_find_test(tests, n, o->only_test)
                                             : NULL;

    if (only) {
        request.tests = tests = only;
        request.n_tests = n = 1;
        request.only_test = only->name;
    }

    for (int r = 0; r < o->repeat && !*tampered; r++) {
        test_result *run = xcalloc(n ? n : 1, sizeof *run);
        int err = test_run(&request, run);

        if (err) {
            free(run);
            free(keep);
            return err;
        }
        if (r == 0) {
            ex->tests = run;
            ex->n_tests = n;
        } else {
            merge_run(ex, run, r, o->repeat);
            test_results_free(run, n);
        }
        if (!still_sealed(sealed, tampered))
            break;
    }
    free(keep);
    if (!ex->tests)
        tests_not_run(tests, n, "not run: the grader's files were changed", ex);
    return 0;
}

static int run_race_check(const grading *g, const manifest_exercise *mx,
                          const build_output *built, const seal *sealed, unsigned run_as,
                          exercise_result *ex, bool *tampered)
{
    const grade_options *o = g->options;
    char *supp = xasprintf("%s/" SUPPRESSIONS_COPY, sealed->dir);
    race_request request = {
        .driver = built->race_binary, .work_dir = sealed->scratch,
        .sealed_dir = sealed->dir, .suppressions = supp,
        .student_file = built->student_file, .timeout_s = mx->race_timeout_s * o->time_scale,
        .run_as = run_as, .debug_symbols = g->debug_symbols,
        .memcheck = mx->check == CHECK_MEMCHECK || mx->check == CHECK_RESOURCES,
        .resources = mx->check == CHECK_RESOURCES, .processes = mx->processes,
    };
    int err = 0;

    for (int r = 0; r < o->repeat && !*tampered; r++) {
        race_result run;

        if ((err = race_check(&request, &run)) != 0)
            break;
        if (r == 0 || (ex->race.status == RACE_CLEAN && run.status != RACE_CLEAN)) {
            race_result previous = ex->race;

            ex->race = run;
            run = previous;
        }
        if (r > 0)
            race_result_free(&run);
        if (!still_sealed(sealed, tampered))
            break;
    }
    free(supp);
    return err;
}

/*
 * Puts the files the runs need next to the programs and seals the work
 * directory (seal.h).  0 or an errno.
 */
static int seal_for_runs(const grade_options *o, const build_output *built, const char *dir,
                         unsigned run_as, seal *sealed)
{
    int err = 0;

    if (built->race_binary) {
        char *from = xasprintf("%s/" KIT_SUPPRESSIONS, o->kit_dir);
        char *to = xasprintf("%s/" SUPPRESSIONS_COPY, dir);

        err = copy_file(from, to, 0644);
        free(from);
        free(to);
    }
    return err ? err : seal_work_dir(dir, run_as, sealed);
}

/* Scores 0 for an exercise whose runs changed the grader's files. */
static void tampered_result(exercise_result *ex)
{
    static const char why[] = "the grader's programs or files in the work folder were "
                              "changed while your code ran; code under test must not "
                              "write files, so this exercise scores 0";

    for (size_t i = 0; i < ex->n_tests; i++) {
        free(ex->tests[i].message);
        ex->tests[i].message = xstrdup(why);
        ex->tests[i].status = TEST_FAILED;
        ex->tests[i].score = 0;
    }
    race_result_free(&ex->race);
    ex->race.status = RACE_CRASHED;
    ex->race.message = xstrdup(why);
}

void grade_score(const grade_options *o, const manifest_exercise *mx, exercise_result *ex)
{
    ex->score = ex->max_score = 0;
    for (size_t i = 0; i < ex->n_tests; i++) {
        ex->score += ex->tests[i].score;
        ex->max_score += ex->tests[i].max_score;
    }
    ex->race.check = mx->check == CHECK_MEMCHECK ? "memcheck"      /* run or not */
        : mx->check == CHECK_RESOURCES ? "resources" : "helgrind";
    ex->race.max_score = o->race && mx->race ? mx->race_points : 0;
    ex->race.score = ex->race.status == RACE_CLEAN ? ex->race.max_score : 0;
    ex->score += ex->race.score;
    ex->max_score += ex->race.max_score;
}

static int grade_exercise(grading *g, const manifest_exercise *mx, exercise_result *ex)
{
    const grade_options *o = g->options;
    double started = now_seconds();
    unsigned run_as = sandbox_claim_user();
    char *dir = make_work_dir(g->base_dir, mx->slug, run_as);
    build_request request = {
        .exercise = mx, .kit_dir = o->kit_dir, .tests_dir = o->tests_dir,
        .submission_dir = o->submission_dir, .work_dir = dir, .race = o->race && mx->race,
        .public_only = o->public_only, .run_as = run_as, .cache_dir = g->cache_dir,
    };
    build_output built = { 0 };
    seal sealed;
    int err;

    ex->slug = xstrdup(mx->slug);
    ex->race.status = RACE_SKIPPED;
    ex->race.message = xstrdup(o->race && mx->race ? "not run: the build failed"
                                                   : "not run (race check off)");
    if (!dir) {
        err = errno;
        sandbox_release_user(run_as);
        return err;
    }
    err = build_exercise(&request, &built);
    ex->build_s = now_seconds() - started;
    if (err)
        goto done;
    ex->build = built.status;
    ex->build_log = xstrdup(built.log);
    if (built.status != BUILD_OK) {
        const char *why = built.status == BUILD_MISSING ? "not run: the file was not submitted"
                                                        : "not run: the build failed";

        free(ex->race.message);
        ex->race.message = xstrdup(o->race && mx->race ? why : "not run (race check off)");
        grade_tests_not_run(o, mx, why, ex);
    } else if ((err = seal_for_runs(o, &built, dir, run_as, &sealed)) == 0) {
        double tests_started = now_seconds();
        bool tampered = false;

        if (o->tests)
            err = run_tests(o, mx, &built, &sealed, run_as, ex, &tampered);
        else if (built.hidden_tests)
            tests_not_run(mx->hidden_tests, mx->n_hidden, "not run (race check only)", ex);
        else
            tests_not_run(mx->public_tests, mx->n_public, "not run (race check only)", ex);
        ex->tests_s = now_seconds() - tests_started;
        if (!err && built.race_binary) {
            double race_started = now_seconds();

            free(ex->race.message);
            ex->race.message = NULL;
            err = run_race_check(g, mx, &built, &sealed, run_as, ex, &tampered);
            ex->race_s = now_seconds() - race_started;
        } else if (!err && o->race && mx->race) {
            free(ex->race.message);
            ex->race.message = xstrdup("not run: this kit has no race driver for the exercise");
        }
        if (tampered)
            tampered_result(ex);
        seal_free(&sealed);
    }
done:
    build_output_free(&built);
    grade_score(o, mx, ex);
    ex->seconds = now_seconds() - started;
    if (!o->keep_work)
        remove_tree(dir);
    free(dir);
    sandbox_release_user(run_as);
    return err;
}

static void *grading_thread(void *arg)
{
    grading *g = arg;

    for (;;) {
        size_t i;
        int err;

        pthread_mutex_lock(&g->lock);
        i = g->next < g->n ? g->order[g->next++] : g->n;
        pthread_mutex_unlock(&g->lock);
        if (i >= g->n)
            return NULL;
        err = grade_exercise(g, g->exercises[i], &g->results[i]);
        if (err)
            set_error(g, err, xasprintf("grading %s failed: %s", g->exercises[i]->slug,
                                        strerror(err)));
    }
}

/*
 * NULL when --test names one test of the one exercise chosen, among the
 * tests that will run (hidden or public); else what is wrong, with the
 * names it could be.
 */
static char *check_only_test(const grade_options *o, const manifest_exercise **chosen,
                             size_t n)
{
    const manifest_exercise *mx = chosen[0];
    bool hidden;
    const manifest_test *tests;
    size_t n_tests;
    strbuf sb = STRBUF_INIT;

    if (n != 1)
        return xasprintf("--test %s needs one exercise (add its name)", o->only_test);
    hidden = has_hidden_tests(o, mx->slug);
    tests = hidden ? mx->hidden_tests : mx->public_tests;
    n_tests = hidden ? mx->n_hidden : mx->n_public;
    if (manifest_find_test(tests, n_tests, o->only_test))
        return NULL;
    strbuf_addf(&sb, "%s has no %s test \"%s\"; its %s tests are:", mx->slug,
                hidden ? "hidden" : "public", o->only_test, hidden ? "hidden" : "public");
    for (size_t i = 0; i < n_tests; i++)
        strbuf_addf(&sb, " %s", tests[i].name);
    return strbuf_detach(&sb);
}

/*
 * The order in which the grading threads take the exercises: those whose
 * tests run on real time first (their tests wait for real, the longest
 * part of a submission), the others after them, each group in manifest
 * order.  Only the waiting changes: the report keeps manifest order.
 */
static size_t *taking_order(const manifest_exercise **exercises, size_t n)
{
    size_t *order = xcalloc(n ? n : 1, sizeof *order), k = 0;

    for (size_t i = 0; i < n; i++)
        if (exercises[i]->schedules == 0)
            order[k++] = i;
    for (size_t i = 0; i < n; i++)
        if (exercises[i]->schedules != 0)
            order[k++] = i;
    return order;
}

/* The exercises to grade, in manifest order; NULL with *error when a name is unknown. */
static const manifest_exercise **choose(const grade_options *o, size_t *n, char **error)
{
    const manifest *m = o->manifest;
    const manifest_exercise **chosen = xcalloc(m->n_exercises, sizeof *chosen);

    *n = 0;
    for (size_t k = 0; k < o->n_slugs; k++) {
        if (!manifest_find(m, o->slugs[k])) {
            *error = xasprintf("unknown exercise \"%s\" (see manifest.ini)", o->slugs[k]);
            free(chosen);
            return NULL;
        }
    }
    for (size_t i = 0; i < m->n_exercises; i++) {
        bool wanted = o->n_slugs == 0;

        for (size_t k = 0; k < o->n_slugs && !wanted; k++)
            wanted = !strcmp(o->slugs[k], m->exercises[i].slug);
        if (wanted)
            chosen[(*n)++] = &m->exercises[i];
    }
    if (o->only_test && (*error = check_only_test(o, chosen, *n)) != NULL) {
        free(chosen);
        return NULL;
    }
    return chosen;
}

int grade_submission(const grade_options *o, grade_result *out, char **error)
{
    const char *tmp = getenv("TMPDIR");
    grading g = { .options = o };
    pthread_t threads[64];
    int n_threads;
    double started = now_seconds();

    memset(out, 0, sizeof *out);
    *error = NULL;
    if (!is_dir(o->submission_dir)) {
        *error = xasprintf("no submission folder \"%s\"", o->submission_dir);
        return ENOENT;
    }
    g.exercises = choose(o, &g.n, error);
    if (!g.exercises)
        return EINVAL;
    g.base_dir = xasprintf("%s/racecourse.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(g.base_dir) || chmod(g.base_dir, 0711) != 0) {
        int err = errno;

        *error = xasprintf("cannot create a work directory in %s: %s",
                           tmp && *tmp ? tmp : "/tmp", strerror(err));
        free(g.base_dir);
        free(g.exercises);
        return err;
    }
    g.cache_dir = object_cache_dir(o->kit_dir);
    if (o->race) {
        char *suppressions = xasprintf("%s/" KIT_SUPPRESSIONS, o->kit_dir);

        g.debug_symbols = debug_symbols_dir(g.cache_dir, suppressions);
        free(suppressions);
    }
    pthread_mutex_init(&g.lock, NULL);
    g.results = xcalloc(g.n ? g.n : 1, sizeof *g.results);
    g.order = taking_order(g.exercises, g.n);
    n_threads = o->jobs < 1 ? 1 : o->jobs > 64 ? 64 : o->jobs;
    if ((size_t)n_threads > g.n)
        n_threads = (int)g.n;
    sandbox_init();
    for (int t = 0; t < n_threads; t++)
        if (pthread_create(&threads[t], NULL, grading_thread, &g) != 0)
            abort();
    for (int t = 0; t < n_threads; t++)
        pthread_join(threads[t], NULL);
    pthread_mutex_destroy(&g.lock);
    if (!o->keep_work)
        remove_tree(g.base_dir);
    free(g.base_dir);
    free(g.cache_dir);
    free(g.debug_symbols);
    free(g.order);

    out->submission = realpath(o->submission_dir, NULL);
    if (!out->submission)
        out->submission = xstrdup(o->submission_dir);
    out->exercises = g.results;
    out->n_exercises = g.n;
    out->containment = xstrdup(sandbox_containment());
    out->tests_kind = xstrdup("public");
    for (size_t i = 0; i < g.n; i++)
        if (has_hidden_tests(o, g.exercises[i]->slug)) {
            free(out->tests_kind);
            out->tests_kind = xstrdup("hidden");
            break;
        }
    for (size_t i = 0; i < g.n; i++) {
        out->score += g.results[i].score;
        out->max_score += g.results[i].max_score;
    }
    out->duration_s = now_seconds() - started;
    free(g.exercises);
    if (g.error) {
        *error = g.error_message;
        grade_result_free(out);
        memset(out, 0, sizeof *out);
        return g.error;
    }
    return 0;
}
