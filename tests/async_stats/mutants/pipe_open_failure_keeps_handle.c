/*
 * MUTANT pipe_open_failure_keeps_handle (a copy of the reference solution with one bug).
 *
 * When uv_pipe_open fails, start_source closes the descriptor but not the
 * handle uv_pipe_init put on the loop: it stays there after async_stats
 * returns.
 * Caught by: hidden test uv_failure_stays_with_its_stream.
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

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

int summarize(const double *values, size_t n, summary *out)
{
    double *sorted;
    double sum = 0.0, squares = 0.0, mean;

    if (!out || (!values && n > 0))
        return EINVAL;
    out->count = n;
    out->error = 0;
    out->mean = out->median = out->stdev = out->min = out->max = NAN;
    if (n == 0)
        return 0;

    sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return ENOMEM;
    memcpy(sorted, values, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_doubles);
    out->min = sorted[0];
    out->max = sorted[n - 1];
    if (n % 2 == 1)
        out->median = sorted[n / 2];
    else
        out->median = (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    free(sorted);

    for (size_t i = 0; i < n; i++)
        sum += values[i];
    mean = sum / (double)n;
    out->mean = mean;
    if (n < 2)
        return 0;
    for (size_t i = 0; i < n; i++)
        squares += (values[i] - mean) * (values[i] - mean);
    out->stdev = sqrt(squares / (double)(n - 1));
    return 0;
}

/* ------------------------------------------------------------- async_stats */

#define READ_BUFFER_SIZE 65536

struct reader;

/* One stream being read. */
typedef struct source {
    uv_pipe_t pipe;          /* the libuv handle; pipe.data points here */
    struct reader *reader;   /* the call this stream belongs to */
    int error;               /* 0, or why this stream failed */
    double *values;          /* the numbers read so far */
    size_t count, capacity;
    char *token;             /* the characters of an unfinished token */
    size_t token_len, token_cap;
} source;

/* What one async_stats() call shares between its callbacks. */
typedef struct reader {
    source *sources;
    char buffer[READ_BUFFER_SIZE];   /* every read lands here in turn */
} reader;

/* Whether text[0..len) matches [+-]?(D+(.D*)?|.D+)([eE][+-]?D+)? */
static bool matches_number(const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    size_t digits = 0;

    if (p < end && (*p == '+' || *p == '-'))
        p++;
    for (; p < end && *p >= '0' && *p <= '9'; p++)
        digits++;
    if (p < end && *p == '.')
        for (p++; p < end && *p >= '0' && *p <= '9'; p++)
            digits++;
    if (digits == 0)
        return false;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || *p < '0' || *p > '9')
            return false;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    return p == end;
}

static void add_value(source *src, double value)
{
    if (src->count == src->capacity) {
        size_t capacity = src->capacity ? 2 * src->capacity : 1024;
        double *values = realloc(src->values, capacity * sizeof *values);

        if (!values) {
            src->error = ENOMEM;
            return;
        }
        src->values = values;
        src->capacity = capacity;
    }
    src->values[src->count++] = value;
}

/* Ends the token collected so far (if any) and records its number. */
static void finish_token(source *src)
{
    double value;

    if (src->token_len == 0)
        return;
    if (src->error == 0) {
        src->token[src->token_len] = '\0';
        if (!matches_number(src->token, src->token_len)) {
            src->error = EINVAL;
        } else {
            value = strtod(src->token, NULL);
            if (!isfinite(value))
                src->error = EINVAL;     /* 1e999 overflows to inf */
            else
                add_value(src, value);
        }
    }
    src->token_len = 0;
}

/* Appends one character to the unfinished token (keeps room for a '\0'). */
static void grow_token(source *src, char c)
{
    if (src->token_len + 1 >= src->token_cap) {
        size_t cap = src->token_cap ? 2 * src->token_cap : 64;
        char *token = realloc(src->token, cap);

        if (!token) {
            src->error = ENOMEM;
            src->token_len = 0;
            return;
        }
        src->token = token;
        src->token_cap = cap;
    }
    src->token[src->token_len++] = c;
}

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');   /* \t \n \v \f \r */
}

static void consume(source *src, const char *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (is_space(bytes[i]))
            finish_token(src);
        else if (src->error == 0)
            grow_token(src, bytes[i]);
        /* after an error, the rest is read but ignored */
    }
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    source *src = handle->data;

    (void)suggested;
    /* Safe to share: libuv hands the buffer to on_read before it asks
     * for another one, and all of this runs on one thread. */
    *buf = uv_buf_init(src->reader->buffer, READ_BUFFER_SIZE);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    source *src = stream->data;

    if (nread > 0) {
        consume(src, buf->base, (size_t)nread);
        return;
    }
    if (nread == 0)                 /* nothing this time (EAGAIN) */
        return;
    if (nread == UV_EOF)
        finish_token(src);          /* the last number needs no space after it */
    else if (src->error == 0)
        src->error = (int)-nread;   /* libuv errors are negated errno values */
    /* Closing also closes the fd.  The handle is gone from the loop once
     * uv_run has run its close step, which it does before returning. */
    uv_close((uv_handle_t *)stream, NULL);
}

/*
 * Starts reading fds[i].  A descriptor that is not a pipe or a stream
 * socket must not reach uv_read_start: epoll refuses regular files and
 * libuv aborts the process when that happens.
 */
static void start_source(uv_loop_t *loop, reader *rd, size_t i, int fd)
{
    source *src = &rd->sources[i];
    uv_handle_type type = uv_guess_handle(fd);
    int rc;

    src->reader = rd;
    if (type != UV_NAMED_PIPE && type != UV_TCP) {
        if (fd < 0 || fcntl(fd, F_GETFD) == -1) {
            src->error = EBADF;
        } else {
            src->error = EPERM;
            close(fd);
        }
        return;
    }

    rc = uv_pipe_init(loop, &src->pipe, 0);
    if (rc != 0) {
        src->error = -rc;
        close(fd);
        return;
    }
    src->pipe.data = src;
    rc = uv_pipe_open(&src->pipe, fd);
    if (rc != 0) {
        src->error = -rc;
        close(fd);                  /* the handle does not own it yet */
        return;
    }
    rc = uv_read_start((uv_stream_t *)&src->pipe, on_alloc, on_read);
    if (rc != 0) {
        src->error = -rc;
        uv_close((uv_handle_t *)&src->pipe, NULL);
    }
}

/* The error of the first stream that went wrong, or 0. */
static int first_error(const reader *rd, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rd->sources[i].error != 0)
            return rd->sources[i].error;
    return 0;
}

/* Fills per_source and *overall (either may be NULL) from what was read. */
static int report(const reader *rd, size_t n, summary *per_source,
                  summary *overall)
{
    double *all;
    size_t total = 0;
    int rc;

    for (size_t i = 0; i < n; i++) {
        const source *src = &rd->sources[i];

        if (per_source) {
            rc = summarize(src->values, src->count, &per_source[i]);
            if (rc != 0)
                return rc;
            per_source[i].error = src->error;
        }
        if (src->error == 0)
            total += src->count;
    }
    if (!overall)
        return 0;

    all = malloc((total > 0 ? total : 1) * sizeof *all);
    if (!all)
        return ENOMEM;
    total = 0;
    for (size_t i = 0; i < n; i++) {
        const source *src = &rd->sources[i];

        if (src->error == 0 && src->count > 0) {
            memcpy(all + total, src->values, src->count * sizeof *all);
            total += src->count;
        }
    }
    rc = summarize(all, total, overall);
    free(all);
    return rc;
}

int async_stats(uv_loop_t *loop, const int *fds, size_t n,
                summary *per_source, summary *overall)
{
    reader *rd;
    int result, rc;

    if (n == 0)
        return overall ? summarize(NULL, 0, overall) : 0;
    if (!loop || !fds)
        return EINVAL;
    rd = calloc(1, sizeof *rd);
    if (!rd)
        return ENOMEM;
    rd->sources = calloc(n, sizeof *rd->sources);
    if (!rd->sources) {
        free(rd);
        return ENOMEM;
    }

    for (size_t i = 0; i < n; i++)
        start_source(loop, rd, i, fds[i]);
    /* Waits for data and calls on_read until every handle is closed. */
    uv_run(loop, UV_RUN_DEFAULT);

    result = first_error(rd, n);
    rc = report(rd, n, per_source, overall);
    if (result == 0)
        result = rc;

    for (size_t i = 0; i < n; i++) {
        free(rd->sources[i].values);
        free(rd->sources[i].token);
    }
    free(rd->sources);
    free(rd);
    return result;
}
