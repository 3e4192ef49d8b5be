/*
 * five_tasks_uv_spawn.c - a hostile five_tasks submission: a stub that
 * starts a shell through uv_spawn to rewrite the race driver, signals its
 * parent with uv_kill, sets the environment Criterion obeys with
 * uv_os_setenv, loads code with uv_dlopen and runs work on libuv's thread
 * pool: none of it is the event loop the exercise needs.
 *
 * exercise: five_tasks
 * expect: five_tasks 0 100 failed
 * expect-json: uv_spawn()
 * expect-json: uv_kill()
 * expect-json: uv_os_setenv()
 */
#include "five_tasks.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

static void nothing(uv_work_t *req)
{
    (void)req;
}

static void tamper(void)
{
    char *args[] = { "/bin/sh", "-c", "printf '#!/bin/sh\\nexit 42\\n' > ../race_driver", NULL };
    uv_process_options_t options = { .file = args[0], .args = args };
    uv_process_t child;
    uv_lib_t lib;
    uv_work_t work;
    uv_loop_t loop;

    if (uv_loop_init(&loop) != 0)
        return;
    uv_os_setenv("CRITERION_ALWAYS_SUCCEED", "1");
    if (uv_spawn(&loop, &child, &options) == 0)
        uv_close((uv_handle_t *)&child, NULL);
    uv_queue_work(&loop, &work, nothing, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    uv_dlopen("libc.so.6", &lib);
    uv_kill(getppid(), SIGKILL);
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
