/* similarity.c - similar files by sim_c; see similarity.h. */
#define _GNU_SOURCE
#include "similarity.h"
#include "stub_match.h"
#include "toolchain.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIM_OUTPUT_MAX (4u << 20)

typedef struct pair {
    size_t a, b;                /* a < b */
    int percent;                /* the larger of the two directions */
    char *evidence;             /* "lines 15-84 of a match lines 15-84 of b" */
} pair;

/* Whether `line` (trimmed) is a line of the stub. */
static bool stub_line(const char *line, size_t len, char **stub_lines, size_t n)
{
    while (len && (*line == ' ' || *line == '\t'))
        line++, len--;
    while (len && strchr(" \t\r", line[len - 1]))
        len--;
    for (size_t i = 0; len && i < n; i++)
        if (strlen(stub_lines[i]) == len && !memcmp(stub_lines[i], line, len))
            return true;
    return false;
}

/* The stub's non-blank lines, trimmed. */
static size_t read_stub_lines(const char *stub, char ***lines)
{
    char *text = read_file(stub, NULL), *save = NULL;
    size_t n = 0;

    *lines = NULL;
    for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        size_t len = strlen(line);

        while (*line == ' ' || *line == '\t')
            line++, len--;
        while (len && strchr(" \t\r", line[len - 1]))
            len--;
        if (!len)
            continue;
        *lines = xrealloc(*lines, (n + 1) * sizeof **lines);
        (*lines)[n++] = xasprintf("%.*s", (int)len, line);
    }
    free(text);
    return n;
}

/* Copies `from` into `to` with the stub's lines blanked (line numbers kept). */
static int copy_without_stub(const char *from, const char *to, char **stub_lines, size_t n)
{
    size_t len;
    char *text = read_file(from, &len);
    strbuf sb = STRBUF_INIT;
    int err;

    if (!text)
        return errno;
    for (const char *line = text; line < text + len;) {
        const char *nl = memchr(line, '\n', (size_t)(text + len - line));
        size_t line_len = nl ? (size_t)(nl - line) : (size_t)(text + len - line);

        if (!stub_line(line, line_len, stub_lines, n))
            strbuf_add(&sb, line, line_len);
        strbuf_addstr(&sb, "\n");
        line += line_len + 1;
    }
    err = write_file(to, sb.data ? sb.data : "", sb.len, 0644);
    strbuf_release(&sb);
    free(text);
    return err;
}

/* The file index of a sim_c name "<k>.c", or n. */
static size_t index_of(const char *name, size_t n)
{
    char *end;
    unsigned long k = strtoul(name, &end, 10);

    return end != name && !strncmp(end, ".c", 2) && k < n ? (size_t)k : n;
}

/*
 * The indexes of the files named `a_name` and `b_name` among `n`, the
 * smaller in *a; *swapped says whether b_name's is.  False when either
 * name is not one of them, or both name one file.
 */
static bool pair_indexes(const char *a_name, const char *b_name, size_t n, size_t *a, size_t *b,
                         bool *swapped)
{
    *a = index_of(a_name, n);
    *b = index_of(b_name, n);
    if (*a >= n || *b >= n || *a == *b)
        return false;
    *swapped = *a > *b;
    if (*swapped) {
        size_t t = *a;

        *a = *b;
        *b = t;
    }
    return true;
}

static pair *find_pair(pair *pairs, size_t n_pairs, size_t a, size_t b)
{
    for (size_t i = 0; i < n_pairs; i++)
        if (pairs[i].a == a && pairs[i].b == b)
            return &pairs[i];
    return NULL;
}

static int by_percent(const void *x, const void *y)
{
    const pair *p = x, *q = y;

    if (p->percent != q->percent)
        return q->percent - p->percent;
    return p->a != q->a ? (p->a < q->a ? -1 : 1) : (p->b < q->b ? -1 : p->b > q->b);
}

/* Runs sim_c with `flags` on files 0..n-1 in `dir`; its output, or NULL. */
static char *run_sim(const char *dir, const char *const *flags, size_t n_flags, size_t n,
                     int *err)
{
    char **argv = xcalloc(n + n_flags + 2, sizeof *argv), *output = NULL;
    int code;

    argv[0] = SIMILARITY_TOOL;
    for (size_t i = 0; i < n_flags; i++)
        argv[1 + i] = (char *)flags[i];
    for (size_t i = 0; i < n; i++)
        argv[1 + n_flags + i] = xasprintf("%zu.c", i);
    code = tool_run(argv, dir, 0, SIM_OUTPUT_MAX, &output);
    for (size_t i = 0; i < n; i++)
        free(argv[1 + n_flags + i]);
    free(argv);
    if (code != 0) {
        *err = code < 0 ? errno : EIO;
        free(output);
        return NULL;
    }
    return output;
}

/* Reads "<a>.c consists for N % of <b>.c material" lines into pairs. */
static size_t read_percents(const char *output, size_t n, pair **pairs)
{
    size_t n_pairs = 0;

    *pairs = NULL;
    for (const char *line = output; line && *line; line = strchr(line, '\n'),
         line = line ? line + 1 : NULL) {
        char a_name[32], b_name[32];
        int percent;
        size_t a, b;
        bool swapped;
        pair *p;

        if (sscanf(line, "%31s consists for %d %% of %31s material", a_name, &percent,
                   b_name) != 3 || !pair_indexes(a_name, b_name, n, &a, &b, &swapped))
            continue;
        if ((p = find_pair(*pairs, n_pairs, a, b)) == NULL) {
            *pairs = xrealloc(*pairs, (n_pairs + 1) * sizeof **pairs);
            p = &(*pairs)[n_pairs++];
            *p = (pair){ .a = a, .b = b };
        }
        if (percent > p->percent)
            p->percent = percent;
    }
    return n_pairs;
}

/* Adds the runs of "<a>.c: line X-Y |<b>.c: line Z-W[T]" lines as evidence. */
static void read_runs(const char *output, size_t n, pair *pairs, size_t n_pairs)
{
    for (const char *line = output; line && *line; line = strchr(line, '\n'),
         line = line ? line + 1 : NULL) {
        char a_name[32], b_name[32];
        int a1, a2, b1, b2;
        size_t a, b;
        bool swapped;
        pair *p;
        char *more, *range;

        if (sscanf(line, "%31[^:]: line %d-%d |%31[^:]: line %d-%d", a_name, &a1, &a2, b_name,
                   &b1, &b2) != 6 || !pair_indexes(a_name, b_name, n, &a, &b, &swapped))
            continue;
        if (swapped) {
            int t1 = a1, t2 = a2;

            a1 = b1, a2 = b2, b1 = t1, b2 = t2;
        }
        if ((p = find_pair(pairs, n_pairs, a, b)) == NULL)
            continue;
        range = xasprintf("%d-%d ~ %d-%d", a1, a2, b1, b2);
        if (!p->evidence || !strstr(p->evidence, range)) {     /* each run once */
            more = xasprintf("%s%s%s", p->evidence ? p->evidence : "", p->evidence ? ", " : "",
                             range);
            free(p->evidence);
            p->evidence = more;
        }
        free(range);
    }
}

int similarity_compare(const char *slug, const char *stub, const similarity_file *files,
                       size_t n, int threshold, const char *work_dir, char **out)
{
    static const char *const percent_flags[] = { "-p", "-e", "-a", "-s", "-t1" };
    static const char *const run_flags[] = { "-n", "-e", "-s" };
    char **stub_lines, *output = NULL, *runs = NULL;
    size_t n_stub = read_stub_lines(stub, &stub_lines), n_pairs = 0;
    pair *pairs = NULL;
    strbuf sb = STRBUF_INIT;
    int err = 0;

    *out = NULL;
    if (!is_file("/usr/bin/" SIMILARITY_TOOL) && !is_file("/bin/" SIMILARITY_TOOL)) {
        for (size_t i = 0; i < n_stub; i++)
            free(stub_lines[i]);
        free(stub_lines);
        return ENOENT;
    }
    for (size_t i = 0; i < n && !err; i++) {
        char *copy = xasprintf("%s/%zu.c", work_dir, i);

        err = copy_without_stub(files[i].path, copy, stub_lines, n_stub);
        free(copy);
    }
    if (!err && n >= 2 && (output = run_sim(work_dir, percent_flags, 5, n, &err)) != NULL)
        n_pairs = read_percents(output, n, &pairs);
    if (n_pairs && (runs = run_sim(work_dir, run_flags, 3, n, &err)) != NULL)
        read_runs(runs, n, pairs, n_pairs);
    qsort(pairs, n_pairs, sizeof *pairs, by_percent);
    for (size_t i = 0; i < n_pairs && !err; i++) {
        if (pairs[i].percent < threshold)
            continue;
        strbuf_addf(&sb, "- `%s` and `%s`, `%s.c`: %d %%%s%s%s\n", files[pairs[i].a].id,
                    files[pairs[i].b].id, slug, pairs[i].percent,
                    pairs[i].evidence ? " (lines " : "",
                    pairs[i].evidence ? pairs[i].evidence : "", pairs[i].evidence ? ")" : "");
    }
    for (size_t i = 0; i < n_pairs; i++)
        free(pairs[i].evidence);
    free(pairs);
    free(output);
    free(runs);
    for (size_t i = 0; i < n_stub; i++)
        free(stub_lines[i]);
    free(stub_lines);
    for (size_t i = 0; i < n; i++) {
        char *copy = xasprintf("%s/%zu.c", work_dir, i);

        unlink(copy);
        free(copy);
    }
    if (err) {
        strbuf_release(&sb);
        return err;
    }
    *out = strbuf_detach(&sb);
    return 0;
}
