/*
 * public_tests.c - a few of the grader's checks for async_stats, for you
 * to run with `make check EX=async_stats`.  The hidden tests check much
 * more: slow and fast streams at once, the number grammar, bad
 * descriptors, large inputs, CPU use and threads.
 *
 * The streams here are pipes filled before async_stats is called (the
 * text is small enough to wait in the pipe), with the write end closed,
 * so that each stream ends right after its text; one test writes its
 * pipe one byte at a time, from a thread, to cut numbers between reads.
 *
 * The tests run under the kit's controlled scheduler (docs/scheduler.md),
 * with libuv linked in so that its waits are the scheduler's too: one
 * thread runs at a time, and the clock moves only when every thread waits
 * (virtual time).  A writer that pauses between two bytes lets the loop
 * read the first one alone, on every run, and the pause costs no real
 * time.  Your code needs nothing special: use libuv as usual.
 */
#define _GNU_SOURCE
#include "async_stats.h"
#include "racecourse_test.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

RC_SUITE(async_stats_public);

static bool near(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* A pipe holding `text`, write end closed: returns the read end. */
static int pipe_with(const char *text)
{
    int fds[2];
    size_t len = strlen(text);

    cr_assert_eq(pipe(fds), 0, "pipe failed (test setup)");
    cr_assert_eq(write(fds[1], text, len), (ssize_t)len, "write failed (test setup)");
    close(fds[1]);
    return fds[0];
}

RC_TEST(async_stats_public, summarize_small_sample)
{
    const double values[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
    summary s;
    int rc = summarize(values, 8, &s);

    cr_assert_eq(rc, 0, "summarize returned %d, expected 0", rc);
    cr_assert_eq(s.count, 8, "count is %zu, expected 8", s.count);
    cr_assert(near(s.mean, 5.0), "mean is %g, expected 5", s.mean);
    cr_assert(near(s.median, 4.5), "median is %g, expected 4.5 (mean of the middle values 4 and 5)",
              s.median);
    cr_assert(near(s.stdev, sqrt(32.0 / 7)),
              "stdev is %.10g, expected %.10g = sqrt(32 / 7): the sample standard deviation "
              "divides by n - 1", s.stdev, sqrt(32.0 / 7));
    cr_assert(s.min == 2 && s.max == 9, "min %g and max %g, expected 2 and 9", s.min, s.max);
}

RC_TEST(async_stats_public, summarize_no_values)
{
    summary s;
    int rc = summarize(NULL, 0, &s);

    cr_assert_eq(rc, 0, "summarize(NULL, 0, &s) returned %d, expected 0", rc);
    cr_assert_eq(s.count, 0, "count is %zu, expected 0", s.count);
    cr_assert(isnan(s.mean) && isnan(s.median) && isnan(s.stdev) && isnan(s.min) && isnan(s.max),
              "with no values, mean, median, stdev, min and max must be NAN");
}

RC_TEST(async_stats_public, one_pipe)
{
    uv_loop_t loop;
    int fd = pipe_with("3 1\n4 1 5\n");
    summary per[1], all;
    int rc;

    cr_assert_eq(uv_loop_init(&loop), 0, "uv_loop_init failed (test setup)");
    rc = async_stats(&loop, &fd, 1, per, &all);
    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0", rc);
    cr_assert_eq(per[0].count, 5, "per_source[0].count is %zu, expected 5", per[0].count);
    cr_assert(near(per[0].mean, 2.8), "per_source[0].mean is %g, expected 2.8", per[0].mean);
    cr_assert_eq(all.count, 5, "overall.count is %zu, expected 5", all.count);
    cr_assert(fcntl(fd, F_GETFD) == -1, "the descriptor is still open: close it when done");
    cr_assert_eq(uv_loop_close(&loop), 0, "a handle was left on the loop");
}

RC_TEST(async_stats_public, two_sources_together)
{
    uv_loop_t loop;
    int fds[2] = { pipe_with("10 20"), pipe_with("1.5e1\t-5\n") };
    summary per[2], all;
    int rc;

    cr_assert_eq(uv_loop_init(&loop), 0, "uv_loop_init failed (test setup)");
    rc = async_stats(&loop, fds, 2, per, &all);
    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0", rc);
    cr_assert_eq(per[0].count, 2, "per_source[0].count is %zu, expected 2 ('10 20')", per[0].count);
    cr_assert_eq(per[1].count, 2, "per_source[1].count is %zu, expected 2 ('1.5e1 -5')", per[1].count);
    cr_assert_eq(all.count, 4, "overall.count is %zu, expected 4", all.count);
    cr_assert(near(all.mean, 10.0), "overall.mean is %g, expected 10", all.mean);
    cr_assert(near(all.median, 12.5), "overall.median is %g, expected 12.5", all.median);
    cr_assert(all.min == -5 && all.max == 20, "overall min %g and max %g, expected -5 and 20",
              all.min, all.max);
    uv_loop_close(&loop);
}

RC_TEST(async_stats_public, bad_token)
{
    uv_loop_t loop;
    int fds[2] = { pipe_with("1 2 12x 3\n"), pipe_with("7 8\n") };
    summary per[2], all;
    int rc;

    cr_assert_eq(uv_loop_init(&loop), 0, "uv_loop_init failed (test setup)");
    rc = async_stats(&loop, fds, 2, per, &all);
    cr_assert_eq(rc, EINVAL, "source 0 holds the bad token 12x: async_stats returned %d, "
                 "expected EINVAL (%d)", rc, EINVAL);
    cr_assert_eq(per[0].error, EINVAL, "per_source[0].error is %d, expected EINVAL", per[0].error);
    cr_assert_eq(per[1].error, 0, "per_source[1].error is %d, expected 0", per[1].error);
    cr_assert_eq(per[1].count, 2, "per_source[1].count is %zu, expected 2", per[1].count);
    cr_assert_eq(all.count, 2, "overall.count is %zu, expected 2 (the bad source is left out)",
                 all.count);
    uv_loop_close(&loop);
}

/* Writes `text` into a pipe one byte at a time, a unit apart (virtual time), then closes it. */
typedef struct trickle {
    int fd;
    const char *text;
} trickle;

static void *trickle_main(void *arg)
{
    trickle *t = arg;

    for (const char *p = t->text; *p; p++) {
        if (write(t->fd, p, 1) != 1)
            break;
        rc_sleep(rc_unit());
    }
    close(t->fd);
    return NULL;
}

/*
 * Numbers cut in two by a read: the pipe gets one byte at a time, and the
 * loop reads each before the next comes, so every read holds one byte
 * ("1", "2", ".", "5" ...).  Each read parsed on its own gives wrong
 * numbers or bad tokens such as "." or "6.02E"; the unfinished token must
 * be kept until its end arrives.
 */
RC_TEST(async_stats_public, numbers_split_across_reads)
{
    static trickle t;
    static const char text[] = "12.5 -3e2 +.25\n1000000 6.02E+23 77 8.\n";
    uv_loop_t loop;
    pthread_t writer;
    int fds[2], rc;
    summary per[1], all;

    cr_assert_eq(pipe(fds), 0, "pipe failed (test setup)");
    t = (trickle){ .fd = fds[1], .text = text };
    cr_assert_eq(pthread_create(&writer, NULL, trickle_main, &t), 0,
                 "pthread_create failed (test setup)");
    cr_assert_eq(uv_loop_init(&loop), 0, "uv_loop_init failed (test setup)");
    rc = async_stats(&loop, &fds[0], 1, per, &all);
    pthread_join(writer, NULL);
    cr_assert_eq(rc, 0, "async_stats returned %d, expected 0: the pipe holds 7 good numbers, "
                 "sent one byte per read; a number cut by a read must be kept until its end "
                 "arrives (parsed alone, pieces such as . or 6.02E are bad tokens)", rc);
    cr_assert_eq(per[0].count, 7, "the pipe sent 7 numbers one byte per read and "
                 "per_source[0].count is %zu: a number cut by a read must be kept until its "
                 "end arrives, not parsed as two", per[0].count);
    cr_assert(near(per[0].max, 6.02E+23) && near(per[0].min, -3e2),
              "min %g and max %g, expected -300 and 6.02e+23: numbers cut by reads were "
              "read wrong", per[0].min, per[0].max);
    uv_loop_close(&loop);
}
