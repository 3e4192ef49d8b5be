/* thread_stacks.c - see thread_stacks.h. */
#define _GNU_SOURCE
#include "thread_stacks.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WATCH_PERIOD_US 100000
#define MAX_THREADS_SHOWN 8
#define MAX_FRAMES_SHOWN 4
#define MAX_PROCESSES 64

struct stack_watch {
    pthread_t thread;
    pthread_mutex_t lock;
    bool stop;
    dev_t dev;
    ino_t ino;
    double stack_at_s;
    const manifest_test *tests;
    size_t n_tests;
    const char *student_file, *test_file;
    char **stacks;                  /* per test */
    int seen[MAX_PROCESSES];        /* processes already looked at */
    size_t n_seen;
};

/* The frame's file base name and line ("x.c:94"), or NULL. */
static const char *frame_place(const char *line, size_t len, size_t *place_len)
{
    const char *at = NULL, *slash;

    for (const char *p = line; p + 4 <= line + len; p++)
        if (!memcmp(p, " at ", 4))
            at = p + 4;
    if (!at)
        return NULL;
    slash = memrchr(at, '/', (size_t)(line + len - at));
    if (slash)
        at = slash + 1;
    *place_len = (size_t)(line + len - at);
    return at;
}

/* The function of a frame line "#3  0x... in fn (args) at f.c:9". */
static char *frame_function(const char *line)
{
    const char *p = line + 1, *in, *end;

    while (isdigit((unsigned char)*p))
        p++;
    while (*p == ' ')
        p++;
    in = strstr(p, " in ");
    if (!strncmp(p, "0x", 2) && in)
        p = in + 4;
    end = p;
    while (*end && *end != ' ' && *end != '(')
        end++;
    return xasprintf("%.*s", (int)(end - p), p);
}

static bool in_file(const char *place, size_t len, const char *file)
{
    size_t n = strlen(file);

    return len > n && !strncmp(place, file, n) && place[n] == ':';
}

/* The test's own function, or the harness's wrappers of it. */
static bool is_test_body(const char *fn)
{
    return !strncmp(fn, "rc_body_", 8) || ends_with(fn, "_impl") || ends_with(fn, "_jmp");
}

/* Adds one frame of the student's or the test's file to the summary. */
static void add_frame(strbuf *sb, const char *thread, bool *thread_said, int *frames,
                      const char *line, const char *place, size_t place_len)
{
    char *fn = frame_function(line);

    if (is_test_body(fn)) {
        free(fn);
        fn = xstrdup("the test");
    }
    if (*frames < MAX_FRAMES_SHOWN) {
        if (!*thread_said)
            strbuf_addf(sb, "%-10s%s (%.*s)\n", thread, fn, (int)place_len, place);
        else
            strbuf_addf(sb, "          <- %s (%.*s)\n", fn, (int)place_len, place);
    }
    *thread_said = true;
    (*frames)++;
    free(fn);
}

char *thread_stacks_summary(const char *out, const char *student_file,
                            const char *test_file, bool test_frames, char **test_fn)
{
    strbuf sb = STRBUF_INIT;
    char thread[32] = "thread ?:";
    bool thread_said = false, thread_done = false;
    int frames = 0, threads = 0;

    *test_fn = NULL;
    for (const char *line = out ? out : ""; *line;) {
        size_t len = strcspn(line, "\n"), place_len = 0;
        const char *place;
        int number;

        if (sscanf(line, "Thread %d ", &number) == 1) {
            threads += thread_said;
            snprintf(thread, sizeof thread, "thread %d:", number);
            thread_said = thread_done = false;
            frames = 0;
        } else if (*line == '#' && threads < MAX_THREADS_SHOWN &&
                   (place = frame_place(line, len, &place_len)) != NULL &&
                   (in_file(place, place_len, student_file) ||
                    in_file(place, place_len, test_file))) {
            bool test_frame = !in_file(place, place_len, student_file);

            /* The student's frames, then the first of the test's. */
            if (!thread_done && (test_frames || !test_frame))
                add_frame(&sb, thread, &thread_said, &frames, line, place, place_len);
            thread_done = thread_done || test_frame;
            if (!*test_fn && in_file(place, place_len, test_file)) {
                char *fn = frame_function(line);
                size_t n = strlen(fn);

                if (n > 5 && !strcmp(fn + n - 5, "_impl"))
                    *test_fn = fn;
                else
                    free(fn);
            }
        }
        line += len + (line[len] == '\n');
    }
    if (!sb.len) {
        strbuf_release(&sb);
        return NULL;
    }
    return strbuf_detach(&sb);
}

/* Field `n` (1-based, after the command name) of /proc/PID/stat, or -1. */
static double proc_stat_field(int pid, int n)
{
    char path[64], *text, *p;
    double value = -1;

    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    text = read_file(path, NULL);
    if (!text)
        return -1;
    p = strrchr(text, ')');
    for (int field = 2; p && field < n; field++)
        p = strchr(p + 1, ' ');
    if (p)
        value = strtod(p + 1, NULL);
    free(text);
    return value;
}

static bool runs_binary(const stack_watch *w, int pid)
{
    char path[64];
    struct stat st;

    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    return stat(path, &st) == 0 && st.st_dev == w->dev && st.st_ino == w->ino;
}

/* Seconds since process `pid` started, or -1. */
static double age(int pid)
{
    char *uptime = read_file("/proc/uptime", NULL);
    double start = proc_stat_field(pid, 22), now = uptime ? strtod(uptime, NULL) : -1;

    free(uptime);
    if (start < 0 || now < 0)
        return -1;
    return now - start / (double)sysconf(_SC_CLK_TCK);
}

/* gdb's stacks of every thread of `pid`, or NULL. */
static char *gdb_stacks(int pid)
{
    char *command = xasprintf("timeout -k 1 5 gdb -batch -nx -p %d "
                              "-ex 'thread apply all bt' </dev/null 2>/dev/null", pid);
    FILE *gdb = popen(command, "r");
    strbuf sb = STRBUF_INIT;
    char chunk[4096];
    size_t got;

    free(command);
    if (!gdb)
        return NULL;
    while ((got = fread(chunk, 1, sizeof chunk, gdb)) > 0)
        if (sb.len < 1 << 20)
            strbuf_add(&sb, chunk, got);
    pclose(gdb);
    return strbuf_detach(&sb);
}

/* Keeps the stacks of `pid` under the test they belong to. */
static void take_stacks(stack_watch *w, int pid)
{
    char *out = gdb_stacks(pid), *test_fn = NULL;
    char *summary = thread_stacks_summary(out, w->student_file, w->test_file,
                                          strcmp(w->test_file, "hidden_tests.c") != 0,
                                          &test_fn);

    free(out);
    for (size_t i = 0; summary && test_fn && i < w->n_tests; i++) {
        char *suffix = xasprintf("_%s_impl", w->tests[i].name);
        size_t n = strlen(test_fn), s = strlen(suffix);

        if (n > s && !strcmp(test_fn + n - s, suffix)) {
            pthread_mutex_lock(&w->lock);
            if (!w->stacks[i]) {
                w->stacks[i] = summary;
                summary = NULL;
            }
            pthread_mutex_unlock(&w->lock);
        }
        free(suffix);
    }
    free(summary);
    free(test_fn);
}

static bool seen(stack_watch *w, int pid)
{
    for (size_t i = 0; i < w->n_seen; i++)
        if (w->seen[i] == pid)
            return true;
    if (w->n_seen < MAX_PROCESSES)
        w->seen[w->n_seen++] = pid;
    return false;
}

/* One look at every process: the test processes about to time out. */
static void look(stack_watch *w)
{
    DIR *proc = opendir("/proc");
    struct dirent *entry;

    if (!proc)
        return;
    while ((entry = readdir(proc)) != NULL) {
        int pid = atoi(entry->d_name), parent;

        if (pid <= 0 || !runs_binary(w, pid))
            continue;
        parent = (int)proc_stat_field(pid, 4);
        if (parent <= 0 || !runs_binary(w, parent) || age(pid) < w->stack_at_s ||
            seen(w, pid))
            continue;
        take_stacks(w, pid);
    }
    closedir(proc);
}

static void *watch_main(void *arg)
{
    stack_watch *w = arg;

    for (;;) {
        bool stop;

        pthread_mutex_lock(&w->lock);
        stop = w->stop;
        pthread_mutex_unlock(&w->lock);
        if (stop)
            return NULL;
        look(w);
        usleep(WATCH_PERIOD_US);
    }
}

stack_watch *stack_watch_start(const char *binary, double stack_at_s,
                               const manifest_test *tests, size_t n_tests,
                               const char *student_file, const char *test_file)
{
    stack_watch *w = xcalloc(1, sizeof *w);
    struct stat st;

    if (stat(binary, &st) != 0) {
        free(w);
        return NULL;
    }
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    w->stack_at_s = stack_at_s;
    w->tests = tests;
    w->n_tests = n_tests;
    w->student_file = student_file;
    w->test_file = test_file;
    w->stacks = xcalloc(n_tests ? n_tests : 1, sizeof *w->stacks);
    pthread_mutex_init(&w->lock, NULL);
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        free(w->stacks);
        free(w);
        return NULL;
    }
    return w;
}

char **stack_watch_stop(stack_watch *w)
{
    char **stacks;

    if (!w)
        return NULL;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    stacks = w->stacks;
    free(w);
    return stacks;
}
