/*
 * async_stats.c - your statistics and your event-loop reader.
 *
 * Read README.md and async_stats.h first: the header says exactly what
 * each function must do and return.  Both functions below are stubs that
 * answer "not done yet" (ENOSYS), so this file compiles and the grader
 * gives 0 points until you fill it in.
 *
 * Check your work with:   make check EX=async_stats
 *
 * Besides the C library's string, math and memory functions you may use
 * uv_* (libuv), read, close and fcntl.  No threads here: the point of the
 * exercise is one thread and one event loop.
 */
#include "async_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int summarize(const double *values, size_t n, summary *out)
{
    /*
     * TODO:
     *   - EINVAL when out is NULL, or values is NULL with n > 0;
     *   - count = n, error = 0, and NAN in the other fields when n == 0;
     *   - copy the values (malloc + memcpy), sort the copy with qsort (you
     *     write the comparison function), and take min, max and median
     *     from it; free the copy;
     *   - mean = sum / n; then the standard deviation in a SECOND pass:
     *     sqrt(sum of (x - mean)^2 / (n - 1)), NAN when n < 2.
     */
    (void)values;
    (void)n;
    (void)out;
    return ENOSYS;
}

/*
 * TODO: decide what you keep for each stream.  You will need at least:
 *   - a uv_pipe_t handle (set handle.data to point back to your struct,
 *     so that a callback can find its stream);
 *   - the stream's error (0 while it is fine);
 *   - a growing array of the numbers read so far (double its capacity
 *     with realloc when it is full);
 *   - the characters of the token that a read may have cut in two, kept
 *     until the next whitespace or the end of file.
 */

/*
 * TODO: write the callbacks that libuv calls on your thread:
 *
 *   static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
 *       gives libuv a buffer to read into (*buf = uv_buf_init(mem, size)).
 *
 *   static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
 *       nread > 0:      buf->base[0..nread) arrived; go through it byte by
 *                       byte: whitespace ends a token, anything else is
 *                       added to the current token;
 *       nread == 0:     nothing this time, just return;
 *       nread == UV_EOF the stream is done: finish the last token, then
 *                       uv_close((uv_handle_t *)stream, NULL) (it closes
 *                       the descriptor too);
 *       nread < 0:      a read error (-nread is the errno): record it and
 *                       close the handle the same way.
 *
 * And a function that checks one finished token against the number
 * grammar of async_stats.h BEFORE calling strtod (strtod alone accepts
 * "0x10", "inf", "nan" and stops quietly at "12x"), then checks that the
 * value isfinite (1e999 is not).
 */

int async_stats(uv_loop_t *loop, const int *fds, size_t n,
                summary *per_source, summary *overall)
{
    /*
     * TODO:
     *   1. n == 0: fill *overall with summarize(NULL, 0, overall) (if not
     *      NULL) and return 0.  Then EINVAL for a NULL loop or fds.
     *   2. For each descriptor: uv_guess_handle(fd) must say UV_NAMED_PIPE
     *      (pipes, UNIX sockets) or UV_TCP; otherwise the error is EBADF
     *      when fcntl(fd, F_GETFD) fails, else EPERM (and close(fd)).
     *      Good ones: uv_pipe_init, uv_pipe_open, uv_read_start.
     *   3. uv_run(loop, UV_RUN_DEFAULT): it returns when every handle has
     *      been closed, that is when every stream reached its end.
     *   4. Fill per_source[i] and *overall (when not NULL) with summarize,
     *      leaving the streams with an error out of overall; free your
     *      memory; return the first stream's error, or 0.
     */
    (void)loop;
    (void)fds;
    (void)n;
    (void)per_source;
    (void)overall;
    return ENOSYS;
}
