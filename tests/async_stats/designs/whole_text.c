/*
 * whole_text.c - an alternative correct design of async_stats.
 *
 * Design: a stream's bytes are only collected while it is read (appended
 * to a text of its own that grows by doubling); the text is parsed once,
 * at end of file, by a recursive-descent check of the grammar followed by
 * strtod.  So no token is ever split: the split lives in the text.
 * The loop is run in steps (UV_RUN_ONCE) until no handle is left, and a
 * stream that ends early is parsed while the others are still read.
 * summarize() keeps running sums of the distances to the first value
 * (shifted data), which stay accurate for large values close together.
 * Primitives: uv_pipe_init/uv_pipe_open, uv_read_start, uv_close with a
 * close callback, uv_run(UV_RUN_ONCE) in a loop.
 */
#include "async_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- summarize */

static int ascending(const void *a, const void *b)
{
    const double *x = a, *y = b;

    return (*x > *y) - (*x < *y);
}

int summarize(const double *values, size_t n, summary *out)
{
    double *copy, shift, d, sum = 0, sum2 = 0;

    if (out == NULL || (values == NULL && n > 0))
        return EINVAL;
    out->count = n;
    out->error = 0;
    out->mean = out->median = out->stdev = out->min = out->max = NAN;
    if (n == 0)
        return 0;
    copy = malloc(n * sizeof *copy);
    if (copy == NULL)
        return ENOMEM;
    memcpy(copy, values, n * sizeof *copy);
    qsort(copy, n, sizeof *copy, ascending);
    out->min = copy[0];
    out->max = copy[n - 1];
    out->median = (copy[(n - 1) / 2] + copy[n / 2]) / 2;
    shift = copy[n / 2];                /* shifted data: distances are small */
    for (size_t i = 0; i < n; i++) {
        d = values[i] - shift;
        sum += d;
        sum2 += d * d;
    }
    out->mean = shift + sum / (double)n;
    if (n > 1)
        out->stdev = sqrt(fmax(0.0, (sum2 - sum * sum / (double)n) / (double)(n - 1)));
    free(copy);
    return 0;
}

/* ----------------------------------------------------------------- parsing */

/* Recursive descent over [+-]?(D+(.D*)?|.D+)([eE][+-]?D+)?; p..end. */
static const char *digits(const char *p, const char *end, size_t *count)
{
    *count = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        p++;
        ++*count;
    }
    return p;
}

static bool number_at(const char *p, const char *end)
{
    size_t a, b = 0;

    if (p < end && (*p == '+' || *p == '-'))
        p++;
    p = digits(p, end, &a);
    if (p < end && *p == '.')
        p = digits(p + 1, end, &b);
    if (a + b == 0)
        return false;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        p = digits(p, end, &a);
        if (a == 0)
            return false;
    }
    return p == end;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

typedef struct stream {
    uv_pipe_t pipe;
    int error;
    char *text;                 /* everything read, plus a '\0' */
    size_t len, cap;
    double *values;
    size_t count;
    char spare[4096];           /* where reads land when text cannot grow */
} stream;

/* Parses s->text into s->values; sets s->error on a bad token. */
static void parse(stream *s)
{
    char *p = s->text, *end = s->text + s->len;

    s->values = malloc((s->len / 2 + 1) * sizeof *s->values);
    if (s->values == NULL) {
        s->error = ENOMEM;
        return;
    }
    while (p < end && s->error == 0) {
        char *start, saved;
        double v;

        while (p < end && blank(*p))
            p++;
        if (p == end)
            break;
        for (start = p; p < end && !blank(*p); p++)
            ;
        if (!number_at(start, p)) {
            s->error = EINVAL;
            break;
        }
        saved = *p;             /* a blank or the final '\0' */
        *p = '\0';
        v = strtod(start, NULL);
        *p = saved;
        if (!isfinite(v))
            s->error = EINVAL;
        else
            s->values[s->count++] = v;
    }
}

/* ----------------------------------------------------------------- reading */

static void room(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    stream *s = handle->data;

    if (s->error == 0 && s->cap - s->len < suggested + 1) {
        size_t cap = s->cap ? s->cap : 65536;
        char *text;

        while (cap - s->len < suggested + 1)
            cap *= 2;
        text = realloc(s->text, cap);
        if (text == NULL) {
            s->error = ENOMEM;
        } else {
            s->text = text;
            s->cap = cap;
        }
    }
    if (s->error != 0)          /* a bad stream is still read to its end */
        *buf = uv_buf_init(s->spare, sizeof s->spare);
    else
        *buf = uv_buf_init(s->text + s->len, (unsigned)(s->cap - s->len - 1));
}

static void closed(uv_handle_t *handle)
{
    stream *s = handle->data;

    if (s->error == 0 && s->text != NULL) {
        s->text[s->len] = '\0';
        parse(s);
    }
}

static void arrived(uv_stream_t *pipe, ssize_t nread, const uv_buf_t *buf)
{
    stream *s = pipe->data;

    (void)buf;
    if (nread > 0 && s->error == 0)
        s->len += (size_t)nread;
    if (nread >= 0)
        return;
    if (nread != UV_EOF && s->error == 0)
        s->error = (int)-nread;
    uv_close((uv_handle_t *)pipe, closed);
}

static void begin(uv_loop_t *loop, stream *s, int fd)
{
    uv_handle_type type = uv_guess_handle(fd);
    int rc;

    if (fd < 0 || fcntl(fd, F_GETFL) == -1) {
        s->error = EBADF;
        return;
    }
    if (type != UV_NAMED_PIPE && type != UV_TCP) {
        s->error = EPERM;
        close(fd);
        return;
    }
    rc = uv_pipe_init(loop, &s->pipe, 0);
    if (rc != 0) {
        s->error = -rc;
        close(fd);
        return;
    }
    s->pipe.data = s;
    rc = uv_pipe_open(&s->pipe, fd);
    if (rc == 0)
        rc = uv_read_start((uv_stream_t *)&s->pipe, room, arrived);
    else
        close(fd);
    if (rc != 0) {
        s->error = -rc;
        uv_close((uv_handle_t *)&s->pipe, NULL);
    }
}

static int fill(stream *st, size_t n, summary *per_source, summary *overall)
{
    size_t total = 0;
    double *all;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        if (per_source != NULL && rc == 0) {
            rc = summarize(st[i].values, st[i].count, &per_source[i]);
            per_source[i].error = st[i].error;
        }
        if (st[i].error == 0)
            total += st[i].count;
    }
    if (overall == NULL || rc != 0)
        return rc;
    all = malloc((total + 1) * sizeof *all);
    if (all == NULL)
        return ENOMEM;
    total = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; st[i].error == 0 && k < st[i].count; k++)
            all[total++] = st[i].values[k];
    rc = summarize(all, total, overall);
    free(all);
    return rc;
}

int async_stats(uv_loop_t *loop, const int *fds, size_t n,
                summary *per_source, summary *overall)
{
    stream *st;
    int first = 0, rc;

    if (n == 0)
        return overall == NULL ? 0 : summarize(NULL, 0, overall);
    if (loop == NULL || fds == NULL)
        return EINVAL;
    st = calloc(n, sizeof *st);
    if (st == NULL)
        return ENOMEM;
    for (size_t i = 0; i < n; i++)
        begin(loop, &st[i], fds[i]);
    while (uv_run(loop, UV_RUN_ONCE) != 0)
        ;
    for (size_t i = 0; i < n && first == 0; i++)
        first = st[i].error;
    rc = fill(st, n, per_source, overall);
    for (size_t i = 0; i < n; i++) {
        free(st[i].text);
        free(st[i].values);
    }
    free(st);
    return first != 0 ? first : rc;
}
