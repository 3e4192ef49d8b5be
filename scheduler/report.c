/*
 * report.c - what a schedule did, for people (stderr) and for programs
 * (the JSON object of the contract, /work/notes/sched-contract.md, written
 * by hand with RFC 8259 escaping: the program under test links nothing
 * but the C library).
 */
#define _GNU_SOURCE
#include "rc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define TAIL 20

const char *rc_verdict_name(int verdict)
{
    static const char *const names[] = { "none", "deadlock", "busy-wait", "limit" };

    return verdict >= 0 && verdict <= RC_V_LIMIT ? names[verdict] : "?";
}

/*
 * The thread `t` waits for (owner of its mutex, thread it joins, or what
 * its polls wait for), or NULL.
 */
static const struct rc_thread *waits_for(const struct rc_thread *t)
{
    if (t->state != RC_T_ALIVE)
        return NULL;
    if (t->wait == RC_W_NONE && t->polls > 0 && t->polled_for) {
        for (int i = 0; i < rc->n_slots; i++)
            if (rc->threads[i].id == t->polled_for && rc->threads[i].state != RC_T_FREE)
                return &rc->threads[i];
        return NULL;
    }
    switch (t->wait) {
    case RC_W_MUTEX:
    case RC_W_RDLOCK:
    case RC_W_WRLOCK:
        return t->obj ? t->obj->owner : NULL;
    case RC_W_JOIN:
        return t->target;
    default:
        return NULL;
    }
}

static const char *state_name(const struct rc_thread *t)
{
    if (t->state == RC_T_FINISHED)
        return "finished";
    return t->wait == RC_W_NONE ? "runnable" : "blocked";
}

/* The address of object `id` of `kind` in this schedule, or NULL. */
static const void *object_address(int kind, int id)
{
    for (int i = 0; i < rc->n_objects; i++)
        if (rc->objects[i].kind == kind && rc->objects[i].id == id)
            return rc->objects[i].addr;
    return NULL;
}

/*
 * "mutex lock" for a static variable (or "mutex queue+40" inside one),
 * else "mutex#2" (numbered in order of first use), "thread#3"; "" for no
 * object.  Both are the same in every run of the same program and seed.
 */
static const char *object_name(int kind, int id, char *buf, size_t size)
{
    const void *addr = kind == RC_O_NONE || kind == RC_O_THREAD ? NULL
                                                                : object_address(kind, id);
    char symbol[64];

    if (kind == RC_O_NONE)
        return "";
    if (addr && rc_symbol(addr, symbol, sizeof(symbol)))
        snprintf(buf, size, "%s %s", rc_kind_name(kind), symbol);
    else
        snprintf(buf, size, "%s#%d", rc_kind_name(kind), id);
    return buf;
}

void rc_report_cycle(void)
{
    for (int i = 0; i < rc->n_slots; i++) {
        const struct rc_thread *start = &rc->threads[i], *t = start;
        size_t len = strlen(rc->message);
        int hops = 0;

        while ((t = waits_for(t)) && t != start && hops++ < rc->n_slots)
            continue;
        if (t != start)
            continue;
        len += (size_t)snprintf(rc->message + len, sizeof(rc->message) - len,
                                "; wait-for cycle: thread %d", start->id);
        for (t = waits_for(start); len < sizeof(rc->message); t = waits_for(t)) {
            len += (size_t)snprintf(rc->message + len, sizeof(rc->message) - len,
                                    " -> thread %d", t->id);
            if (t == start)
                break;
        }
        return;
    }
}

/* The event at index `e` of the trace (the ring keeps the last RC_TRACE_CAP). */
static const struct rc_event *event(unsigned long e)
{
    return &rc->trace[e % RC_TRACE_CAP];
}

/* Whether events `a` and `b` are the same call of the same thread at the same instant. */
static bool same_event(const struct rc_event *a, const struct rc_event *b)
{
    return a->thread == b->thread && a->where == b->where && a->time == b->time &&
           a->obj_kind == b->obj_kind && a->obj_id == b->obj_id && !strcmp(a->call, b->call);
}

/* The first event of the repeats that end at index `e` (e included). */
static unsigned long repeats_start(unsigned long e, unsigned long first_kept)
{
    while (e > first_kept && same_event(event(e - 1), event(e)))
        e--;
    return e;
}

/*
 * The index of the first event the report shows: every event the trace
 * keeps when `all`, else enough of the last ones for TAIL lines, a run of
 * repeats being one line.
 */
static unsigned long window_start(bool all)
{
    unsigned long kept = rc->n_events < RC_TRACE_CAP ? rc->n_events : RC_TRACE_CAP;
    unsigned long first_kept = rc->n_events - kept, e = rc->n_events;

    for (int lines = 0; !all && e > first_kept && lines < TAIL; lines++)
        e = repeats_start(e - 1, first_kept);
    return all ? first_kept : e;
}

/* Resolves at once every address the report shows. */
static void resolve_all(unsigned long first)
{
    static uintptr_t ra[RC_MAX_THREADS + 256];
    int k = 0;

    for (int i = 0; i < rc->n_slots; i++)
        ra[k++] = rc->threads[i].where;
    for (unsigned long e = first; e < rc->n_events; e++) {
        if (e > first && same_event(event(e - 1), event(e)))
            continue;
        ra[k++] = event(e)->where;
        if (k == (int)(sizeof(ra) / sizeof(ra[0]))) {
            rc_where_batch(ra, k);
            k = 0;
        }
    }
    rc_where_batch(ra, k);
}

/* The trace from index `first` on, a line per event, a run of repeats on one line. */
static void write_trace(FILE *out, unsigned long first)
{
    unsigned long shown = rc->n_events - first;
    char obj[96];

    if (first == 0)
        fprintf(out, "  all %lu events (thread, call, object, where, virtual time):\n", shown);
    else
        fprintf(out, "  last %lu events (thread, call, object, where, virtual time):\n", shown);
    for (unsigned long e = first, next; e < rc->n_events; e = next) {
        const struct rc_event *ev = event(e);

        for (next = e + 1; next < rc->n_events && same_event(ev, event(next)); next++)
            continue;
        fprintf(out, "    %3u %-24s %-16s %-20s %.6f", ev->thread, ev->call,
                object_name(ev->obj_kind, ev->obj_id, obj, sizeof(obj)), rc_where(ev->where),
                (double)ev->time / 1e9);
        if (next - e > 1)
            fprintf(out, "   (%lu times)", next - e);
        fputc('\n', out);
    }
}

/*
 * Weak: the test harness (harness/exit_guard.c) names the command that
 * replays the running test; a program without it is replayed through
 * the environment.
 */
extern const char *rc_exit_guard_replay_command(void) __attribute__((weak));

const char *rc_report_replay_command(void)
{
    static char line[320];
    const char *command = rc_exit_guard_replay_command ? rc_exit_guard_replay_command() : NULL;

    if (!command || rc_cfg.pct)
        return NULL;
    snprintf(line, sizeof(line), "%s SEED=0x%llx", command, (unsigned long long)rc->seed);
    return line;
}

/* How to run this very schedule again, with its whole trace. */
static void write_replay(FILE *out)
{
    const char *command = rc_report_replay_command();

    if (command)
        fprintf(out, "  replay: %s\n", command);
    else
        fprintf(out, "  replay: RC_SCHED_SEED=0x%llx RC_SCHED_RUNS=1 RC_SCHED_TRACE=all%s %s\n",
                (unsigned long long)rc->seed, rc_cfg.pct ? " RC_SCHED_STRATEGY=pct" : "",
                program_invocation_name);
}

void rc_report_write(FILE *out, const char *kind, const char *message, bool threads)
{
    unsigned long first = window_start(rc_cfg.trace_all);
    char obj[96];

    resolve_all(first);
    fprintf(out, "\nscheduler: %s: %s\n", kind, message);
    fprintf(out, "  seed 0x%llx (%s), step %lu, virtual time %.6f s\n",
            (unsigned long long)rc->seed, rc_cfg.pct ? "pct" : "random", rc->steps,
            (double)rc->now / 1e9);
    for (int i = 0; threads && i < rc->n_slots; i++) {
        const struct rc_thread *t = &rc->threads[i], *w = waits_for(t);

        if (t->state == RC_T_FREE)
            continue;
        object_name(t->obj_kind, t->obj_id, obj, sizeof(obj));
        fprintf(out, "  thread %d: %s in %s%s%s at %s", t->id, state_name(t), t->call,
                obj[0] && t->obj_kind ? " " : "", t->obj_kind ? obj : "", rc_where(t->where));
        if (w)
            fprintf(out, ", waits for thread %d", w->id);
        fputc('\n', out);
    }
    write_trace(out, first);
    write_replay(out);
}

void rc_report_text(const char *kind, const char *message, bool threads)
{
    rc_report_write(stderr, kind, message, threads);
}

/* The length of the valid UTF-8 sequence at text[0..len), or 0. */
static size_t utf8_length(const unsigned char *text, size_t len)
{
    size_t n = text[0] >= 0xf0 && text[0] < 0xf5 ? 4 : text[0] >= 0xe0 ? 3
             : text[0] >= 0xc2 && text[0] < 0xe0 ? 2 : 0;

    if (n == 0 || n > len)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((text[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* Writes `text` (len bytes) as a JSON string; bytes not UTF-8 become U+FFFD. */
static void json_string(FILE *out, const char *text, size_t len)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        size_t n;

        if (c >= 0x80) {
            n = utf8_length((const unsigned char *)text + i, len - i);
            if (n == 0) {
                fputs("\\ufffd", out);
            } else {
                fwrite(text + i, 1, n, out);
                i += n - 1;
            }
        } else if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_cstring(FILE *out, const char *text)
{
    json_string(out, text ? text : "", text ? strlen(text) : 0);
}

static void json_threads(FILE *out)
{
    char obj[96];
    bool first = true;

    fputs(",\n    \"threads\": [", out);
    for (int i = 0; i < rc->n_slots; i++) {
        const struct rc_thread *t = &rc->threads[i], *w = waits_for(t);

        if (t->state == RC_T_FREE)
            continue;
        fprintf(out, "%s\n      {\"thread\": %d, \"state\": \"%s\", \"call\": ", first ? "" : ",",
                t->id, state_name(t));
        json_cstring(out, t->call);
        fputs(", \"object\": ", out);
        json_cstring(out, object_name(t->obj_kind, t->obj_id, obj, sizeof(obj)));
        fputs(", \"where\": ", out);
        json_cstring(out, rc_where(t->where));
        if (w)
            fprintf(out, ", \"waits_for\": %d}", w->id);
        else
            fputs(", \"waits_for\": null}", out);
        first = false;
    }
    fputs("]", out);
}

/* The first event of the JSON trace: every event kept, or the last TAIL. */
static unsigned long json_trace_start(void)
{
    unsigned long kept = rc->n_events < RC_TRACE_CAP ? rc->n_events : RC_TRACE_CAP;

    return rc->n_events - (rc_cfg.trace_all || kept < TAIL ? kept : TAIL);
}

static void json_trace(FILE *out)
{
    unsigned long first = json_trace_start();
    char obj[96];

    fputs(",\n    \"trace\": [", out);
    for (unsigned long e = first; e < rc->n_events; e++) {
        const struct rc_event *ev = event(e);

        fprintf(out, "%s\n      {\"thread\": %u, \"call\": ", e == first ? "" : ",", ev->thread);
        json_cstring(out, ev->call);
        fputs(", \"object\": ", out);
        json_cstring(out, object_name(ev->obj_kind, ev->obj_id, obj, sizeof(obj)));
        fputs(", \"where\": ", out);
        json_cstring(out, rc_where(ev->where));
        fprintf(out, ", \"time\": %.9f}", (double)ev->time / 1e9);
    }
    fputs("]", out);
}

int rc_report_json(const char *path, unsigned long schedules_run, const struct rc_failure *f)
{
    FILE *out = fopen(path, "w");
    int err;

    if (!out)
        return -1;
    fprintf(out, "{ \"strategy\": \"%s\", \"depth\": %d, \"schedules_run\": %lu,\n  \"failure\": ",
            rc_cfg.pct ? "pct" : "random", rc_cfg.depth, schedules_run);
    if (!f) {
        fputs("null }\n", out);
    } else {
        resolve_all(json_trace_start());
        fputs("{ \"kind\": ", out);
        json_cstring(out, f->kind);
        fprintf(out, ", \"seed\": \"0x%llx\", \"schedule\": %lu,\n    \"message\": ",
                (unsigned long long)f->seed, f->schedule);
        json_cstring(out, f->message);
        fputs(",\n    \"output\": ", out);
        json_string(out, f->output ? f->output : "", f->output ? f->output_len : 0);
        fprintf(out, ",\n    \"steps\": %lu, \"time\": %.9f", rc->steps, (double)rc->now / 1e9);
        if (f->threads)
            json_threads(out);
        else
            fputs(",\n    \"threads\": []", out);
        json_trace(out);
        fputs(" } }\n", out);
    }
    err = ferror(out);
    if (fclose(out) != 0 || err) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    return 0;
}
