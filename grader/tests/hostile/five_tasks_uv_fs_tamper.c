/*
 * five_tasks_uv_fs_tamper.c - a hostile five_tasks submission: a stub that
 * overwrites, through libuv's file calls, what the grader runs and reads
 * afterwards: the race driver and the test binary (with "exit 42"), the
 * Helgrind output and suppressions, the hidden tests' source and the
 * manifest.  It once scored the race points as "clean".
 *
 * exercise: five_tasks
 * expect: five_tasks 0 100 failed
 * expect-json: uv_fs_open()
 */
#include "five_tasks.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

static const char *const targets[] = {
    "race_driver", "../race_driver", "tests", "../tests", "helgrind.xml", "../helgrind.xml",
    "helgrind.supp", "../helgrind.supp", "hidden_tests.c", "../hidden_tests.c",
    "manifest.ini", "../manifest.ini", "../../manifest.ini", NULL,
};

/* Replaces each target with a script that "passes", or a suppression of everything. */
static void tamper(void)
{
    static char script[] = "#!/bin/sh\nexit 42\n";
    static char suppress[] = "{\n  all\n  Helgrind:Race\n  ...\n}\n";
    uv_loop_t loop;

    if (uv_loop_init(&loop) != 0)
        return;
    for (size_t i = 0; targets[i]; i++) {
        uv_fs_t req;
        uv_buf_t buf;
        int fd;

        buf = strstr(targets[i], ".supp") ? uv_buf_init(suppress, sizeof suppress - 1)
                                          : uv_buf_init(script, sizeof script - 1);
        uv_fs_unlink(&loop, &req, targets[i], NULL);
        uv_fs_req_cleanup(&req);
        fd = uv_fs_open(&loop, &req, targets[i], O_WRONLY | O_CREAT | O_TRUNC, 0755, NULL);
        uv_fs_req_cleanup(&req);
        if (fd < 0)
            continue;
        uv_fs_write(&loop, &req, fd, &buf, 1, 0, NULL);
        uv_fs_req_cleanup(&req);
        uv_fs_close(&loop, &req, fd, NULL);
        uv_fs_req_cleanup(&req);
    }
    uv_loop_close(&loop);
}

int run_sync(const task_spec *tasks, size_t n, task_work work, void *ctx,
             task_record *records)
{
    (void)tasks; (void)n; (void)work; (void)ctx; (void)records;
    tamper();
    return ENOSYS;
}

int run_parallel(const task_spec *tasks, size_t n, task_work work, void *ctx,
                 task_record *records)
{
    (void)tasks; (void)n; (void)work; (void)ctx; (void)records;
    tamper();
    return ENOSYS;
}

int run_pool(const task_spec *tasks, size_t n, size_t workers, task_work work, void *ctx,
             task_record *records)
{
    (void)tasks; (void)n; (void)workers; (void)work; (void)ctx; (void)records;
    tamper();
    return ENOSYS;
}

int run_async(uv_loop_t *loop, const task_spec *tasks, size_t n, task_record *records)
{
    (void)loop; (void)tasks; (void)n; (void)records;
    tamper();
    return ENOSYS;
}
