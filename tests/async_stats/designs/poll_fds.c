/*
 * poll_fds.c - an alternative correct design of async_stats.
 *
 * Design: no libuv stream at all.  Each descriptor is made non-blocking
 * and watched with a uv_poll_t; when it is readable, the callback read()s
 * it once and feeds the bytes to a per-stream state machine that checks
 * the number grammar character by character.  At end of file the handle
 * is closed and its close callback closes the descriptor.  summarize()
 * uses Welford's one-pass mean and variance, and quickselect on a copy
 * for the median.
 * Primitives: uv_poll_init / uv_poll_start / uv_close, read, fcntl,
 * close; one uv_run on the calling thread.
 */
#include "async_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- summarize */

static void swap(double *a, double *b)
{
    double t = *a;

    *a = *b;
    *b = t;
}

/*
 * The k-th smallest of v[0..n) (v is reordered so that v[0..k) are no
 * larger); quickselect with a random pivot and a three-way partition, so
 * that many equal values (a stream of 1s and 2s) stay linear.
 */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n;          /* the k-th is in v[lo..hi) */
    uint64_t seed = 0x9e3779b97f4a7c15u;

    while (hi - lo > 1) {
        size_t lt = lo, i = lo, gt = hi;    /* < pivot | == pivot | ? | > pivot */
        double pivot;

        seed = seed * 6364136223846793005u + 1442695040888963407u;
        pivot = v[lo + (size_t)(seed >> 33) % (hi - lo)];
        while (i < gt) {
            if (v[i] < pivot)
                swap(&v[i++], &v[lt++]);
            else if (v[i] > pivot)
                swap(&v[i], &v[--gt]);
            else
                i++;
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return pivot;
    }
    return v[k];
}

/* Median of values[0..n), n > 0, from a copy. */
static int median_of(const double *values, size_t n, double *median)
{
    double *copy = malloc(n * sizeof *copy);
    double upper, lower;

    if (copy == NULL)
        return ENOMEM;
    memcpy(copy, values, n * sizeof *copy);
    upper = select_kth(copy, n, n / 2);
    if (n % 2 == 1) {
        *median = upper;
    } else {
        lower = copy[0];                    /* the largest of the lower half */
        for (size_t i = 1; i < n / 2; i++)
            lower = fmax(lower, copy[i]);
        *median = lower + (upper - lower) / 2;
    }
    free(copy);
    return 0;
}

int summarize(const double *values, size_t n, summary *out)
{
    double mean = 0, m2 = 0;

    if (out == NULL || (values == NULL && n > 0))
        return EINVAL;
    *out = (summary){ .count = n, .mean = NAN, .median = NAN, .stdev = NAN,
                      .min = NAN, .max = NAN };
    if (n == 0)
        return 0;
    out->min = out->max = values[0];
    for (size_t i = 0; i < n; i++) {          /* Welford */
        double delta = values[i] - mean;

        mean += delta / (double)(i + 1);
        m2 += delta * (values[i] - mean);
        out->min = fmin(out->min, values[i]);
        out->max = fmax(out->max, values[i]);
    }
    out->mean = mean;
    if (n > 1)
        out->stdev = sqrt(m2 / (double)(n - 1));
    return median_of(values, n, &out->median);
}

/* ------------------------------------------------------------- the grammar */

/* Where a token is in [+-]?(D+(.D*)?|.D+)([eE][+-]?D+)? */
typedef enum {
    AT_START, AFTER_SIGN, IN_INT, AFTER_DOT_NO_INT, IN_FRAC,
    AFTER_E, AFTER_E_SIGN, IN_EXP, NOT_A_NUMBER
} where;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static where step(where w, char c)
{
    switch (w) {
    case AT_START:
        if (c == '+' || c == '-')
            return AFTER_SIGN;
        /* fall through */
    case AFTER_SIGN:
        return is_digit(c) ? IN_INT : c == '.' ? AFTER_DOT_NO_INT : NOT_A_NUMBER;
    case IN_INT:
        return is_digit(c) ? IN_INT : c == '.' ? IN_FRAC
             : (c == 'e' || c == 'E') ? AFTER_E : NOT_A_NUMBER;
    case AFTER_DOT_NO_INT:
        return is_digit(c) ? IN_FRAC : NOT_A_NUMBER;
    case IN_FRAC:
        return is_digit(c) ? IN_FRAC : (c == 'e' || c == 'E') ? AFTER_E : NOT_A_NUMBER;
    case AFTER_E:
        if (c == '+' || c == '-')
            return AFTER_E_SIGN;
        /* fall through */
    case AFTER_E_SIGN:
    case IN_EXP:
        return is_digit(c) ? IN_EXP : NOT_A_NUMBER;
    default:
        return NOT_A_NUMBER;
    }
}

static bool accepting(where w)
{
    return w == IN_INT || w == IN_FRAC || w == IN_EXP;
}

/* ----------------------------------------------------------------- streams */

typedef struct stream {
    uv_poll_t poll;
    int fd;
    int error;
    where state;
    char *text;                 /* the current token, '\0'-terminated */
    size_t len, cap;
    double *values;
    size_t count, room;
} stream;

typedef struct session {
    stream *streams;
    char chunk[1 << 16];
} session;

static bool push_char(stream *s, char c)
{
    if (s->len + 2 > s->cap) {
        size_t cap = s->cap < 32 ? 32 : 2 * s->cap;
        char *text = realloc(s->text, cap);

        if (text == NULL)
            return false;
        s->text = text;
        s->cap = cap;
    }
    s->text[s->len++] = c;
    return true;
}

static bool push_value(stream *s, double v)
{
    if (s->count == s->room) {
        size_t room = s->room < 256 ? 256 : 2 * s->room;
        double *values = realloc(s->values, room * sizeof *values);

        if (values == NULL)
            return false;
        s->values = values;
        s->room = room;
    }
    s->values[s->count++] = v;
    return true;
}

/* The token ends: a number is kept, anything else marks the stream bad. */
static void end_token(stream *s)
{
    double v;

    if (s->state == AT_START)
        return;
    if (s->error == 0) {
        if (!accepting(s->state)) {
            s->error = EINVAL;
        } else {
            s->text[s->len] = '\0';
            v = strtod(s->text, NULL);
            if (!isfinite(v))
                s->error = EINVAL;
            else if (!push_value(s, v))
                s->error = ENOMEM;
        }
    }
    s->state = AT_START;
    s->len = 0;
}

static void feed(stream *s, const char *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = bytes[i];

        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            end_token(s);
        } else if (s->error == 0) {
            s->state = step(s->state, c);
            if (!push_char(s, c))
                s->error = ENOMEM;
        } else {
            s->state = NOT_A_NUMBER;    /* ignored until end of file */
        }
    }
}

static void on_closed(uv_handle_t *handle)
{
    stream *s = handle->data;

    close(s->fd);
}

static void finish(stream *s)
{
    uv_close((uv_handle_t *)&s->poll, on_closed);
}

static void on_readable(uv_poll_t *poll, int status, int events)
{
    stream *s = poll->data;
    session *ses = poll->loop->data;
    ssize_t got;

    (void)events;
    if (status < 0) {
        if (s->error == 0)
            s->error = -status;
        finish(s);
        return;
    }
    got = read(s->fd, ses->chunk, sizeof ses->chunk);
    if (got > 0) {
        feed(s, ses->chunk, (size_t)got);
    } else if (got == 0) {
        end_token(s);
        finish(s);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        if (s->error == 0)
            s->error = errno;
        finish(s);
    }
}

/* Starts watching fds[i], or records why it cannot be read. */
static void watch(uv_loop_t *loop, stream *s, int fd)
{
    uv_handle_type type = uv_guess_handle(fd);
    int flags, rc;

    s->fd = fd;
    if (fd < 0 || fcntl(fd, F_GETFD) == -1) {
        s->error = EBADF;
        return;
    }
    if (type != UV_NAMED_PIPE && type != UV_TCP) {
        s->error = EPERM;               /* epoll cannot watch it */
        close(fd);
        return;
    }
    flags = fcntl(fd, F_GETFL);
    if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
        s->error = errno;
        close(fd);
        return;
    }
    rc = uv_poll_init(loop, &s->poll, fd);
    if (rc != 0) {
        s->error = -rc;
        close(fd);
        return;
    }
    s->poll.data = s;
    rc = uv_poll_start(&s->poll, UV_READABLE, on_readable);
    if (rc != 0) {
        s->error = -rc;
        finish(s);
    }
}

/* Fills per_source and overall from the streams; 0 or ENOMEM. */
static int results(stream *streams, size_t n, summary *per_source, summary *overall)
{
    size_t total = 0, at = 0;
    double *all;
    int rc;

    for (size_t i = 0; i < n; i++) {
        if (per_source != NULL) {
            rc = summarize(streams[i].values, streams[i].count, &per_source[i]);
            if (rc != 0)
                return rc;
            per_source[i].error = streams[i].error;
        }
        if (streams[i].error == 0)
            total += streams[i].count;
    }
    if (overall == NULL)
        return 0;
    all = malloc((total ? total : 1) * sizeof *all);
    if (all == NULL)
        return ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (streams[i].error == 0 && streams[i].count > 0) {
            memcpy(all + at, streams[i].values, streams[i].count * sizeof *all);
            at += streams[i].count;
        }
    rc = summarize(all, total, overall);
    free(all);
    return rc;
}

int async_stats(uv_loop_t *loop, const int *fds, size_t n,
                summary *per_source, summary *overall)
{
    session *ses;
    void *saved;
    int first = 0, rc;

    if (n == 0)
        return overall != NULL ? summarize(NULL, 0, overall) : 0;
    if (loop == NULL || fds == NULL)
        return EINVAL;
    ses = malloc(sizeof *ses);
    if (ses == NULL)
        return ENOMEM;
    ses->streams = calloc(n, sizeof *ses->streams);
    if (ses->streams == NULL) {
        free(ses);
        return ENOMEM;
    }
    saved = loop->data;
    loop->data = ses;
    for (size_t i = 0; i < n; i++)
        watch(loop, &ses->streams[i], fds[i]);
    uv_run(loop, UV_RUN_DEFAULT);
    loop->data = saved;

    for (size_t i = 0; i < n && first == 0; i++)
        first = ses->streams[i].error;
    rc = results(ses->streams, n, per_source, overall);
    for (size_t i = 0; i < n; i++) {
        free(ses->streams[i].text);
        free(ses->streams[i].values);
    }
    free(ses->streams);
    free(ses);
    return first != 0 ? first : rc;
}
