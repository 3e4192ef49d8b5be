/*
 * batch.c - grading a class; see batch.h.
 *
 * Theory of operation.
 *
 * 1. Find the submissions: the folders directly under DIR, in byte order
 *    of their names, that have an exercises/ folder.  Every other folder
 *    is named with the reason it was skipped.
 * 2. Fingerprint each one (hash.h): the grading options and every kit
 *    file a build copies (manifest, header, allow-list, suppressions, and
 *    the files of the build profiles the grade uses: build_profiles.h),
 *    hashed once, then the student's exercises/<slug>/<slug>.c files.
 *    A submission whose report carries the same fingerprint is unchanged
 *    and is skipped (unless --regrade), except when its report says
 *    "error" (the grader failed: try again) or "timed out" under a
 *    shorter --time-limit.
 * 3. Grade the rest: --jobs times --exercise-jobs worker threads take
 *    the exercises in order, submission by submission, each graded by its
 *    own grade_submission() (batch_grade.h), so that a submission's time
 *    limit is enforced as each exercise starts.  When every exercise of
 *    the open submission has started, the next worker opens the next
 *    submission: a submission stuck in its timeouts holds up only the
 *    workers grading it.  Whoever ends a submission's last exercise
 *    writes its reports.  A file identical to one graded before in this
 *    run gets that grade (grade_memo.h, one memo for the run).  Each
 *    result is written at once, atomically, and the JSON report last: it
 *    is the record that makes the submission count as graded.
 * 4. Meanwhile the main thread shows progress on a terminal (stderr):
 *    done/total, the current rate, the time left.  SIGINT or SIGTERM asks
 *    the workers to start nothing new; what runs finishes within the
 *    sandbox's own limits; a second signal ends the program at once.
 * 5. Rebuild grades.csv and summary.md from the reports (gradebook.h).
 */
#define _GNU_SOURCE
#include "batch.h"
#include "atomic_file.h"
#include "batch_grade.h"
#include "build.h"
#include "gradebook.h"
#include "deadline.h"
#include "hash.h"
#include "race_check.h"
#include "similarity.h"
#include "stub_match.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RATE_WINDOW 10              /* completions the current rate is taken over */
#define KIT_FILE_MAX (16u << 20)    /* kit files are hashed whole up to this size */
#define ID_MAX 200                  /* "<id>.json" must fit in a file name */
#define MAX_WORKERS 256             /* --jobs times --exercise-jobs, at most */

/* The stop request: SIGINT or SIGTERM.  Lock-free, so a handler may touch it. */
static atomic_int stop_requests;
static volatile sig_atomic_t stop_signal;

enum state { TO_GRADE, UNCHANGED, NOT_ASKED, GRADING, GRADED, INTERRUPTED };

#define FINGERPRINT_LEN (8 + HASH64_HEX_LEN + 1)   /* "fnv1a64:", hex, NUL */

typedef struct submission {
    char *id;                   /* the folder's name */
    char *dir;                  /* DIR/id */
    char *report_json, *report_md;
    char fingerprint[FINGERPRINT_LEN];  /* of the exercises of this run */
    char (*fingerprints)[FINGERPRINT_LEN];  /* one per exercise of this run */
    const char **fingerprint_ptrs;      /* the same, as the gradebook takes them */
    bool asked;                 /* --student names it (or no --student given) */
    char *commit;               /* --deadline: the commit graded ("" none before it) */
    int days_late;              /* --grace: days the commit graded is late by */
    enum state state;
    batch_job job;              /* while GRADING */
    batch_submission *grading;  /* while GRADING */
} submission;

typedef struct batch {
    const batch_options *o;
    char *reports_dir;
    submission *subs;
    size_t n;
    submission **queue;         /* those to grade, in id order */
    size_t n_queue;
    pthread_mutex_t lock;       /* guards what follows, and the terminal */
    pthread_cond_t changed;     /* a worker finished a submission or ended */
    size_t next;                /* next in queue */
    submission *open;           /* the one whose exercises are being taken */
    size_t finished, failed;    /* graded this run / of which "error" */
    int workers;                /* still running */
    double started;
    double done_at[RATE_WINDOW];    /* when the last completions happened */
    bool progress;              /* a progress line on stderr */
    bool progress_shown;
    bool stop_said;
} batch;

/* ---- the terminal ---- */

/* `text` for a terminal: control characters as '?'. */
static char *printable(const char *text)
{
    char *copy = xstrdup(text);

    for (char *p = copy; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return copy;
}

static void clear_progress(batch *b)
{
    if (b->progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        b->progress_shown = false;
    }
}

static void format_duration(char *out, size_t size, double seconds)
{
    if (seconds < 90)
        snprintf(out, size, "%.0f s", seconds);
    else if (seconds < 90 * 60)
        snprintf(out, size, "%.0f min", seconds / 60);
    else
        snprintf(out, size, "%.1f h", seconds / 3600);
}

/* "[12/40] 3.2/min, about 9 min left; grading alice, bob" (lock held). */
static void draw_progress(batch *b)
{
    struct winsize ws;
    size_t width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20 ? ws.ws_col : 80;
    double now = now_seconds(), window, rate;
    size_t in_window = b->finished < RATE_WINDOW ? b->finished : RATE_WINDOW;
    strbuf line = STRBUF_INIT;
    char left[32];
    const char *sep = "; grading ";

    if (!b->progress)
        return;
    strbuf_addf(&line, "[%zu/%zu] ", b->finished, b->n_queue);
    window = b->finished < RATE_WINDOW ? now - b->started
                                       : now - b->done_at[b->finished % RATE_WINDOW];
    rate = in_window && window > 0 ? (double)in_window / window : 0;
    if (rate > 0) {
        format_duration(left, sizeof left, (double)(b->n_queue - b->finished) / rate);
        strbuf_addf(&line, "%.1f/min, about %s left", rate * 60, left);
    } else {
        strbuf_addstr(&line, "measuring the rate");
    }
    if (atomic_load(&stop_requests))
        strbuf_addstr(&line, "; stopping");
    for (size_t i = 0; i < b->n; i++) {
        char *id;

        if (b->subs[i].state != GRADING)
            continue;
        id = printable(b->subs[i].id);
        strbuf_addf(&line, "%s%s", sep, id);
        free(id);
        sep = ", ";
    }
    if (line.len > width - 1)
        line.len = width - 1;
    fprintf(stderr, "\r\033[K%.*s", (int)line.len, line.data);
    fflush(stderr);
    b->progress_shown = true;
    strbuf_release(&line);
}

/* Prints one line on stdout, around the progress line (lock held). */
static void say(batch *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(batch *b, const char *fmt, ...)
{
    va_list ap;

    if (b->o->quiet)
        return;
    clear_progress(b);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

/* ---- step 1: the submissions ---- */

/* Why the folder `name` is not a submission, or NULL when it is one. */
static const char *not_a_submission(const char *out_real, const char *name, const char *dir)
{
    char *exercises, *real;
    bool is_out;

    if (name[0] == '.')
        return "a hidden folder";
    if (strlen(name) > ID_MAX)
        return "its name is too long to name a report after";
    real = realpath(dir, NULL);
    is_out = real && out_real && !strcmp(real, out_real);
    free(real);
    if (is_out)
        return "the gradebook's own folder (--out)";
    exercises = xasprintf("%s/exercises", dir);
    if (!is_dir(exercises)) {
        free(exercises);
        return "no exercises/ folder";
    }
    free(exercises);
    return NULL;
}

static int find_submissions(batch *b, char **error)
{
    const batch_options *o = b->o;
    struct dirent **names;
    char *out_real = realpath(o->out_dir, NULL);
    char *exercises_dir = xasprintf("%s/exercises", o->class_dir);
    int n = scandir(o->class_dir, &names, NULL, dirent_by_name);

    if (n < 0) {
        int err = errno;

        *error = xasprintf("cannot read the class folder \"%s\": %s", o->class_dir,
                           strerror(err));
        free(out_real);
        free(exercises_dir);
        return err;
    }
    b->subs = xcalloc((size_t)n, sizeof *b->subs);
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char *dir = xasprintf("%s/%s", o->class_dir, name);
        const char *why;
        submission *s;

        if (!strcmp(name, ".") || !strcmp(name, "..") || !is_dir(dir)) {
            free(dir);
            continue;
        }
        if ((why = not_a_submission(out_real, name, dir)) != NULL) {
            char *shown = printable(name);

            say(b, "skipped \"%s\": %s\n", shown, why);
            free(shown);
            free(dir);
            continue;
        }
        s = &b->subs[b->n++];
        s->id = xstrdup(name);
        s->dir = dir;
        s->report_json = xasprintf("%s/%s.json", b->reports_dir, name);
        s->report_md = xasprintf("%s/%s.md", b->reports_dir, name);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(out_real);
    if (!b->n && is_dir(exercises_dir)) {
        clear_progress(b);
        fprintf(stderr, "grade batch: \"%s\" looks like one submission: grade it with "
                "`grade --submission %s`, or give the folder that holds the submissions\n",
                o->class_dir, o->class_dir);
    }
    free(exercises_dir);
    return 0;
}

/* ---- step 2: fingerprints ---- */

static int add_kit_file(hash64 *h, const char *label, char *path, char **error)
{
    int err;

    hash64_add_str(h, label);
    err = hash64_add_file(h, path, true, KIT_FILE_MAX);
    if (err)
        *error = xasprintf("cannot read \"%s\": %s", path, strerror(err));
    free(path);
    return err;
}

/* Adds a list of kit-relative files of the kit at `kit_dir`. */
static int add_kit_files(hash64 *h, const char *kit_dir, char **paths, char **error)
{
    int err = 0;

    for (size_t i = 0; !err && paths[i]; i++)
        err = add_kit_file(h, paths[i], xasprintf("%s/%s", kit_dir, paths[i]), error);
    return err;
}

/* Adds the strings of a NULL-terminated list, and where it ends. */
static void add_strings(hash64 *h, char **items)
{
    for (size_t i = 0; items[i]; i++)
        hash64_add_str(h, items[i]);
    hash64_add_str(h, "");
}

/*
 * Adds what the program of `profile` is made of for exercise `mx`
 * (build_profiles.h): its main source, kit sources, headers and wrap
 * lists, and the guards and linker flags.
 */
static int add_program(hash64 *h, const char *profile, const manifest_exercise *mx,
                       const grade_options *g, char **error)
{
    build_plan plan;
    int err;

    err = build_plan_make(build_profile_find(profile), mx, g->kit_dir, g->tests_dir,
                          g->public_only, &plan, error);
    if (err)
        return err;
    hash64_add_str(h, profile);
    err = add_kit_file(h, "main", xstrdup(plan.main), error);
    if (!err)
        err = add_kit_files(h, g->kit_dir, plan.sources, error);
    if (!err)
        err = add_kit_files(h, g->kit_dir, plan.headers, error);
    if (!err)
        err = add_kit_files(h, g->kit_dir, plan.wraps, error);
    add_strings(h, plan.guards);
    add_strings(h, plan.link);
    build_plan_free(&plan);
    return err;
}

/*
 * What every grade depends on besides the student's files: `common` for
 * all exercises (the options, manifest, allow-list, suppressions), then
 * per_exercise[k] adds exercise k's header and the files of its two
 * programs (build.h: the test binary and the race driver).
 */
static int kit_fingerprint(const batch_options *o, hash64 *per_exercise, char **error)
{
    const grade_options *g = &o->grade;
    char options[128];
    hash64 common;
    int err;

    hash64_init(&common);
    hash64_add_str(&common, "racecourse batch fingerprint 3");
    snprintf(options, sizeof options, "race=%d tests=%d public_only=%d repeat=%d time_scale=%.17g",
             g->race, g->tests, g->public_only, g->repeat, g->time_scale);
    hash64_add_str(&common, options);
    err = add_kit_file(&common, "manifest", xasprintf("%s/manifest.ini", g->kit_dir), error);
    if (!err)
        err = add_kit_file(&common, "allow", xasprintf("%s/grader/allowed-calls.txt",
                                                       g->kit_dir), error);
    if (!err)
        err = add_kit_file(&common, "supp", xasprintf("%s/" KIT_SUPPRESSIONS, g->kit_dir),
                           error);
    for (size_t k = 0; !err && k < o->n_exercises; k++) {
        const manifest_exercise *mx = o->exercises[k];
        hash64 *h = &per_exercise[k];

        *h = common;
        hash64_add_str(h, mx->slug);
        err = add_kit_file(h, "header", xasprintf("%s/exercises/%s/%s.h", g->kit_dir,
                                                  mx->slug, mx->slug), error);
        if (!err)
            err = add_program(h, BUILD_PROFILE_TESTS, mx, g, error);
        if (!err)
            err = add_program(h, BUILD_PROFILE_DRIVER, mx, g, error);
    }
    return err;
}

/*
 * Each exercise's fingerprint (its kit files and the student's file),
 * and the submission's: all of them together.
 */
static void fingerprint(const batch_options *o, const hash64 *kit, submission *s)
{
    hash64 all;
    char hex[HASH64_HEX_LEN + 1];

    hash64_init(&all);
    s->fingerprints = xcalloc(o->n_exercises ? o->n_exercises : 1, sizeof *s->fingerprints);
    s->fingerprint_ptrs = xcalloc(o->n_exercises ? o->n_exercises : 1,
                                  sizeof *s->fingerprint_ptrs);
    for (size_t k = 0; k < o->n_exercises; k++) {
        const char *slug = o->exercises[k]->slug;
        char *path = xasprintf("%s/exercises/%s/%s.c", s->dir, slug, slug);
        hash64 h = kit[k];
        int err;

        if (s->commit) {                        /* the deadline's commit is part of the grade */
            char late[64];

            hash64_add_str(&h, s->commit);
            snprintf(late, sizeof late, "late %d %d", s->days_late, o->late_penalty);
            hash64_add_str(&h, late);
        }
        if ((err = hash64_add_file(&h, path, false, BUILD_STUDENT_FILE_MAX)) != 0) {
            /* Unreadable: the build will say so; hash the reason. */
            hash64_add_str(&h, "unreadable");
            hash64_add(&h, &err, sizeof err);
        }
        free(path);
        hash64_hex(&h, hex);
        snprintf(s->fingerprints[k], FINGERPRINT_LEN, "fnv1a64:%s", hex);
        s->fingerprint_ptrs[k] = s->fingerprints[k];
        hash64_add_str(&all, s->fingerprints[k]);
    }
    hash64_hex(&all, hex);
    snprintf(s->fingerprint, sizeof s->fingerprint, "fnv1a64:%s", hex);
}

/*
 * Whether the report of `s` already holds this run's grade of every
 * exercise of the run: each with its fingerprint, none in "error", none
 * "timed out" under a shorter --time-limit than this run's.
 */
static bool unchanged(const batch_options *o, const submission *s)
{
    report_stamp stamp;
    bool same;

    if (o->regrade || !is_file(s->report_md) || gradebook_read_stamp(s->report_json, &stamp))
        return false;
    same = true;
    for (size_t k = 0; same && k < o->n_exercises; k++) {
        const stamp_exercise *ex = report_stamp_find(&stamp, o->exercises[k]->slug);

        same = ex && !strcmp(ex->fingerprint, s->fingerprints[k]) &&
               gb_status_from_name(ex->status) != GB_S_ERROR &&
               !(gb_status_from_name(ex->status) == GB_S_TIMED_OUT &&
                 stamp.time_limit_s < o->time_limit_s);
    }
    report_stamp_free(&stamp);
    return same;
}

/* ---- steps 3 and 4: grading, progress ---- */

/* Records a finished submission and says so (lock held). */
static void finished(batch *b, submission *s, batch_outcome *outcome)
{
    char *id = printable(s->id);

    s->grading = NULL;
    if (outcome->interrupted) {
        s->state = INTERRUPTED;
    } else {
        s->state = GRADED;
        b->done_at[b->finished % RATE_WINDOW] = now_seconds();
        b->finished++;
        b->failed += outcome->failed;
        say(b, "%s: %s\n", id, outcome->line);
    }
    if (outcome->error) {
        clear_progress(b);
        fprintf(stderr, "grade batch: %s: %s\n", id, outcome->error);
    }
    draw_progress(b);
    free(id);
    pthread_cond_broadcast(&b->changed);
}

/* The submission to take exercises from, begun if need be; NULL at the end (lock held). */
static submission *open_submission(batch *b)
{
    submission *s;

    if (b->open)
        return b->open;
    if (b->next >= b->n_queue || atomic_load(&stop_requests))
        return NULL;
    s = b->queue[b->next++];
    s->job = (batch_job){ .options = b->o, .id = s->id, .dir = s->dir,
                          .fingerprints = s->fingerprint_ptrs, .commit = s->commit,
                          .days_late = s->days_late,
                          .report_json = s->report_json,
                          .report_md = s->report_md, .stop = &stop_requests };
    s->grading = batch_submission_new(&s->job);
    s->state = GRADING;
    b->open = s;
    return s;
}

/*
 * A worker: grades one exercise at a time, taken in order, submission by
 * submission; whoever ends a submission's last exercise writes its reports.
 */
static void *worker(void *arg)
{
    batch *b = arg;
    submission *s;

    pthread_mutex_lock(&b->lock);
    while ((s = open_submission(b))) {
        batch_submission *g = s->grading;
        bool ended = false;
        size_t k;

        if (batch_submission_take(g, &k)) {
            pthread_mutex_unlock(&b->lock);
            batch_submission_grade(g, k);
            pthread_mutex_lock(&b->lock);
            ended = true;
        } else if (b->open == s) {
            b->open = NULL;     /* nothing more to start: on to the next one */
        }
        if (batch_submission_done(g, ended)) {
            batch_outcome outcome;

            if (b->open == s)
                b->open = NULL;
            pthread_mutex_unlock(&b->lock);
            batch_submission_finish(g, &outcome);
            pthread_mutex_lock(&b->lock);
            finished(b, s, &outcome);
            batch_outcome_free(&outcome);
        }
    }
    b->workers--;
    pthread_cond_broadcast(&b->changed);
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

static void on_signal(int sig)
{
    if (atomic_fetch_add(&stop_requests, 1) > 0) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
    stop_signal = sig;
}

/* Starts the workers and waits for them, showing progress. */
static void grade_queue(batch *b)
{
    pthread_t threads[MAX_WORKERS];
    pthread_condattr_t attr;
    sigset_t stops, old;
    int jobs = b->o->jobs < 1 ? 1 : b->o->jobs;
    int per_job = b->o->exercise_jobs < 1 ? 1 : b->o->exercise_jobs;
    int n_threads = jobs * per_job > MAX_WORKERS ? MAX_WORKERS : jobs * per_job;
    size_t exercises = b->n_queue * b->o->n_exercises;

    if ((size_t)n_threads > exercises)
        n_threads = (int)(exercises ? exercises : 1);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&b->changed, &attr);
    pthread_condattr_destroy(&attr);
    /* Only this thread takes the stop signals: the workers never see EINTR. */
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stops, &old);
    b->workers = n_threads;
    b->started = now_seconds();
    for (int t = 0; t < n_threads; t++)
        if (pthread_create(&threads[t], NULL, worker, b) != 0)
            abort();
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_mutex_lock(&b->lock);
    while (b->workers > 0) {
        struct timespec wake;

        if (atomic_load(&stop_requests) && !b->stop_said) {
            clear_progress(b);
            fprintf(stderr, "grade batch: stopping: the exercises being graded finish first "
                    "(within their time limits); signal again to quit at once\n");
            b->stop_said = true;
        }
        draw_progress(b);
        clock_gettime(CLOCK_MONOTONIC, &wake);
        wake.tv_sec += 1;
        pthread_cond_timedwait(&b->changed, &b->lock, &wake);
    }
    clear_progress(b);
    pthread_mutex_unlock(&b->lock);
    for (int t = 0; t < n_threads; t++)
        pthread_join(threads[t], NULL);
    pthread_cond_destroy(&b->changed);
}

/* ---- the whole batch ---- */

/* mkdir -p for the output folder. */
static int make_dirs(const char *path)
{
    char *copy = xstrdup(path);
    int err = 0;

    for (char *p = copy + 1; !err; p++) {
        bool end = *p == '\0';

        if (*p != '/' && !end)
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST)
            err = errno;
        else if (!is_dir(copy))
            err = ENOTDIR;
        if (end)
            break;
        *p = '/';
    }
    free(copy);
    return err;
}

/* Creates the output folders and takes the lock that keeps a second batch out. */
static int open_out_dir(batch *b, int *lock_fd, char **error)
{
    char *lock_path = xasprintf("%s/.lock", b->o->out_dir);
    int err = make_dirs(b->reports_dir);

    *lock_fd = -1;
    if (err) {
        *error = xasprintf("cannot create \"%s\": %s", b->reports_dir, strerror(err));
    } else if ((*lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
        err = errno;
        *error = xasprintf("cannot write in \"%s\": %s", b->o->out_dir, strerror(err));
    } else if (flock(*lock_fd, LOCK_EX | LOCK_NB) != 0) {
        err = errno == EWOULDBLOCK ? EBUSY : errno;
        *error = xasprintf("another batch is writing to \"%s\": wait for it to end",
                           b->o->out_dir);
        close(*lock_fd);
        *lock_fd = -1;
    } else {
        atomic_file_cleanup(b->reports_dir);
        atomic_file_cleanup(b->o->out_dir);
    }
    free(lock_path);
    return err;
}

/*
 * The reports in reports/ whose submission is not in the class folder
 * any more: their rows stay in the gradebook (delete reports/<id>.json to
 * drop one).  Returns their ids, malloc'd, in *ids.
 */
static size_t orphan_reports(const batch *b, char ***ids)
{
    struct dirent **names;
    int n = scandir(b->reports_dir, &names, NULL, dirent_by_name);
    size_t count = 0;

    *ids = NULL;
    if (n < 0)
        return 0;
    *ids = xcalloc((size_t)n + 1, sizeof **ids);
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        size_t len = strlen(name);
        bool known = false;

        if (name[0] != '.' && len > 5 && !strcmp(name + len - 5, ".json")) {
            for (size_t j = 0; j < b->n && !known; j++)
                known = strlen(b->subs[j].id) == len - 5 &&
                        !strncmp(b->subs[j].id, name, len - 5);
            if (!known)
                (*ids)[count++] = xasprintf("%.*s", (int)(len - 5), name);
        }
        free(names[i]);
    }
    free(names);
    return count;
}

/*
 * The gradebook's columns, in manifest order: this run's exercises and
 * those that any report of `entries` holds.
 */
static const manifest_exercise **columns(const batch *b, const gradebook_entry *entries,
                                         size_t n_entries, size_t *n)
{
    const manifest *m = b->o->grade.manifest;
    const manifest_exercise **cols = xcalloc(m->n_exercises ? m->n_exercises : 1, sizeof *cols);
    bool *wanted = xcalloc(m->n_exercises ? m->n_exercises : 1, sizeof *wanted);

    for (size_t i = 0; i < m->n_exercises; i++)
        for (size_t k = 0; k < b->o->n_exercises && !wanted[i]; k++)
            wanted[i] = b->o->exercises[k] == &m->exercises[i];
    for (size_t e = 0; e < n_entries; e++) {
        report_stamp stamp;

        if (gradebook_read_stamp(entries[e].report, &stamp) != 0)
            continue;
        for (size_t i = 0; i < m->n_exercises; i++)
            wanted[i] = wanted[i] || report_stamp_find(&stamp, m->exercises[i].slug);
        report_stamp_free(&stamp);
    }
    *n = 0;
    for (size_t i = 0; i < m->n_exercises; i++)
        if (wanted[i])
            cols[(*n)++] = &m->exercises[i];
    free(wanted);
    return cols;
}

/* The fingerprints of `s` by column: those of this run's exercises, NULL elsewhere. */
static const char **by_column(const batch *b, const submission *s,
                              const manifest_exercise *const *cols, size_t n_cols)
{
    const char **fps = xcalloc(n_cols ? n_cols : 1, sizeof *fps);

    for (size_t c = 0; c < n_cols; c++)
        for (size_t k = 0; k < b->o->n_exercises; k++)
            if (b->o->exercises[k] == cols[c])
                fps[c] = s->fingerprints[k];
    return fps;
}

/*
 * --deadline: replaces the folder of each submission to grade by a
 * snapshot of its files at its last commit before the deadline
 * (deadline.h), in OUT/snapshots/<id>.  A folder that is not a git
 * repository is graded as it is, and the run says so.
 */
static int take_snapshots(batch *b, char **error)
{
    const batch_options *o = b->o;
    char *root = xasprintf("%s/snapshots", o->out_dir);
    int err = 0;

    if (mkdir(root, 0755) != 0 && errno != EEXIST) {
        err = errno;
        *error = xasprintf("cannot create \"%s\": %s", root, strerror(err));
    }
    for (size_t i = 0; i < b->n && !err; i++) {
        submission *s = &b->subs[i];
        char *snapshot = xasprintf("%s/%s", root, s->id), *id;

        if (!s->asked) {
            free(snapshot);
            continue;
        }
        err = deadline_snapshot(s->dir, o->grace ? o->grace : o->deadline, o->exercises,
                                o->n_exercises, snapshot, &s->commit, error);
        if (!err && o->grace && *s->commit &&
            (s->days_late = deadline_days_late(s->dir, s->commit, o->deadline)) < 0) {
            *error = xasprintf("%s: git cannot tell the date of commit %s", s->id, s->commit);
            err = EIO;
        }
        id = printable(s->id);
        if (err == ENOTDIR) {
            say(b, "%s: not a git repository: graded as it is, not at the deadline\n", id);
            err = 0;
            free(snapshot);
        } else if (!err) {
            if (!*s->commit)
                say(b, "%s: no commit before the deadline: graded as handed in nothing\n", id);
            free(s->dir);
            s->dir = snapshot;
        } else {
            free(snapshot);
        }
        free(id);
    }
    free(root);
    return err;
}

/*
 * Marks the submissions to grade: those --student names, or all.  An id
 * that names no submission is an error (EINVAL, with *error).
 */
static int choose_students(batch *b, char **error)
{
    const batch_options *o = b->o;

    for (size_t i = 0; i < b->n; i++)
        b->subs[i].asked = o->n_students == 0;
    for (size_t k = 0; k < o->n_students; k++) {
        bool found = false;

        for (size_t i = 0; i < b->n; i++) {
            if (!strcmp(b->subs[i].id, o->students[k])) {
                b->subs[i].asked = true;
                found = true;
            }
        }
        if (!found) {
            *error = xasprintf("--student %s: no submission \"%s\" in \"%s\"",
                               o->students[k], o->students[k], o->class_dir);
            return EINVAL;
        }
    }
    return 0;
}

/*
 * The summary's section on similar files (similarity.h): per exercise of
 * the run, the files of every submission that are there and not the
 * untouched stub.  Malloc'd Markdown.
 */
static char *similar_files(const batch *b)
{
    const batch_options *o = b->o;
    const char *tmp = getenv("TMPDIR");
    strbuf sb = STRBUF_INIT, found = STRBUF_INIT;
    bool missing_tool = false;

    strbuf_addf(&sb, "## Similar files\n\nPairs of students whose files share at least %d %% "
                "of their material, by Dick Grune's similarity tester (`sim_c`: token by token, "
                "so renaming and layout do not hide a copy), with the stub's own lines left out "
                "and the untouched stubs not compared; the line ranges are the runs it "
                "matched.  Evidence for you to read, not a verdict.\n\n", o->similarity);
    for (size_t k = 0; k < o->n_exercises && !missing_tool; k++) {
        const char *slug = o->exercises[k]->slug;
        char *stub = xasprintf("%s/exercises/%s/%s.c", o->grade.kit_dir, slug, slug);
        char *dir = xasprintf("%s/racecourse.similar.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        similarity_file *files = xcalloc(b->n ? b->n : 1, sizeof *files);
        char **paths = xcalloc(b->n ? b->n : 1, sizeof *paths), *pairs = NULL;
        size_t n = 0;
        int err = 0;

        for (size_t i = 0; i < b->n; i++) {
            char *path = xasprintf("%s/exercises/%s/%s.c", b->subs[i].dir, slug, slug);
            struct stat st;

            if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
                st.st_size <= BUILD_STUDENT_FILE_MAX && !stub_match_untouched(path, stub)) {
                files[n] = (similarity_file){ .id = b->subs[i].id, .path = path };
                paths[n++] = path;
            } else {
                free(path);
            }
        }
        if (!mkdtemp(dir) || chmod(dir, 0755) != 0)
            err = errno;
        else
            err = similarity_compare(slug, stub, files, n, o->similarity, dir, &pairs);
        rmdir(dir);
        if (err == ENOENT) {
            missing_tool = true;
        } else if (err) {
            strbuf_addf(&found, "- `%s.c`: not compared (%s)\n", slug, strerror(err));
        } else {
            strbuf_addstr(&found, pairs);
        }
        free(pairs);
        for (size_t i = 0; i < n; i++)
            free(paths[i]);
        free(paths);
        free(files);
        free(dir);
        free(stub);
    }
    if (missing_tool)
        strbuf_addstr(&sb, "Not compared: `sim_c` is not installed (Debian's package "
                      "`similarity-tester`; `scripts/dev-deps.sh` installs it).\n");
    else if (!found.len)
        strbuf_addf(&sb, "No pair at %d %% or more.\n", o->similarity);
    else
        strbuf_addstr(&sb, found.data);
    strbuf_release(&found);
    return strbuf_detach(&sb);
}

static int write_gradebook(batch *b, gradebook_counts *counts, char **error)
{
    char **orphans;
    size_t n_orphans = orphan_reports(b, &orphans), n = b->n + n_orphans, n_cols;
    gradebook_entry *entries = xcalloc(n ? n : 1, sizeof *entries);
    const char ***fps = xcalloc(b->n ? b->n : 1, sizeof *fps);
    const manifest_exercise **cols;
    gradebook_request request = {
        .csv_path = NULL, .summary_path = NULL, .manifest = b->o->grade.manifest,
        .entries = entries, .n_entries = n,
    };
    char *csv = xasprintf("%s/grades.csv", b->o->out_dir);
    char *summary = xasprintf("%s/summary.md", b->o->out_dir);
    char *overrides = b->o->overrides ? NULL : xasprintf("%s/overrides.csv", b->o->out_dir);
    char *appendix = NULL;
    int err;

    request.overrides_path = b->o->overrides ? b->o->overrides : overrides;
    request.roster_path = b->o->roster;
    request.export_dir = b->o->out_dir;
    request.appendix = b->o->similarity > 0 ? appendix = similar_files(b) : NULL;
    request.warnings = stderr;
    for (size_t i = 0; i < b->n; i++)
        entries[i] = (gradebook_entry){ .id = b->subs[i].id, .report = b->subs[i].report_json,
                                        .report_md = b->subs[i].report_md };
    for (size_t i = 0; i < n_orphans; i++)
        entries[b->n + i] = (gradebook_entry){
            .id = orphans[i], .report = xasprintf("%s/%s.json", b->reports_dir, orphans[i]),
            .report_md = xasprintf("%s/%s.md", b->reports_dir, orphans[i]) };
    cols = columns(b, entries, n, &n_cols);
    for (size_t i = 0; i < b->n; i++) {
        /* A student not asked for, or not graded now: the report as it is. */
        if (b->subs[i].asked)
            entries[i].fingerprints = fps[i] = by_column(b, &b->subs[i], cols, n_cols);
    }
    request.exercises = cols;
    request.n_exercises = n_cols;
    request.csv_path = csv;
    request.summary_path = summary;
    err = gradebook_write(&request, counts, error);
    for (size_t i = 0; i < b->n; i++)
        free(fps[i]);
    for (size_t i = 0; i < n_orphans; i++) {
        free(orphans[i]);
        free((char *)entries[b->n + i].report);
        free((char *)entries[b->n + i].report_md);
    }
    free(orphans);
    free(fps);
    free(cols);
    free(csv);
    free(summary);
    free(overrides);
    free(appendix);
    free(entries);
    return err;
}

static void free_batch(batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->subs[i].id);
        free(b->subs[i].dir);
        free(b->subs[i].report_json);
        free(b->subs[i].report_md);
        free(b->subs[i].fingerprints);
        free(b->subs[i].commit);
        free(b->subs[i].fingerprint_ptrs);
    }
    free(b->subs);
    free(b->queue);
    free(b->reports_dir);
    pthread_mutex_destroy(&b->lock);
}

int batch_run(const batch_options *options, char **error)
{
    batch_options with_memo = *options;
    const batch_options *o = &with_memo;
    batch b = { .o = o, .progress = !o->quiet && isatty(STDERR_FILENO) };
    struct sigaction handler = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
    struct sigaction old_int, old_term;
    gradebook_counts counts;
    hash64 *kit = xcalloc(o->n_exercises ? o->n_exercises : 1, sizeof *kit);
    size_t unchanged_count = 0, reused;
    double started = now_seconds();
    char took[32];
    int lock_fd = -1, status = 2;

    *error = NULL;
    with_memo.memo = grade_memo_new();
    pthread_mutex_init(&b.lock, NULL);
    b.reports_dir = xasprintf("%s/reports", o->out_dir);
    if (!is_dir(o->class_dir)) {
        *error = xasprintf("no class folder \"%s\"", o->class_dir);
        goto done;
    }
    if (open_out_dir(&b, &lock_fd, error) || find_submissions(&b, error) ||
        kit_fingerprint(o, kit, error))
        goto done;
    if (!b.n) {
        *error = xasprintf("no submission in \"%s\" (a folder with an exercises/ folder)",
                           o->class_dir);
        goto done;
    }
    if (choose_students(&b, error) != 0 || (o->deadline && take_snapshots(&b, error) != 0))
        goto done;
    b.queue = xcalloc(b.n ? b.n : 1, sizeof *b.queue);
    for (size_t i = 0; i < b.n; i++) {
        fingerprint(o, kit, &b.subs[i]);
        if (!b.subs[i].asked) {
            b.subs[i].state = NOT_ASKED;
        } else if (unchanged(o, &b.subs[i])) {
            b.subs[i].state = UNCHANGED;
            unchanged_count++;
        } else {
            b.queue[b.n_queue++] = &b.subs[i];
        }
    }
    say(&b, "grade batch: %zu submission%s in \"%s\": %zu to grade, %zu unchanged", b.n,
        b.n == 1 ? "" : "s", o->class_dir, b.n_queue, unchanged_count);
    if (o->n_students)
        say(&b, ", %zu not asked for (--student)", b.n - b.n_queue - unchanged_count);
    say(&b, "\n");
    for (size_t i = 0; i < b.n; i++) {
        if (b.subs[i].state == UNCHANGED) {
            char *id = printable(b.subs[i].id);

            say(&b, "%s: skipped (unchanged)\n", id);
            free(id);
        }
    }

    atomic_store(&stop_requests, 0);
    stop_signal = 0;
    /* A signal ignored by whoever started us (nohup) stays ignored. */
    sigaction(SIGINT, NULL, &old_int);
    sigaction(SIGTERM, NULL, &old_term);
    if (old_int.sa_handler != SIG_IGN)
        sigaction(SIGINT, &handler, NULL);
    if (old_term.sa_handler != SIG_IGN)
        sigaction(SIGTERM, &handler, NULL);
    if (b.n_queue)
        grade_queue(&b);
    if (write_gradebook(&b, &counts, error) != 0)
        goto restore;
    format_duration(took, sizeof took, now_seconds() - started);
    say(&b, "grade batch: %zu graded, %zu unchanged, %zu not graded, in %s\n", b.finished,
        unchanged_count, counts.not_graded, took);
    reused = grade_memo_reused(o->memo);
    if (reused)
        say(&b, "grade batch: %zu exercise%s handed in a file identical to one graded before "
            "in this run, and got its grade\n", reused, reused == 1 ? "" : "s");
    say(&b, "grade batch: wrote %s/grades.csv, %s/summary.md and the reports in %s\n",
        o->out_dir, o->out_dir, b.reports_dir);
    status = counts.not_graded || b.failed || counts.full_marks < counts.graded ? 1 : 0;
restore:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (stop_signal) {
        fprintf(stderr, "grade batch: stopped; run the same command again to grade the rest\n");
        fflush(stdout);
        raise(stop_signal);
    }
done:
    if (lock_fd >= 0)
        close(lock_fd);
    free_batch(&b);
    free(kit);
    grade_memo_free(with_memo.memo);
    return status;
}
