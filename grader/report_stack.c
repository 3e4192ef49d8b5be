/* report_stack.c - see report_stack.h. */
#include "report_stack.h"

#include <string.h>

const report_frame *report_pick_frame(const report_places *rp, const report_part *part,
                                      bool *student)
{
    const char *mine = base_name(rp->student_file);

    *student = false;
    if (!part)
        return NULL;
    for (size_t i = 0; i < part->n_frames; i++) {
        const report_frame *f = &part->frames[i];

        if (f->file && strcmp(base_name(f->file), mine) == 0) {
            *student = true;
            return f;
        }
    }
    for (size_t i = 0; i < part->n_frames; i++)
        if (part->frames[i].file && !rp->is_library(&part->frames[i]))
            return &part->frames[i];
    return NULL;
}

/* report_put_where() without noting the place. */
static void put_where(strbuf *b, const report_places *rp, const report_part *part,
                      const char *fallback)
{
    bool student;
    const report_frame *f = report_pick_frame(rp, part, &student);

    if (!f) {
        strbuf_addstr(b, fallback);
        return;
    }
    strbuf_addf(b, "%s:%d", base_name(f->file), f->line);
    if (f->fn)
        strbuf_addf(b, " (%s)", f->fn);
    if (!student)
        strbuf_addstr(b, " in the test's code");
}

void report_put_where(strbuf *b, const report_places *rp, const report_part *part,
                      const char *fallback)
{
    put_where(b, rp, part, fallback);
    report_note_place(rp, part);
}

void report_note_place(const report_places *rp, const report_part *part)
{
    bool student;
    const report_frame *f = rp->named ? report_pick_frame(rp, part, &student) : NULL;

    if (f)
        race_places_add(&rp->named->places, &rp->named->n, base_name(f->file), f->line, f->fn);
}

void report_named_free(report_named *named)
{
    race_places_free(named->places, named->n);
    named->places = NULL;
    named->n = 0;
}

void report_put_place(strbuf *b, const report_places *rp, const report_part *part)
{
    bool student;
    const report_frame *f = report_pick_frame(rp, part, &student);

    if (f)
        strbuf_addf(b, "%s:%d", base_name(f->file), f->line);
}

void report_put_key(strbuf *b, const report_places *rp, const report_part *part)
{
    bool student;
    const report_frame *f = report_pick_frame(rp, part, &student);

    strbuf_addf(b, "|%s:%d", f ? f->file : "", f ? f->line : 0);
}

void report_put_key_pair(strbuf *key, const report_places *rp, const report_part *a,
                         int line_a, const report_part *b, int line_b)
{
    bool b_first = line_b && line_b < line_a;

    report_put_key(key, rp, b_first ? b : a);
    report_put_key(key, rp, b_first ? a : b);
}

bool report_same_place(const report_places *rp, const report_part *a, const report_part *b)
{
    bool student;
    const report_frame *fa = report_pick_frame(rp, a, &student);
    const report_frame *fb = report_pick_frame(rp, b, &student);

    return fa && fb && fa->line == fb->line && strcmp(fa->file, fb->file) == 0;
}

char *report_where_string(const report_places *rp, const report_part *part, int *line,
                          bool is_short)
{
    strbuf b = STRBUF_INIT;
    bool student;
    const report_frame *f = report_pick_frame(rp, part, &student);

    *line = f && student ? f->line : 0;
    if (!f)
        return NULL;
    if (is_short)
        report_put_place(&b, rp, part);
    else
        put_where(&b, rp, part, "");
    return strbuf_detach(&b);
}

const char *report_callback_in(const report_places *rp, const report_part *part)
{
    bool student;
    const report_frame *f = report_pick_frame(rp, part, &student);

    for (size_t i = 0; student && i < part->n_frames && &part->frames[i] != f; i++)
        if (part->frames[i].file && !rp->is_library(&part->frames[i]))
            return part->frames[i].fn;
    return NULL;
}

const report_part *report_find_part(const report_part *parts, size_t n, const char *prefix)
{
    for (size_t i = 1; i < n; i++)
        if (starts_with(parts[i].text, prefix))
            return &parts[i];
    return NULL;
}

unsigned long report_number_after(const char *text, const char *marker)
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
