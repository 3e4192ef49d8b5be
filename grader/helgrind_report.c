/*
 * helgrind_report.c - Helgrind's XML report, in words for a student.
 *
 * Theory of operation: helgrind_xml.c reads the file into a list of
 * errors, each a list of parts (a text and the stack after it).  Here
 * each error becomes a sentence and a folding key: the sentence names the
 * frame of each stack that matters (the student's, else the test's), the
 * key holds Valgrind's kind and those frames' file:line.  Equal keys are
 * folded, sorted and capped by race_words.c.
 */
#define _GNU_SOURCE
#include "helgrind_report.h"
#include "helgrind_xml.h"
#include "race_words.h"
#include "struct_fields.h"

#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef race_draft hg_draft;


/* Where the student reads every error. */
#define FULL_REPORT "Helgrind's whole report lists them all (`make race`)."

/* Libraries and Valgrind's own preload: never the student's or the test's. */
static bool is_library(const hg_frame *f)
{
    return f->obj && (starts_with(f->obj, "/lib/") || starts_with(f->obj, "/lib64/") ||
                      starts_with(f->obj, "/usr/lib") || strstr(f->obj, "/vgpreload_"));
}

/* The first part after the first whose text starts with `prefix`, or NULL. */
static const hg_part *find_part(const hg_error *e, const char *prefix)
{
    return report_find_part(e->parts, e->n_parts, prefix);
}

/* The text of the part after `part`, when it says where a variable is declared. */
static const char *declared_after(const hg_error *e, const hg_part *part)
{
    const hg_part *next = part + 1;

    if (next < e->parts + e->n_parts && next->text && strstr(next->text, "declared at "))
        return next->text;
    return NULL;
}

/*
 * Appends what Valgrind says about the raced-on memory, or nothing.
 * Returns whether it names a heap block, not the struct field in it.
 */
static bool put_variable(strbuf *b, const hg_error *e, const report_places *rp,
                         const struct_layouts *layouts)
{
    unsigned long size = report_number_after(e->parts[0].text, " of size ");

    for (size_t i = 1; i < e->n_parts; i++) {
        const hg_part *part = &e->parts[i];
        const char *t = part->text, *q, *declared = declared_after(e, part);
        unsigned long offset = report_number_after(t, " is ");
        int len;

        if (!starts_with(t, "Address ") && !starts_with(t, "Location "))
            continue;
        if ((q = strstr(t, " inside data symbol \""))) {
            q += strlen(" inside data symbol \"");
            len = (int)strcspn(q, ".\"");
            if (offset)
                strbuf_addf(b, "%lu bytes into ", offset);
            strbuf_addf(b, "the %s variable \"%.*s\"", q[len] == '.' ? "static" : "global",
                      len, q);
        } else if ((q = strstr(t, " inside global var \"")) ||
                   (q = strstr(t, " inside local var \""))) {
            const char *scope = starts_with(q, " inside global") ? "global" : "local";
            q = strchr(q, '"') + 1;
            strbuf_addf(b, "the %s variable \"%.*s\"", scope, (int)strcspn(q, "\""), q);
        } else if (starts_with(t, "Location ") && (q = strstr(t, " bytes inside "))) {
            q += strlen(" bytes inside ");
            strbuf_addf(b, "\"%.*s\"", (int)strcspn(q, ","), q);
        } else if (strstr(t, " inside a block of size ")) {
            unsigned long block = report_number_after(t, " inside a block of size ");
            char *field = struct_layouts_field(layouts, block, offset);
            bool unnamed = race_words_heap_block(b, field, size, offset, block);

            free(field);
            if (part->n_frames) {
                strbuf_addstr(b, " allocated at ");
                report_put_where(b, rp, part, "an unknown place");
            }
            return unnamed;
        } else if ((q = strstr(t, " is on thread #"))) {
            const char *owner = part + 1 < e->parts + e->n_parts && part[1].text
                ? strstr(part[1].text, "created by ") : NULL;
            if (owner)
                strbuf_addf(b, "a local variable of %s", owner + strlen("created by "));
            else
                strbuf_addf(b, "a local variable on %s", q + strlen(" is on "));
            strbuf_addstr(b, " that other threads reach through a pointer");
            return false;
        } else if (strstr(t, " BSS segment") || strstr(t, " Data segment")) {
            strbuf_addstr(b, "a global or static variable");
            return false;
        } else {
            continue;
        }
        if (declared) {
            const char *cut = strstr(declared, ", in frame");
            strbuf_addf(b, " (%.*s)", cut ? (int)(cut - declared) : (int)strlen(declared),
                      declared);
        }
        return false;
    }
    return false;
}

/* Ends a race's sentence with what to do (race_words_race_advice). */
static void put_advice(strbuf *b, const hg_part *first, const hg_part *other,
                       const report_places *rp)
{
    bool s1 = false, s2 = false;
    const hg_frame *f1 = report_pick_frame(rp, first, &s1);
    const hg_frame *f2 = report_pick_frame(rp, other, &s2);
    bool test_side = f1 && f2 && s1 != s2;
    char *advice = race_words_race_advice(test_side, false,
                                          !test_side ? NULL : s1 ? report_callback_in(rp, first)
                                                                 : report_callback_in(rp, other));

    strbuf_addf(b, ". %s", advice);
    free(advice);
}

/* Returns whether the sentence names a heap block, not the field in it. */
static bool describe_race(const hg_error *e, const report_places *rp,
                          const struct_layouts *layouts, strbuf *body,
                          strbuf *key)
{
    const hg_part *first = &e->parts[0];
    const hg_part *other = find_part(e, "This conflicts with a previous");
    const char *t = first->text ? first->text : "";
    int first_writes = strstr(t, "during write") != NULL;
    int other_writes = other && strstr(other->text, "previous write");
    strbuf var = STRBUF_INIT;
    bool unnamed_heap;

    if (other && report_same_place(rp, first, other)) {
        strbuf_addstr(body, "two threads run ");
        report_put_where(body, rp, first, "the same code");
        strbuf_addf(body, " at the same time: one %s memory that the other %s",
                  first_writes ? "writes" : "reads",
                  !other_writes ? "reads" : first_writes ? "also writes" : "writes");
    } else if (other && other->n_frames) {
        report_put_where(body, rp, first, "a thread");
        strbuf_addf(body, " %s memory that ", first_writes ? "writes" : "reads");
        report_put_where(body, rp, other, "another thread");
        strbuf_addf(body, " %s in another thread",
                  !other_writes ? "reads" : first_writes ? "also writes" : "writes");
    } else {
        report_put_where(body, rp, first, "a thread");
        strbuf_addf(body, " %s memory that another thread also uses",
                  first_writes ? "writes" : "reads");
    }
    strbuf_addstr(body, ", and no lock orders the two");
    unnamed_heap = put_variable(&var, e, rp, layouts);
    if (var.len)
        strbuf_addf(body, "; the memory is %s", var.data);
    strbuf_release(&var);
    put_advice(body, first, other, rp);
    report_put_key(key, rp, first);
    report_put_key(key, rp, other);
    return unnamed_heap;
}

/*
 * Helgrind's LockOrder: the first stack takes lock A while holding B (the
 * violation); "Required order was established by acquisition of lock at
 * A", then "followed by a later acquisition of lock at B": the place that
 * takes B while holding A.
 */
static void describe_lock_order(const hg_error *e, const report_places *rp,
                                strbuf *body, strbuf *key)
{
    const hg_part *a = find_part(e, "Required order was established");
    const hg_part *b = find_part(e, "followed by a later acquisition");
    int line_v, line_b, unused;
    char *violation = report_where_string(rp, &e->parts[0], &line_v, false);
    char *other = b && b->n_frames ? report_where_string(rp, b, &line_b, false) : NULL;
    char *held = a ? report_where_string(rp, a, &unused, true) : NULL;
    char *text;
    bool swap;

    if (!other)
        line_b = 0;
    text = race_words_lock_order(violation ? violation : "a thread", line_v, NULL,
                                 other, line_b, held);
    swap = race_words_lock_order_swaps(line_v, line_b);
    report_note_place(rp, swap ? b : &e->parts[0]);
    report_note_place(rp, swap ? &e->parts[0] : b);
    strbuf_addstr(body, text);
    free(text);
    free(violation);
    free(other);
    free(held);
    report_put_key_pair(key, rp, &e->parts[0], line_v, b, line_b);
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

static void describe_misuse(const hg_error *e, const report_places *rp, strbuf *body,
                            strbuf *key)
{
    const char *t = strip_thread(e->parts[0].text ? e->parts[0].text : "");
    const hg_part *code = find_part(e, "with error code");

    report_put_where(body, rp, &e->parts[0], "a thread");
    if (strcmp(e->kind, "UnlockUnlocked") == 0) {
        strbuf_addf(body, " unlocks a mutex that is not locked. "
                  "Unlock only a mutex this thread locked, once per lock.");
    } else if (strcmp(e->kind, "UnlockForeign") == 0) {
        strbuf_addf(body, " unlocks a mutex that another thread holds. "
                  "Only the thread that locked a mutex may unlock it.");
    } else if (strcmp(e->kind, "UnlockBogus") == 0) {
        strbuf_addf(body, " unlocks something that is not a mutex. "
                  "Check the pointer, and initialise the mutex before use.");
    } else if (strcmp(e->kind, "PthAPIerror") == 0) {
        const char *call = strstr(t, "call to ");
        if (call) {
            call += strlen("call to ");
            strbuf_addf(body, " calls %.*s", (int)strcspn(call, " "), call);
        } else
            strbuf_addstr(body, " calls a pthread function");
        strbuf_addstr(body, ", and the call fails");
        if (code)
            strbuf_addf(body, " %s", code->text);
        strbuf_addstr(body, ". Check the call's return value and its manual page.");
    } else {
        size_t i = 0;
        while (i < sizeof misc_words / sizeof misc_words[0] && !strstr(t, misc_words[i].needle))
            i++;
        if (i < sizeof misc_words / sizeof misc_words[0])
            strbuf_addf(body, " %s. %s", misc_words[i].did, misc_words[i].advice);
        else
            strbuf_addf(body, " does something Helgrind flags: \"%s\". "
                      "Check each pthread call there against its manual page.", t);
    }
    report_put_key(key, rp, &e->parts[0]);
    if (strcmp(e->kind, "Misc") == 0 || strcmp(e->kind, "PthAPIerror") == 0)
        strbuf_addf(key, "|%s", t);
}

static void describe_other(const hg_error *e, const report_places *rp, strbuf *body,
                           strbuf *key)
{
    const char *t = e->parts[0].text ? e->parts[0].text : "";

    report_put_where(body, rp, &e->parts[0], "somewhere in the program");
    strbuf_addf(body, ": Helgrind says \"%s\".", strip_thread(t));
    report_put_key(key, rp, &e->parts[0]);
    strbuf_addf(key, "|%s", strip_thread(t));
}

/* The place a lock order's sentence names first (race_words_lock_order):
 * of the two that take a lock while holding the other, the student's one
 * earlier in the file. */
static const hg_part *first_lock_place(const hg_error *e, const report_places *rp)
{
    const hg_part *b = find_part(e, "followed by a later acquisition");
    bool s0 = false, sb = false;
    const hg_frame *f0 = report_pick_frame(rp, &e->parts[0], &s0);
    const hg_frame *fb = report_pick_frame(rp, b, &sb);

    if (fb && sb && (!s0 || fb->line < f0->line))
        return b;
    return &e->parts[0];
}

/* Keeps a race's memory and places in `d`, for note_shared_memory(). */
static void remember_race(const hg_error *e, const report_places *rp,
                          const struct_layouts *layouts, hg_draft *d)
{
    strbuf var = STRBUF_INIT;
    int unused;

    put_variable(&var, e, rp, layouts);
    d->memory = strbuf_detach(&var);
    d->places[0] = report_where_string(rp, &e->parts[0], &unused, true);
    d->places[1] = report_where_string(rp, find_part(e, "This conflicts with a previous"),
                                       &unused, true);
}

/* Whether `place` is among the first `n` of `places`. */
static bool listed(char *const *places, size_t n, const char *place)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(places[i], place))
            return true;
    return false;
}

/*
 * Helgrind's XML does not say which locks each access held, and it can
 * pair two accesses that both hold the lock once a third access, without
 * it, touched the same memory (the conflicting access it shows comes from
 * its history, not always the unordered one).  So when several races are
 * about the same memory, the most frequent of them lists every place they
 * name: the one without the lock is among them.
 */
static void note_shared_memory(hg_draft *drafts, size_t n)
{
    enum { MAX_PLACES = 8 };

    for (size_t i = 0; i < n; i++) {
        const char *memory = drafts[i].memory;
        char *places[MAX_PLACES];
        size_t group = 0, n_places = 0, top = i;
        strbuf body = STRBUF_INIT;

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
        strbuf_addf(&body, "%s %zu findings are about this memory, and Helgrind can show two "
                    "accesses that both hold the lock when another one has none: check that ",
                    drafts[top].body, group);
        for (size_t k = 0; k < n_places; k++)
            strbuf_addf(&body, "%s%s", k == 0 ? "" : k + 1 == n_places ? " and " : ", ",
                        places[k]);
        strbuf_addstr(&body, " all take the same lock.");
        free(drafts[top].body);
        drafts[top].body = strbuf_detach(&body);
    }
}

/* Fills `d` from error `e`: kind, student's file:line, body, key, count,
 * and the places the body names. */
static void draft_error(const hg_error *e, const report_places *places,
                        const struct_layouts *layouts, hg_draft *d)
{
    static const hg_part empty;
    report_places noting = { places->student_file, places->is_library, &d->named };
    const report_places *rp = &noting;
    strbuf body = STRBUF_INIT, key = STRBUF_INIT;
    const hg_part *at = e->n_parts ? &e->parts[0] : &empty;
    const char *kind = e->kind ? e->kind : "";
    const hg_frame *f;
    bool student = false;

    strbuf_addstr(&key, kind);
    if (!e->n_parts) {
        d->kind = "other", d->label = "thread problem";
        strbuf_addf(&body, "Helgrind reports a problem of kind \"%s\" without details.", kind);
    } else if (strcmp(kind, "Race") == 0) {
        d->kind = "race", d->label = "data race";
        d->unnamed_heap = describe_race(e, rp, layouts, &body, &key);
        if (!report_pick_frame(rp, at, &student) || !student)
            at = find_part(e, "This conflicts with a previous");
        remember_race(e, places, layouts, d);      /* not in the body: not noted */
    } else if (strcmp(kind, "LockOrder") == 0) {
        d->kind = "lock_order", d->label = "lock order";
        describe_lock_order(e, rp, &body, &key);
        at = first_lock_place(e, rp);
    } else if (strcmp(kind, "UnlockUnlocked") == 0 || strcmp(kind, "UnlockForeign") == 0 ||
               strcmp(kind, "UnlockBogus") == 0 || strcmp(kind, "PthAPIerror") == 0 ||
               strcmp(kind, "Misc") == 0) {
        d->kind = "misuse", d->label = "misuse of a pthread call";
        describe_misuse(e, rp, &body, &key);
    } else {
        d->kind = "other", d->label = "thread problem";
        describe_other(e, rp, &body, &key);
    }
    f = report_pick_frame(rp, at, &student);
    d->line = f && student ? f->line : 0;
    d->file = xstrdup(f && student ? rp->student_file : "");
    d->body = strbuf_detach(&body);
    d->key = strbuf_detach(&key);
    d->count = e->count;
}

/*
 * Whether `e` is Helgrind counting one contended pthread_spin_lock twice.
 * glibc 2.36's x86-64 pthread_spin_lock spins, then retries by jumping
 * back to its own first instruction; Valgrind redirects that address to
 * Helgrind's wrapper again, so the inner wrapper records the acquisition
 * and the outer one, once the call returns, records it a second time and
 * reports "Bug in libpthread: recursive write lock granted ..." from the
 * wrapper (Valgrind 3.19; tests/bounded_queue/designs/spinlock_ring.c).
 * Helgrind leaves its lock state as it was, so races are still seen.  The
 * text is only written after the real library granted a lock the thread
 * already held in Helgrind's books: a real double lock waits forever (or
 * fails) and is reported before the call, as "re-lock"; a suppression
 * cannot say this, as Valgrind names neither the wrapper nor the text.
 */
static bool is_spin_retry_artifact(const hg_error *e)
{
    const hg_part *p = e->n_parts ? &e->parts[0] : NULL;

    return e->kind && strcmp(e->kind, "Misc") == 0 && p && p->text &&
           strcmp(strip_thread(p->text), "Bug in libpthread: recursive write lock granted "
                  "on mutex/wrlock which does not support recursion") == 0 &&
           p->n_frames > 0 && p->frames[0].obj && strstr(p->frames[0].obj, "/vgpreload_helgrind");
}

/*
 * "Exiting thread still holds 1 lock" from a thread that was still inside
 * the student's code when the race driver ended: not a thread that
 * returned holding a lock (its exit is in the C library), but one the
 * driver left blocked when it stopped, a deadlock or a lost wake-up.
 * Whether a native run blocks there depends on how the OS scheduled it
 * (barrier's mutant no_generation_counter: 1 run in 3 on one CPU), so it
 * is not the race check's to count; the tests find such waits under
 * the controlled scheduler on every run.
 */
static bool is_left_blocked(const hg_error *e, const report_places *rp)
{
    const hg_part *p = e->n_parts ? &e->parts[0] : NULL;
    bool student = false;

    return e->kind && strcmp(e->kind, "Misc") == 0 && p && p->text &&
           strstr(p->text, "still holds") && report_pick_frame(rp, p, &student) && student;
}

/* Folds the errors of `x` into at most `max` findings in `out`. */
static void build_findings(const hg_xml *x, const report_places *rp,
                          const struct_layouts *layouts, size_t max,
                          race_result *out)
{
    hg_draft *drafts = xcalloc(x->n_errors, sizeof *drafts);
    size_t n = 0, n_errors = 0;

    for (size_t i = 0; i < x->n_errors; i++) {
        hg_draft d = { 0 };

        if (is_spin_retry_artifact(&x->errors[i]) || is_left_blocked(&x->errors[i], rp))
            continue;
        draft_error(&x->errors[i], rp, layouts, &d);
        race_words_fold(drafts, &n, &d, i);
        n_errors++;
    }
    note_shared_memory(drafts, n);
    race_words_findings(drafts, n, max, FULL_REPORT, out);
    out->n_errors = n_errors;
    free(drafts);
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
    report_places rp = { student_file, is_library, NULL };
    hg_xml x = {0};
    int err;

    if ((err = race_words_start(out, xml_path, student_file)))
        return err;
    if ((err = hg_xml_read(xml_path, &x)))
        return err;
    build_findings(&x, &rp, layouts, max_findings, out);
    hg_xml_free(&x);
    return 0;
}
