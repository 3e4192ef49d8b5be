/*
 * memcheck_report.c - memcheck's XML report, in words for a student.
 *
 * Theory of operation: helgrind_xml.c reads the file into a list of
 * errors, each a list of parts (a text and the stack after it); memcheck
 * writes the same elements as Helgrind.  Here each error becomes a
 * sentence and a folding key (kind and first place); equal keys are
 * folded and counted, then the findings are sorted and capped.
 */
#define _GNU_SOURCE
#include "memcheck_report.h"
#include "helgrind_xml.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct mc_draft {
    const char *kind, *label;       /* static */
    const hg_part *at;              /* the part whose place is the finding's */
    char *body, *key;
    long count;
    size_t first;
} mc_draft;

static bool starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

static bool is_system(const hg_frame *f)
{
    return f->obj && (starts_with(f->obj, "/lib/") || starts_with(f->obj, "/lib64/") ||
                      starts_with(f->obj, "/usr/lib") || strstr(f->obj, "/vgpreload_"));
}

/* The student's first frame of `part`, else the first outside system
 * libraries (*student says which); NULL when none. */
static const hg_frame *pick_frame(const hg_part *part, const char *student_file, bool *student)
{
    *student = false;
    if (!part)
        return NULL;
    for (size_t i = 0; i < part->n_frames; i++) {
        const hg_frame *f = &part->frames[i];

        if (f->file && !strcmp(base_name(f->file), base_name(student_file))) {
            *student = true;
            return f;
        }
    }
    for (size_t i = 0; i < part->n_frames; i++)
        if (part->frames[i].file && !is_system(&part->frames[i]) &&
            !starts_with(base_name(part->frames[i].file), "mem_guard.c"))
            return &part->frames[i];
    return NULL;
}

/* "file:line (fn)", with " in the test's code" when not the student's. */
static void put_where(strbuf *b, const hg_part *part, const char *student_file)
{
    bool student;
    const hg_frame *f = pick_frame(part, student_file, &student);

    if (!f) {
        strbuf_addstr(b, "an unknown place");
        return;
    }
    strbuf_addf(b, "%s:%d", base_name(f->file), f->line);
    if (f->fn)
        strbuf_addf(b, " (%s)", f->fn);
    if (!student)
        strbuf_addstr(b, " in the test's code");
}

/* The first part after the first whose text contains `needle`, or NULL. */
static const hg_part *find_part(const hg_error *e, const char *needle)
{
    for (size_t i = 1; i < e->n_parts; i++)
        if (e->parts[i].text && strstr(e->parts[i].text, needle))
            return &e->parts[i];
    return NULL;
}

/* The number after `marker` in `text` ("1,112" is 1112), or 0. */
static unsigned long number_after(const char *text, const char *marker)
{
    const char *at = text ? strstr(text, marker) : NULL;
    unsigned long n = 0;

    if (!at)
        return 0;
    for (at += strlen(marker); (*at >= '0' && *at <= '9') || *at == ','; at++)
        if (*at != ',')
            n = n * 10 + (unsigned long)(*at - '0');
    return n;
}

/* The advice names the exercise's own calls: coroutines' or process_pool's. */
static bool coroutines(const char *student_file)
{
    return !strcmp(student_file, "coroutines.c");
}

static void describe_access(const hg_error *e, const char *student_file, strbuf *b)
{
    const char *what = e->parts[0].text ? e->parts[0].text : "";
    const hg_part *addr = find_part(e, "Address ");
    const hg_part *alloc = find_part(e, "Block was alloc'd at");
    const char *t = addr ? addr->text : "";
    unsigned long size = number_after(what, " of size ");
    bool freed = strstr(t, " free'd") != NULL;

    put_where(b, &e->parts[0], student_file);
    if (!strcmp(e->kind, "InvalidJump")) {
        strbuf_addstr(b, " jumps to an address where there is no code (a context "
                      "or a function pointer that was never set, or a smashed stack).");
        return;
    }
    strbuf_addf(b, " %s %lu bytes ", strstr(what, "write") ? "writes" : "reads", size);
    if (strstr(t, " inside a block of size ") || strstr(t, " after a block of size ") ||
        strstr(t, " before a block of size ")) {
        unsigned long block = number_after(t, " block of size ");

        if (freed)
            strbuf_addf(b, "of a block of %lu bytes that was already freed", block);
        else
            strbuf_addf(b, "outside a block of %lu bytes (past its end or before its start)",
                        block);
    } else if (strstr(t, "stack")) {
        strbuf_addstr(b, "of a stack where nothing lives any more (below the stack "
                      "pointer, or a stack that is gone)");
    } else {
        strbuf_addstr(b, "of memory that is not allocated");
    }
    if (freed && addr->n_frames) {
        strbuf_addstr(b, "; freed here: ");
        put_where(b, addr, student_file);
    }
    if (!freed && addr && addr->n_frames)   /* "... alloc'd" and its stack */
        alloc = addr;
    if (alloc && alloc->n_frames) {
        strbuf_addstr(b, "; allocated here: ");
        put_where(b, alloc, student_file);
    }
    strbuf_addstr(b, freed ? ". Do not use a block after freeing it: read what you need first, "
                             "then free it."
                           : coroutines(student_file)
                           ? ". Stay inside the blocks you allocated, and give a coroutine "
                             "the stack you allocated for it."
                           : ". Stay inside the blocks you allocated.");
}

static void describe_leak(const hg_error *e, const char *student_file, strbuf *b)
{
    const char *t = e->parts[0].text ? e->parts[0].text : "";
    const char *in = strstr(t, " in ");
    unsigned long blocks = in ? number_after(in, " in ") : 1;

    strbuf_addf(b, "%.*s in %lu block%s allocated here: ", in ? (int)(in - t) : 1,
                in ? t : "?", blocks, blocks == 1 ? "" : "s");
    put_where(b, &e->parts[0], student_file);
    strbuf_addstr(b, " are never freed");
    if (!strcmp(e->kind, "Leak_DefinitelyLost"))
        strbuf_addstr(b, ", and nothing points to them any more");
    strbuf_addstr(b, coroutines(student_file)
                     ? ". Free every block when what owns it is destroyed, finished or not "
                       "(co_destroy frees an unfinished coroutine's stack too)."
                     : ". Free every block when what owns it is destroyed (pool_destroy "
                       "frees the pool and what it holds).");
}

/* Fills `d` from `e`. */
static void draft_error(const hg_error *e, const char *student_file, mc_draft *d)
{
    static const hg_part empty;
    const char *kind = e->kind ? e->kind : "";
    strbuf body = STRBUF_INIT, key = STRBUF_INIT;
    bool student;
    const hg_frame *f;

    d->at = e->n_parts ? &e->parts[0] : &empty;
    if (!e->n_parts) {
        d->kind = "other", d->label = "memory problem";
        strbuf_addf(&body, "memcheck reports a problem of kind \"%s\" without details.", kind);
    } else if (!strcmp(kind, "InvalidRead") || !strcmp(kind, "InvalidWrite") ||
               !strcmp(kind, "InvalidJump")) {
        d->kind = "invalid-access", d->label = "invalid access";
        describe_access(e, student_file, &body);
    } else if (starts_with(kind, "Leak_")) {
        d->kind = "leak", d->label = "leak";
        describe_leak(e, student_file, &body);
    } else if (!strcmp(kind, "InvalidFree") || !strcmp(kind, "MismatchedFree")) {
        d->kind = "invalid-free", d->label = "invalid free";
        put_where(&body, d->at, student_file);
        strbuf_addstr(&body, " frees memory that is not a block it allocated, or frees a "
                      "block twice. Free each block once, with the call that matches how it "
                      "was allocated (free for malloc, munmap for mmap).");
    } else if (starts_with(kind, "Uninit")) {
        d->kind = "uninitialised", d->label = "uninitialised value";
        put_where(&body, d->at, student_file);
        strbuf_addstr(&body, " decides something with a value that was never set. "
                      "Initialise every field (calloc, or set each one) before reading it.");
    } else {
        d->kind = "other", d->label = "memory problem";
        put_where(&body, d->at, student_file);
        strbuf_addf(&body, ": memcheck says \"%s\".", e->parts[0].text ? e->parts[0].text : kind);
    }
    f = pick_frame(d->at, student_file, &student);
    strbuf_addf(&key, "%s|%s:%d", kind, f ? f->file : "", f ? f->line : 0);
    d->body = strbuf_detach(&body);
    d->key = strbuf_detach(&key);
}

static int by_count(const void *x, const void *y)
{
    const mc_draft *a = x, *b = y;

    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return a->first < b->first ? -1 : a->first > b->first;
}

static void build_findings(const hg_xml *x, const char *student_file, size_t max,
                           race_result *out)
{
    mc_draft *drafts = xcalloc(x->n_errors ? x->n_errors : 1, sizeof *drafts);
    size_t n = 0, keep;

    for (size_t i = 0; i < x->n_errors; i++) {
        mc_draft d = { 0 };
        size_t j;

        draft_error(&x->errors[i], student_file, &d);
        for (j = 0; j < n && strcmp(drafts[j].key, d.key); j++)
            ;
        if (j < n) {
            drafts[j].count += x->errors[i].count;
            free(d.body);
            free(d.key);
            continue;
        }
        d.count = x->errors[i].count;
        d.first = i;
        drafts[n++] = d;
    }
    qsort(drafts, n, sizeof *drafts, by_count);
    keep = n < max ? n : max;
    out->findings = keep ? xcalloc(keep, sizeof *out->findings) : NULL;
    out->n_findings = keep;
    for (size_t i = 0; i < keep; i++) {
        race_finding *f = &out->findings[i];
        bool student;
        const hg_frame *at = pick_frame(drafts[i].at, student_file, &student);

        f->kind = xstrdup(drafts[i].kind);
        f->file = xstrdup(at && student ? student_file : "");
        f->line = at && student ? at->line : 0;
        f->message = drafts[i].count > 1
            ? xasprintf("%s (seen %ld times): %s", drafts[i].label, drafts[i].count,
                        drafts[i].body)
            : xasprintf("%s: %s", drafts[i].label, drafts[i].body);
    }
    out->n_errors = x->n_errors;
    for (size_t i = 0; i < n; i++) {
        free(drafts[i].body);
        free(drafts[i].key);
    }
    free(drafts);
}

int memcheck_report_read(const char *xml_path, const char *student_file,
                         size_t max_findings, race_result *out)
{
    hg_xml x = { 0 };
    int err;

    if (!out)
        return EINVAL;
    out->findings = NULL;
    out->n_findings = 0;
    out->n_errors = 0;
    if (!xml_path || !student_file)
        return EINVAL;
    if ((err = hg_xml_read(xml_path, &x)) != 0)
        return err;
    build_findings(&x, student_file, max_findings, out);
    hg_xml_free(&x);
    return 0;
}
