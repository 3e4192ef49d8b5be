/* race_words.c - see race_words.h. */
#define _GNU_SOURCE
#include "race_words.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Labels in the order findings are shown (equal ranks: by count alone),
 * with their plurals. */
static const struct { const char *label, *plural; int rank; } labels[] = {
    { "misuse of a pthread call", "misuses of a pthread call", 0 },
    { "lock order", "lock orders", 1 },
    { "crash", "crashes", 2 },
    { "data race", "data races", 3 },
    { "thread leak", "thread leaks", 4 },
    { "thread problem", "thread problems", 5 },
    { "invalid access", "invalid accesses", 6 },
    { "invalid free", "invalid frees", 6 },
    { "uninitialised value", "uninitialised values", 6 },
    { "leak", "leaks", 6 },
    { "memory problem", "memory problems", 6 },
};
#define N_LABELS (sizeof labels / sizeof labels[0])

/* The index of `label` in labels[], N_LABELS when it is not there. */
static size_t label_index(const char *label)
{
    size_t i = 0;

    while (i < N_LABELS && strcmp(labels[i].label, label) != 0)
        i++;
    return i;
}

static int label_rank(const char *label)
{
    size_t i = label_index(label);

    return i < N_LABELS ? labels[i].rank : labels[N_LABELS - 1].rank + 1;
}

static int by_rank(const void *x, const void *y)
{
    const race_draft *a = x, *b = y;
    int ra = label_rank(a->label), rb = label_rank(b->label);

    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return a->first < b->first ? -1 : a->first > b->first;
}

void race_draft_free(race_draft *d)
{
    free(d->file);
    free(d->body);
    free(d->key);
    free(d->memory);
    free(d->places[0]);
    free(d->places[1]);
    d->file = d->body = d->key = d->memory = d->places[0] = d->places[1] = NULL;
    report_named_free(&d->named);
}

int race_words_start(race_result *out, const char *report, const char *student_file)
{
    if (!out)
        return EINVAL;
    out->findings = NULL;
    out->n_findings = 0;
    out->n_errors = 0;
    out->unnamed_heap = false;
    return report && student_file ? 0 : EINVAL;
}

void race_words_fold(race_draft *drafts, size_t *n, race_draft *d, size_t index)
{
    size_t j;

    for (j = 0; j < *n && strcmp(drafts[j].key, d->key) != 0; j++)
        ;
    if (j < *n) {
        drafts[j].count += d->count;
        race_draft_free(d);
        return;
    }
    d->first = index;
    drafts[(*n)++] = *d;
}

/* Whether no draft before drafts[i] has its label. */
static bool first_of_label(const race_draft *drafts, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(drafts[j].label, drafts[i].label) == 0)
            return false;
    return true;
}

/* Marks in `shown` the drafts to show in `slots` places: the first of
 * each label, then the others in order. */
static void choose(const race_draft *drafts, size_t n, size_t slots, char *shown)
{
    size_t used = 0;

    for (size_t i = 0; i < n && used < slots; i++)
        if (first_of_label(drafts, i)) {
            shown[i] = 1;
            used++;
        }
    for (size_t i = 0; i < n && used < slots; i++)
        if (!shown[i]) {
            shown[i] = 1;
            used++;
        }
}

/* "not shown: 3 more (2 data races, 1 thread leak). <full_report>" or
 * "not shown: 2 more data races. <full_report>" for the left-out drafts. */
static char *left_out(const race_draft *drafts, size_t n, const char *shown,
                      const char *full_report)
{
    strbuf list = STRBUF_INIT;
    size_t total = 0, kinds = 0;
    char *text;

    for (size_t i = 0; i < n; i++) {
        size_t count = 0, r;

        if (!first_of_label(drafts, i))
            continue;
        for (size_t j = i; j < n; j++)
            count += !shown[j] && strcmp(drafts[j].label, drafts[i].label) == 0;
        if (!count)
            continue;
        r = label_index(drafts[i].label);
        strbuf_addf(&list, "%s%zu %s", kinds ? ", " : "", count,
                    count == 1 || r == N_LABELS ? drafts[i].label : labels[r].plural);
        total += count;
        kinds++;
    }
    if (kinds == 1)
        text = xasprintf("not shown: %zu more %s. %s", total, strchr(list.data, ' ') + 1,
                         full_report);
    else
        text = xasprintf("not shown: %zu more (%s). %s", total, list.data ? list.data : "",
                         full_report);
    strbuf_release(&list);
    return text;
}

/* Moves draft `d` into finding `f`. */
static void take(race_draft *d, race_finding *f)
{
    if (d->count > 1)
        f->message = xasprintf("%s (seen %ld times): %s", d->label, d->count, d->body);
    else
        f->message = xasprintf("%s: %s", d->label, d->body);
    f->kind = xstrdup(d->kind);
    f->label = xstrdup(d->label);
    f->file = d->file;
    d->file = NULL;
    f->line = d->line;
    f->places = d->named.places;
    f->n_places = d->named.n;
    d->named = (report_named){ 0 };
}

void race_words_findings(race_draft *drafts, size_t n, size_t max, const char *full_report,
                         race_result *out)
{
    size_t slots = n <= max ? n : max ? max - 1 : 0, k = 0;
    char *shown = xcalloc(n, 1);

    out->findings = NULL;
    out->n_findings = 0;
    if (n)
        qsort(drafts, n, sizeof *drafts, by_rank);
    choose(drafts, n, slots, shown);
    if ((slots || n > slots) && max)
        out->findings = xcalloc(slots + (n > slots), sizeof *out->findings);
    for (size_t i = 0; i < n; i++) {
        if (shown[i]) {
            out->unnamed_heap = out->unnamed_heap || drafts[i].unnamed_heap;
            take(&drafts[i], &out->findings[k++]);
        }
    }
    if (max && n > slots) {
        race_finding *f = &out->findings[k++];

        f->message = left_out(drafts, n, shown, full_report);
        f->kind = xstrdup("other");
        f->label = xstrdup("not shown");
        f->file = xstrdup("");
    }
    out->n_findings = k;
    for (size_t i = 0; i < n; i++)
        race_draft_free(&drafts[i]);
    free(shown);
}

bool race_words_heap_block(strbuf *b, const char *field, unsigned long bytes,
                           unsigned long long offset, unsigned long block_size)
{
    if (field) {
        strbuf_addstr(b, field);
        return false;
    }
    if (bytes)
        strbuf_addf(b, "the %lu bytes at offset %llu of ", bytes, offset);
    strbuf_addf(b, "a heap block of %lu bytes", block_size);
    return true;
}

bool race_words_lock_order_swaps(int line1, int line2)
{
    return line2 && (!line1 || line2 < line1);
}

char *race_words_lock_order(const char *place1, int line1, const char *held1,
                            const char *place2, int line2, const char *held2)
{
    bool swap = race_words_lock_order_swaps(line1, line2);
    const char *p1 = swap ? place2 : place1, *h1 = swap ? held2 : held1;
    const char *p2 = swap ? place1 : place2, *h2 = swap ? held1 : held2;

    /* one "taken at": the first place's when known (ThreadSanitizer knows
       both, Helgrind only the one that set the order) */
    if (h1)
        h2 = NULL;
    return xasprintf("%s takes lock B while holding lock A%s%s%s, and %s takes A while "
                     "holding B%s%s%s; two threads doing both can deadlock, each waiting for "
                     "the lock the other holds. Always take locks in one fixed order.",
                     p1, h1 ? " (A taken at " : "", h1 ? h1 : "", h1 ? ")" : "",
                     p2 ? p2 : "another place", h2 ? " (B taken at " : "", h2 ? h2 : "",
                     h2 ? ")" : "");
}

char *race_words_race_advice(bool test_side, bool freed, const char *callback)
{
    if (!test_side)
        return xstrdup(freed ? "Free memory only when no other thread can still use it: "
                               "join those threads (or wait for them) first."
                             : "Protect both accesses with the same mutex.");
    if (callback)
        return xasprintf("The test's side is right as it is: it touches that memory only "
                         "when none of your functions is running, so one of yours returned "
                         "(a cancel, stop, join or destroy?) while your code still ran %s. "
                         "Make that function wait until %s is over before it returns; do not "
                         "add a lock to the test's code.", callback, callback);
    return xstrdup("The test's side is right as it is: it touches that memory only when none "
                   "of your functions is running, so your code used it after one of your "
                   "functions returned, or before it was called. Make your function finish "
                   "with it (wait for the threads that use it) before it returns; do not add "
                   "a lock to the test's code.");
}

const char *race_words_both_locked(bool both_locked, bool same_lock)
{
    if (!both_locked)
        return NULL;
    if (same_lock)
        return "Both accesses were made holding the same lock, so the memory was probably "
               "freed and used again for something else (a use after free), or the lock "
               "itself was destroyed and made again.";
    return "Both accesses were made holding a lock, but not the same one: the two sides "
           "hold different locks (a lock per function, or a copy of the lock?), or the "
           "memory was freed and used again, or one side is the test's teardown after your "
           "function returned.";
}
