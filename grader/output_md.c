/*
 * output_md.c - student text escaped for Markdown; see output_md.h.
 */
#include "output_md.h"
#include "utf8.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Marks that mean something anywhere in a line (and GitHub's $math$ and @mentions)... */
#define INLINE_MARKS "\\`*_[]|~$@"
/* ...and those that do at the start of a block, such as a list item's text. */
#define BLOCK_MARKS "#+-=.)"

/*
 * Writes the character c[0..len) of inline text, escaped: marks with a
 * backslash (BLOCK_MARKS too when `at_start`), <, > and & as entities, a
 * line break as a space, any other control character as U+FFFD.
 */
static void md_char(FILE *out, const char *c, size_t len, bool at_start)
{
    if (len != 1) {
        fwrite(c, 1, len, out);
        return;
    }
    switch (*c) {
    case '<':  fputs("&lt;", out); return;
    case '>':  fputs("&gt;", out); return;
    case '&':  fputs("&amp;", out); return;
    case '\n': case '\r': case '\t': fputc(' ', out); return;
    default:
        break;
    }
    if ((unsigned char)*c < 0x20 || *c == 0x7f) {
        fputs("\xEF\xBF\xBD", out);
        return;
    }
    if (strchr(INLINE_MARKS, *c) || (at_start && strchr(BLOCK_MARKS, *c)))
        fputc('\\', out);
    fputc(*c, out);
}

/* Whether the text after `c` is still at the start of its block ("  12" of "  12. x"). */
static bool still_at_start(bool at_start, char c)
{
    return at_start && ((c >= '0' && c <= '9') || c == ' ' || c == '\t');
}

/*
 * Writes the character at *p as md_char() does, moves *p past it and
 * keeps *at_start up to date.  False when there is no character to write.
 */
static bool md_next(FILE *out, const char **p, bool *at_start)
{
    unsigned code = 0;
    size_t len = **p ? utf8_char(*p, &code) : 0;

    if (!len)
        return false;           /* the end (a bad byte cannot follow utf8_clean()) */
    md_char(out, *p, len, *at_start);
    *at_start = still_at_start(*at_start, **p);
    *p += len;
    return true;
}

void md_inline(FILE *out, const char *text, size_t max)
{
    char *clean = utf8_clean(text, max);
    const char *p = clean;
    bool at_start = true;

    while (md_next(out, &p, &at_start))
        ;
    free(clean);
}

void md_code(FILE *out, const char *text, size_t max)
{
    char *clean = utf8_clean(text, max);

    if (*clean && !strpbrk(clean, "`\n\r|<>&")) {
        fprintf(out, "`%s`", clean);
    } else {
        md_inline(out, clean, max);
    }
    free(clean);
}

void md_inline_code(FILE *out, const char *text, size_t max)
{
    char *clean = utf8_clean(text, max);
    bool at_start = true;

    for (const char *p = clean; *p;) {
        size_t run = strspn(p, "`");

        if (run) {
            const char *q = p + run;

            /* The closing run is one of exactly `run` backticks. */
            while ((q = strchr(q, '`'))) {
                size_t close = strspn(q, "`");

                if (close == run)
                    break;
                q += close;
            }
            if (q && !memchr(p, '\n', (size_t)(q - p))) {
                fwrite(p, 1, (size_t)(q + run - p), out);
                p = q + run;
            } else {
                for (; run; run--, p++)
                    md_char(out, p, 1, false);
            }
            at_start = false;
            continue;
        }
        if (!md_next(out, &p, &at_start))
            break;
    }
    free(clean);
}

void md_pre(FILE *out, const char *text, size_t max)
{
    char *clean = utf8_clean(text, max);
    unsigned code = 0;

    fputs("\n<pre>", out);
    for (const char *p = clean; *p;) {
        size_t len = utf8_char(p, &code);

        if (!len)
            break;              /* cannot happen after utf8_clean() */
        if (*p == '<')
            fputs("&lt;", out);
        else if (*p == '>')
            fputs("&gt;", out);
        else if (*p == '&')
            fputs("&amp;", out);
        else if (*p == '\r' || (*p != '\n' && *p != '\t' &&
                                ((unsigned char)*p < 0x20 || *p == 0x7f)))
            fputs("\xEF\xBF\xBD", out);
        else
            fwrite(p, 1, len, out);
        p += len;
    }
    /* A <pre> block ends at "</pre>"; a blank line after it ends the HTML block. */
    fputs(clean[0] && clean[strlen(clean) - 1] == '\n' ? "</pre>\n\n" : "\n</pre>\n\n", out);
    free(clean);
}
