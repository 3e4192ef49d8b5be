/*
 * records.c - an alternative correct design of async_stats.
 *
 * Design: pipes are read through uv_pipe_t and TCP sockets through
 * uv_tcp_t (uv_tcp_open), each read into a buffer of its own that the
 * alloc callback mallocs and the read callback frees.  Every number read
 * goes into ONE list of (source, value) records shared by all streams;
 * at the end each source's values are picked out of it.  A token is
 * checked against the grammar with strspn once it is complete.
 * summarize() sorts a copy, then takes the mean with compensated
 * (Kahan) summation and the variance in a second pass.
 * Primitives: uv_pipe_init/uv_pipe_open, uv_tcp_init/uv_tcp_open,
 * uv_read_start, uv_close; one uv_run on the calling thread.
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

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int summarize(const double *values, size_t n, summary *out)
{
    double *sorted, sum = 0, carry = 0, mean, squares = 0;

    if (out == NULL || (values == NULL && n > 0))
        return EINVAL;
    memset(out, 0, sizeof *out);
    out->count = n;
    out->mean = out->median = out->stdev = out->min = out->max = NAN;
    if (n == 0)
        return 0;
    sorted = malloc(n * sizeof *sorted);
    if (sorted == NULL)
        return ENOMEM;
    memcpy(sorted, values, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_value);
    out->min = sorted[0];
    out->max = sorted[n - 1];
    out->median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    for (size_t i = 0; i < n; i++) {          /* Kahan */
        double y = sorted[i] - carry, t = sum + y;

        carry = (t - sum) - y;
        sum = t;
    }
    mean = sum / (double)n;
    out->mean = mean;
    for (size_t i = 0; i < n; i++)
        squares += (sorted[i] - mean) * (sorted[i] - mean);
    if (n > 1)
        out->stdev = sqrt(squares / (double)(n - 1));
    free(sorted);
    return 0;
}

/* ------------------------------------------------------------------ tokens */

#define DIGITS "0123456789"

/* Whether the whole of text matches [+-]?(D+(.D*)?|.D+)([eE][+-]?D+)? */
static bool is_number(const char *text)
{
    size_t whole, frac = 0, exp;

    text += (*text == '+' || *text == '-');
    whole = strspn(text, DIGITS);
    text += whole;
    if (*text == '.') {
        frac = strspn(text + 1, DIGITS);
        text += 1 + frac;
    }
    if (whole + frac == 0)
        return false;
    if (*text == 'e' || *text == 'E') {
        text++;
        text += (*text == '+' || *text == '-');
        exp = strspn(text, DIGITS);
        if (exp == 0)
            return false;
        text += exp;
    }
    return *text == '\0';
}

/* ----------------------------------------------------------------- streams */

typedef struct record {
    size_t source;
    double value;
} record;

typedef struct job job;

typedef struct source {
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_pipe_t pipe;
        uv_tcp_t tcp;
    } h;
    job *job;
    size_t index;
    int error;
    char *token;                /* the unfinished token */
    size_t len, cap;
} source;

struct job {
    source *sources;
    record *records;            /* every number of every source, as read */
    size_t count, room;
};

static void fail(source *src, int error)
{
    if (src->error == 0)
        src->error = error;
}

static void add_record(source *src, double value)
{
    job *j = src->job;

    if (j->count == j->room) {
        size_t room = j->room ? 2 * j->room : 4096;
        record *records = realloc(j->records, room * sizeof *records);

        if (records == NULL) {
            fail(src, ENOMEM);
            return;
        }
        j->records = records;
        j->room = room;
    }
    j->records[j->count++] = (record){ src->index, value };
}

static void end_token(source *src)
{
    double value;

    if (src->len == 0)
        return;
    src->token[src->len] = '\0';
    src->len = 0;
    if (src->error != 0)
        return;
    if (!is_number(src->token)) {
        fail(src, EINVAL);
        return;
    }
    value = strtod(src->token, NULL);
    if (isfinite(value))
        add_record(src, value);
    else
        fail(src, EINVAL);
}

/* Appends bytes[0..n) to the unfinished token. */
static void extend_token(source *src, const char *bytes, size_t n)
{
    if (src->len + n + 1 > src->cap) {
        size_t cap = src->cap ? src->cap : 64;
        char *token;

        while (cap < src->len + n + 1)
            cap *= 2;
        token = realloc(src->token, cap);
        if (token == NULL) {
            fail(src, ENOMEM);
            src->len = 0;
            return;
        }
        src->token = token;
        src->cap = cap;
    }
    memcpy(src->token + src->len, bytes, n);
    src->len += n;
}

static bool space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Splits what a read brought into runs of token characters. */
static void scan(source *src, const char *bytes, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t start = i;

        while (i < n && !space(bytes[i]))
            i++;
        if (i > start && src->error == 0)
            extend_token(src, bytes + start, i - start);
        if (i < n) {
            end_token(src);
            while (i < n && space(bytes[i]))
                i++;
        }
    }
}

static void give_buffer(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    char *base = malloc(suggested);

    (void)handle;
    *buf = uv_buf_init(base, base != NULL ? (unsigned)suggested : 0);
}

static void got_bytes(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    source *src = stream->data;

    if (nread > 0)
        scan(src, buf->base, (size_t)nread);
    free(buf->base);
    if (nread >= 0)
        return;
    if (nread == UV_EOF)
        end_token(src);
    else
        fail(src, nread == UV_ENOBUFS ? ENOMEM : (int)-nread);
    uv_close(&src->h.handle, NULL);
}

/* Opens fds[i] on the loop and starts reading it. */
static void open_source(uv_loop_t *loop, source *src, int fd)
{
    uv_handle_type type = uv_guess_handle(fd);
    int rc;

    if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
        src->error = EBADF;
        return;
    }
    if (type == UV_NAMED_PIPE) {
        rc = uv_pipe_init(loop, &src->h.pipe, 0);
        if (rc == 0 && (rc = uv_pipe_open(&src->h.pipe, fd)) != 0)
            uv_close(&src->h.handle, NULL);
    } else if (type == UV_TCP) {
        rc = uv_tcp_init(loop, &src->h.tcp);
        if (rc == 0 && (rc = uv_tcp_open(&src->h.tcp, fd)) != 0)
            uv_close(&src->h.handle, NULL);
    } else {
        src->error = EPERM;
        close(fd);
        return;
    }
    if (rc != 0) {
        src->error = -rc;
        close(fd);              /* the handle did not take it */
        return;
    }
    src->h.handle.data = src;
    rc = uv_read_start(&src->h.stream, give_buffer, got_bytes);
    if (rc != 0) {
        src->error = -rc;
        uv_close(&src->h.handle, NULL);
    }
}

/* Summarizes the records of source `index` (SIZE_MAX: of every good source). */
static int summarize_records(const job *j, size_t index, summary *out)
{
    double *values = malloc((j->count ? j->count : 1) * sizeof *values);
    size_t n = 0;
    int rc;

    if (values == NULL)
        return ENOMEM;
    for (size_t k = 0; k < j->count; k++) {
        size_t from = j->records[k].source;

        if (index == from || (index == (size_t)-1 && j->sources[from].error == 0))
            values[n++] = j->records[k].value;
    }
    rc = summarize(values, n, out);
    free(values);
    return rc;
}

int async_stats(uv_loop_t *loop, const int *fds, size_t n,
                summary *per_source, summary *overall)
{
    job j = { 0 };
    int result = 0, rc = 0;

    if (n == 0)
        return overall ? summarize(NULL, 0, overall) : 0;
    if (loop == NULL || fds == NULL)
        return EINVAL;
    j.sources = calloc(n, sizeof *j.sources);
    if (j.sources == NULL)
        return ENOMEM;
    for (size_t i = 0; i < n; i++) {
        j.sources[i].job = &j;
        j.sources[i].index = i;
        open_source(loop, &j.sources[i], fds[i]);
    }
    uv_run(loop, UV_RUN_DEFAULT);

    for (size_t i = 0; i < n; i++) {
        if (result == 0)
            result = j.sources[i].error;
        if (per_source != NULL && rc == 0) {
            rc = summarize_records(&j, i, &per_source[i]);
            per_source[i].error = j.sources[i].error;
        }
        free(j.sources[i].token);
    }
    if (overall != NULL && rc == 0)
        rc = summarize_records(&j, (size_t)-1, overall);
    free(j.records);
    free(j.sources);
    return result != 0 ? result : rc;
}
