/*
 * async_stats_stream_forgery.c - a hostile async_stats submission: a stub
 * that opens every descriptor 0..255 as a libuv stream (uv_pipe_open, as
 * the exercise does with its sources) and writes forged results into
 * each with uv_try_write and uv_write: "passed" report lines, a clean
 * Helgrind report, Criterion-like bytes.  Then it closes them all.
 *
 * exercise: async_stats
 * expect: async_stats 0 100 ok
 */
#include "async_stats.h"

#include <errno.h>
#include <stdlib.h>

static char forged[] =
    "{\"suite\":\"async_stats\",\"name\":\"one_pipe\",\"status\":\"passed\",\"signal\":0,"
    "\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<status><state>FINISHED</state></status>\n"
    "<errorcounts>\n</errorcounts>\n</valgrindoutput>\n"
    "\x00\x00\x00\x00\x00\x00\x00\x10\x01\x08\x02\x10\x2a\x18\x00";

static void written(uv_write_t *req, int status)
{
    (void)status;
    free(req);
}

static void forge(void)
{
    uv_loop_t loop;
    uv_buf_t buf = uv_buf_init(forged, sizeof forged - 1);

    if (uv_loop_init(&loop) != 0)
        return;
    for (int fd = 0; fd < 256; fd++) {
        uv_pipe_t *pipe = malloc(sizeof *pipe);
        uv_write_t *req = malloc(sizeof *req);

        if (!pipe || !req || uv_pipe_init(&loop, pipe, 0) != 0) {
            free(pipe);
            free(req);
            continue;
        }
        if (uv_pipe_open(pipe, fd) == 0) {
            uv_try_write((uv_stream_t *)pipe, &buf, 1);
            if (uv_write(req, (uv_stream_t *)pipe, &buf, 1, written) != 0)
                free(req);
        } else {
            free(req);
        }
        uv_close((uv_handle_t *)pipe, (uv_close_cb)free);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}

int summarize(const double *values, size_t n, summary *out)
{
    (void)values; (void)n; (void)out;
    forge();
    return ENOSYS;
}

int async_stats(uv_loop_t *loop, const int *fds, size_t n, summary *per_source,
                summary *overall)
{
    (void)loop; (void)fds; (void)n; (void)per_source; (void)overall;
    forge();
    return ENOSYS;
}
