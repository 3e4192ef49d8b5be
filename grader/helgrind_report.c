/*
 * helgrind_report.c - Helgrind's XML report, in words for a student.
 *
 * Theory of operation: helgrind_xml.c reads the file into a list of
 * errors, each a list of parts (a text and the stack after it).  Here
 * each error becomes a sentence and a folding key: the sentence names the
 * frame of each stack that matters (the student's, else the test's), the
 * key holds Valgrind's kind and those frames' file:line.  Equal keys are
 * folded and counted, then the findings are sorted and capped.
 */
#define _GNU_SOURCE
#include "helgrind_report.h"
#include "helgrind_xml.h"
#include "race_words.h"
#include "struct_fields.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef race_draft hg_draft;

/* Where the student reads every error. */
#define FULL_REPORT "Helgrind's whole report lists them all (`make race`)."

/* --- small helpers ------------------------------------------------------- */

/* A growing string; a failed allocation makes every later call a no-op. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
    int failed;                     /* an allocation failed: s is partial */
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends to `b`, or marks it failed. */
static void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    size_t need;
    int n;

    if (b->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    need = b->len + (size_t)n + 1;
    if (need > b->cap) {
        size_t cap = need < 2 * b->cap ? 2 * b->cap : need;
        char *s = realloc(b->s, cap);

        if (!s) {
            b->failed = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Hands over the built string (never NULL unless allocation failed). */
static char *sb_take(strbuf *b)
{
    char *s;

    if (!b->failed && !b->s)
        sb_printf(b, "%s", "");
    if (b->failed) {
        free(b->s);
        b->s = NULL;
        return NULL;
    }
    s = b->s;
    b->s = NULL;
    return s;
}

static int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* The unsigned number right after `marker` in `text`, or `fallback`. */
static unsigned long number_after(const char *text, const char *marker,
                                  unsigned long fallback)
{
    const char *at = text ? strstr(text, marker) : NULL;
    char *end;
    unsigned long value;

    if (!at)
        return fallback;
    at += strlen(marker);
    errno = 0;
    value = strtoul(at, &end, 10);
    return (end == at || errno) ? fallback : value;
}

/* --- from an error to words ---------------------------------------------- */

/* Libraries and Valgrind's own preload: never the student's or the test's. */
static int is_system(const hg_frame *f)
{
    return f->obj && (starts_with(f->obj, "/lib/") || starts_with(f->obj, "/lib64/") ||
                      starts_with(f->obj, "/usr/lib") || strstr(f->obj, "/vgpreload_"));
}

/* The frame a stack points at: the first in the student's file, else the
 * first with a source file outside system libraries; *student says which. */
static const hg_frame *pick_frame(const hg_part *part, const char *student_file,
                                  int *student)
{
    *student = 0;
    if (!part)
        return NULL;
    for (size_t i = 0; i < part->n_frames; i++) {
        const hg_frame *f = &part->frames[i];
        if (f->file && (strcmp(f->file, student_file) == 0 ||
                        strcmp(base_name(f->file), base_name(student_file)) == 0)) {
            *student = 1;
            return f;
        }
    }
    for (size_t i = 0; i < part->n_frames; i++)
        if (part->frames[i].file && !is_system(&part->frames[i]))
            return &part->frames[i];
    return NULL;
}

/* Appends "file:line (fn)" for the stack of `part`, with " in the test's
 * code" after it when it is not the student's; `fallback` when none. */
static void put_where(strbuf *b, const hg_part *part, const char *student_file,
                      const char *fallback)
{
    int student;
    const hg_frame *f = pick_frame(part, student_file, &student);

    if (!f) {
        sb_printf(b, "%s", fallback);
        return;
    }
    sb_printf(b, "%s:%d", base_name(f->file), f->line);
    if (f->fn)
        sb_printf(b, " (%s)", f->fn);
    if (!student)
        sb_printf(b, " in the test's code");
}

/* Just "file:line" of the stack of `part`, or nothing. */
static void put_short_where(strbuf *b, const hg_part *part, const char *student_file)
{
    int student;
    const hg_frame *f = pick_frame(part, student_file, &student);

    if (f)
        sb_printf(b, "%s:%d", base_name(f->file), f->line);
}

/* Appends "|file:line" of the stack of `part` to a folding key. */
static void put_key_where(strbuf *b, const hg_part *part, const char *student_file)
{
    int student;
    const hg_frame *f = pick_frame(part, student_file, &student);

    sb_printf(b, "|%s:%d", f ? f->file : "", f ? f->line : 0);
}

/* Whether the stacks of `a` and `b` point at the same file:line. */
static int same_place(const hg_part *a, const hg_part *b, const char *student_file)
{
    int student;
    const hg_frame *fa = pick_frame(a, student_file, &student);
    const hg_frame *fb = pick_frame(b, student_file, &student);

    return fa && fb && fa->line == fb->line && strcmp(fa->file, fb->file) == 0;
}

/* The first part whose text starts with `prefix`, or NULL. */
static const hg_part *find_part(const hg_error *e, const char *prefix)
{
    for (size_t i = 1; i < e->n_parts; i++)
        if (starts_with(e->parts[i].text, prefix))
            return &e->parts[i];
    return NULL;
}

/* The text of the part after `part`, when it says where a variable is declared. */
static const char *declared_after(const hg_error *e, const hg_part *part)
{
    const hg_part *next = part + 1;

    if (next < e->parts + e->n_parts && next->text && strstr(next->text, "declared at "))
        return next->text;
    return NULL;
}

/* Appends what Valgrind says about the raced-on memory, or nothing. */
static void put_variable(strbuf *b, const hg_error *e, const char *student_file,
                         const struct_layouts *layouts)
{
    unsigned long size = number_after(e->parts[0].text, " of size ", 0);

    for (size_t i = 1; i < e->n_parts; i++) {
        const hg_part *part = &e->parts[i];
        const char *t = part->text, *q, *declared = declared_after(e, part);
        unsigned long offset = number_after(t, " is ", 0);
        int len;

        if (!starts_with(t, "Address ") && !starts_with(t, "Location "))
            continue;
        if ((q = strstr(t, " inside data symbol \""))) {
            q += strlen(" inside data symbol \"");
            len = (int)strcspn(q, ".\"");
            if (offset)
                sb_printf(b, "%lu bytes into ", offset);
            sb_printf(b, "the %s variable \"%.*s\"", q[len] == '.' ? "static" : "global",
                      len, q);
        } else if ((q = strstr(t, " inside global var \"")) ||
                   (q = strstr(t, " inside local var \""))) {
            const char *scope = starts_with(q, " inside global") ? "global" : "local";
            q = strchr(q, '"') + 1;
            sb_printf(b, "the %s variable \"%.*s\"", scope, (int)strcspn(q, "\""), q);
        } else if (starts_with(t, "Location ") && (q = strstr(t, " bytes inside "))) {
            q += strlen(" bytes inside ");
            sb_printf(b, "\"%.*s\"", (int)strcspn(q, ","), q);
        } else if (strstr(t, " inside a block of size ")) {
            unsigned long block = number_after(t, " inside a block of size ", 0);
            char *field = struct_layouts_field(layouts, block, offset);

            if (field)
                sb_printf(b, "%s", field);
            else if (size)
                sb_printf(b, "the %lu bytes at offset %lu of ", size, offset);
            if (!field)
                sb_printf(b, "a heap block of %lu bytes", block);
            free(field);
            if (part->n_frames) {
                sb_printf(b, " allocated at ");
                put_where(b, part, student_file, "an unknown place");
            }
            return;
        } else if ((q = strstr(t, " is on thread #"))) {
            const char *owner = part + 1 < e->parts + e->n_parts && part[1].text
                ? strstr(part[1].text, "created by ") : NULL;
            if (owner)
                sb_printf(b, "a local variable of %s", owner + strlen("created by "));
            else
                sb_printf(b, "a local variable on %s", q + strlen(" is on "));
            sb_printf(b, " that other threads reach through a pointer");
            return;
        } else if (strstr(t, " BSS segment") || strstr(t, " Data segment")) {
            sb_printf(b, "a global or static variable");
            return;
        } else {
            continue;
        }
        if (declared) {
            const char *cut = strstr(declared, ", in frame");
            sb_printf(b, " (%.*s)", cut ? (int)(cut - declared) : (int)strlen(declared),
                      declared);
        }
        return;
    }
}

/* The test's function the student's code was running in `part`'s stack
 * ("job_fn"), or NULL: the innermost frame with source, when it is not the
 * student's but a frame further out is. */
static const char *callback_in(const hg_part *part, const char *student_file)
{
    int student;
    const hg_frame *f = pick_frame(part, student_file, &student);

    for (size_t i = 0; student && i < part->n_frames && &part->frames[i] != f; i++)
        if (part->frames[i].file && !is_system(&part->frames[i]))
            return part->frames[i].fn;
    return NULL;
}

/* Ends a race's sentence with what to do (race_words_race_advice). */
static void put_advice(strbuf *b, const hg_part *first, const hg_part *other,
                       const char *student_file)
{
    int s1 = 0, s2 = 0;
    const hg_frame *f1 = pick_frame(first, student_file, &s1);
    const hg_frame *f2 = pick_frame(other, student_file, &s2);
    int test_side = f1 && f2 && s1 != s2;
    char *advice = race_words_race_advice(test_side, 0,
                                          !test_side ? NULL : s1 ? callback_in(first, student_file)
                                                                 : callback_in(other, student_file));

    if (!advice)
        b->failed = 1;
    else
        sb_printf(b, ". %s", advice);
    free(advice);
}

static void describe_race(const hg_error *e, const char *student_file,
                          const struct_layouts *layouts, strbuf *body,
                          strbuf *key)
{
    const hg_part *first = &e->parts[0];
    const hg_part *other = find_part(e, "This conflicts with a previous");
    const char *t = first->text ? first->text : "";
    int first_writes = strstr(t, "during write") != NULL;
    int other_writes = other && strstr(other->text, "previous write");
    strbuf var = {0};

    if (other && same_place(first, other, student_file)) {
        sb_printf(body, "two threads run ");
        put_where(body, first, student_file, "the same code");
        sb_printf(body, " at the same time: one %s memory that the other %s",
                  first_writes ? "writes" : "reads",
                  !other_writes ? "reads" : first_writes ? "also writes" : "writes");
    } else if (other && other->n_frames) {
        put_where(body, first, student_file, "a thread");
        sb_printf(body, " %s memory that ", first_writes ? "writes" : "reads");
        put_where(body, other, student_file, "another thread");
        sb_printf(body, " %s in another thread",
                  !other_writes ? "reads" : first_writes ? "also writes" : "writes");
    } else {
        put_where(body, first, student_file, "a thread");
        sb_printf(body, " %s memory that another thread also uses",
                  first_writes ? "writes" : "reads");
    }
    sb_printf(body, ", and no lock orders the two");
    put_variable(&var, e, student_file, layouts);
    if (var.failed)
        body->failed = 1;
    else if (var.len)
        sb_printf(body, "; the memory is %s", var.s);
    free(var.s);
    put_advice(body, first, other, student_file);
    put_key_where(key, first, student_file);
    put_key_where(key, other, student_file);
}

/* "file:line (fn)" of the stack of `part` (malloc'd), or NULL; *line gets
 * the line when it is the student's, else 0. */
static char *where_string(const hg_part *part, const char *student_file, int *line, int is_short)
{
    strbuf b = {0};
    int student;
    const hg_frame *f = pick_frame(part, student_file, &student);

    *line = f && student ? f->line : 0;
    if (!f)
        return NULL;
    if (is_short)
        put_short_where(&b, part, student_file);
    else
        put_where(&b, part, student_file, "");
    return sb_take(&b);
}

/*
 * Helgrind's LockOrder: the first stack takes lock A while holding B (the
 * violation); "Required order was established by acquisition of lock at
 * A", then "followed by a later acquisition of lock at B": the place that
 * takes B while holding A.
 */
static void describe_lock_order(const hg_error *e, const char *student_file,
                                strbuf *body, strbuf *key)
{
    const hg_part *a = find_part(e, "Required order was established");
    const hg_part *b = find_part(e, "followed by a later acquisition");
    int line_v, line_b, unused;
    char *violation = where_string(&e->parts[0], student_file, &line_v, 0);
    char *other = b && b->n_frames ? where_string(b, student_file, &line_b, 0) : NULL;
    char *held = a ? where_string(a, student_file, &unused, 1) : NULL;
    char *text;

    if (!other)
        line_b = 0;
    text = race_words_lock_order(violation ? violation : "a thread", line_v, NULL,
                                 other, line_b, held);
    if (text)
        sb_printf(body, "%s", text);
    else
        body->failed = 1;
    free(text);
    free(violation);
    free(other);
    free(held);
    /* the key does not depend on which of the two Helgrind saw first */
    if (line_b && line_b < line_v) {
        put_key_where(key, b, student_file);
        put_key_where(key, &e->parts[0], student_file);
    } else {
        put_key_where(key, &e->parts[0], student_file);
        put_key_where(key, b, student_file);
    }
}

/* Helgrind's "Misc" texts, in words: what the code did, what to do. */
static const struct { const char *needle, *did, *advice; } misc_words[] = {
    { "re-lock a non-recursive lock",
      "locks a mutex it already holds, so it waits for itself forever",
      "Unlock before locking again, and do not call a function that takes the same lock." },
    { "still holds", "finishes while still holding a lock, so no other thread can ever take it",
      "Unlock on every path before returning: look for a return, break or goto between "
      "a lock and its unlock." },
    { "lock is not held", "signals a condition variable without holding the mutex its waiters use, "
      "so a waiter can miss the wake-up",
      "Lock the mutex, change the shared state, signal, then unlock." },
    { "with un-held mutex", "waits on a condition variable without holding its mutex",
      "Lock the mutex before calling pthread_cond_wait." },
    { "held by a different thread",
      "waits on a condition variable with a mutex another thread holds",
      "Lock the mutex in the waiting thread first." },
    { "associated with a different mutex",
      "waits on one condition variable with two different mutexes",
      "Always use the same mutex with a given condition variable." },
    { "destroy of a locked mutex", "destroys a mutex that is still locked",
      "Unlock it first, and destroy it only when no thread uses it any more." },
    { "being waited upon", "destroys a condition variable a thread is still waiting on",
      "Wake and join the waiting threads first." },
    { "invalid",
      "passes something that is not an initialised mutex or condition variable to a pthread call",
      "Initialise it (pthread_mutex_init, PTHREAD_MUTEX_INITIALIZER) before use." },
};

/* Valgrind's text without its "Thread #3: " or "Thread #3's " start. */
static const char *strip_thread(const char *t)
{
    if (!starts_with(t, "Thread #"))
        return t;
    t += strlen("Thread #");
    t += strspn(t, "0123456789");
    if (*t == ':')
        t++;
    else if (starts_with(t, "'s"))
        t += 2;
    return t + strspn(t, " ");
}

static void describe_misuse(const hg_error *e, const char *student_file, strbuf *body,
                            strbuf *key)
{
    const char *t = strip_thread(e->parts[0].text ? e->parts[0].text : "");
    const hg_part *code = find_part(e, "with error code");
    int student = 0;

    put_where(body, &e->parts[0], student_file, "a thread");
    if (strcmp(e->kind, "UnlockUnlocked") == 0) {
        sb_printf(body, " unlocks a mutex that is not locked. "
                  "Unlock only a mutex this thread locked, once per lock.");
    } else if (strcmp(e->kind, "UnlockForeign") == 0) {
        sb_printf(body, " unlocks a mutex that another thread holds. "
                  "Only the thread that locked a mutex may unlock it.");
    } else if (strcmp(e->kind, "UnlockBogus") == 0) {
        sb_printf(body, " unlocks something that is not a mutex. "
                  "Check the pointer, and initialise the mutex before use.");
    } else if (strcmp(e->kind, "PthAPIerror") == 0) {
        const char *call = strstr(t, "call to ");
        if (call) {
            call += strlen("call to ");
            sb_printf(body, " calls %.*s", (int)strcspn(call, " "), call);
        } else
            sb_printf(body, " calls a pthread function");
        sb_printf(body, ", and the call fails");
        if (code)
            sb_printf(body, " %s", code->text);
        sb_printf(body, ". Check the call's return value and its manual page.");
    } else if (strstr(t, "still holds") && pick_frame(&e->parts[0], student_file, &student) &&
               student) {
        /* not a thread that returned: one the race driver's watchdog
           stopped while it waited in the student's code */
        sb_printf(body, " was still waiting there, holding a lock, when the race driver "
                  "stopped. A thread that waits while it holds a lock blocks every thread "
                  "that needs that lock: unlock before waiting (pthread_cond_wait unlocks "
                  "for you), and never lock a mutex you already hold.");
    } else {
        size_t i = 0;
        while (i < sizeof misc_words / sizeof misc_words[0] && !strstr(t, misc_words[i].needle))
            i++;
        if (i < sizeof misc_words / sizeof misc_words[0])
            sb_printf(body, " %s. %s", misc_words[i].did, misc_words[i].advice);
        else
            sb_printf(body, " does something Helgrind flags: \"%s\". "
                      "Check each pthread call there against its manual page.", t);
    }
    put_key_where(key, &e->parts[0], student_file);
    if (strcmp(e->kind, "Misc") == 0 || strcmp(e->kind, "PthAPIerror") == 0)
        sb_printf(key, "|%s", t);
}

static void describe_other(const hg_error *e, const char *student_file, strbuf *body,
                           strbuf *key)
{
    const char *t = e->parts[0].text ? e->parts[0].text : "";

    put_where(body, &e->parts[0], student_file, "somewhere in the program");
    sb_printf(body, ": Helgrind says \"%s\".", strip_thread(t));
    put_key_where(key, &e->parts[0], student_file);
    sb_printf(key, "|%s", strip_thread(t));
}

/* The place a lock order's sentence names first (race_words_lock_order):
 * of the two that take a lock while holding the other, the student's one
 * earlier in the file. */
static const hg_part *first_lock_place(const hg_error *e, const char *student_file)
{
    const hg_part *b = find_part(e, "followed by a later acquisition");
    int s0 = 0, sb = 0;
    const hg_frame *f0 = pick_frame(&e->parts[0], student_file, &s0);
    const hg_frame *fb = pick_frame(b, student_file, &sb);

    if (fb && sb && (!s0 || fb->line < f0->line))
        return b;
    return &e->parts[0];
}

/* Keeps a race's memory and places in `d`, for note_shared_memory(). */
static void remember_race(const hg_error *e, const char *student_file,
                          const struct_layouts *layouts, hg_draft *d)
{
    strbuf var = {0};
    int unused;

    put_variable(&var, e, student_file, layouts);
    d->memory = sb_take(&var);
    d->places[0] = where_string(&e->parts[0], student_file, &unused, 1);
    d->places[1] = where_string(find_part(e, "This conflicts with a previous"), student_file,
                                &unused, 1);
}

/* Whether `place` is among the first `n` of `places`. */
static int listed(char *const *places, size_t n, const char *place)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(places[i], place))
            return 1;
    return 0;
}

/*
 * Helgrind's XML does not say which locks each access held, and it can
 * pair two accesses that both hold the lock once a third access, without
 * it, touched the same memory (the conflicting access it shows comes from
 * its history, not always the unordered one).  So when several races are
 * about the same memory, the most frequent of them lists every place they
 * name: the one without the lock is among them.
 */
static int note_shared_memory(hg_draft *drafts, size_t n)
{
    enum { MAX_PLACES = 8 };

    for (size_t i = 0; i < n; i++) {
        const char *memory = drafts[i].memory;
        char *places[MAX_PLACES], *body;
        size_t group = 0, n_places = 0, top = i;
        strbuf list = {0};

        if (!memory || !*memory)
            continue;
        for (size_t j = 0; j < n; j++) {
            if (!drafts[j].memory || strcmp(drafts[j].memory, memory))
                continue;
            if (j < i)
                break;                  /* the group was seen at its first draft */
            group++;
            if (drafts[j].count > drafts[top].count)
                top = j;
            for (int k = 0; k < 2; k++)
                if (drafts[j].places[k] && n_places < MAX_PLACES &&
                    !listed(places, n_places, drafts[j].places[k]))
                    places[n_places++] = drafts[j].places[k];
        }
        if (group < 2 || n_places < 3)
            continue;
        for (size_t k = 0; k < n_places; k++)
            sb_printf(&list, "%s%s", k == 0 ? "" : k + 1 == n_places ? " and " : ", ",
                      places[k]);
        if (list.failed || asprintf(&body, "%s %zu findings are about this memory, and "
                                    "Helgrind can show two accesses that both hold the lock "
                                    "when another one has none: check that %s all take the "
                                    "same lock.", drafts[top].body, group, list.s) < 0) {
            free(list.s);
            return ENOMEM;
        }
        free(list.s);
        free(drafts[top].body);
        drafts[top].body = body;
    }
    return 0;
}

/* Fills `d` from error `e`: kind, student's file:line, body, key. */
static int draft_error(const hg_error *e, const char *student_file,
                       const struct_layouts *layouts, hg_draft *d)
{
    static const hg_part empty;
    strbuf body = {0}, key = {0};
    const hg_part *at = e->n_parts ? &e->parts[0] : &empty;
    const char *kind = e->kind ? e->kind : "";
    const hg_frame *f;
    int student = 0;

    sb_printf(&key, "%s", kind);
    if (!e->n_parts) {
        d->kind = "other", d->label = "thread problem";
        sb_printf(&body, "Helgrind reports a problem of kind \"%s\" without details.", kind);
    } else if (strcmp(kind, "Race") == 0) {
        d->kind = "race", d->label = "data race";
        describe_race(e, student_file, layouts, &body, &key);
        if (!pick_frame(at, student_file, &student) || !student)
            at = find_part(e, "This conflicts with a previous");
    } else if (strcmp(kind, "LockOrder") == 0) {
        d->kind = "lock_order", d->label = "lock order";
        describe_lock_order(e, student_file, &body, &key);
        at = first_lock_place(e, student_file);
    } else if (strcmp(kind, "UnlockUnlocked") == 0 || strcmp(kind, "UnlockForeign") == 0 ||
               strcmp(kind, "UnlockBogus") == 0 || strcmp(kind, "PthAPIerror") == 0 ||
               strcmp(kind, "Misc") == 0) {
        d->kind = "misuse", d->label = "misuse of a pthread call";
        describe_misuse(e, student_file, &body, &key);
    } else {
        d->kind = "other", d->label = "thread problem";
        describe_other(e, student_file, &body, &key);
    }
    if (d->kind && strcmp(d->kind, "race") == 0)
        remember_race(e, student_file, layouts, d);
    f = pick_frame(at, student_file, &student);
    d->line = f && student ? f->line : 0;
    d->file = strdup(f && student ? student_file : "");
    d->body = sb_take(&body);
    d->key = sb_take(&key);
    return d->file && d->body && d->key ? 0 : ENOMEM;
}

/* Folds the errors of `x` into at most `max` findings in `out`. */
static int build_findings(const hg_xml *x, const char *student_file,
                          const struct_layouts *layouts, size_t max,
                          race_result *out)
{
    hg_draft *drafts = NULL, d;
    size_t n = 0, i;
    int err = 0;

    if (x->n_errors && !(drafts = calloc(x->n_errors, sizeof *drafts)))
        return ENOMEM;
    for (i = 0; i < x->n_errors; i++) {
        size_t j;

        memset(&d, 0, sizeof d);
        if ((err = draft_error(&x->errors[i], student_file, layouts, &d))) {
            race_draft_free(&d);
            goto error;
        }
        for (j = 0; j < n && strcmp(drafts[j].key, d.key) != 0; j++)
            ;
        if (j < n) {
            drafts[j].count += x->errors[i].count;
            race_draft_free(&d);
            continue;
        }
        d.count = x->errors[i].count;
        d.first = i;
        drafts[n++] = d;
    }
    if ((err = note_shared_memory(drafts, n)))
        goto error;
    err = race_words_findings(drafts, n, max, FULL_REPORT, out);
    n = 0;                          /* race_words_findings took the drafts */
    if (!err)
        out->n_errors = x->n_errors;
error:
    for (i = 0; i < n; i++)
        race_draft_free(&drafts[i]);
    free(drafts);
    return err;
}

/* --- the interface ------------------------------------------------------- */

int helgrind_report_read(const char *xml_path, const char *student_file,
                         size_t max_findings, race_result *out)
{
    return helgrind_report_read_fields(xml_path, student_file, NULL, max_findings, out);
}

int helgrind_report_read_fields(const char *xml_path, const char *student_file,
                                const struct_layouts *layouts, size_t max_findings,
                                race_result *out)
{
    hg_xml x = {0};
    int err;

    if (!out)
        return EINVAL;
    out->findings = NULL;
    out->n_findings = 0;
    out->n_errors = 0;
    if (!xml_path || !student_file)
        return EINVAL;
    if ((err = hg_xml_read(xml_path, &x)))
        goto error;
    if ((err = build_findings(&x, student_file, layouts, max_findings, out)))
        goto error;
    hg_xml_free(&x);
    return 0;
error:
    hg_xml_free(&x);
    race_findings_free(out);
    out->n_errors = 0;
    return err;
}
