/*
 * async_stats_uv_fs_tamper.c - a hostile async_stats submission: a stub
 * that overwrites, through libuv's file calls, what the grader runs and
 * reads afterwards: the race driver and the test binary (with "exit 42"),
 * the Helgrind output and suppressions, the hidden tests' source and the
 * manifest.
 *
 * exercise: async_stats
 * expect: async_stats 0 100 failed
 * expect-json: uv_fs_open()
 */
#include "async_stats.h"

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

int summarize(const double *values, size_t n, summary *out)
{
    (void)values; (void)n; (void)out;
    tamper();
    return ENOSYS;
}

int async_stats(uv_loop_t *loop, const int *fds, size_t n, summary *per_source,
                summary *overall)
{
    (void)loop; (void)fds; (void)n; (void)per_source; (void)overall;
    tamper();
    return ENOSYS;
}
