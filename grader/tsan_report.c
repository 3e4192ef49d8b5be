/*
 * tsan_report.c - ThreadSanitizer's text report, in words for a student.
 *
 * Theory of operation: the text is cut into blocks, one per problem (a
 * "WARNING: ThreadSanitizer: ..." or "==pid==ERROR: ThreadSanitizer: ..."
 * line up to the SUMMARY line or the "====" rule).  A block is a list of
 * parts: a line of text and the stack frames ("#0 fn file:line (module)")
 * under it; the first part is the title line.  Each block then becomes a
 * sentence and a folding key, as in helgrind_report.c: the sentence names
 * the frame of each stack that matters (the student's, else the test's),
 * the key holds the kind and those frames' file:line.  Equal keys are
 * folded, sorted and capped by race_words.c.
 */
#define _GNU_SOURCE
#include "tsan_report.h"
#include "race_words.h"
#include "report_stack.h"
#include "struct_fields.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A stack frame, "#1 bq_put exercises/bq/bq.c:57 (race_driver+0x2948)", is
   a report_frame whose obj is the module ("race_driver", "libtsan.so.2");
   a line of a block and the frames under it, a report_part whose text is
   trimmed, without a "==pid==" start. */
typedef report_frame ts_frame;
typedef report_part ts_part;

/* One problem: parts[0].text is the title ("data race", "SEGV on ..."). */
typedef struct ts_block {
    ts_part *parts;
    size_t n_parts;
    bool error;                     /* an ERROR: block (a crash), not a WARNING: */
    long count;                     /* 1, plus "And N more similar ..." */
} ts_block;

typedef race_draft ts_draft;

/* Where the student reads every problem. */
#define FULL_REPORT "ThreadSanitizer's log lists them all (build/tsan/<exercise>/tsan.*)."

/* --- small helpers ------------------------------------------------------- */

/* The hexadecimal number after the first " at 0x" in `text`, or 0. */
static unsigned long long address_in(const char *text)
{
    const char *at = text ? strstr(text, " at 0x") : NULL;

    return at ? strtoull(at + strlen(" at "), NULL, 16) : 0;
}

/* A function's name as the student wrote it: interceptors lose their prefix. */
static const char *plain_fn(const char *fn)
{
    return starts_with(fn, "__interceptor_") ? fn + strlen("__interceptor_") : fn;
}

/* --- from text to blocks ------------------------------------------------- */

/* Parses "#3 fn file:line[:col] (module+0x1f)" (after the spaces). */
static bool parse_frame(const char *s, ts_frame *f)
{
    const char *fn, *loc, *paren;
    size_t fn_len;

    memset(f, 0, sizeof *f);
    if (*s != '#' || !isdigit((unsigned char)s[1]))
        return false;
    s += 1 + strspn(s + 1, "0123456789");
    s += strspn(s, " ");
    fn = s;
    fn_len = strcspn(s, " ");
    if (fn_len && !(fn_len == 6 && !strncmp(fn, "<null>", 6)))
        f->fn = xasprintf("%.*s", (int)fn_len, fn);
    loc = fn + fn_len;
    loc += strspn(loc, " ");
    paren = strrchr(loc, '(');
    if (paren) {
        const char *end = paren + 1 + strcspn(paren + 1, "+)");
        f->obj = xasprintf("%.*s", (int)(end - paren - 1), paren + 1);
    }
    if (*loc && *loc != '(' && !starts_with(loc, "<null>")) {
        size_t len = paren ? (size_t)(paren - loc) : strlen(loc);
        char *where;
        char *colon;

        while (len && loc[len - 1] == ' ')
            len--;
        where = xasprintf("%.*s", (int)len, loc);
        /* file:line or file:line:column; the file may hold no colon of its own */
        for (int tries = 0; tries < 2 && (colon = strrchr(where, ':')); tries++) {
            char *end;
            long n = strtol(colon + 1, &end, 10);

            if (end == colon + 1 || *end)
                break;
            *colon = '\0';
            f->line = (int)n;
        }
        f->file = where;
    }
    return true;
}

static void part_free(ts_part *p)
{
    free(p->text);
    for (size_t i = 0; i < p->n_frames; i++) {
        free(p->frames[i].fn);
        free(p->frames[i].file);
        free(p->frames[i].obj);
    }
    free(p->frames);
}

static void blocks_free(ts_block *blocks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < blocks[i].n_parts; j++)
            part_free(&blocks[i].parts[j]);
        free(blocks[i].parts);
    }
    free(blocks);
}

static ts_part *add_part(ts_block *b, const char *text, size_t len)
{
    ts_part *p;

    b->parts = xrealloc(b->parts, (b->n_parts + 1) * sizeof *b->parts);
    p = &b->parts[b->n_parts++];
    memset(p, 0, sizeof *p);
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    p->text = xasprintf("%.*s", (int)len, text);
    return p;
}

/* "==123==" at the start of a line: its length, or 0. */
static size_t pid_prefix(const char *line)
{
    size_t n;

    if (!starts_with(line, "=="))
        return 0;
    n = 2 + strspn(line + 2, "0123456789");
    return n > 2 && starts_with(line + n, "==") ? n + 2 : 0;
}

/* Where a block starts: the title after "ThreadSanitizer: ", or NULL. */
static const char *block_title(const char *line, bool *error)
{
    line += pid_prefix(line);
    *error = starts_with(line, "ERROR: ThreadSanitizer: ");
    if (*error)
        return line + strlen("ERROR: ThreadSanitizer: ");
    if (starts_with(line, "WARNING: ThreadSanitizer: "))
        return line + strlen("WARNING: ThreadSanitizer: ");
    if (starts_with(line, "FATAL: ThreadSanitizer: "))
        return line + strlen("FATAL: ThreadSanitizer: ");
    /* ThreadSanitizer's own failures outside any block ("ThreadSanitizer:
       dup thread with used id ...", "ThreadSanitizer: CHECK failed") */
    if (starts_with(line, "ThreadSanitizer: ") &&
        !starts_with(line, "ThreadSanitizer: reported ") &&
        !starts_with(line, "ThreadSanitizer: Matched ") &&
        !starts_with(line, "ThreadSanitizer: can not provide"))
        return line + strlen("ThreadSanitizer: ");
    return NULL;
}

/* Cuts `text` into blocks. */
static ts_block *split_blocks(const char *text, size_t *n_blocks)
{
    ts_block *blocks = NULL, *cur = NULL;
    size_t n = 0;

    for (const char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        char *copy = xasprintf("%.*s", (int)len, line);
        const char *s = copy + strspn(copy, " \t");
        const char *title;
        bool error;

        if ((title = block_title(s, &error))) {
            size_t title_len = strlen(title);
            const char *pid = strstr(title, " (pid=");

            if (pid)
                title_len = (size_t)(pid - title);
            blocks = xrealloc(blocks, (n + 1) * sizeof *blocks);
            cur = &blocks[n++];
            memset(cur, 0, sizeof *cur);
            cur->error = error;
            cur->count = 1;
            add_part(cur, title, title_len);
        } else if (starts_with(s, "SUMMARY: ThreadSanitizer") || starts_with(s, "=====") ||
                   starts_with(s + pid_prefix(s), "ABORTING")) {
            cur = NULL;
        } else if (cur && *s == '#') {
            ts_part *p = &cur->parts[cur->n_parts - 1];
            ts_frame f;

            if (parse_frame(s, &f)) {
                p->frames = xrealloc(p->frames, (p->n_frames + 1) * sizeof *p->frames);
                p->frames[p->n_frames++] = f;
            }
        } else if (cur && *s && !starts_with(s, "[failed to restore")) {
            s += pid_prefix(s);
            if (starts_with(s, "And ") && strstr(s, " more similar"))
                cur->count += (long)report_number_after(s, "And ");
            add_part(cur, s, strlen(s));
        }
        free(copy);
        line += len;
        if (*line == '\n')
            line++;
    }
    *n_blocks = n;
    return blocks;
}

/* --- from a block to words ----------------------------------------------- */

/* Shared libraries (libtsan, libc, libuv), sanitizer sources and the
   harness's wrappers of library calls: never the student's or the test's
   code. */
static bool is_library(const ts_frame *f)
{
    return !f->file || (f->obj && strstr(f->obj, ".so")) ||
           strstr(f->file, "libsanitizer/") || starts_with(f->file, "../") ||
           starts_with(f->fn, "__wrap_");
}

/* The first part after the title whose text starts with `prefix`, or NULL. */
static const ts_part *find_part(const ts_block *b, const char *prefix)
{
    return report_find_part(b->parts, b->n_parts, prefix);
}

/* The part saying where thread `name` ("T3") was created, or NULL. */
static const ts_part *thread_part(const ts_block *b, const char *name, size_t len)
{
    for (size_t i = 1; i < b->n_parts; i++) {
        const char *t = b->parts[i].text;
        if (starts_with(t, "Thread ") && !strncmp(t + 7, name, len) && t[7 + len] == ' ')
            return &b->parts[i];
    }
    return NULL;
}

/* Appends whose a stack or TLS is: "the main thread", "the thread started
   at five_tasks.c:85 (run_parallel)", or "thread T3". */
static void put_owner(strbuf *b, const ts_block *blk, const char *owner,
                      const report_places *rp)
{
    size_t len;
    const ts_part *created;

    if (starts_with(owner, "main thread")) {
        strbuf_addstr(b, "the main thread");
        return;
    }
    if (starts_with(owner, "thread "))
        owner += strlen("thread ");
    len = strcspn(owner, " .:");
    created = thread_part(blk, owner, len);
    if (created && report_pick_frame(rp, created, &(bool){false})) {
        strbuf_addstr(b, "the thread started at ");
        report_put_where(b, rp, created, "");
    } else {
        strbuf_addf(b, "thread %.*s", (int)len, owner);
    }
}

/*
 * Appends what ThreadSanitizer says about the raced-on memory, or nothing.
 * Returns whether it names a heap block, not the struct field in it.
 */
static bool put_variable(strbuf *b, const ts_block *blk, const ts_part *access,
                         const report_places *rp, const struct_layouts *layouts)
{
    bool unnamed = false;

    for (size_t i = 1; i < blk->n_parts; i++) {
        const ts_part *part = &blk->parts[i];
        const char *t = part->text, *q;

        if (!starts_with(t, "Location is "))
            continue;
        t += strlen("Location is ");
        if (starts_with(t, "global '")) {
            int len;

            q = t + strlen("global '");
            len = (int)strcspn(q, "'.");
            if (!strncmp(q, "<null>", 6))
                continue;
            strbuf_addf(b, "the %s variable \"%.*s\"", q[len] == '.' ? "static" : "global",
                        len, q);
        } else if (starts_with(t, "heap block of size ")) {
            unsigned long size = report_number_after(t, "heap block of size ");
            unsigned long long block = address_in(t), at = address_in(access->text);
            unsigned long bytes = report_number_after(access->text, " of size ");
            bool inside = block && at >= block && at - block < size;
            char *field = inside
                ? struct_layouts_field(layouts, size, (unsigned long)(at - block)) : NULL;

            unnamed = race_words_heap_block(b, field, inside ? bytes : 0, at - block, size);
            free(field);
            if (part->n_frames) {
                strbuf_addstr(b, " allocated at ");
                report_put_where(b, rp, part, "an unknown place");
            }
        } else if (starts_with(t, "stack of ")) {
            strbuf_addstr(b, "a local variable of ");
            put_owner(b, blk, t + strlen("stack of "), rp);
            strbuf_addstr(b, " that other threads reach through a pointer");
        } else if (starts_with(t, "TLS of ")) {
            strbuf_addstr(b, "a thread-local variable of ");
            put_owner(b, blk, t + strlen("TLS of "), rp);
        } else if (starts_with(t, "file descriptor ")) {
            strbuf_addf(b, "file descriptor %lu", report_number_after(t, "file descriptor "));
            if (part->n_frames) {
                strbuf_addstr(b, " (opened at ");
                report_put_where(b, rp, part, "an unknown place");
                strbuf_addstr(b, ")");
            }
        } else {
            continue;
        }
        return unnamed;
    }
    return false;
}

/* Whether `fn` is one of `names` (a NULL-terminated list). */
static bool fn_in(const char *fn, const char *const *names)
{
    for (; fn && *names; names++)
        if (!strcmp(plain_fn(fn), *names))
            return true;
    return false;
}

/* Calls whose "access" is ThreadSanitizer's record of a descriptor. */
static const char *const fd_makers[] = { "open", "open64", "openat", "openat64", "creat",
    "pipe", "pipe2", "socket", "socketpair", "accept", "accept4", "dup", "dup2", "dup3",
    "eventfd", "epoll_create", "epoll_create1", NULL };
static const char *const fd_closers[] = { "close", NULL };

/*
 * What an access part did, as a verb with its object: "reads memory",
 * "atomically writes memory", "frees memory", "creates a file descriptor".
 * *frees is set when the memory was freed, *fd when it is a descriptor.
 */
static const char *access_verb(const ts_part *p, bool previous, bool *frees, bool *fd)
{
    const char *t = p->text + (previous ? strlen("Previous ") : 0);
    const char *fn0 = p->n_frames ? p->frames[0].fn : NULL;
    bool atomic = starts_with(t, "Atomic ") || starts_with(t, "atomic ");
    bool writes = strstr(t, "rite of size") != NULL;

    *frees = fn0 && (!strcmp(plain_fn(fn0), "free") || !strcmp(plain_fn(fn0), "realloc"));
    if (*frees)
        return "frees";
    if (fn_in(fn0, fd_makers) || fn_in(fn0, fd_closers)) {
        *fd = true;
        return fn_in(fn0, fd_closers) ? "closes" : "creates";
    }
    if (atomic)
        return writes ? "atomically writes" : "atomically reads";
    return writes ? "writes" : "reads";
}

/* The locks an access was made holding: "write M0, read M2" from
   "Read of size 4 at 0x... by thread T3 (mutexes: write M0, read M2):", or NULL. */
static char *locks_held(const ts_part *access)
{
    const char *at = access ? strstr(access->text, "(mutexes: ") : NULL;

    if (!at)
        return NULL;
    at += strlen("(mutexes: ");
    return xasprintf("%.*s", (int)strcspn(at, ")"), at);
}

/* Ends a race's sentence: what to do, and what two locked sides mean. */
static void put_advice(strbuf *body, const ts_part *first, const ts_part *other,
                       const report_places *rp, bool fd, bool freed)
{
    bool s1 = false, s2 = false;
    const ts_frame *f1 = report_pick_frame(rp, first, &s1);
    const ts_frame *f2 = report_pick_frame(rp, other, &s2);
    bool test_side = f1 && f2 && s1 != s2;
    char *held1 = locks_held(first), *held2 = locks_held(other), *advice;
    const char *note = race_words_both_locked(held1 && held2,
                                              held1 && held2 && !strcmp(held1, held2));

    if (fd && !test_side) {
        strbuf_addstr(body, ". Close a descriptor only when no other thread uses it any "
                      "more, and do not use its number after closing it.");
    } else {
        advice = race_words_race_advice(test_side, freed, !test_side ? NULL :
                                        s1 ? report_callback_in(rp, first)
                                           : report_callback_in(rp, other));
        strbuf_addf(body, ". %s", advice);
        free(advice);
    }
    if (note)
        strbuf_addf(body, " %s", note);
    free(held1);
    free(held2);
}

/* Returns whether the sentence names a heap block, not the field in it. */
static bool describe_race(const ts_block *blk, const report_places *rp,
                          const struct_layouts *layouts, strbuf *body,
                          strbuf *key, const ts_part **first_out)
{
    const ts_part *first = blk->n_parts > 1 ? &blk->parts[1] : &blk->parts[0];
    const ts_part *other = find_part(blk, "Previous ");
    bool first_frees = false, other_frees = false, fd = false;
    const char *verb = access_verb(first, false, &first_frees, &fd);
    const char *other_verb = other ? access_verb(other, true, &other_frees, &fd) : "uses";
    const char *what = fd ? "a file descriptor" : "memory";
    strbuf var = STRBUF_INIT;
    bool unnamed_heap;

    *first_out = first;
    if (other && report_same_place(rp, first, other)) {
        strbuf_addstr(body, "two threads run ");
        report_put_where(body, rp, first, "the same code");
        strbuf_addf(body, " at the same time: one %s %s that the other %s%s", verb, what,
                    strcmp(verb, other_verb) ? "" : "also ", other_verb);
    } else if (other && other->n_frames) {
        report_put_where(body, rp, first, "a thread");
        strbuf_addf(body, " %s %s that ", verb, what);
        report_put_where(body, rp, other, "another thread");
        strbuf_addf(body, " %s%s in another thread",
                    strcmp(verb, other_verb) ? "" : "also ", other_verb);
    } else {
        report_put_where(body, rp, first, "a thread");
        strbuf_addf(body, " %s %s that another thread also uses", verb, what);
    }
    strbuf_addstr(body, ", and no lock orders the two");
    unnamed_heap = put_variable(&var, blk, first, rp, layouts);
    if (var.len)
        strbuf_addf(body, "; the %s is %s", fd ? "descriptor" : "memory", var.data);
    strbuf_release(&var);
    put_advice(body, first, other, rp, fd, first_frees || other_frees);
    report_put_key(key, rp, first);
    report_put_key(key, rp, other);
    return unnamed_heap;
}

static void describe_lock_order(const ts_block *blk, const report_places *rp, strbuf *body,
                                strbuf *key, const ts_part **first_out)
{
    const ts_part *a = NULL, *b = NULL, *a_before = NULL, *b_before = NULL;
    char *place_a, *place_b, *held_a, *held_b, *text;
    int line_a, line_b = 0, unused;
    bool swap;

    /* "Mutex M1 acquired here while holding mutex M0 in thread T1:", then
       "Mutex M0 previously acquired by the same thread here:", then the
       other thread's two. */
    for (size_t i = 1; i < blk->n_parts; i++) {
        const ts_part *p = &blk->parts[i];

        if (starts_with(p->text, "Mutex ") && strstr(p->text, " acquired here while holding")) {
            if (!a)
                a = p;
            else if (!b)
                b = p;
        } else if (strstr(p->text, " previously acquired")) {
            if (a && !b && !a_before)
                a_before = p;
            else if (b && !b_before)
                b_before = p;
        }
    }
    place_a = report_where_string(rp, a, &line_a, false);
    place_b = b && b->n_frames ? report_where_string(rp, b, &line_b, false) : NULL;
    *first_out = place_b && line_b && (!line_a || line_b < line_a) ? b : a;
    held_a = a_before ? report_where_string(rp, a_before, &unused, true) : NULL;
    held_b = b_before && place_b ? report_where_string(rp, b_before, &unused, true) : NULL;
    if (!place_b)
        line_b = 0;
    text = race_words_lock_order(place_a ? place_a : "a thread", line_a, held_a, place_b,
                                 line_b, held_b);
    swap = race_words_lock_order_swaps(line_a, line_b);
    report_note_place(rp, swap ? b : a);
    report_note_place(rp, swap ? a : b);
    strbuf_addstr(body, text);
    free(text);
    free(place_a);
    free(place_b);
    free(held_a);
    free(held_b);
    report_put_key_pair(key, rp, a, line_a, b, line_b);
}

/* ThreadSanitizer's mutex misuse titles, in words: what the code did, what to do. */
static const struct { const char *title, *did, *advice; } misuse_words[] = {
    { "unlock of an unlocked mutex",
      "unlocks a mutex that is not locked, or that another thread locked",
      "Unlock only a mutex this thread locked, once per lock." },
    { "destroy of a locked mutex", "destroys a mutex that is still locked",
      "Unlock it first, and destroy it only when no thread uses it any more." },
    { "double lock of a mutex", "locks a mutex it already holds, so it waits for itself forever",
      "Unlock before locking again, and do not call a function that takes the same lock." },
    { "use of an invalid mutex", "uses a mutex that is not initialised, or already destroyed",
      "Initialise it (pthread_mutex_init, PTHREAD_MUTEX_INITIALIZER) before use, and "
      "destroy it only when no thread uses it any more." },
    { "read lock of a write locked mutex", "takes a read lock on a lock it holds for writing",
      "Unlock the write lock first." },
    { "read unlock of a write locked mutex", "read-unlocks a lock held for writing",
      "Unlock with the call that matches the lock you took." },
};

static size_t misuse_index(const char *title)
{
    size_t i = 0;

    while (i < sizeof misuse_words / sizeof misuse_words[0] &&
           !starts_with(title, misuse_words[i].title))
        i++;
    return i;
}

static void describe_misuse(const ts_block *blk, const report_places *rp, strbuf *body,
                            strbuf *key)
{
    const char *title = blk->parts[0].text;
    size_t i = misuse_index(title);
    const ts_part *and_part = find_part(blk, "and:");

    report_put_where(body, rp, &blk->parts[0], "a thread");
    strbuf_addf(body, " %s", misuse_words[i].did);
    if (and_part && starts_with(title, "destroy of") &&
        report_pick_frame(rp, and_part, &(bool){false})) {
        strbuf_addstr(body, " (locked at ");
        report_put_place(body, rp, and_part);
        strbuf_addstr(body, ")");
    }
    strbuf_addf(body, ". %s", misuse_words[i].advice);
    report_put_key(key, rp, &blk->parts[0]);
    strbuf_addf(key, "|%s", title);
}

/* A thread leak.  `no_joins`: the student's file joins no thread, so a
   thread the test's code started was not the student's to join; it was
   still inside the student's code when the race driver gave up. */
static void describe_leak(const ts_block *blk, const report_places *rp, bool no_joins,
                          strbuf *body, strbuf *key, const ts_part **first_out)
{
    const ts_part *created = find_part(blk, "Thread ");
    bool student;

    *first_out = created;
    if (report_pick_frame(rp, created, &student) && student) {
        report_put_where(body, rp, created, "");
        strbuf_addstr(body, " starts a thread that is never joined. Join every thread "
                      "you start (pthread_join) before your function returns, or "
                      "detach it.");
    } else {
        strbuf_addstr(body, "a thread started at ");
        report_put_where(body, rp, created, "an unknown place");
        if (no_joins)
            strbuf_addstr(body, " never ended: the race driver joins its own threads, and "
                          "this one was still inside your code (blocked in a wait that was "
                          "never woken up, or looping) when the driver gave up.");
        else
            strbuf_addstr(body, " was never joined, and your code was to join it. "
                          "Check that every thread is joined, whatever path the code "
                          "takes.");
    }
    report_put_key(key, rp, created);
}

/* The signal names ThreadSanitizer uses in its crash titles, in words. */
static const struct { const char *title, *words; } crash_words[] = {
    { "SEGV", "a segmentation fault" },
    { "BUS", "a bus error" },
    { "FPE", "an arithmetic error (a division by zero?)" },
    { "ILL", "an illegal instruction" },
    { "ABRT", "abort()" },
    { "stack-overflow", "a stack overflow (endless recursion, or a huge local array?)" },
};

/* The stack of a crash: under the title, or under the line after it
   ("The signal is caused by a READ memory access."). */
static const ts_part *crash_stack(const ts_block *blk)
{
    for (size_t i = 0; i < blk->n_parts; i++)
        if (blk->parts[i].n_frames)
            return &blk->parts[i];
    return &blk->parts[0];
}

static void describe_crash(const ts_block *blk, const report_places *rp, strbuf *body,
                           strbuf *key)
{
    const char *title = blk->parts[0].text;
    const ts_part *cause = find_part(blk, "The signal is caused by a ");
    const ts_part *stack = crash_stack(blk);
    const char *what = NULL, *inside = NULL;
    const ts_frame *f;
    bool student;

    for (size_t i = 0; i < sizeof crash_words / sizeof crash_words[0] && !what; i++)
        if (starts_with(title, crash_words[i].title))
            what = crash_words[i].words;
    f = report_pick_frame(rp, stack, &student);
    /* the library call the crash happened in: the last interceptor above it */
    for (size_t i = 0; f && i < stack->n_frames && &stack->frames[i] != f; i++)
        if (stack->frames[i].fn && starts_with(stack->frames[i].fn, "__interceptor_"))
            inside = plain_fn(stack->frames[i].fn);
    report_put_where(body, rp, stack, "the program");
    if (what)
        strbuf_addf(body, " crashes with %s", what);
    else
        strbuf_addf(body, " crashes: ThreadSanitizer says \"%s\"", title);
    if (cause && strstr(cause->text, "READ"))
        strbuf_addstr(body, starts_with(title, "SEGV on unknown address 0x000000000000")
                      ? ", reading through a NULL pointer" : ", reading memory it may not");
    else if (cause && strstr(cause->text, "WRITE"))
        strbuf_addstr(body, starts_with(title, "SEGV on unknown address 0x000000000000")
                      ? ", writing through a NULL pointer" : ", writing memory it may not");
    if (inside)
        strbuf_addf(body, ", inside %s", inside);
    strbuf_addstr(body, ". Check the pointers and handles used there: NULL, freed, "
                  "out of bounds, or a thread joined twice?");
    report_put_key(key, rp, stack);
    strbuf_addf(key, "|%.*s", (int)strcspn(title, " "), title);
}

static void describe_other(const ts_block *blk, const report_places *rp, strbuf *body,
                           strbuf *key)
{
    const char *title = blk->parts[0].text;

    if (blk->parts[0].n_frames || blk->n_parts > 1) {
        report_put_where(body, rp, &blk->parts[0], "somewhere in the program");
        strbuf_addf(body, ": ThreadSanitizer says \"%s\".", title);
    } else {
        strbuf_addf(body, "ThreadSanitizer stopped: \"%s\". Run `make race` (Helgrind) "
                    "for the check that counts.", title);
    }
    report_put_key(key, rp, &blk->parts[0]);
    strbuf_addf(key, "|%s", title);
}

/* Fills `d` from block `blk`: kind, student's file:line, body, key, and
 * the places the body names. */
static void draft_block(const ts_block *blk, const report_places *places,
                        const tsan_report_options *opts, ts_draft *d)
{
    report_places noting = { places->student_file, places->is_library, &d->named };
    const report_places *rp = &noting;
    strbuf body = STRBUF_INIT, key = STRBUF_INIT;
    const char *title = blk->parts[0].text;
    const ts_part *at = &blk->parts[0], *first = NULL;
    const ts_frame *f;
    bool student = false;

    if (blk->error) {
        d->kind = "other", d->label = "crash";
        describe_crash(blk, rp, &body, &key);
        at = crash_stack(blk);
    } else if (starts_with(title, "data race")) {
        d->kind = "race", d->label = "data race";
        d->unnamed_heap = describe_race(blk, rp, opts->layouts, &body, &key, &first);
        if (!report_pick_frame(rp, first, &student) || !student)
            first = find_part(blk, "Previous ");
        at = first;
    } else if (starts_with(title, "lock-order-inversion")) {
        d->kind = "lock_order", d->label = "lock order";
        describe_lock_order(blk, rp, &body, &key, &first);
        at = first;         /* the place the sentence names first */
    } else if (misuse_index(title) < sizeof misuse_words / sizeof misuse_words[0]) {
        d->kind = "misuse", d->label = "misuse of a pthread call";
        describe_misuse(blk, rp, &body, &key);
    } else if (starts_with(title, "thread leak")) {
        d->kind = "other", d->label = "thread leak";
        describe_leak(blk, rp, opts->no_joins, &body, &key, &first);
        at = first;
    } else {
        d->kind = "other", d->label = "thread problem";
        describe_other(blk, rp, &body, &key);
    }
    strbuf_addf(&key, "|%s", d->label);
    f = report_pick_frame(rp, at, &student);
    d->line = f && student ? f->line : 0;
    d->file = xstrdup(f && student ? rp->student_file : "");
    d->body = strbuf_detach(&body);
    d->key = strbuf_detach(&key);
    d->count = blk->count;
}

/* --- the interface ------------------------------------------------------- */

int tsan_report_parse(const char *text, const char *student_file, size_t max_findings,
                      race_result *out)
{
    return tsan_report_parse_with(text, student_file, NULL, max_findings, out);
}

int tsan_report_parse_with(const char *text, const char *student_file,
                           const tsan_report_options *opts, size_t max_findings,
                           race_result *out)
{
    static const tsan_report_options none = { 0 };
    report_places rp = { student_file, is_library, NULL };
    ts_block *blocks;
    ts_draft *drafts;
    size_t n_blocks, n = 0;
    int err;

    if ((err = race_words_start(out, text, student_file)))
        return err;
    blocks = split_blocks(text, &n_blocks);
    drafts = xcalloc(n_blocks, sizeof *drafts);
    for (size_t i = 0; i < n_blocks; i++) {
        ts_draft d = { 0 };

        draft_block(&blocks[i], &rp, opts ? opts : &none, &d);
        out->n_errors += (size_t)d.count;
        race_words_fold(drafts, &n, &d, i);
    }
    race_words_findings(drafts, n, max_findings, FULL_REPORT, out);
    free(drafts);
    blocks_free(blocks, n_blocks);
    return 0;
}

int tsan_report_read(const char *path, const char *student_file, size_t max_findings,
                     race_result *out)
{
    char *text;
    int err;

    if ((err = race_words_start(out, path, student_file)))
        return err;
    text = read_file(path, NULL);
    if (!text)
        return errno ? errno : EIO;
    err = tsan_report_parse(text, student_file, max_findings, out);
    free(text);
    return err;
}
