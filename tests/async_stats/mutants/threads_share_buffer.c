/*
 * MUTANT threads_share_buffer: one thread per source, as in thread_per_source, but all of them
 * read into the one shared buffer, without a lock: a data race (and
 * numbers mixed up between sources when two reads overlap).
 * Caught by: reads_on_the_calling_thread, and the race check (Helgrind).
 * Grade varies: which tests the overlapping reads spoil (reads_on_the_calling_thread fails every run)
 */
/*
 * async_stats.c - reference solution, with the one bug above.
 *
 * summarize() sorts a copy for the median and min/max, and computes the
 * standard deviation in two passes (mean first, then squared distances to
 * it), which stays accurate when the values are large and close together.
 *
 * async_stats() is an event loop in the asyncio style, with libuv: every
 * stream gets a uv_pipe_t handle and a read callback; uv_run() then waits
 * (in epoll, using no CPU) until some stream has data, calls that
 * stream's callback with what a non-blocking read got, and goes back to
 * waiting.  Everything happens on the calling thread, one callback at a
 * time, so nothing needs a lock.  A number cut in two by a read is kept in
 * the stream's token buffer until the rest arrives.  At end of file (or
 * on an error) the callback closes the handle; uv_run() returns when no
 * handle is left, and only then are the results summarized.
 */
#include "async_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
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

/* 0 when fd is a pipe or a stream socket, else its error (EPERM closes it). */
static int check_fd(int fd)
{
    uv_handle_type type = uv_guess_handle(fd);

    if (type == UV_NAMED_PIPE || type == UV_TCP)
        return 0;
    if (fd < 0 || fcntl(fd, F_GETFD) == -1)
        return EBADF;
    close(fd);
    return EPERM;
}

/* Reads fd to end of file with blocking reads, then closes it. */
static void read_source(source *src, int fd, char *buffer, size_t size)
{
    ssize_t got;

    src->error = check_fd(fd);
    if (src->error != 0)
        return;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    while ((got = read(fd, buffer, size)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            if (src->error == 0)
                src->error = errno;
            break;
        }
        consume(src, buffer, (size_t)got);
    }
    if (got == 0)
        finish_token(src);
    close(fd);
}

typedef struct job {
    reader *rd;
    source *src;
    int fd;
} job;

static void *reader_main(void *arg)
{
    job *j = arg;

    read_source(j->src, j->fd, j->rd->buffer, READ_BUFFER_SIZE);
    return NULL;
}

static void read_all(uv_loop_t *loop, reader *rd, const int *fds, size_t n)
{
    pthread_t *threads = calloc(n, sizeof *threads);
    job *jobs = calloc(n, sizeof *jobs);

    (void)loop;
    for (size_t i = 0; i < n; i++) {
        jobs[i].rd = rd;
        jobs[i].src = &rd->sources[i];
        jobs[i].fd = fds[i];
        pthread_create(&threads[i], NULL, reader_main, &jobs[i]);
    }
    for (size_t i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    free(jobs);
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

    read_all(loop, rd, fds, n);

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
