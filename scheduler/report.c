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

/* The trace's events to show: first index and count. */
static void trace_window(bool all, unsigned long *first, unsigned long *n)
{
    unsigned long kept = rc->n_events < RC_TRACE_CAP ? rc->n_events : RC_TRACE_CAP;

    *n = all ? kept : kept < TAIL ? kept : TAIL;
    *first = rc->n_events - *n;
}

/* Resolves at once every address the report shows. */
static void resolve_all(bool all)
{
    static uintptr_t ra[RC_MAX_THREADS + 256];
    unsigned long first, n;
    int k = 0;

    for (int i = 0; i < rc->n_slots; i++)
        ra[k++] = rc->threads[i].where;
    trace_window(all, &first, &n);
    for (unsigned long e = first; e < first + n; e++) {
        ra[k++] = rc->trace[e % RC_TRACE_CAP].where;
        if (k == (int)(sizeof(ra) / sizeof(ra[0]))) {
            rc_where_batch(ra, k);
            k = 0;
        }
    }
    rc_where_batch(ra, k);
}

void rc_report_write(FILE *out, const char *kind, const char *message, bool threads)
{
    unsigned long first, n;
    char obj[96];

    resolve_all(false);
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
    trace_window(false, &first, &n);
    fprintf(out, "  last %lu events (thread, call, object, where, virtual time):\n", n);
    for (unsigned long e = first; e < first + n; e++) {
        const struct rc_event *ev = &rc->trace[e % RC_TRACE_CAP];

        fprintf(out, "    %3u %-24s %-16s %-20s %.6f\n", ev->thread, ev->call,
                object_name(ev->obj_kind, ev->obj_id, obj, sizeof(obj)), rc_where(ev->where),
                (double)ev->time / 1e9);
    }
    fprintf(out, "  replay: RC_SCHED_SEED=0x%llx RC_SCHED_RUNS=1 RC_SCHED_TRACE=all%s %s\n",
            (unsigned long long)rc->seed, rc_cfg.pct ? " RC_SCHED_STRATEGY=pct" : "",
            program_invocation_name);
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

static void json_trace(FILE *out)
{
    unsigned long first, n;
    char obj[96];

    trace_window(rc_cfg.trace_all, &first, &n);
    fputs(",\n    \"trace\": [", out);
    for (unsigned long e = first; e < first + n; e++) {
        const struct rc_event *ev = &rc->trace[e % RC_TRACE_CAP];

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
        resolve_all(rc_cfg.trace_all);
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
