/*
 * memcheck_report.c - memcheck's XML report, in words for a student.
 *
 * Theory of operation: helgrind_xml.c reads the file into a list of
 * errors, each a list of parts (a text and the stack after it); memcheck
 * writes the same elements as Helgrind.  Here each error becomes a
 * sentence and a folding key (kind and first place); race_words.c folds
 * equal keys, sorts, caps and says what was left out.
 */
#define _GNU_SOURCE
#include "memcheck_report.h"
#include "helgrind_xml.h"
#include "race_words.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Where the student reads every error. */
#define FULL_REPORT "memcheck's whole report lists them all (`make race`)."

/* Libraries, Valgrind's own preload and the harness's memory guard: never
 * the student's or the test's code. */
static bool is_library(const hg_frame *f)
{
    return (f->obj && (starts_with(f->obj, "/lib/") || starts_with(f->obj, "/lib64/") ||
                       starts_with(f->obj, "/usr/lib") || strstr(f->obj, "/vgpreload_"))) ||
           starts_with(base_name(f->file), "mem_guard.c");
}

/* "file:line (fn)", with " in the test's code" when not the student's. */
static void put_where(strbuf *b, const report_places *rp, const hg_part *part)
{
    report_put_where(b, rp, part, "an unknown place");
}

/* The first part after the first whose text starts with `prefix`, or NULL. */
static const hg_part *find_part(const hg_error *e, const char *prefix)
{
    return report_find_part(e->parts, e->n_parts, prefix);
}

/* The advice names the exercise's own calls: coroutines' or process_pool's. */
static bool coroutines(const char *student_file)
{
    return !strcmp(student_file, "coroutines.c");
}

static void describe_access(const hg_error *e, const report_places *rp, strbuf *b)
{
    const char *what = e->parts[0].text ? e->parts[0].text : "";
    const hg_part *addr = find_part(e, "Address ");
    const hg_part *alloc = find_part(e, "Block was alloc'd at");
    const char *t = addr ? addr->text : "";
    unsigned long size = report_number_after(what, " of size ");
    bool freed = strstr(t, " free'd") != NULL;

    put_where(b, rp, &e->parts[0]);
    if (!strcmp(e->kind, "InvalidJump")) {
        strbuf_addstr(b, " jumps to an address where there is no code (a context "
                      "or a function pointer that was never set, or a smashed stack).");
        return;
    }
    strbuf_addf(b, " %s %lu bytes ", strstr(what, "write") ? "writes" : "reads", size);
    if (strstr(t, " inside a block of size ") || strstr(t, " after a block of size ") ||
        strstr(t, " before a block of size ")) {
        unsigned long block = report_number_after(t, " block of size ");

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
        put_where(b, rp, addr);
    }
    if (!freed && addr && addr->n_frames)   /* "... alloc'd" and its stack */
        alloc = addr;
    if (alloc && alloc->n_frames) {
        strbuf_addstr(b, "; allocated here: ");
        put_where(b, rp, alloc);
    }
    strbuf_addstr(b, freed ? ". Do not use a block after freeing it: read what you need first, "
                             "then free it."
                           : coroutines(rp->student_file)
                           ? ". Stay inside the blocks you allocated, and give a coroutine "
                             "the stack you allocated for it."
                           : ". Stay inside the blocks you allocated.");
}

static void describe_leak(const hg_error *e, const report_places *rp, strbuf *b)
{
    const char *t = e->parts[0].text ? e->parts[0].text : "";
    const char *in = strstr(t, " in ");
    unsigned long blocks = in ? report_number_after(in, " in ") : 1;

    strbuf_addf(b, "%.*s in %lu block%s allocated here: ", in ? (int)(in - t) : 1,
                in ? t : "?", blocks, blocks == 1 ? "" : "s");
    put_where(b, rp, &e->parts[0]);
    strbuf_addstr(b, " are never freed");
    if (!strcmp(e->kind, "Leak_DefinitelyLost"))
        strbuf_addstr(b, ", and nothing points to them any more");
    strbuf_addstr(b, coroutines(rp->student_file)
                     ? ". Free every block when what owns it is destroyed, finished or not "
                       "(co_destroy frees an unfinished coroutine's stack too)."
                     : ". Free every block when what owns it is destroyed (pool_destroy "
                       "frees the pool and what it holds).");
}

/* Fills `d` from `e`: kind, student's file:line, body, key, count, and
 * the places the body names. */
static void draft_error(const hg_error *e, const report_places *places, race_draft *d)
{
    static const hg_part empty;
    report_places noting = { places->student_file, places->is_library, &d->named };
    const report_places *rp = &noting;
    const hg_part *at = e->n_parts ? &e->parts[0] : &empty;
    const char *kind = e->kind ? e->kind : "";
    strbuf body = STRBUF_INIT;
    bool student;
    const hg_frame *f;

    if (!e->n_parts) {
        d->kind = "other", d->label = "memory problem";
        strbuf_addf(&body, "memcheck reports a problem of kind \"%s\" without details.", kind);
    } else if (!strcmp(kind, "InvalidRead") || !strcmp(kind, "InvalidWrite") ||
               !strcmp(kind, "InvalidJump")) {
        d->kind = "invalid-access", d->label = "invalid access";
        describe_access(e, rp, &body);
    } else if (starts_with(kind, "Leak_")) {
        d->kind = "leak", d->label = "leak";
        describe_leak(e, rp, &body);
    } else if (!strcmp(kind, "InvalidFree") || !strcmp(kind, "MismatchedFree")) {
        d->kind = "invalid-free", d->label = "invalid free";
        put_where(&body, rp, at);
        strbuf_addstr(&body, " frees memory that is not a block it allocated, or frees a "
                      "block twice. Free each block once, with the call that matches how it "
                      "was allocated (free for malloc, munmap for mmap).");
    } else if (starts_with(kind, "Uninit")) {
        d->kind = "uninitialised", d->label = "uninitialised value";
        put_where(&body, rp, at);
        strbuf_addstr(&body, " decides something with a value that was never set. "
                      "Initialise every field (calloc, or set each one) before reading it.");
    } else {
        d->kind = "other", d->label = "memory problem";
        put_where(&body, rp, at);
        strbuf_addf(&body, ": memcheck says \"%s\".", e->parts[0].text ? e->parts[0].text : kind);
    }
    f = report_pick_frame(rp, at, &student);
    d->key = xasprintf("%s|%s:%d", kind, f ? f->file : "", f ? f->line : 0);
    d->line = f && student ? f->line : 0;
    d->file = xstrdup(f && student ? rp->student_file : "");
    d->body = strbuf_detach(&body);
    d->count = e->count;
}

int memcheck_report_read(const char *xml_path, const char *student_file,
                         size_t max_findings, race_result *out)
{
    report_places rp = { student_file, is_library, NULL };
    hg_xml x = { 0 };
    race_draft *drafts;
    size_t n = 0;
    int err;

    if ((err = race_words_start(out, xml_path, student_file)))
        return err;
    if ((err = hg_xml_read(xml_path, &x)) != 0)
        return err;
    drafts = xcalloc(x.n_errors, sizeof *drafts);
    for (size_t i = 0; i < x.n_errors; i++) {
        race_draft d = { 0 };

        draft_error(&x.errors[i], &rp, &d);
        race_words_fold(drafts, &n, &d, i);
    }
    race_words_findings(drafts, n, max_findings, FULL_REPORT, out);
    out->n_errors = x.n_errors;
    free(drafts);
    hg_xml_free(&x);
    return 0;
}
