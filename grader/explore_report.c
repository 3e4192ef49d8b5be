/* explore_report.c - see explore_report.h. */
#define _GNU_SOURCE
#include "explore_report.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Program output lines printed with a failure. */
#define OUTPUT_TAIL_LINES 15

cJSON *explore_report_parse(const char *text)
{
    cJSON *report = cJSON_Parse(text);
    const cJSON *failure;

    if (!cJSON_IsObject(report) || !cJSON_IsNumber(cJSON_GetObjectItem(report, "schedules_run")))
        goto bad;
    failure = cJSON_GetObjectItem(report, "failure");
    if (cJSON_IsNull(failure))
        return report;
    if (cJSON_IsObject(failure) && cJSON_IsString(cJSON_GetObjectItem(failure, "kind")))
        return report;
bad:
    cJSON_Delete(report);
    return NULL;
}

const cJSON *explore_report_failure(const cJSON *report)
{
    const cJSON *failure = cJSON_GetObjectItem(report, "failure");

    return cJSON_IsObject(failure) ? failure : NULL;
}

/* A string member, or `fallback` when absent or not a string. */
static const char *str(const cJSON *object, const char *key, const char *fallback)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(object, key));

    return s ? s : fallback;
}

/* A number member, or `fallback`. */
static double num(const cJSON *object, const char *key, double fallback)
{
    const cJSON *item = cJSON_GetObjectItem(object, key);

    return cJSON_IsNumber(item) ? item->valuedouble : fallback;
}

/* What a kind means, in plain words. */
static const char *kind_words(const char *kind)
{
    static const struct { const char *kind, *words; } table[] = {
        { "assert", "an assertion failed" },
        { "crash", "the program crashed" },
        { "exit", "the program exited with a non-zero status" },
        { "deadlock", "deadlock: no thread can run and none waits for a deadline" },
        { "busy-wait", "busy-wait: a thread keeps polling without blocking while the "
                       "threads it waits for cannot progress" },
        { "limit", "a schedule ran past its limit (steps, virtual time or real time)" },
    };

    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (!strcmp(kind, table[i].kind))
            return table[i].words;
    return "the program failed";
}

/* What to try next, per kind (`message`: the failure's, for a deadlock in an event loop). */
static const char *kind_hint(const char *kind, const char *message)
{
    if (!strcmp(kind, "deadlock") && strstr(message, "epoll_wait"))
        return "An event loop (uv_run) waits for an event no thread will ever make: a pipe\n"
               "nobody writes to or closes, a handle never closed, a thread that ended\n"
               "without its uv_async_send.  The other threads' blocking calls are above.";
    if (!strcmp(kind, "deadlock"))
        return "Each thread's blocking call is above: look for a cycle of locks taken in\n"
               "different orders, a wait whose signal already happened, or a missing post.";
    if (!strcmp(kind, "busy-wait"))
        return "A loop that polls (trylock, sched_yield, clock reads) should block instead:\n"
               "wait on a condition variable or a semaphore.";
    if (!strcmp(kind, "limit"))
        return "A thread may spin on plain memory (no synchronisation call), or the program\n"
               "needs more steps than the limit; the running thread's last call is above.";
    if (!strcmp(kind, "assert"))
        return "The trace shows the order of the calls that led to it: find the switch\n"
               "between threads that breaks the invariant.";
    return NULL;
}

/* "thread 2  pthread_mutex_lock  mutex@0x4c0  lazy.c:18  t=0.000" */
static void print_event(const cJSON *event, FILE *out)
{
    fprintf(out, "  %10.6f  thread %-3.0f %-24s %-18s %s\n", num(event, "time", 0),
            num(event, "thread", 0), str(event, "call", "?"), str(event, "object", ""),
            str(event, "where", "?"));
}

static void print_threads(const cJSON *threads, FILE *out)
{
    const cJSON *t;

    if (cJSON_GetArraySize(threads) == 0)
        return;
    fprintf(out, "\nThreads:\n");
    cJSON_ArrayForEach(t, threads) {
        const cJSON *waits = cJSON_GetObjectItem(t, "waits_for");

        fprintf(out, "  thread %.0f: %s", num(t, "thread", 0), str(t, "state", "?"));
        if (!strcmp(str(t, "state", ""), "finished")) {
            fputc('\n', out);
            continue;
        }
        if (cJSON_GetObjectItem(t, "call"))
            fprintf(out, " in %s", str(t, "call", "?"));
        if (*str(t, "object", ""))
            fprintf(out, " (%s)", str(t, "object", ""));
        if (strcmp(str(t, "where", "?"), "?"))
            fprintf(out, " at %s", str(t, "where", "?"));
        if (cJSON_IsNumber(waits))
            fprintf(out, ", waiting for thread %d", waits->valueint);
        fputc('\n', out);
    }
}

/* The thread `id` of `threads`, or NULL. */
static const cJSON *thread_by_id(const cJSON *threads, int id)
{
    const cJSON *t;

    cJSON_ArrayForEach(t, threads)
        if ((int)num(t, "thread", -1) == id)
            return t;
    return NULL;
}

/* Prints the first wait-for cycle among `threads`, when there is one. */
static void print_cycle(const cJSON *threads, FILE *out)
{
    int n = cJSON_GetArraySize(threads);
    const cJSON *start;

    cJSON_ArrayForEach(start, threads) {
        int first = (int)num(start, "thread", -1), id = first, steps = 0;
        strbuf sb = STRBUF_INIT;

        strbuf_addf(&sb, "%d", first);
        while (steps++ <= n) {
            const cJSON *t = thread_by_id(threads, id);
            const cJSON *waits = t ? cJSON_GetObjectItem(t, "waits_for") : NULL;

            if (!cJSON_IsNumber(waits))
                break;
            id = waits->valueint;
            strbuf_addf(&sb, " -> %d", id);
            if (id == first) {
                fprintf(out, "Wait-for cycle: thread %s\n", sb.data);
                strbuf_release(&sb);
                return;
            }
        }
        strbuf_release(&sb);
    }
}

static void print_trace(const cJSON *trace, bool whole, FILE *out)
{
    const cJSON *event;
    int n = cJSON_GetArraySize(trace);

    if (n == 0)
        return;
    fprintf(out, "\n%s (virtual time in seconds, thread, call, object, where):\n",
            whole ? "The whole trace" : "The last events of the trace");
    cJSON_ArrayForEach(event, trace)
        print_event(event, out);
}

/* The last OUTPUT_TAIL_LINES lines of the program's output, indented. */
static void print_output(const char *output, FILE *out)
{
    const char *start = output + strlen(output);
    int lines = 0;

    while (start > output && (start[-1] == '\n' || start[-1] == ' '))
        start--;
    if (start == output)
        return;
    for (const char *p = start; p > output; p--)
        if (p[-1] == '\n' && ++lines == OUTPUT_TAIL_LINES) {
            start = p;
            break;
        }
    if (lines < OUTPUT_TAIL_LINES)
        start = output;
    fprintf(out, "\nThe program's output (its end):\n");
    for (const char *line = start; *line;) {
        const char *end = strchrnul(line, '\n');

        fprintf(out, "  | %.*s\n", (int)(end - line), line);
        line = *end ? end + 1 : end;
    }
}

static void print_failure(const cJSON *report, const cJSON *f, const explore_context *ctx,
                          FILE *out)
{
    const char *kind = str(f, "kind", "?"), *seed = str(f, "seed", "?"),
               *hint = kind_hint(kind, str(f, "message", ""));

    fprintf(out, "FAILED: %s\n", kind_words(kind));
    fprintf(out, "  kind:     %s\n", kind);
    fprintf(out, "  message:  %s\n", str(f, "message", "(none)"));
    fprintf(out, "  seed:     %s", seed);
    if (!ctx->replay)
        fprintf(out, " (schedule %.0f of this run)",
                num(f, "schedule", num(report, "schedules_run", 0)));
    fprintf(out, "\n  at:       scheduling point %.0f, virtual time %g s\n", num(f, "steps", 0),
            num(f, "time", 0));
    print_threads(cJSON_GetObjectItem(f, "threads"), out);
    if (!strcmp(kind, "deadlock") && !strstr(str(f, "message", ""), "cycle"))
        print_cycle(cJSON_GetObjectItem(f, "threads"), out);
    print_trace(cJSON_GetObjectItem(f, "trace"), ctx->replay, out);
    print_output(str(f, "output", ""), out);
    if (hint)
        fprintf(out, "\n%s\n", hint);
    fprintf(out, "\nReplay this schedule, with its whole trace:\n  %s --replay %s %s\n",
            ctx->replay_command, seed, ctx->replay_args);
}

void explore_report_print(const cJSON *report, const explore_context *ctx, FILE *out)
{
    const cJSON *failure = explore_report_failure(report);
    double runs = num(report, "schedules_run", 0);

    fprintf(out, "explore %s: strategy %s", ctx->program, str(report, "strategy", "?"));
    if (!strcmp(str(report, "strategy", ""), "pct"))
        fprintf(out, " (depth %.0f)", num(report, "depth", 0));
    if (failure && ctx->replay) {
        fprintf(out, ", the replayed schedule failed\n\n");
        print_failure(report, failure, ctx, out);
    } else if (failure) {
        fprintf(out, ", schedule %.0f failed\n\n", num(failure, "schedule", runs));
        print_failure(report, failure, ctx, out);
    } else if (ctx->replay) {
        fprintf(out, ": the replayed schedule passed\n");
    } else {
        fprintf(out, ": all %.0f schedules passed\n"
                "No failure found.  That is no proof: a switch happens only at a\n"
                "synchronisation call; races on plain memory are for `make race`.\n", runs);
    }
}

int explore_report_write_json(const cJSON *report, const explore_context *ctx,
                              const char *path)
{
    cJSON *json = cJSON_CreateObject();
    const cJSON *failure = explore_report_failure(report);
    char *text;
    int err;

    cJSON_AddStringToObject(json, "program", ctx->program);
    cJSON_AddStringToObject(json, "strategy", str(report, "strategy", "random"));
    if (cJSON_GetObjectItem(report, "depth"))
        cJSON_AddNumberToObject(json, "depth", num(report, "depth", 0));
    cJSON_AddNumberToObject(json, "schedules_run", num(report, "schedules_run", 0));
    if (failure) {
        cJSON *copy = cJSON_Duplicate(failure, true);
        char *replay = xasprintf("%s --replay %s %s", ctx->replay_command,
                                 str(failure, "seed", "?"), ctx->replay_args);

        cJSON_AddStringToObject(copy, "replay", replay);
        free(replay);
        cJSON_AddItemToObject(json, "failure", copy);
    } else {
        cJSON_AddNullToObject(json, "failure");
    }
    text = cJSON_Print(json);
    cJSON_Delete(json);
    if (!text)
        return ENOMEM;
    err = write_file(path, text, strlen(text), 0644);
    free(text);
    return err;
}
