/*
 * hidden_tests.c - the grader's tests for async_stats.
 *
 * The tests run under the controlled scheduler (manifest `schedules`,
 * docs/scheduler.md), in virtual time, with libuv linked statically so
 * that its epoll waits and clocks are the scheduler's too.  One thread
 * runs at a time; a thread that waits (in epoll_wait, a sleep, a blocking
 * read or write of a pipe) lets the others run, and the clock moves only
 * when every thread waits.  So a writer's delay is exact and costs no
 * real time, an event loop that waits for data takes no virtual time to
 * read it, and a loop that polls is the scheduler's busy-wait verdict.
 *
 * The streams are pipes and a socketpair fed by writer threads of the
 * test itself.  To control where reads end, a writer can wait after each
 * write until the reader has taken every byte ("drain": FIONREAD on a
 * pipe's write end, SIOCOUTQ on a socket); so a text written one byte at
 * a time with drains arrives one byte per read, on every run.  Every wait
 * has a limit in virtual time, so a wrong solution fails, never hangs.
 *
 * Where several sources have data at once, the student's own read()s (not
 * libuv's) pause OVERLAP units after they got bytes (rc_slow_reads): code
 * that reads on one thread per source into ONE shared buffer then has the
 * bytes of every read but the last overwritten before it parses them, on
 * every run, instead of when two reads happen to meet.  Each such test is
 * written so that this fails it whichever read comes last (texts that
 * differ from their first byte, a good source longer than the bad ones).
 * The tests that time the reading, or read a great many chunks, feed their
 * sources so that reads never meet on one buffer in a way that changes
 * the verdict (pieces far apart in time, tokens of one width).
 */
#define _GNU_SOURCE
#include "async_stats.h"
#include "racecourse_test.h"
#include "fault_inject.h"
#include "rc_sched.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <semaphore.h>
#include <sys/socket.h>
#include <unistd.h>

RC_SUITE(async_stats);

/*
 * Two instants of virtual time are the same when they differ by less than
 * this (seconds): a writer that waits for its bytes to be read looks again
 * after 1 ns, 2 ns, 4 ns ... (wait_drained), a few ns in all when the
 * reader takes them at once.
 */
#define EXACT 1e-6

/* ------------------------------------------------------------------ helpers */

/* Whether a and b agree to about 9 significant digits (NaN matches NaN). */
static bool near(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* Mean of values[0..n), computed apart from the code under test. */
static double mean_of(const double *values, size_t n)
{
    long double sum = 0;

    for (size_t i = 0; i < n; i++)
        sum += values[i];
    return (double)(sum / n);
}

/* Sample standard deviation, computed apart from the code under test. */
static double stdev_of(const double *values, size_t n)
{
    long double mean = 0, squares = 0;

    for (size_t i = 0; i < n; i++)
        mean += values[i];
    mean /= n;
    for (size_t i = 0; i < n; i++)
        squares += (values[i] - mean) * (values[i] - mean);
    return sqrt((double)(squares / (n - 1)));
}

static double min_of(const double *values, size_t n)
{
    double m = values[0];

    for (size_t i = 1; i < n; i++)
        m = fmin(m, values[i]);
    return m;
}

static double max_of(const double *values, size_t n)
{
    double m = values[0];

    for (size_t i = 1; i < n; i++)
        m = fmax(m, values[i]);
    return m;
}

/*
 * Checks that a stream's summary describes want[0..n).  count, mean, min
 * and max are checked against values computed here; median and stdev
 * against the student's own summarize() of the same numbers, so that a
 * summarize() bug does not fail the stream tests a second time.
 */
static void check_summary(const summary *got, const double *want, size_t n,
                          const char *what)
{
    summary ref;

    cr_assert_eq(got->error, 0, "%s: error is %d, expected 0 (the stream was fine)",
                 what, got->error);
    cr_assert_eq(got->count, n, "%s: count is %zu, expected %zu numbers",
                 what, got->count, n);
    if (n == 0) {
        cr_assert(isnan(got->mean) && isnan(got->min) && isnan(got->max),
                  "%s: no numbers, so mean, min and max must be NAN (got %g, %g, %g)",
                  what, got->mean, got->min, got->max);
        return;
    }
    cr_assert(near(got->mean, mean_of(want, n)), "%s: mean is %.17g, expected %.17g",
              what, got->mean, mean_of(want, n));
    cr_assert(got->min == min_of(want, n), "%s: min is %.17g, expected %.17g",
              what, got->min, min_of(want, n));
    cr_assert(got->max == max_of(want, n), "%s: max is %.17g, expected %.17g",
              what, got->max, max_of(want, n));
    if (summarize(want, n, &ref) == 0) {
        cr_assert(near(got->median, ref.median),
                  "%s: median is %.17g, but summarize() of the same numbers says %.17g",
                  what, got->median, ref.median);
        cr_assert(near(got->stdev, ref.stdev),
                  "%s: stdev is %.17g, but summarize() of the same numbers says %.17g",
                  what, got->stdev, ref.stdev);
    }
}

/* A summary full of garbage, to see which fields the call filled in. */
static summary poisoned(void)
{
    summary s;

    memset(&s, 0x5a, sizeof s);
    s.error = -12345;
    return s;
}

/* A pipe or a socketpair: fds[0] is read by async_stats, fds[1] written. */
static void open_stream(int fds[2], bool socket)
{
    signal(SIGPIPE, SIG_IGN);   /* a writer whose reader went away gets EPIPE */
    if (socket)
        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0, "socketpair failed (test setup)");
    else
        cr_assert_eq(pipe(fds), 0, "pipe failed (test setup)");
}

static bool fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

/* One writer thread, feeding one stream. */
typedef struct feed {
    int fd;                 /* write end; the writer closes it at the end */
    bool socket;            /* fd is a socket (else a pipe) */
    const char *text;       /* what to send */
    size_t len;
    size_t chunk;           /* bytes per write; 0: all in one go */
    double delay;           /* seconds to sleep before each write */
    bool drain;             /* after each write, wait until it was all read */
    struct feed *after;     /* wait for this feed to finish before the
                               second half of the text (NULL: no wait) */
    double give_up_cpu;     /* rc_process_cpu() (real CPU seconds, not
                               virtual) after which the writer stops early
                               and closes its end (0: never) */
    /* set by the writer */
    pthread_t thread;
    int write_error;        /* errno of a failed write, or 0 */
    bool drain_timed_out;   /* the reader did not take a write in time */
    bool after_timed_out;   /* the `after` feed did not finish in time */
    bool gave_up;           /* the writer stopped at give_up_cpu */
    sem_t closed;           /* posted once the writer has closed its end */
} feed;

/*
 * How long a writer that waits for each write to be read (feed.drain)
 * waits at most, in virtual time.  A file that reads the sources one
 * after another finishes the other source first, one byte per read, each
 * read paused a unit (47 units in numbers_split_across_reads): it passes
 * there, and the tests that time the reading catch it.
 */
#define DRAIN_LIMIT_UNITS 200

/* How long a writer waits for its `after` feed to finish (virtual time). */
#define AFTER_LIMIT_UNITS 25

/*
 * Waits (up to `limit` seconds of virtual time) until the reader took
 * every byte.  The kernel says how many bytes are left but cannot wait
 * for none, so the writer looks again after sleeps of 1 ns, 2 ns, 4 ns
 * ... up to a unit: a reader that reads at once (an event loop woken by
 * the write) costs a few ns, one that comes late is seen within a unit.
 */
static bool wait_drained(const feed *f, double limit)
{
    double deadline = rc_now() + limit, pause = 1e-9;
    int left;

    for (;;) {
        if (ioctl(f->fd, f->socket ? SIOCOUTQ : FIONREAD, &left) != 0 || left == 0)
            return true;
        if (rc_now() > deadline)
            return false;
        rc_sleep(pause);
        pause = fmin(2 * pause, rc_unit());
    }
}

/* Waits (up to AFTER_LIMIT_UNITS) until feed `other` has closed its end. */
static bool wait_closed(feed *other)
{
    if (!rc_sem_wait_for(&other->closed, AFTER_LIMIT_UNITS * rc_unit()))
        return false;
    sem_post(&other->closed);
    return true;
}

static bool send_all(feed *f, const char *bytes, size_t len)
{
    while (len > 0) {
        ssize_t sent = write(f->fd, bytes, len);

        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0) {
            f->write_error = errno;
            return false;
        }
        bytes += sent;
        len -= (size_t)sent;
    }
    return true;
}

static void *feed_main(void *arg)
{
    feed *f = arg;
    size_t chunk = f->chunk ? f->chunk : (f->len ? f->len : 1);
    size_t half = f->len / 2;

    for (size_t off = 0; off < f->len;) {
        size_t part = f->len - off < chunk ? f->len - off : chunk;

        if (f->after && off <= half && off + part > half) {
            /* send up to the middle, then wait for the other feed */
            if (!send_all(f, f->text + off, half - off))
                break;
            part -= half - off;
            off = half;
            f->after_timed_out = !wait_closed(f->after);
        }
        rc_sleep(f->delay);
        if (f->give_up_cpu > 0 && rc_process_cpu() > f->give_up_cpu) {
            f->gave_up = true;
            break;
        }
        if (!send_all(f, f->text + off, part))
            break;
        off += part;
        if (f->drain && !wait_drained(f, DRAIN_LIMIT_UNITS * rc_unit()))
            f->drain_timed_out = true;
    }
    close(f->fd);
    sem_post(&f->closed);
    return NULL;
}

/* Opens a stream for a feed of `text`; returns the end to read. */
static int feed_open(feed *f, bool socket, const char *text)
{
    int fds[2];

    memset(f, 0, sizeof *f);
    sem_init(&f->closed, 0, 0);
    open_stream(fds, socket);
    f->fd = fds[1];
    f->socket = socket;
    f->text = text;
    f->len = strlen(text);
    return fds[0];
}

static void feed_start(feed *f)
{
    cr_assert_eq(pthread_create(&f->thread, NULL, feed_main, f), 0,
                 "pthread_create failed (test setup)");
}

/*
 * Joins the writers.  A read end the code under test left open is closed
 * first, so that a writer blocked on a full pipe gets EPIPE and ends.
 */
static void feeds_finish(feed *feeds, const int *read_fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (read_fds[i] >= 0 && fd_is_open(read_fds[i]))
            close(read_fds[i]);
    for (size_t i = 0; i < n; i++)
        pthread_join(feeds[i].thread, NULL);
}

/* Runs async_stats on a fresh loop; returns its result. */
static int run_stats(const int *fds, size_t n, summary *per, summary *all)
{
    uv_loop_t loop;
    int rc;

    cr_assert_eq(uv_loop_init(&loop), 0, "uv_loop_init failed (test setup)");
    rc = async_stats(&loop, fds, n, per, all);
    uv_loop_close(&loop);
    return rc;
}

#define MAX_FEEDS 32

/* Units that the student's reads pause where sources have data at once. */
#define OVERLAP 5

/* Makes reads overlap (see the top of the file); 0 units: no more. */
static void overlap_reads(double units)
{
    rc_slow_reads(units * rc_unit());
}

/*
 * The common case: sources[i] is fed by a writer (socket or pipe, whole
 * text at once), async_stats reads them all; its result is returned.
 */
static int stats_of_texts(const char *const *texts, const bool *sockets, size_t n,
                          summary *per, summary *all)
{
    static feed feeds[MAX_FEEDS];
    int fds[MAX_FEEDS];
    int rc;

    for (size_t i = 0; i < n; i++) {
        fds[i] = feed_open(&feeds[i], sockets && sockets[i], texts[i]);
        feed_start(&feeds[i]);
    }
    overlap_reads(OVERLAP);
    rc = run_stats(fds, n, per, all);
    overlap_reads(0);
    cr_assert_neq(rc, ENOSYS, "async_stats returned ENOSYS: it is not written yet");
    feeds_finish(feeds, fds, n);
    return rc;
}

/* ---------------------------------------------------------------- summarize */

RC_TEST(async_stats, summarize_count_mean_min_max)
{
    const double values[] = { 3, -1.5, 10, 4.25, 0 };
    summary s = poisoned();
    int rc = summarize(values, 5, &s);

    cr_assert_eq(rc, 0, "summarize returned %d, expected 0", rc);
    cr_assert_eq(s.count, 5, "count is %zu, expected 5", s.count);
    cr_assert(near(s.mean, 3.15), "mean of {3, -1.5, 10, 4.25, 0} is %.17g, expected 3.15", s.mean);
    cr_assert_eq(s.min, -1.5, "min of {3, -1.5, 10, 4.25, 0} is %g, expected -1.5", s.min);
    cr_assert_eq(s.max, 10.0, "max of {3, -1.5, 10, 4.25, 0} is %g, expected 10", s.max);
    cr_assert_eq(s.error, 0, "summarize must set error to 0, it is %d", s.error);
}

RC_TEST(async_stats, summarize_odd_median)
{
    const double a[] = { 9, 1, 3, 7, 5 };
    const double b[] = { 10, -2, 4 };
    const double c[] = { 2, 2, 1, 8, 2, 0, 5 };
    summary s = poisoned();

    cr_assert_eq(summarize(a, 5, &s), 0, "summarize returned an error");
    cr_assert_eq(s.median, 5.0, "median of {9, 1, 3, 7, 5} is %g, expected 5 (the middle value once sorted)", s.median);
    cr_assert_eq(summarize(b, 3, &s), 0, "summarize returned an error");
    cr_assert_eq(s.median, 4.0, "median of {10, -2, 4} is %g, expected 4 (the middle value once sorted)", s.median);
    cr_assert_eq(summarize(c, 7, &s), 0, "summarize returned an error");
    cr_assert_eq(s.median, 2.0, "median of {2, 2, 1, 8, 2, 0, 5} is %g, expected 2", s.median);
}

RC_TEST(async_stats, summarize_even_median)
{
    const double a[] = { 8, 2, 6, 4 };
    const double b[] = { 1, 100 };
    const double c[] = { 3, 10, 3, 1 };
    const double d[] = { -7, 11, 0.5, 2, 30, -1 };
    summary s = poisoned();

    cr_assert_eq(summarize(a, 4, &s), 0, "summarize returned an error");
    cr_assert_eq(s.median, 5.0, "median of {8, 2, 6, 4} is %g, expected 5 (mean of the two middle values 4 and 6)", s.median);
    cr_assert_eq(summarize(b, 2, &s), 0, "summarize returned an error");
    cr_assert_eq(s.median, 50.5, "median of {1, 100} is %g, expected 50.5", s.median);
    cr_assert_eq(summarize(c, 4, &s), 0, "summarize returned an error");
    cr_assert_eq(s.median, 3.0, "median of {3, 10, 3, 1} is %g, expected 3", s.median);
    cr_assert_eq(summarize(d, 6, &s), 0, "summarize returned an error");
    cr_assert_eq(s.median, 1.25, "median of {-7, 11, 0.5, 2, 30, -1} is %g, expected 1.25 (mean of 0.5 and 2)", s.median);
}

RC_TEST(async_stats, summarize_sample_stdev)
{
    const double a[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
    const double b[] = { -3.5, 12, 0.25, 7, -8, 1e-3 };
    const double c[] = { 1, 2 };
    double d[101];
    summary s = poisoned();

    for (int i = 0; i < 101; i++)
        d[i] = (i * 37 % 101) * 0.75 - 20;
    cr_assert_eq(summarize(a, 8, &s), 0, "summarize returned an error");
    cr_assert(near(s.stdev, sqrt(32.0 / 7)),
              "stdev of {2, 4, 4, 4, 5, 5, 7, 9} is %.17g, expected %.17g = sqrt(32 / 7): "
              "the SAMPLE standard deviation divides by n - 1 (2 would be the population one)",
              s.stdev, sqrt(32.0 / 7));
    cr_assert_eq(summarize(b, 6, &s), 0, "summarize returned an error");
    cr_assert(near(s.stdev, stdev_of(b, 6)), "stdev of {-3.5, 12, 0.25, 7, -8, 1e-3} is %.17g, expected %.17g",
              s.stdev, stdev_of(b, 6));
    cr_assert_eq(summarize(c, 2, &s), 0, "summarize returned an error");
    cr_assert(near(s.stdev, sqrt(0.5)), "stdev of {1, 2} is %.17g, expected %.17g", s.stdev, sqrt(0.5));
    cr_assert_eq(summarize(d, 101, &s), 0, "summarize returned an error");
    cr_assert(near(s.stdev, stdev_of(d, 101)), "stdev of 101 values is %.17g, expected %.17g",
              s.stdev, stdev_of(d, 101));
    cr_assert(near(s.mean, mean_of(d, 101)), "mean of 101 values is %.17g, expected %.17g",
              s.mean, mean_of(d, 101));
}

RC_TEST(async_stats, summarize_empty_input)
{
    const double unused[] = { 1, 2, 3 };
    summary s = poisoned();
    int rc = summarize(NULL, 0, &s);

    cr_assert_eq(rc, 0, "summarize(NULL, 0, &s) returned %d, expected 0 (no values is fine)", rc);
    cr_assert_eq(s.count, 0, "count is %zu, expected 0", s.count);
    cr_assert(isnan(s.mean) && isnan(s.median) && isnan(s.stdev) && isnan(s.min) && isnan(s.max),
              "with no values, mean, median, stdev, min and max must all be NAN "
              "(got %g, %g, %g, %g, %g)", s.mean, s.median, s.stdev, s.min, s.max);
    cr_assert_eq(s.error, 0, "error is %d, expected 0", s.error);
    s = poisoned();
    cr_assert_eq(summarize(unused, 0, &s), 0, "summarize(values, 0, &s) must return 0");
    cr_assert(s.count == 0 && isnan(s.mean) && isnan(s.median),
              "summarize(values, 0, &s) must give count 0 and NAN mean and median");
}

RC_TEST(async_stats, summarize_one_value)
{
    const double v[] = { 42.5 };
    summary s = poisoned();
    int rc = summarize(v, 1, &s);

    cr_assert_eq(rc, 0, "summarize returned %d, expected 0", rc);
    cr_assert_eq(s.count, 1, "count is %zu, expected 1", s.count);
    cr_assert(s.mean == 42.5 && s.median == 42.5 && s.min == 42.5 && s.max == 42.5,
              "one value 42.5: mean, median, min and max must all be 42.5 (got %g, %g, %g, %g)",
              s.mean, s.median, s.min, s.max);
    cr_assert(isnan(s.stdev), "one value: stdev must be NAN (the sample standard deviation "
              "needs two values), got %g", s.stdev);
}

RC_TEST(async_stats, summarize_leaves_values_unmodified)
{
    double values[] = { 5, -1, 9, 3, 3, 12, 0, -7, 8 };
    double copy[sizeof values / sizeof values[0]];
    size_t n = sizeof values / sizeof values[0];
    summary s = poisoned();

    memcpy(copy, values, sizeof values);
    cr_assert_eq(summarize(values, n, &s), 0, "summarize returned an error");
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(values[i], copy[i],
                     "summarize changed values[%zu] from %g to %g: values is const, "
                     "sort a copy to find the median", i, copy[i], values[i]);
    cr_assert_eq(s.median, 3.0, "median is %g, expected 3", s.median);
}

RC_TEST(async_stats, summarize_accurate_for_large_offset)
{
    const double a[] = { 1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16 };
    double b[1000], noise[1000];
    summary s = poisoned();

    cr_assert_eq(summarize(a, 4, &s), 0, "summarize returned an error");
    cr_assert(fabs(s.stdev - sqrt(30.0)) < 1e-6,
              "stdev of {1e9+4, 1e9+7, 1e9+13, 1e9+16} is %.17g, expected sqrt(30) = %.17g: "
              "the sum-of-squares formula loses every digit here, use two passes or Welford",
              s.stdev, sqrt(30.0));
    cr_assert(fabs(s.mean - (1e9 + 10)) < 1e-6, "mean is %.17g, expected 1000000010", s.mean);

    /* 1e9 plus noise in multiples of 1/64: every value is exact */
    for (int i = 0; i < 1000; i++) {
        noise[i] = ((i * 7919) % 1001 - 500) / 64.0;
        b[i] = 1e9 + noise[i];
    }
    cr_assert_eq(summarize(b, 1000, &s), 0, "summarize returned an error");
    cr_assert(fabs(s.stdev - stdev_of(noise, 1000)) < 1e-6 * stdev_of(noise, 1000),
              "stdev of 1000 values 1e9 + noise is %.17g, expected %.17g (the stdev of the noise): "
              "the sum-of-squares formula loses every digit here, use two passes or Welford",
              s.stdev, stdev_of(noise, 1000));
}

RC_TEST(async_stats, summarize_rejects_null)
{
    const double v[] = { 1, 2 };
    summary s = poisoned();
    int rc;

    rc = summarize(v, 2, NULL);
    cr_assert_eq(rc, EINVAL, "summarize(values, 2, NULL) returned %d, expected EINVAL (%d)", rc, EINVAL);
    rc = summarize(NULL, 2, &s);
    cr_assert_eq(rc, EINVAL, "summarize(NULL, 2, &s) returned %d, expected EINVAL (%d)", rc, EINVAL);
}

/* -------------------------------------------------------------- async_stats */

RC_TEST(async_stats, one_pipe_with_whitespace)
{
    const char *texts[] = { "  1\t2\n\n3 \r\n4.5 -2\f10\v " };
    const double want[] = { 1, 2, 3, 4.5, -2, 10 };
    summary per[1] = { poisoned() }, all = poisoned();
    int rc = stats_of_texts(texts, NULL, 1, per, &all);

    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0", rc);
    check_summary(&per[0], want, 6, "per_source[0]");
    check_summary(&all, want, 6, "overall");
}

RC_TEST(async_stats, overall_combines_sources)
{
    const char *texts[] = { "5 1 9\n", "2.5 100\n", "-4 0 0 7\n", " 3 " };
    const bool sockets[] = { false, true, false, true };
    const double want0[] = { 5, 1, 9 }, want1[] = { 2.5, 100 }, want2[] = { -4, 0, 0, 7 }, want3[] = { 3 };
    const double all_want[] = { 5, 1, 9, 2.5, 100, -4, 0, 0, 7, 3 };
    summary per[4], all = poisoned();
    int rc;

    for (int i = 0; i < 4; i++)
        per[i] = poisoned();
    rc = stats_of_texts(texts, sockets, 4, per, &all);
    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0", rc);
    check_summary(&per[0], want0, 3, "per_source[0] (pipe)");
    check_summary(&per[1], want1, 2, "per_source[1] (socket)");
    check_summary(&per[2], want2, 4, "per_source[2] (pipe)");
    check_summary(&per[3], want3, 1, "per_source[3] (socket)");
    check_summary(&all, all_want, 10, "overall (all four sources together)");
}

/*
 * Feeds two texts one byte per read, on a pipe and on a socket.  Reads
 * pause a unit: the two sources are read at the same time, byte after
 * byte, and their bytes differ.
 */
RC_TEST(async_stats, numbers_split_across_reads)
{
    static const char *const texts[2] = {
        "12.5 -3e2 +.25\n1000000 6.02E+23\t-0.001 77 8.\n",
        "-7.75 4e1\n+.5 2000000\t1.5E+2 -0.003 99 6.\n",
    };
    static const double want[2][8] = {
        { 12.5, -3e2, .25, 1000000, 6.02E+23, -0.001, 77, 8 },
        { -7.75, 4e1, .5, 2000000, 1.5E+2, -0.003, 99, 6 },
    };
    static feed feeds[2];
    int fds[2];
    summary per[2] = { poisoned(), poisoned() }, all = poisoned();
    int rc;

    for (int i = 0; i < 2; i++) {
        fds[i] = feed_open(&feeds[i], i == 1, texts[i]);
        feeds[i].chunk = 1;
        feeds[i].drain = true;
        feed_start(&feeds[i]);
    }
    overlap_reads(1);
    rc = run_stats(fds, 2, per, &all);
    overlap_reads(0);
    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0: the two streams hold 8 good numbers, "
                 "sent one byte per read; a number cut by a read must be kept until its end arrives "
                 "(parsed alone, pieces such as . or 6.02E are bad tokens)", rc);
    feeds_finish(feeds, fds, 2);
    cr_assert(!feeds[0].drain_timed_out && !feeds[1].drain_timed_out,
              "the writers sent one byte at a time and waited for each to be read, "
              "but async_stats did not read them");
    cr_assert_eq(per[0].count, 8,
                 "the pipe sent 8 numbers one byte per read and per_source[0].count is %zu: "
                 "a number cut by a read must be kept until its end arrives, not parsed as two",
                 per[0].count);
    cr_assert_eq(per[1].count, 8,
                 "the socket sent 8 numbers one byte per read and per_source[1].count is %zu: "
                 "a number cut by a read must be kept until its end arrives, not parsed as two",
                 per[1].count);
    check_summary(&per[0], want[0], 8, "per_source[0] (pipe, one byte per read)");
    check_summary(&per[1], want[1], 8, "per_source[1] (socket, one byte per read)");
}

/* Reads cut the text at random places (chunks of 1 to 9 bytes). */
RC_TEST(async_stats, numbers_split_in_chunks)
{
    enum { COUNT = 300 };
    static char text[COUNT * 16];
    static double want[COUNT];
    static feed f;
    int fd;
    size_t len = 0;
    summary per[1] = { poisoned() };
    int rc;

    for (int i = 0; i < COUNT; i++) {
        want[i] = ((i * 7907) % 20011 - 10000) / 16.0;
        len += (size_t)sprintf(text + len, "%.4f%s", want[i], i % 3 ? " " : "\n");
    }
    fd = feed_open(&f, false, text);
    f.chunk = 7;     /* 7 and the 10-ish character numbers share no period */
    f.drain = true;
    feed_start(&f);
    rc = run_stats(&fd, 1, per, NULL);
    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0: the stream holds 300 good numbers, "
                 "sent 7 bytes per read; a number cut by a read must be kept until its end arrives", rc);
    feeds_finish(&f, &fd, 1);
    check_summary(&per[0], want, COUNT, "per_source[0] (300 numbers sent 7 bytes per read)");
}

/*
 * Source 0 sends half its numbers, then waits until source 1 has been read
 * to the end.  Reading the sources one after another never gets to source
 * 1 while source 0 waits: source 0's writer gives up after
 * AFTER_LIMIT_UNITS of virtual time, on every run.  Every token of both
 * sources is two bytes wide, and only counts are checked: this test is
 * about order, and reads that meet on one buffer change no count.
 */
RC_TEST(async_stats, slow_source_does_not_block_others)
{
    static char big[200001];
    const char *small = "1 2 3 4 5 6 7 8\n";
    static feed feeds[2];
    int fds[2];
    summary per[2] = { poisoned(), poisoned() };
    int rc;

    for (size_t i = 0; i + 2 <= sizeof big - 1; i += 2)
        memcpy(big + i, i % 20 ? "1 " : "2\n", 2);
    fds[0] = feed_open(&feeds[0], false, small);
    feeds[0].after = &feeds[1];
    fds[1] = feed_open(&feeds[1], false, big);
    feed_start(&feeds[0]);
    feed_start(&feeds[1]);
    rc = run_stats(fds, 2, per, NULL);
    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0", rc);
    feeds_finish(feeds, fds, 2);
    cr_assert(!feeds[0].after_timed_out,
              "source 1 had 200 kB ready, but nothing read it while source 0 was waiting: "
              "read every source at once (uv_read_start on all, then one uv_run), "
              "not one after another");
    cr_assert_eq(per[0].count, 8, "per_source[0].count is %zu, expected 8", per[0].count);
    cr_assert_eq(per[1].count, 100000, "per_source[1].count is %zu, expected 100000", per[1].count);
}

/*
 * Four sources send 3 pieces each, with 5, 7, 9 and 11 units before each
 * piece, and each piece only once the previous one was read: exactly 33
 * units of virtual time if read at once (the slowest source's three
 * pieces), some 69 if one after another (15 for the first, then 14, 18
 * and 22 for the others, whose first pieces are waiting).  No two pieces
 * arrive at the same instant (5, 7, 9, 10, 11, 14, 15, 18, ...), so that
 * no two reads ever meet.
 */
RC_TEST(async_stats, takes_as_long_as_the_slowest_source)
{
    static const char *texts[4] = { "11 12 13 ", "21 22 23 ", "31 32 33 ", "41 42 43 " };
    const double want[] = { 11, 12, 13, 21, 22, 23, 31, 32, 33, 41, 42, 43 };
    static feed feeds[4];
    int fds[4];
    summary all = poisoned();
    double start, took, u = rc_unit();
    int rc;

    for (int i = 0; i < 4; i++) {
        fds[i] = feed_open(&feeds[i], i == 3, texts[i]);
        feeds[i].chunk = 3;                 /* one number per piece */
        feeds[i].delay = (5 + 2 * i) * u;
        feeds[i].drain = true;
    }
    start = rc_now();
    for (int i = 0; i < 4; i++)
        feed_start(&feeds[i]);
    rc = run_stats(fds, 4, NULL, &all);
    took = rc_now() - start;
    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0", rc);
    feeds_finish(feeds, fds, 4);
    cr_assert(fabs(took - 33 * u) < EXACT,
              "async_stats took %.6f units (virtual time), expected exactly 33: the slowest "
              "source sends its last piece at 33 units, and reading the four one after "
              "another takes some 69: read every source at once, and each piece as soon "
              "as it arrives", took / u);
    check_summary(&all, want, 12, "overall");
}

/* Shared by the writers of the thread-count test. */
static struct {
    pthread_barrier_t halfway, counted;
    feed feeds[3];
    int threads;
} census;

static void *census_writer(void *arg)
{
    feed *f = arg;
    size_t half = f->len / 2;

    send_all(f, f->text, half);
    pthread_barrier_wait(&census.halfway);
    if (f == &census.feeds[0]) {
        /* every source has been read up to here: any reader thread or
         * thread pool that the code under test started exists now */
        for (int i = 0; i < 3; i++)
            wait_drained(&census.feeds[i], 25 * rc_unit());
        rc_sleep(2 * rc_unit());
        census.threads = rc_thread_count();
    }
    pthread_barrier_wait(&census.counted);
    send_all(f, f->text + half, f->len - half);
    close(f->fd);
    return NULL;
}

RC_TEST(async_stats, reads_on_the_calling_thread)
{
    const char *texts[3] = { "1 2 3 4 5 6 7 8 9 10\n", "10 20 30 40 50 60\n", "0.5 0.25 0.125 0.0625\n" };
    int fds[3], before;
    summary per[3] = { poisoned(), poisoned(), poisoned() };
    int rc;

    before = rc_thread_count();
    cr_assert_gt(before, 0, "cannot count threads (test setup)");
    pthread_barrier_init(&census.halfway, NULL, 3);
    pthread_barrier_init(&census.counted, NULL, 3);
    census.threads = -1;
    for (int i = 0; i < 3; i++) {
        fds[i] = feed_open(&census.feeds[i], i == 2, texts[i]);
        cr_assert_eq(pthread_create(&census.feeds[i].thread, NULL, census_writer, &census.feeds[i]),
                     0, "pthread_create failed (test setup)");
    }
    rc = run_stats(fds, 3, per, NULL);
    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0", rc);
    feeds_finish(census.feeds, fds, 3);
    cr_assert_eq(census.threads, before + 3,
                 "while async_stats was reading, the process had %d threads: the test's %d "
                 "and its 3 writers make %d, so async_stats started %d more: read and parse on "
                 "the calling thread with the loop (no threads, no uv_queue_work)",
                 census.threads, before, before + 3, census.threads - before - 3);
    cr_assert_eq(per[0].count, 10, "per_source[0].count is %zu, expected 10", per[0].count);
    cr_assert_eq(per[1].count, 6, "per_source[1].count is %zu, expected 6", per[1].count);
    cr_assert_eq(per[2].count, 4, "per_source[2].count is %zu, expected 4", per[2].count);
}

/*
 * "No busy waiting", in virtual time: a source silent for 20 units, then
 * "1 2 3\n" and its end.  An event loop waits in epoll_wait, makes a few
 * scheduling points in all, and returns exactly when the end arrives, at
 * 20 units.  A loop that reads the descriptors without blocking over and
 * over never lets virtual time move: the scheduler stops it as a
 * busy-wait, at the line of its read; one that sleeps between tries keeps
 * making points, which the test counts (every thread's calls of pthread
 * functions, clocks, sleeps, epoll_wait and reads of pipes).
 */
enum { WAIT_MAX_STEPS = 40 };

RC_TEST(async_stats, waiting_uses_no_cpu)
{
    static feed f;
    summary per[1] = { poisoned() };
    unsigned long steps;
    double start, took;
    int fd, rc;

    fd = feed_open(&f, false, "1 2 3\n");
    f.delay = 20 * rc_unit();       /* silent for 20 units, then everything */
    start = rc_now();
    steps = rc_sched_steps();
    feed_start(&f);
    rc = run_stats(&fd, 1, per, NULL);
    steps = rc_sched_steps() - steps;
    took = (rc_now() - start) / rc_unit();
    cr_assert_neq(rc, ENOSYS, "async_stats returned ENOSYS: it is not written yet");
    feeds_finish(&f, &fd, 1);
    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0", rc);
    cr_assert(fabs(took - 20) * rc_unit() < EXACT,
              "async_stats took %.6f units (virtual time) to read a source that was silent "
              "for 20 units and then sent everything at once, expected exactly 20: let the "
              "loop wait for data (uv_run waits in epoll_wait), do not poll the descriptors "
              "and sleep in between", took);
    cr_assert_leq(steps, WAIT_MAX_STEPS,
                  "while async_stats waited 20 units for a silent source, the threads made %lu "
                  "calls of pthread functions, clocks, sleeps, epoll_wait or reads (an event "
                  "loop that waits makes a few, at most %d): let uv_run wait in epoll_wait, do "
                  "not poll the descriptors in a loop, with or without a sleep between tries",
                  steps, WAIT_MAX_STEPS);
    cr_assert_eq(per[0].count, 3, "per_source[0].count is %zu, expected 3", per[0].count);
}

RC_TEST(async_stats, bad_token_source_left_out)
{
    const char *texts[] = { "1 2 3\n", "4 5 zz 6\n7\n", "8 9\n" };
    const double want0[] = { 1, 2, 3 }, want2[] = { 8, 9 }, all_want[] = { 1, 2, 3, 8, 9 };
    summary per[3] = { poisoned(), poisoned(), poisoned() }, all = poisoned();
    int rc = stats_of_texts(texts, NULL, 3, per, &all);

    cr_assert_eq(rc, EINVAL, "source 1 holds the bad token zz: async_stats returned %d, expected EINVAL (%d)",
                 rc, EINVAL);
    cr_assert_eq(per[1].error, EINVAL, "source 1 holds the bad token zz: its error is %d, expected EINVAL (%d)",
                 per[1].error, EINVAL);
    check_summary(&per[0], want0, 3, "per_source[0] (fine, next to a bad source)");
    check_summary(&per[2], want2, 2, "per_source[2] (fine, next to a bad source)");
    check_summary(&all, all_want, 5, "overall (must leave the bad source 1 out)");
}

/* After its bad token the source sends 300 kB more: it must all be read. */
RC_TEST(async_stats, bad_source_read_to_end)
{
    static char text[300004];
    static feed feeds[2];
    int fds[2];
    summary per[2] = { poisoned(), poisoned() }, all = poisoned();
    const double want[] = { 1, 2 };
    int rc;

    memcpy(text, "7 x ", 4);
    for (size_t i = 4; i + 2 <= sizeof text - 1; i += 2)
        memcpy(text + i, "3 ", 2);
    fds[0] = feed_open(&feeds[0], false, text);
    fds[1] = feed_open(&feeds[1], true, "1 2\n");
    feed_start(&feeds[0]);
    feed_start(&feeds[1]);
    overlap_reads(OVERLAP);
    rc = run_stats(fds, 2, per, &all);
    overlap_reads(0);
    cr_assert_eq(rc, EINVAL, "async_stats returned %d, expected EINVAL (%d)", rc, EINVAL);
    feeds_finish(feeds, fds, 2);
    cr_assert_eq(feeds[0].write_error, 0,
                 "the writer of the bad source got %s after the bad token: a bad source "
                 "must still be read to end of file, not closed early",
                 strerror(feeds[0].write_error));
    cr_assert_eq(per[0].error, EINVAL, "per_source[0].error is %d, expected EINVAL", per[0].error);
    check_summary(&per[1], want, 2, "per_source[1]");
    check_summary(&all, want, 2, "overall");
}

static const char *const good_tokens[] = {
    "42", "-3.", "+.5", "1e5", "6.02E+23", "-0", "007", ".5e-3", "12.e3", "+1E-2", "1e+300",
    "-2.250", "0.000001", "123456789012345678901234567890",
};
static const double good_values[] = {
    42, -3., +.5, 1e5, 6.02E+23, -0.0, 7, .5e-3, 12.e3, 1E-2, 1e+300,
    -2.25, 0.000001, 123456789012345678901234567890.0,
};

RC_TEST(async_stats, number_grammar_accepted)
{
    enum { N = sizeof good_tokens / sizeof good_tokens[0] };
    const char *texts[N];
    static char padded[N][64];
    summary per[N], all = poisoned();
    int rc;

    for (int i = 0; i < N; i++) {
        snprintf(padded[i], sizeof padded[i], " %s\n", good_tokens[i]);
        texts[i] = padded[i];
        per[i] = poisoned();
    }
    rc = stats_of_texts(texts, NULL, N, per, &all);
    for (int i = 0; i < N; i++) {
        cr_assert(per[i].error == 0 && per[i].count == 1,
                  "source %d holds the one number %s: error %d, count %zu, expected error 0, count 1",
                  i, good_tokens[i], per[i].error, per[i].count);
        cr_assert(per[i].mean == good_values[i], "source %d holds %s, but its mean is %.17g",
                  i, good_tokens[i], per[i].mean);
    }
    cr_assert_eq(rc, 0, "every source held a good number, but async_stats returned %d", rc);
    cr_assert_eq(all.count, (size_t)N, "overall.count is %zu, expected %d", all.count, N);
}

static const char *const bad_tokens[] = {
    "0x10", "inf", "-inf", "nan", "NAN", "infinity", "1e999", "-1e999", "12x", "1e", "1e+",
    ".", "+", "-", "e5", "1.2.3", "--1", "+-1", "1,5", ".e1", "0x1p3", "1e5.5", "5-", "1_000",
};

RC_TEST(async_stats, number_grammar_rejected)
{
    enum { N = sizeof bad_tokens / sizeof bad_tokens[0] };
    const char *texts[N + 1];
    static char padded[N][64];
    summary per[N + 1], all = poisoned();
    const double want[] = { 1, 2, 3 };
    int rc;

    for (int i = 0; i < N; i++) {
        snprintf(padded[i], sizeof padded[i], "10 %s 20\n", bad_tokens[i]);
        texts[i] = padded[i];
        per[i] = poisoned();
    }
    /* longer than every bad source: one of those that reads its bytes
     * instead of its own finds no bad token (see the top of the file) */
    texts[N] = "1   2   3           \n";
    per[N] = poisoned();
    cr_assert_leq(N + 1, MAX_FEEDS, "too many sources (test setup)");
    rc = stats_of_texts(texts, NULL, N + 1, per, &all);
    for (int i = 0; i < N; i++)
        cr_assert_eq(per[i].error, EINVAL,
                     "source %d is '10 %s 20': %s is a bad token, so its error must be "
                     "EINVAL (%d), it is %d",
                     i, bad_tokens[i], bad_tokens[i], EINVAL, per[i].error);
    cr_assert_eq(rc, EINVAL, "async_stats returned %d, expected EINVAL", rc);
    check_summary(&per[N], want, 3, "the one good source");
    check_summary(&all, want, 3, "overall (only the good source)");
}

RC_TEST(async_stats, empty_sources)
{
    const char *texts[] = { "", " \n\t  \n", "4 6\n" };
    const double want[] = { 4, 6 };
    summary per[3] = { poisoned(), poisoned(), poisoned() }, all = poisoned();
    int rc = stats_of_texts(texts, NULL, 3, per, &all);

    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0 (an empty source is fine)", rc);
    check_summary(&per[0], NULL, 0, "per_source[0] (empty)");
    check_summary(&per[1], NULL, 0, "per_source[1] (only whitespace)");
    check_summary(&per[2], want, 2, "per_source[2]");
    check_summary(&all, want, 2, "overall");
}

RC_TEST(async_stats, last_number_without_newline)
{
    const char *texts[] = { "1 2 3", "7", "  5.5", "-1e2" };
    const bool sockets[] = { false, false, true, false };
    const double want0[] = { 1, 2, 3 }, want1[] = { 7 }, want2[] = { 5.5 }, want3[] = { -100 };
    summary per[4] = { poisoned(), poisoned(), poisoned(), poisoned() };
    int rc = stats_of_texts(texts, sockets, 4, per, NULL);

    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0", rc);
    check_summary(&per[0], want0, 3, "per_source[0] ('1 2 3' then end of file)");
    check_summary(&per[1], want1, 1, "per_source[1] ('7' then end of file)");
    check_summary(&per[2], want2, 1, "per_source[2] ('  5.5' then end of file)");
    check_summary(&per[3], want3, 1, "per_source[3] ('-1e2' then end of file)");
}

RC_TEST(async_stats, regular_file_is_eperm)
{
    static feed feeds[2];
    int fds[3], file;
    summary per[3] = { poisoned(), poisoned(), poisoned() }, all = poisoned();
    const double want[] = { 1, 2, 3, 4 };
    int rc;

    file = memfd_create("async_stats_test", 0);
    cr_assert_geq(file, 0, "memfd_create failed (test setup)");
    cr_assert_eq(write(file, "8 9\n", 4), 4, "write to the file failed (test setup)");
    lseek(file, 0, SEEK_SET);
    fds[0] = feed_open(&feeds[0], false, "1 2\n");
    fds[1] = file;
    fds[2] = feed_open(&feeds[1], true, "3 4\n");
    feed_start(&feeds[0]);
    feed_start(&feeds[1]);
    overlap_reads(OVERLAP);
    rc = run_stats(fds, 3, per, &all);
    overlap_reads(0);
    cr_assert_eq(rc, EPERM, "source 1 is a regular file: async_stats returned %d, expected EPERM (%d)",
                 rc, EPERM);
    cr_assert_eq(per[1].error, EPERM, "source 1 is a regular file: its error is %d, expected EPERM (%d)",
                 per[1].error, EPERM);
    cr_assert(!fd_is_open(file), "source 1 (a regular file) must be closed too");
    fds[1] = -1;
    feeds_finish(feeds, (int[]){ fds[0], fds[2] }, 2);
    check_summary(&per[0], want, 2, "per_source[0]");
    check_summary(&per[2], want + 2, 2, "per_source[2]");
    check_summary(&all, want, 4, "overall (without the regular file)");
}

RC_TEST(async_stats, closed_descriptor_is_ebadf)
{
    static feed f;
    int fds[3];
    summary per[3] = { poisoned(), poisoned(), poisoned() }, all = poisoned();
    const double want[] = { 5, 6 };
    int rc;

    fds[0] = 987;       /* not open */
    cr_assert(!fd_is_open(987), "descriptor 987 is open (test setup)");
    fds[1] = feed_open(&f, false, "5 6\n");
    fds[2] = -1;
    feed_start(&f);
    rc = run_stats(fds, 3, per, &all);
    cr_assert_eq(rc, EBADF, "source 0 is not an open descriptor: async_stats returned %d, expected EBADF (%d)",
                 rc, EBADF);
    cr_assert_eq(per[0].error, EBADF, "source 0 (descriptor 987, not open) has error %d, expected EBADF (%d)",
                 per[0].error, EBADF);
    cr_assert_eq(per[2].error, EBADF, "source 2 (descriptor -1) has error %d, expected EBADF (%d)",
                 per[2].error, EBADF);
    feeds_finish(&f, &fds[1], 1);
    check_summary(&per[1], want, 2, "per_source[1]");
    check_summary(&all, want, 2, "overall (without the bad descriptors)");
}

RC_TEST(async_stats, null_outputs_allowed)
{
    const char *texts[] = { "1 2\n", "3\n" };
    const double want[] = { 1, 2, 3 };
    summary per[2] = { poisoned(), poisoned() }, all = poisoned();
    int rc;

    rc = stats_of_texts(texts, NULL, 2, NULL, &all);
    cr_assert_eq(rc, 0, "async_stats(loop, fds, 2, NULL, &overall) returned %d, expected 0", rc);
    check_summary(&all, want, 3, "overall (per_source was NULL)");
    rc = stats_of_texts(texts, NULL, 2, per, NULL);
    cr_assert_eq(rc, 0, "async_stats(loop, fds, 2, per_source, NULL) returned %d, expected 0", rc);
    check_summary(&per[0], want, 2, "per_source[0] (overall was NULL)");
    check_summary(&per[1], want + 2, 1, "per_source[1] (overall was NULL)");
}

RC_TEST(async_stats, invalid_arguments)
{
    uv_loop_t loop;
    int fds[2];
    summary all = poisoned();
    int rc;

    cr_assert_eq(uv_loop_init(&loop), 0, "uv_loop_init failed (test setup)");
    rc = async_stats(&loop, NULL, 2, NULL, &all);
    cr_assert_eq(rc, EINVAL, "async_stats(loop, NULL, 2, ...) returned %d, expected EINVAL (%d)", rc, EINVAL);
    open_stream(fds, false);
    rc = async_stats(NULL, fds, 1, NULL, &all);
    cr_assert_eq(rc, EINVAL, "async_stats(NULL, fds, 1, ...) returned %d, expected EINVAL (%d)", rc, EINVAL);
    cr_assert(fd_is_open(fds[0]), "async_stats(NULL, fds, 1, ...) closed fds[0]: on EINVAL for "
              "bad arguments nothing is read or closed");
    close(fds[0]);
    close(fds[1]);
    cr_assert_eq(uv_loop_close(&loop), 0, "the loop is not empty after calls that failed with EINVAL");
}

RC_TEST(async_stats, no_sources)
{
    uv_loop_t loop;
    summary all = poisoned();
    int rc;

    cr_assert_eq(uv_loop_init(&loop), 0, "uv_loop_init failed (test setup)");
    rc = async_stats(&loop, NULL, 0, NULL, &all);
    cr_assert_eq(rc, 0, "async_stats with n == 0 returned %d, expected 0", rc);
    cr_assert(all.count == 0 && all.error == 0 && isnan(all.mean) && isnan(all.median),
              "async_stats with n == 0: overall must be count 0, error 0, NAN mean and median "
              "(got count %zu, error %d, mean %g, median %g)", all.count, all.error, all.mean, all.median);
    cr_assert_eq(uv_loop_close(&loop), 0, "async_stats with n == 0 left something on the loop");
}

RC_TEST(async_stats, descriptors_closed_and_loop_empty)
{
    const char *texts[] = { "1 2 3\n", "4 5\n", "", "6 x 7\n" };
    const double want[] = { 1, 2, 3, 4, 5 };
    static feed feeds[4];
    int fds[4];
    uv_loop_t loop;
    summary per[4];
    int rc, closed_rc;

    for (int i = 0; i < 4; i++) {
        fds[i] = feed_open(&feeds[i], i == 1, texts[i]);
        feed_start(&feeds[i]);
    }
    cr_assert_eq(uv_loop_init(&loop), 0, "uv_loop_init failed (test setup)");
    overlap_reads(OVERLAP);
    rc = async_stats(&loop, fds, 4, per, NULL);
    overlap_reads(0);
    cr_assert_eq(rc, EINVAL, "async_stats returned %d, expected EINVAL (source 3 holds x)", rc);
    check_summary(&per[0], want, 3, "per_source[0]");
    check_summary(&per[1], want + 3, 2, "per_source[1]");
    check_summary(&per[2], NULL, 0, "per_source[2] (empty)");
    cr_assert_eq(per[3].error, EINVAL, "per_source[3] holds x: its error is %d, expected EINVAL (%d)",
                 per[3].error, EINVAL);
    for (int i = 0; i < 4; i++)
        cr_assert(!fd_is_open(fds[i]), "fds[%d] (%s) is still open after async_stats returned: "
                  "close every descriptor when done (uv_close on its handle closes it)",
                  i, i == 1 ? "a socket" : "a pipe");
    cr_assert_eq(uv_loop_alive(&loop), 0, "the loop still has active handles after async_stats returned");
    closed_rc = uv_loop_close(&loop);
    cr_assert_eq(closed_rc, 0, "uv_loop_close failed (%s) after async_stats returned: uv_close every "
                 "handle and let the loop run until their close callbacks have run",
                 uv_strerror(closed_rc));
    for (int i = 0; i < 4; i++)
        fds[i] = -1;
    feeds_finish(feeds, fds, 4);
}

/*
 * A million numbers: half of them padded to 40 bytes each through a pipe
 * of 4 kB (about 5000 reads of 4 kB), half packed through a pipe of
 * 64 kB (about 70 reads of 64 kB).  Linear work takes a fraction of a
 * second of CPU.  Rescanning everything received so far on each read is
 * quadratic in the first source, rescanning the rest of the read buffer
 * for each number is quadratic in the second.
 */
static char *make_numbers(int count, int first, int width, long long *sum8, int *lo, int *hi)
{
    char *text = malloc((size_t)count * (width > 12 ? width : 12) + 1), *p = text;

    cr_assert_not_null(text, "out of memory (test setup)");
    for (int i = first; i < first + count; i++) {
        int k = (int)((i * 7919LL) % 200001) - 100000;    /* the value is k / 8 */
        int whole = abs(k) / 8, len = 0;
        char digits[8];
        int n = 0;

        if (k < 0)
            p[len++] = '-';
        do
            digits[n++] = (char)('0' + whole % 10);
        while ((whole /= 10) > 0);
        while (n > 0)
            p[len++] = digits[--n];
        memcpy(p + len, &".000.125.250.375.500.625.750.875"[abs(k) % 8 * 4], 4);
        len += 4;
        while (len < width - 1)
            p[len++] = ' ';
        p[len++] = i % 10 == 9 ? '\n' : ' ';
        p += len;
        *sum8 += k;
        *lo = k < *lo ? k : *lo;
        *hi = k > *hi ? k : *hi;
    }
    *p = '\0';
    return text;
}

RC_TEST(async_stats, large_input_is_fast)
{
    enum { HALF = 500000 };
    long long sum8[2] = { 0, 0 };
    int lo[2] = { 0, 0 }, hi[2] = { 0, 0 };
    char *texts[2];
    static feed feeds[2];
    int fds[2];
    summary per[2], all = poisoned();
    /*
     * CPU seconds of the real machine (work has no virtual time: the one
     * real measure of these tests, stretched by the time scale).  limit:
     * far more than a slow but linear reader takes on a busy machine, far
     * less than a quadratic one; budget: then the writers stop feeding,
     * within the test timeout.
     */
    double cpu, limit = 1.5 * rc_unit() / 0.02, budget = 7.0 * rc_unit() / 0.02;
    int rc;

    texts[0] = make_numbers(HALF, 0, 40, &sum8[0], &lo[0], &hi[0]);
    texts[1] = make_numbers(HALF, HALF, 0, &sum8[1], &lo[1], &hi[1]);
    for (int i = 0; i < 2; i++)
        fds[i] = feed_open(&feeds[i], false, texts[i]);
    fcntl(feeds[0].fd, F_SETPIPE_SZ, 4096);
    feeds[0].chunk = 4096;
    feeds[1].chunk = 65536;
    /* stop feeding a reader that is far too slow, before the test timeout */
    cpu = rc_process_cpu();
    feeds[0].give_up_cpu = feeds[1].give_up_cpu = cpu + budget;
    feed_start(&feeds[0]);
    feed_start(&feeds[1]);
    rc = run_stats(fds, 2, per, &all);
    cpu = rc_process_cpu() - cpu;
    cr_assert_neq(rc, ENOSYS, "async_stats returned ENOSYS: it is not written yet");
    feeds_finish(feeds, fds, 2);
    cr_assert(!feeds[0].gave_up && !feeds[1].gave_up,
              "async_stats had not read a million numbers (25 MB) after %.0f s of CPU, and "
              "the writers gave up (it takes well under 1 s): the work for each read must be "
              "proportional to the bytes read; do not rescan or copy everything received so far "
              "(strcat, strlen on a growing text) nor the rest of the buffer for each number; "
              "grow arrays by doubling", budget);
    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0", rc);
    for (int i = 0; i < 2; i++) {
        free(texts[i]);
        cr_assert_eq(per[i].count, HALF, "per_source[%d].count is %zu, expected %d", i, per[i].count, HALF);
        cr_assert(near(per[i].mean, sum8[i] / 8.0 / HALF), "per_source[%d].mean is %.17g, expected %.17g",
                  i, per[i].mean, sum8[i] / 8.0 / HALF);
        cr_assert(per[i].min == lo[i] / 8.0 && per[i].max == hi[i] / 8.0,
                  "per_source[%d]: min %g and max %g, expected %g and %g", i, per[i].min, per[i].max,
                  lo[i] / 8.0, hi[i] / 8.0);
    }
    cr_assert_eq(all.count, 2 * HALF, "overall.count is %zu, expected %d", all.count, 2 * HALF);
    cr_assert(cpu < limit,
              "reading a million numbers (25 MB) used %.2f s of CPU, more than %.1f s: the work for "
              "each read must be proportional to the bytes read; do not rescan or copy everything "
              "received so far (strcat, strlen on a growing text) nor the rest of the buffer for "
              "each number; grow arrays by doubling", cpu, limit);
}

/* ---- error paths (fault injection, see fault_inject.h) ---------------- */

#define FAULT_MAX_K 64
#define FAULT_STREAMS 3

static const char *const fault_texts[FAULT_STREAMS] = { "1 2 3\n", "10 20\n", "0.5 1.5 2.5 3.5" };
static const double fault_values[FAULT_STREAMS][4] = {
    { 1, 2, 3 }, { 10, 20 }, { 0.5, 1.5, 2.5, 3.5 },
};
static const size_t fault_counts[FAULT_STREAMS] = { 3, 2, 4 };

/* Opens the streams (the second a socket), each holding its whole text, writers closed. */
static void open_fault_streams(int fds[FAULT_STREAMS])
{
    for (size_t i = 0; i < FAULT_STREAMS; i++) {
        size_t len = strlen(fault_texts[i]);
        int pair[2];

        open_stream(pair, i == 1);
        cr_assert_eq(write(pair[1], fault_texts[i], len), (ssize_t)len,
                     "write failed (test setup)");
        close(pair[1]);
        fds[i] = pair[0];
    }
}

/*
 * After a failed uv_* call: each stream is either fine (error 0, right
 * numbers) or carries the error; every descriptor is closed; overall
 * holds the fine streams.
 */
static void check_streams_after(const int *fds, const summary *per, const summary *all,
                                unsigned long k, int err)
{
    size_t good = 0;

    for (size_t i = 0; i < FAULT_STREAMS; i++) {
        char what[96];

        snprintf(what, sizeof what, "stream %zu (uv_* call %lu failed on another stream)", i, k);
        if (per[i].error == 0) {
            check_summary(&per[i], fault_values[i], fault_counts[i], what);
            good += fault_counts[i];
        } else {
            cr_assert_eq(per[i].error, err, "stream %zu has error %d (%s) when uv_* call %lu "
                         "failed with %s: a failed uv_* call gives its stream that error",
                         i, per[i].error, strerror(per[i].error), k, strerror(err));
        }
        cr_assert(!fd_is_open(fds[i]), "descriptor %d (stream %zu) is still open after "
                  "async_stats returned (uv_* call %lu failed): close it on the error path "
                  "too (close(fd) before uv_pipe_open succeeded, uv_close after)",
                  fds[i], i, k);
    }
    cr_assert_eq(all->count, good, "overall counts %zu numbers, but the streams that were "
                 "fine hold %zu (uv_* call %lu failed)", all->count, good, k);
}

/*
 * async_stats on three streams with call k of `families` (named `what`)
 * failing with `err`, for k = 1, 2, ... until k is past the last such
 * call (then every stream must be read right).  After each failed run:
 * async_stats returned `err`, left no handle on the loop and nothing
 * allocated; with `streams`, also check_streams_after().
 */
static void check_stats_faults(unsigned families, const char *what, int err, bool streams)
{
    for (unsigned long k = 1; k <= FAULT_MAX_K; k++) {
        summary per[FAULT_STREAMS] = { poisoned(), poisoned(), poisoned() };
        summary all = poisoned();
        int fds[FAULT_STREAMS];
        unsigned long failed;
        uv_loop_t loop;
        long blocks;
        int rc, closed;

        open_fault_streams(fds);
        cr_assert_eq(uv_loop_init(&loop), 0, "uv_loop_init failed (test setup)");
        blocks = rc_fault_live_blocks();
        overlap_reads(k == 1 ? OVERLAP : 0);   /* three streams ready at once */
        rc_fault_arm(families, k, err);
        rc = async_stats(&loop, fds, FAULT_STREAMS, per, &all);
        failed = rc_fault_disarm();
        overlap_reads(0);
        blocks = rc_fault_live_blocks() - blocks;
        closed = uv_loop_close(&loop);
        if (failed == 0) {
            cr_assert_eq(rc, 0, "async_stats returned %d (%s), expected 0", rc, strerror(rc));
            for (size_t i = 0; i < FAULT_STREAMS; i++)
                check_summary(&per[i], fault_values[i], fault_counts[i], "a stream");
            return;
        }
        cr_assert_eq(rc, err, "async_stats returned %d (%s) when call %lu of %s failed with "
                     "%s: return that error (positive: libuv returns it negated)",
                     rc, strerror(rc), k, what, strerror(err));
        cr_assert_eq(closed, 0, "async_stats returned %s (call %lu of %s failed) but left a "
                     "handle on the loop (uv_loop_close: %s): uv_close every handle that was "
                     "initialised, even when a later call on it failed",
                     strerror(err), k, what, uv_strerror(closed));
        cr_assert_leq(blocks, 0, "async_stats returned %s (call %lu of %s failed) without "
                      "freeing %ld block(s) it had allocated", strerror(err), k, what, blocks);
        if (streams)
            check_streams_after(fds, per, &all, k, err);
        for (size_t i = 0; i < FAULT_STREAMS; i++)
            close(fds[i]);      /* those it left open (EBADF for the others) */
    }
}

RC_TEST(async_stats, uv_failure_stays_with_its_stream)
{
    check_stats_faults(RC_FAULT_UV, "uv_pipe_init/uv_pipe_open/uv_read_start...", ENOMEM, true);
}

RC_TEST(async_stats, out_of_memory_cleans_up)
{
    check_stats_faults(RC_FAULT_ALLOC, "malloc/calloc/realloc", ENOMEM, false);
}

RC_TEST(async_stats, summarize_out_of_memory)
{
    const double values[3] = { 3, 1, 2 };

    for (unsigned long k = 1; k <= FAULT_MAX_K; k++) {
        long blocks = rc_fault_live_blocks();
        unsigned long failed;
        summary out = poisoned();
        int rc;

        rc_fault_arm(RC_FAULT_ALLOC, k, ENOMEM);
        rc = summarize(values, 3, &out);
        failed = rc_fault_disarm();
        blocks = rc_fault_live_blocks() - blocks;
        cr_assert_leq(blocks, 0, "summarize did not free %ld block(s) it allocated", blocks);
        if (failed == 0) {
            cr_assert_eq(rc, 0, "summarize returned %d (%s), expected 0", rc, strerror(rc));
            cr_assert(out.median == 2, "summarize({3, 1, 2}): median %g, expected 2", out.median);
            return;
        }
        cr_assert_eq(rc, ENOMEM, "summarize returned %d (%s) when allocation %lu failed: "
                     "return ENOMEM", rc, strerror(rc), k);
    }
}
