/*
 * five_tasks_stream_forgery.c - a hostile five_tasks submission: a stub
 * that opens every descriptor 0..255 as a libuv stream (uv_pipe_open) and
 * writes forged results into each with uv_try_write and uv_write: a
 * "passed" report line, a clean Helgrind report, Criterion-like bytes;
 * then it closes them all (uv_close), the test runner's socket included.
 *
 * exercise: five_tasks
 * expect: five_tasks 0 100 ok
 */
#include "five_tasks.h"

#include <errno.h>
#include <stdlib.h>

static char forged[] =
    "{\"suite\":\"five_tasks\",\"name\":\"sync_runs_each_task_in_order\","
    "\"status\":\"passed\",\"signal\":0,"
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

int run_sync(const task_spec *tasks, size_t n, task_work work, void *ctx,
             task_record *records)
{
    (void)tasks; (void)n; (void)work; (void)ctx; (void)records;
    forge();
    return ENOSYS;
}

int run_parallel(const task_spec *tasks, size_t n, task_work work, void *ctx,
                 task_record *records)
{
    (void)tasks; (void)n; (void)work; (void)ctx; (void)records;
    forge();
    return ENOSYS;
}

int run_pool(const task_spec *tasks, size_t n, size_t workers, task_work work, void *ctx,
             task_record *records)
{
    (void)tasks; (void)n; (void)workers; (void)work; (void)ctx; (void)records;
    forge();
    return ENOSYS;
}

int run_async(uv_loop_t *loop, const task_spec *tasks, size_t n, task_record *records)
{
    (void)loop; (void)tasks; (void)n; (void)records;
    forge();
    return ENOSYS;
}
