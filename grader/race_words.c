/* race_words.c - see race_words.h. */
#define _GNU_SOURCE
#include "race_words.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Labels in the order findings are shown, with their plurals. */
static const struct { const char *label, *plural; } labels[] = {
    { "misuse of a pthread call", "misuses of a pthread call" },
    { "lock order", "lock orders" },
    { "crash", "crashes" },
    { "data race", "data races" },
    { "thread leak", "thread leaks" },
    { "thread problem", "thread problems" },
};
#define N_LABELS (sizeof labels / sizeof labels[0])

static size_t label_rank(const char *label)
{
    size_t i = 0;

    while (i < N_LABELS && strcmp(labels[i].label, label) != 0)
        i++;
    return i;
}

static int by_rank(const void *x, const void *y)
{
    const race_draft *a = x, *b = y;
    size_t ra = label_rank(a->label), rb = label_rank(b->label);

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
}

/* Marks in `shown` the drafts to show in `slots` places: the first of
 * each label, then the others in order. */
static void choose(const race_draft *drafts, size_t n, size_t slots, char *shown)
{
    size_t used = 0;

    for (size_t i = 0; i < n && used < slots; i++)
        if (i == 0 || strcmp(drafts[i].label, drafts[i - 1].label) != 0) {
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
    char *list = NULL, *next, *text = NULL;
    size_t total = 0, kinds = 0;
    int written;

    for (size_t i = 0; i < n;) {
        size_t j = i, count = 0;

        for (; j < n && strcmp(drafts[j].label, drafts[i].label) == 0; j++)
            count += !shown[j];
        if (count) {
            size_t r = label_rank(drafts[i].label);
            const char *name = count == 1 || r == N_LABELS ? drafts[i].label : labels[r].plural;

            if (asprintf(&next, "%s%s%zu %s", list ? list : "", list ? ", " : "", count,
                         name) < 0)
                goto done;
            free(list);
            list = next;
            total += count;
            kinds++;
        }
        i = j;
    }
    if (kinds == 1)
        written = asprintf(&text, "not shown: %zu more %s. %s", total, strchr(list, ' ') + 1,
                           full_report ? full_report : "");
    else
        written = asprintf(&text, "not shown: %zu more (%s). %s", total, list ? list : "",
                           full_report ? full_report : "");
    if (written < 0)
        text = NULL;
done:
    free(list);
    return text;
}

/* Moves draft `d` into finding `f`. */
static int take(race_draft *d, race_finding *f)
{
    char *message;
    int ok;

    if (d->count > 1)
        ok = asprintf(&message, "%s (seen %ld times): %s", d->label, d->count, d->body);
    else
        ok = asprintf(&message, "%s: %s", d->label, d->body);
    if (ok < 0)
        return ENOMEM;
    f->message = message;
    f->kind = strdup(d->kind);
    f->file = d->file;
    d->file = NULL;
    f->line = d->line;
    return f->kind ? 0 : ENOMEM;
}

int race_words_findings(race_draft *drafts, size_t n, size_t max, const char *full_report,
                        race_result *out)
{
    size_t slots = n <= max ? n : max ? max - 1 : 0, k = 0;
    char *shown = n ? calloc(n, 1) : NULL;
    int err = 0;

    out->findings = NULL;
    out->n_findings = 0;
    if (n && !shown)
        return ENOMEM;
    if (n)
        qsort(drafts, n, sizeof *drafts, by_rank);
    choose(drafts, n, slots, shown);
    if ((slots || n > slots) && max &&
        !(out->findings = calloc(slots + (n > slots), sizeof *out->findings)))
        err = ENOMEM;
    for (size_t i = 0; !err && i < n; i++)
        if (shown[i] && !(err = take(&drafts[i], &out->findings[k])))
            out->n_findings = ++k;
    if (!err && max && n > slots) {
        race_finding *f = &out->findings[k];

        f->message = left_out(drafts, n, shown, full_report);
        f->kind = strdup("other");
        f->file = strdup("");
        out->n_findings = ++k;
        if (!f->message || !f->kind || !f->file)
            err = ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        race_draft_free(&drafts[i]);
    free(shown);
    return err;
}

char *race_words_lock_order(const char *place1, int line1, const char *held1,
                            const char *place2, int line2, const char *held2)
{
    char *text;
    int swap = line2 && (!line1 || line2 < line1);
    const char *p1 = swap ? place2 : place1, *h1 = swap ? held2 : held1;
    const char *p2 = swap ? place1 : place2, *h2 = swap ? held1 : held2;

    /* one "taken at": the first place's when known (ThreadSanitizer knows
       both, Helgrind only the one that set the order) */
    if (h1)
        h2 = NULL;

    if (asprintf(&text, "%s takes lock B while holding lock A%s%s%s, and %s takes A while "
                 "holding B%s%s%s; two threads doing both can deadlock, each waiting for "
                 "the lock the other holds. Always take locks in one fixed order.",
                 p1, h1 ? " (A taken at " : "", h1 ? h1 : "", h1 ? ")" : "",
                 p2 ? p2 : "another place", h2 ? " (B taken at " : "", h2 ? h2 : "",
                 h2 ? ")" : "") < 0)
        return NULL;
    return text;
}

char *race_words_race_advice(bool test_side, bool freed, const char *callback)
{
    char *text;
    int n;

    if (!test_side)
        return strdup(freed ? "Free memory only when no other thread can still use it: "
                              "join those threads (or wait for them) first."
                            : "Protect both accesses with the same mutex.");
    if (callback)
        n = asprintf(&text, "The test's side is right as it is: it touches that memory only "
                     "when none of your functions is running, so one of yours returned (a "
                     "cancel, stop, join or destroy?) while your code still ran %s. Make "
                     "that function wait until %s is over before it returns; do not add a "
                     "lock to the test's code.", callback, callback);
    else
        n = asprintf(&text, "The test's side is right as it is: it touches that memory only "
                     "when none of your functions is running, so your code used it after "
                     "one of your functions returned, or before it was called. Make your "
                     "function finish with it (wait for the threads that use it) before it "
                     "returns; do not add a lock to the test's code.");
    return n < 0 ? NULL : text;
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
