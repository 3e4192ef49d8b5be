/* toolchain.c - see toolchain.h. */
#define _GNU_SOURCE
#include "toolchain.h"
#include "sandbox.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The tool's path: argv[0] as given when it has a slash, else from PATH. */
static char *tool_path(const char *name)
{
    static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/local/bin" };

    if (strchr(name, '/'))
        return xstrdup(name);
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char *path = xasprintf("%s/%s", dirs[i], name);

        if (is_file(path))
            return path;
        free(path);
    }
    return xstrdup(name);
}

int tool_run(char *const argv[], const char *dir, unsigned run_as, size_t max_output,
             char **output)
{
    static char *const envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", "LANG=C", NULL };
    size_t argc = 0;
    char **args;
    sandbox_job job = {
        .envp = envp,
        .workdir = dir,
        .report_fd = -1,
        .run_as = run_as,
        .limits = SANDBOX_DEFAULT_LIMITS,
    };
    sandbox_result result;
    int err, code;

    while (argv[argc])
        argc++;
    args = xcalloc(argc + 1, sizeof *args);
    memcpy(args, argv, argc * sizeof *args);
    args[0] = tool_path(argv[0]);
    job.argv = args;
    job.limits.wall_s = TOOL_TIMEOUT_S;
    job.limits.cpu_s = TOOL_TIMEOUT_S;
    job.limits.memory_mb = 0;
    job.limits.file_mb = 256;
    job.limits.output_bytes = max_output;
    err = sandbox_run(&job, &result);
    free(args[0]);
    free(args);
    if (err) {
        *output = NULL;
        errno = err;
        return -1;
    }
    *output = result.output;
    if (result.timed_out)
        code = 128 + 9;
    else if (result.exited)
        code = result.exit_code;
    else
        code = 128 + result.signal;
    return code;
}
