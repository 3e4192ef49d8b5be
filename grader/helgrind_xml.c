/*
 * helgrind_xml.c - Helgrind's XML report, read into memory.
 *
 * Theory of operation: expat streams the file through three callbacks
 * that keep a stack of the open elements' tags.  Inside each <error> the
 * texts (<xwhat><text>, <xauxwhat><text>, <auxwhat>, <what>) are kept in
 * order as "parts", and each <stack> is attached to the part just before
 * it: the first part is what went wrong and where, the later ones are the
 * conflicting access, the variable, the allocation, the lock order.
 * Everything else (thread announcements, suppressions, newer elements) is
 * skipped.  <errorcounts> is kept aside as pairs until the file is read,
 * then each error gets its count.  <fatal_signal><signo> is kept as the
 * signal that ended the program.
 */
#define _GNU_SOURCE
#include "helgrind_xml.h"

#include <errno.h>
#include <expat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HG_MAX_DEPTH 32         /* Valgrind nests about 5 deep */
#define HG_MAX_TEXT 8192        /* longer texts are cut, not overflowed */
#define HG_CHUNK 65536

enum hg_tag {
    T_OTHER, T_ROOT, T_ERROR, T_KIND, T_UNIQUE, T_XWHAT, T_XAUXWHAT,
    T_AUXWHAT, T_WHAT, T_TEXT, T_STACK, T_FRAME, T_FN, T_DIR, T_FILE,
    T_LINE, T_OBJ, T_ERRORCOUNTS, T_PAIR, T_COUNT, T_FATAL_SIGNAL, T_SIGNO, T_CLIENTMSG
};

static const char *const tag_names[] = {
    [T_ROOT] = "valgrindoutput", [T_ERROR] = "error", [T_KIND] = "kind",
    [T_UNIQUE] = "unique", [T_XWHAT] = "xwhat", [T_XAUXWHAT] = "xauxwhat",
    [T_AUXWHAT] = "auxwhat", [T_WHAT] = "what", [T_TEXT] = "text",
    [T_STACK] = "stack", [T_FRAME] = "frame", [T_FN] = "fn", [T_DIR] = "dir",
    [T_FILE] = "file", [T_LINE] = "line", [T_OBJ] = "obj",
    [T_ERRORCOUNTS] = "errorcounts", [T_PAIR] = "pair", [T_COUNT] = "count",
    [T_FATAL_SIGNAL] = "fatal_signal", [T_SIGNO] = "signo", [T_CLIENTMSG] = "clientmsg",
};

typedef struct hg_pair {
    char *unique;
    long count;
} hg_pair;

typedef struct hg_parser {
    XML_Parser xml;
    int err;                        /* errno value that stopped us, or 0 */
    enum hg_tag tags[HG_MAX_DEPTH]; /* open elements, outermost first */
    int depth;
    char *text;                     /* character data of the open leaf */
    size_t text_len, text_cap;
    hg_error *errors;
    size_t n_errors, cap_errors;
    size_t cap_parts;               /* of the open error's parts */
    size_t cap_frames;              /* of the open stack's part's frames */
    hg_pair *pairs;
    size_t n_pairs, cap_pairs;
    int in_error;                   /* errors[n_errors - 1] is open */
    size_t stack_part;              /* 1 + index of the part whose <stack>
                                       is open in it, 0 outside stacks */
    int root_closed;                /* saw </valgrindoutput> */
    int fatal_signal;               /* <fatal_signal><signo>, or 0 */
    char **client_msgs;
    size_t n_client_msgs, cap_client_msgs;
} hg_parser;

/* Makes room for `need` elements of `size` bytes; new ones are zeroed. */
static int grow(void **array, size_t *cap, size_t need, size_t size)
{
    size_t new_cap;
    void *bigger;

    if (need <= *cap)
        return 0;
    new_cap = *cap ? *cap * 2 : 4;
    while (new_cap < need)
        new_cap *= 2;
    bigger = reallocarray(*array, new_cap, size);
    if (!bigger)
        return ENOMEM;
    memset((char *)bigger + *cap * size, 0, (new_cap - *cap) * size);
    *array = bigger;
    *cap = new_cap;
    return 0;
}

static void fail(hg_parser *p, int err)
{
    if (!p->err)
        p->err = err;
    XML_StopParser(p->xml, XML_FALSE);
}

static enum hg_tag tag_of(const char *name)
{
    for (size_t i = 1; i < sizeof tag_names / sizeof tag_names[0]; i++)
        if (tag_names[i] && strcmp(name, tag_names[i]) == 0)
            return (enum hg_tag)i;
    return T_OTHER;
}

/* The tag `up` levels above the innermost open element (0 = itself). */
static enum hg_tag open_tag(const hg_parser *p, int up)
{
    return p->depth - 1 - up >= 0 ? p->tags[p->depth - 1 - up] : T_OTHER;
}

static hg_error *current_error(hg_parser *p)
{
    return p->in_error ? &p->errors[p->n_errors - 1] : NULL;
}

static hg_part *last_part(hg_parser *p)
{
    hg_error *e = current_error(p);

    return e && e->n_parts ? &e->parts[e->n_parts - 1] : NULL;
}

static hg_part *new_part(hg_parser *p)
{
    hg_error *e = current_error(p);

    if (grow((void **)&e->parts, &p->cap_parts, e->n_parts + 1, sizeof *e->parts)) {
        fail(p, ENOMEM);
        return NULL;
    }
    return &e->parts[e->n_parts++];
}

/* The part whose <stack> is open, or NULL. */
static hg_part *stack_part(hg_parser *p)
{
    hg_error *e = current_error(p);

    return e && p->stack_part ? &e->parts[p->stack_part - 1] : NULL;
}

/* The <frame> being read: the last frame of the open stack. */
static hg_frame *open_frame(hg_parser *p)
{
    hg_part *part = stack_part(p);

    return part && part->n_frames ? &part->frames[part->n_frames - 1] : NULL;
}

/* The character data of the element that just closed, trimmed, malloc'd. */
static char *take_text(hg_parser *p)
{
    size_t start = 0, end = p->text_len;
    char *copy;

    while (start < end && strchr(" \t\r\n", p->text[start]))
        start++;
    while (end > start && strchr(" \t\r\n", p->text[end - 1]))
        end--;
    copy = strndup(p->text ? p->text + start : "", end - start);
    if (!copy)
        fail(p, ENOMEM);
    return copy;
}

static void set_text(hg_parser *p, char **field)
{
    char *text = take_text(p);

    if (text) {
        free(*field);
        *field = text;
    }
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
    hg_parser *p = data;
    enum hg_tag tag = tag_of(name), parent = open_tag(p, 0);
    hg_part *part;

    (void)attrs;
    if (p->err)
        return;
    if (tag == T_ERROR && parent != T_ROOT)
        tag = T_OTHER;          /* only top-level <error>s are errors */
    if (p->depth == HG_MAX_DEPTH || (p->depth == 0 && tag != T_ROOT)) {
        fail(p, EINVAL);
        return;
    }
    p->tags[p->depth++] = tag;
    p->text_len = 0;

    if (tag == T_ERROR && parent == T_ROOT) {
        if (grow((void **)&p->errors, &p->cap_errors, p->n_errors + 1, sizeof *p->errors)) {
            fail(p, ENOMEM);
            return;
        }
        p->n_errors++;
        p->in_error = 1;
        p->cap_parts = 0;
    } else if (parent == T_ERROR && (tag == T_XWHAT || tag == T_XAUXWHAT ||
                                     tag == T_AUXWHAT || tag == T_WHAT)) {
        new_part(p);
    } else if (tag == T_STACK && parent == T_ERROR) {
        /* The first stack is where it happened (PthAPIerror puts a <what>
         * before it); a later one belongs to the text just before it. */
        hg_error *e = current_error(p);
        part = e->n_parts && !e->parts[0].has_stack ? &e->parts[0] : last_part(p);
        if (!part || part->has_stack)
            part = new_part(p);
        if (part) {
            part->has_stack = 1;    /* so it has no frames yet */
            p->stack_part = (size_t)(part - e->parts) + 1;
            p->cap_frames = 0;
        }
    } else if (tag == T_FRAME && parent == T_STACK && (part = stack_part(p))) {
        if (grow((void **)&part->frames, &p->cap_frames, part->n_frames + 1,
                 sizeof *part->frames))
            fail(p, ENOMEM);
        else
            part->n_frames++;
    } else if (tag == T_PAIR && parent == T_ERRORCOUNTS) {
        if (grow((void **)&p->pairs, &p->cap_pairs, p->n_pairs + 1, sizeof *p->pairs))
            fail(p, ENOMEM);
        else
            p->pairs[p->n_pairs++].count = 1;
    }
}

static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
    hg_parser *p = data;
    size_t room = HG_MAX_TEXT - p->text_len;
    size_t n = (size_t)len < room ? (size_t)len : room;

    if (p->err || n == 0)
        return;
    if (grow((void **)&p->text, &p->text_cap, p->text_len + n + 1, 1)) {
        fail(p, ENOMEM);
        return;
    }
    memcpy(p->text + p->text_len, s, n);
    p->text_len += n;
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
    hg_parser *p = data;
    enum hg_tag tag = open_tag(p, 0), parent = open_tag(p, 1);
    hg_error *e = current_error(p);
    hg_frame *frame;
    hg_part *part;
    char *text;

    (void)name;
    if (p->err)
        return;
    if (tag == T_ROOT) {
        p->root_closed = 1;
    } else if (tag == T_ERROR && parent == T_ROOT) {
        p->in_error = 0;
    } else if (tag == T_STACK && parent == T_ERROR) {
        p->stack_part = 0;
    } else if (e && parent == T_ERROR && tag == T_KIND) {
        set_text(p, &e->kind);
    } else if (e && parent == T_ERROR && tag == T_UNIQUE) {
        set_text(p, &e->unique);
    } else if (e && parent == T_ERROR && (tag == T_AUXWHAT || tag == T_WHAT)) {
        if ((part = last_part(p)))
            set_text(p, &part->text);
    } else if (e && tag == T_TEXT && (parent == T_XWHAT || parent == T_XAUXWHAT) &&
               open_tag(p, 2) == T_ERROR) {
        if ((part = last_part(p)))
            set_text(p, &part->text);
    } else if (e && parent == T_FRAME && open_tag(p, 3) == T_ERROR &&
               (frame = open_frame(p))) {
        if (tag == T_FN)
            set_text(p, &frame->fn);
        else if (tag == T_DIR)
            set_text(p, &frame->dir);
        else if (tag == T_FILE)
            set_text(p, &frame->file);
        else if (tag == T_OBJ)
            set_text(p, &frame->obj);
        else if (tag == T_LINE && (text = take_text(p))) {
            long line = strtol(text, NULL, 10);
            frame->line = line > 0 && line <= INT_MAX ? (int)line : 0;
            free(text);
        }
    } else if (tag == T_SIGNO && parent == T_FATAL_SIGNAL && open_tag(p, 2) == T_ROOT &&
               (text = take_text(p))) {
        long signo = strtol(text, NULL, 10);
        p->fatal_signal = signo > 0 && signo < 65 ? (int)signo : 0;
        free(text);
    } else if (tag == T_TEXT && parent == T_CLIENTMSG && open_tag(p, 2) == T_ROOT) {
        if (grow((void **)&p->client_msgs, &p->cap_client_msgs, p->n_client_msgs + 1,
                 sizeof *p->client_msgs))
            fail(p, ENOMEM);
        else if ((text = take_text(p)))
            p->client_msgs[p->n_client_msgs++] = text;
    } else if (parent == T_PAIR && open_tag(p, 2) == T_ERRORCOUNTS && p->n_pairs) {
        hg_pair *pair = &p->pairs[p->n_pairs - 1];
        if (tag == T_UNIQUE)
            set_text(p, &pair->unique);
        else if (tag == T_COUNT && (text = take_text(p))) {
            long count = strtol(text, NULL, 10);
            pair->count = count > 0 ? count : 1;
            free(text);
        }
    }
    p->depth--;
    p->text_len = 0;
}

/* Valgrind never writes a DTD; one here could only be a trick. */
static void XMLCALL on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    fail(data, EINVAL);
}

static void errors_free(hg_error *errors, size_t n_errors)
{
    for (size_t i = 0; i < n_errors; i++) {
        hg_error *e = &errors[i];
        for (size_t j = 0; j < e->n_parts; j++) {
            hg_part *part = &e->parts[j];
            for (size_t k = 0; k < part->n_frames; k++) {
                free(part->frames[k].fn);
                free(part->frames[k].dir);
                free(part->frames[k].file);
                free(part->frames[k].obj);
            }
            free(part->frames);
            free(part->text);
        }
        free(e->parts);
        free(e->kind);
        free(e->unique);
    }
    free(errors);
}

static void client_msgs_free(char **msgs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(msgs[i]);
    free(msgs);
}

static void parser_free(hg_parser *p)
{
    errors_free(p->errors, p->n_errors);
    client_msgs_free(p->client_msgs, p->n_client_msgs);
    for (size_t i = 0; i < p->n_pairs; i++)
        free(p->pairs[i].unique);
    free(p->pairs);
    free(p->text);
    if (p->xml)
        XML_ParserFree(p->xml);
}

static int parse_file(hg_parser *p, const char *path)
{
    FILE *f = fopen(path, "rb");
    int done = 0, err = 0;

    if (!f)
        return errno ? errno : EIO;
    p->xml = XML_ParserCreate(NULL);
    if (!p->xml) {
        err = ENOMEM;
        goto error;
    }
    XML_SetUserData(p->xml, p);
    XML_SetElementHandler(p->xml, on_start, on_end);
    XML_SetCharacterDataHandler(p->xml, on_text);
    XML_SetStartDoctypeDeclHandler(p->xml, on_doctype);
    while (!done) {
        void *buf = XML_GetBuffer(p->xml, HG_CHUNK);
        size_t n;

        if (!buf) {
            err = ENOMEM;
            goto error;
        }
        n = fread(buf, 1, HG_CHUNK, f);
        if (ferror(f)) {
            err = EIO;
            goto error;
        }
        done = feof(f);
        if (XML_ParseBuffer(p->xml, (int)n, done) != XML_STATUS_OK) {
            err = p->err ? p->err
                : XML_GetErrorCode(p->xml) == XML_ERROR_NO_MEMORY ? ENOMEM : EINVAL;
            goto error;
        }
    }
    if (!p->root_closed)        /* expat refuses this already; stated here */
        err = EINVAL;
error:
    fclose(f);
    return err;
}

/* Gives each error the count of its <errorcounts> pair (the first with its
 * unique), or 1. */
static void count_errors(hg_parser *p)
{
    for (size_t i = 0; i < p->n_errors; i++) {
        hg_error *e = &p->errors[i];
        size_t j = 0;

        while (j < p->n_pairs && !(e->unique && p->pairs[j].unique &&
                                   strcmp(p->pairs[j].unique, e->unique) == 0))
            j++;
        e->count = j < p->n_pairs ? p->pairs[j].count : 1;
    }
}

/* --- the interface ------------------------------------------------------- */

int hg_xml_read(const char *path, hg_xml *out)
{
    hg_parser p = {0};
    int err;

    if (!out)
        return EINVAL;
    out->errors = NULL;
    out->n_errors = 0;
    out->fatal_signal = 0;
    out->client_msgs = NULL;
    out->n_client_msgs = 0;
    if (!path)
        return EINVAL;
    if ((err = parse_file(&p, path))) {
        parser_free(&p);
        return err;
    }
    count_errors(&p);
    out->errors = p.errors;
    out->n_errors = p.n_errors;
    out->fatal_signal = p.fatal_signal;
    out->client_msgs = p.client_msgs;
    out->n_client_msgs = p.n_client_msgs;
    p.errors = NULL;
    p.n_errors = 0;
    p.client_msgs = NULL;
    p.n_client_msgs = 0;
    parser_free(&p);
    return 0;
}

void hg_xml_free(hg_xml *x)
{
    if (!x)
        return;
    errors_free(x->errors, x->n_errors);
    client_msgs_free(x->client_msgs, x->n_client_msgs);
    x->errors = NULL;
    x->n_errors = 0;
    x->fatal_signal = 0;
    x->client_msgs = NULL;
    x->n_client_msgs = 0;
}
