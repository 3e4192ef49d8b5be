/*
 * demo.c - watch the five tasks run under each plan.
 *
 * Runs the course's five tasks (3, 15, 8, 20 and 10 seconds) with your
 * run_sync, run_parallel, run_pool and run_async, and draws each run as a
 * text Gantt chart: one row per task, one column per second of the
 * course's time, and the character in a row tells which thread ran the
 * task (M = the calling thread, 1, 2, ... = other threads, ~ = a timer
 * on the event loop).
 *
 *     make demo EX=five_tasks
 *     build/five_tasks_demo [--scale S] [--workers N]
 *
 *   --scale S     real seconds per course second (default 0.1: the whole
 *                 demo takes about 13 s)
 *   --workers N   worker threads for run_pool (default 2)
 */
#include "five_tasks.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#define N_TASKS 5
#define MAX_THREAD_LABELS 35

static const task_spec TASKS[N_TASKS] = {
    { "A", 3 }, { "B", 15 }, { "C", 8 }, { "D", 20 }, { "E", 10 },
};

/* What the work callback saw: the thread that ran each task. */
typedef struct demo_ctx {
    pthread_mutex_t lock;
    double scale;               /* real seconds per course second */
    pthread_t thread[N_TASKS];
    int ran[N_TASKS];
} demo_ctx;

/* The plans' work: sleep the task's time, scaled, and note the thread. */
static void demo_work(const task_spec *task, void *arg)
{
    demo_ctx *ctx = arg;
    long i = task - TASKS;
    double seconds = task->seconds * ctx->scale;
    struct timespec nap = { (time_t)seconds, (long)((seconds - floor(seconds)) * 1e9) };

    if (i >= 0 && i < N_TASKS) {
        pthread_mutex_lock(&ctx->lock);
        ctx->thread[i] = pthread_self();
        ctx->ran[i]++;
        pthread_mutex_unlock(&ctx->lock);
    }
    while (nanosleep(&nap, &nap) == -1 && errno == EINTR)
        ;
}

static double seconds_of(struct timespec t)
{
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return seconds_of(t);
}

/* One character per thread: M for the caller, then 1-9, a-z. */
static char thread_label(pthread_t thread, pthread_t *seen, size_t *n_seen)
{
    static const char labels[] = "123456789abcdefghijklmnopqrstuvwxyz";

    if (pthread_equal(thread, pthread_self()))
        return 'M';
    for (size_t k = 0; k < *n_seen; k++)
        if (pthread_equal(thread, seen[k]))
            return labels[k];
    if (*n_seen >= MAX_THREAD_LABELS)
        return '?';
    seen[*n_seen] = thread;
    return labels[(*n_seen)++];
}

/* Draws the chart of one run that began at t0 (course seconds on the axis). */
static void draw_chart(const task_record *records, const char *labels, double t0,
                       double scale)
{
    double from[N_TASKS], to[N_TASKS];
    int width = 60;                 /* columns, one per course second */

    for (size_t i = 0; i < N_TASKS; i++) {
        from[i] = (seconds_of(records[i].started) - t0) / scale;
        to[i] = (seconds_of(records[i].finished) - t0) / scale;
        while (to[i] > width && width < 150)
            width += 10;
    }
    printf("   course s  ");
    for (int col = 0; col <= width; col += 5)
        printf("%-5d", col);
    printf("\n             ");
    for (int col = 0; col <= width; col++)
        putchar(col % 10 == 0 ? '|' : col % 5 == 0 ? '+' : '-');
    printf("  started .. finished\n");
    for (size_t i = 0; i < N_TASKS; i++) {
        int first = (int)lround(from[i]), last = (int)lround(to[i]);

        if (first < 0)
            first = 0;
        if (last > width + 1)
            last = width + 1;
        if (last <= first)
            last = first + 1;       /* even a 0 s task shows */
        printf("  %s %4.0f s   ", TASKS[i].name, TASKS[i].seconds);
        for (int col = 0; col <= width; col++)
            putchar(col < first || col >= last ? ' ' : labels[i]);
        printf("  %5.1f .. %5.1f\n", from[i], to[i]);
    }
}

enum { PLAN_SYNC, PLAN_PARALLEL, PLAN_POOL, PLAN_ASYNC, N_PLANS };

static const char *const PLAN_FUNCTION[N_PLANS] = {
    "run_sync", "run_parallel", "run_pool", "run_async",
};

static const char *const PLAN_STORY[N_PLANS] = {
    "one task after the other on the calling thread: the times add up",
    "one thread per task, all at once: it takes as long as the longest task",
    "a few workers; a free worker takes the next task",
    "no thread: one timer per task on one event loop, all waiting at once",
};

/* Runs one plan, draws it, and returns its total in course seconds (NAN on error). */
static double show_plan(int plan, double scale, size_t workers)
{
    demo_ctx ctx = { .lock = PTHREAD_MUTEX_INITIALIZER, .scale = scale };
    task_record records[N_TASKS];
    task_spec timers[N_TASKS];
    char labels[N_TASKS];
    pthread_t seen[MAX_THREAD_LABELS];
    size_t n_seen = 0;
    uv_loop_t loop;
    double t0, total;
    int rc = 0;

    memset(records, 0, sizeof records);
    if (plan == PLAN_POOL)
        printf("\n== pool (%zu worker%s): %s\n", workers, workers == 1 ? "" : "s", PLAN_STORY[plan]);
    else
        printf("\n== %s: %s\n", PLAN_FUNCTION[plan] + 4, PLAN_STORY[plan]);
    fflush(stdout);

    if (plan == PLAN_ASYNC) {
        for (size_t i = 0; i < N_TASKS; i++)
            timers[i] = (task_spec){ TASKS[i].name, TASKS[i].seconds * scale };
        if (uv_loop_init(&loop) != 0) {
            printf("   (could not create an event loop)\n");
            return NAN;
        }
    }
    t0 = now();
    switch (plan) {
    case PLAN_SYNC:
        rc = run_sync(TASKS, N_TASKS, demo_work, &ctx, records);
        break;
    case PLAN_PARALLEL:
        rc = run_parallel(TASKS, N_TASKS, demo_work, &ctx, records);
        break;
    case PLAN_POOL:
        rc = run_pool(TASKS, N_TASKS, workers, demo_work, &ctx, records);
        break;
    case PLAN_ASYNC:
        rc = run_async(&loop, timers, N_TASKS, records);
        break;
    }
    total = (now() - t0) / scale;
    if (plan == PLAN_ASYNC && uv_loop_close(&loop) != 0)
        printf("   (note: run_async left a handle on the loop: uv_loop_close failed)\n");

    if (rc == ENOSYS) {
        printf("   %s is not implemented yet (ENOSYS)\n", PLAN_FUNCTION[plan]);
        return NAN;
    }
    if (rc != 0) {
        printf("   %s failed: %s (%d)\n", PLAN_FUNCTION[plan], strerror(rc), rc);
        return NAN;
    }
    for (size_t i = 0; i < N_TASKS; i++) {
        if (plan == PLAN_ASYNC)
            labels[i] = '~';
        else if (ctx.ran[i] == 0)
            labels[i] = '.';
        else
            labels[i] = thread_label(ctx.thread[i], seen, &n_seen);
        if (plan != PLAN_ASYNC && ctx.ran[i] != 1)
            printf("   warning: task %s ran %d times (expected once)\n", TASKS[i].name, ctx.ran[i]);
    }
    draw_chart(records, labels, t0, scale);
    printf("   total: %.1f s of course time (%.2f s real)", total, total * scale);
    if (plan == PLAN_ASYNC)
        printf("; ~ = a timer on the loop, on the calling thread\n");
    else
        printf("; M = the calling thread, 1 2 ... = threads it started\n");
    return total;
}

static void usage(FILE *out, const char *argv0)
{
    fprintf(out,
            "usage: %s [--scale S] [--workers N]\n"
            "  --scale S     real seconds per course second (default 0.1)\n"
            "  --workers N   worker threads for the pool plan (default 2)\n",
            argv0);
}

int main(int argc, char **argv)
{
    double scale = 0.1;
    long workers = 2;
    double totals[N_PLANS];

    for (int i = 1; i < argc; i++) {
        char *end = NULL;

        if (!strcmp(argv[i], "--scale") && i + 1 < argc) {
            scale = strtod(argv[++i], &end);
            if (*end || !(scale > 0 && scale <= 10)) {
                fprintf(stderr, "five_tasks_demo: --scale wants a number of seconds in (0, 10], not \"%s\"\n",
                        argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--workers") && i + 1 < argc) {
            workers = strtol(argv[++i], &end, 10);
            if (*end || workers < 0 || workers > 64) {
                fprintf(stderr, "five_tasks_demo: --workers wants a number from 0 to 64, not \"%s\"\n",
                        argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout, argv[0]);
            return 0;
        } else {
            usage(stderr, argv[0]);
            return 2;
        }
    }

    printf("five tasks of 3, 15, 8, 20 and 10 s; one second of course time = %.3g s here\n", scale);
    for (int plan = 0; plan < N_PLANS; plan++)
        totals[plan] = show_plan(plan, scale, (size_t)workers);

    printf("\n== summary\n");
    for (int plan = 0; plan < N_PLANS; plan++) {
        char name[32];

        if (plan == PLAN_POOL)
            snprintf(name, sizeof name, "pool (%ld)", workers);
        else
            snprintf(name, sizeof name, "%s", PLAN_FUNCTION[plan] + 4);
        if (isnan(totals[plan]))
            printf("   %-12s  -\n", name);
        else if (plan != PLAN_SYNC && !isnan(totals[PLAN_SYNC]) && totals[plan] > 0)
            printf("   %-12s %5.1f s   %.1fx as fast as sync\n", name, totals[plan],
                   totals[PLAN_SYNC] / totals[plan]);
        else
            printf("   %-12s %5.1f s\n", name, totals[plan]);
    }
    return 0;
}
