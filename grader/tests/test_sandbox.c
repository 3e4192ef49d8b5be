/*
 * test_sandbox.c - the sandbox against programs that misbehave on purpose.
 *
 * Each case runs a small shell program through sandbox_run() and checks
 * what the grader must be able to rely on: the wall-clock limit holds,
 * output is capped, a fork bomb is capped, nothing the run started is
 * left behind (where PID namespaces are allowed), and limits on CPU,
 * memory and file size end the program; a folder covered for one run is
 * covered there only, read-only.
 */
#define _GNU_SOURCE
#include "check.h"
#include "sandbox.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char work_dir[] = "/tmp/test_sandbox.XXXXXX";

static sandbox_result run_shell(const char *script, double wall_s, sandbox_limits limits,
                                int *err)
{
    char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
    char *envp[] = { "PATH=/usr/bin:/bin", NULL };
    sandbox_job job = { .argv = argv, .envp = envp, .workdir = work_dir, .report_fd = -1,
                        .limits = limits };
    sandbox_result result;

    job.limits.wall_s = wall_s;
    *err = sandbox_run(&job, &result);
    return result;
}

/* Processes whose command line contains `marker`. */
static int processes_with(const char *marker)
{
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    int found = 0;

    while (proc && (entry = readdir(proc))) {
        char path[300], *cmdline;
        size_t len;

        if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/cmdline", entry->d_name);
        if (!(cmdline = read_file(path, &len)))
            continue;
        for (size_t i = 0; i + 1 < len; i++)
            if (!cmdline[i])
                cmdline[i] = ' ';
        found += strstr(cmdline, marker) != NULL;
        free(cmdline);
    }
    if (proc)
        closedir(proc);
    return found;
}

static bool namespaced(void)
{
    return strncmp(sandbox_containment(), "own PID namespace", 17) == 0;
}

static void test_plain_run(void)
{
    int err;
    sandbox_result r = run_shell("echo hello; exit 3", 10, SANDBOX_DEFAULT_LIMITS, &err);

    CHECK_INT(err, 0);
    CHECK(r.exited && r.exit_code == 3, "exit status 3 is kept (exited %d, code %d)",
          r.exited, r.exit_code);
    CHECK_STR(r.output, "hello\n");
    free(r.output);
}

static void test_wall_clock_limit(void)
{
    int err;
    sandbox_result r = run_shell("sleep 30", 1, SANDBOX_DEFAULT_LIMITS, &err);

    CHECK_INT(err, 0);
    CHECK(r.timed_out, "a sleep past the limit is a timeout");
    CHECK(r.wall_s < 5, "killed soon after the 1 s limit (took %.1f s)", r.wall_s);
    free(r.output);
}

static void test_output_flood(void)
{
    int err;
    sandbox_limits limits = SANDBOX_DEFAULT_LIMITS;
    sandbox_result r;

    limits.output_bytes = 4096;
    r = run_shell("echo first line; yes flood | head -c 50000000; echo; echo last line",
                  30, limits, &err);
    CHECK_INT(err, 0);
    CHECK(r.output_total > 50000000, "every byte is counted (%zu)", r.output_total);
    CHECK(strlen(r.output) < 4096 + 200, "the output kept is capped (%zu bytes)",
          strlen(r.output));
    CHECK_HAS(r.output, "first line");
    CHECK_HAS(r.output, "last line");
    CHECK_HAS(r.output, "bytes of output left out");
    free(r.output);
}

static void test_escapee_is_killed(void)
{
    int err;
    sandbox_result r = run_shell("setsid sleep 61.25 & sleep 61.25 & echo started", 10,
                                 SANDBOX_DEFAULT_LIMITS, &err);

    CHECK_INT(err, 0);
    CHECK_HAS(r.output, "started");
    usleep(200 * 1000);
    if (namespaced())
        CHECK_INT(processes_with("sleep 61.25"), 0);
    else
        printf("note: no PID namespace here; escapees may survive (%s)\n",
               sandbox_containment());
    free(r.output);
}

static void test_fork_bomb_is_capped(void)
{
    int err;
    sandbox_limits limits = SANDBOX_DEFAULT_LIMITS;
    sandbox_result r;

    limits.processes = 64;
    r = run_shell("bomb() { bomb | bomb & }; bomb; sleep 61.5", 5, limits, &err);
    CHECK_INT(err, 0);
    CHECK(r.wall_s < 10, "the fork bomb ends within its limit (took %.1f s)", r.wall_s);
    usleep(200 * 1000);
    if (namespaced())
        CHECK_INT(processes_with("sleep 61.5"), 0);
    free(r.output);
}

static void test_cpu_limit(void)
{
    int err;
    sandbox_limits limits = SANDBOX_DEFAULT_LIMITS;
    sandbox_result r;

    limits.cpu_s = 1;
    r = run_shell("while :; do :; done", 20, limits, &err);
    CHECK_INT(err, 0);
    CHECK(r.signal == SIGXCPU || r.signal == SIGKILL, "a spinning program is stopped by "
          "the CPU limit (signal %d)", r.signal);
    CHECK(!r.timed_out && r.wall_s < 10, "before the wall-clock limit (%.1f s)", r.wall_s);
    free(r.output);
}

static void test_file_size_limit(void)
{
    int err;
    sandbox_limits limits = SANDBOX_DEFAULT_LIMITS;
    sandbox_result r;

    limits.file_mb = 1;
    r = run_shell("head -c 5000000 /dev/zero > big; echo wrote $?", 10, limits, &err);
    CHECK_INT(err, 0);
    CHECK_HAS(r.output, "wrote 1");
    free(r.output);
}

static void test_memory_limit(void)
{
    int err;
    sandbox_limits limits = SANDBOX_DEFAULT_LIMITS;
    sandbox_result r;

    limits.memory_mb = 64;
    r = run_shell("head -c 400000000 /dev/zero | tail -c 300000000 > /dev/null; echo kept $?",
                  30, limits, &err);
    CHECK_INT(err, 0);
    CHECK(r.exited && strstr(r.output, "kept ") && !strstr(r.output, "kept 0"),
          "tail cannot hold 300 MB under a 64 MB limit (%s)", r.output);
    free(r.output);
}

static void test_killing_the_keeper(void)
{
    int err;
    sandbox_result r = run_shell("kill -9 $PPID; kill -9 0; sleep 1; exit 7", 10,
                                 SANDBOX_DEFAULT_LIMITS, &err);

    /* In a PID namespace the program cannot see its keeper, and its own
       kill(0) spares the namespace's first process; in a plain process
       group it kills the keeper.  Either way the grader carries on. */
    CHECK_INT(err, 0);
    CHECK(r.signal == SIGKILL || (r.exited && r.exit_code == 7),
          "the run ends as killed or as the program's own exit (signal %d, exit %d)",
          r.signal, r.exit_code);
    CHECK(r.wall_s < 8, "and it ends at once (%.1f s)", r.wall_s);
    free(r.output);
}

/*
 * Runs `script` with `with` covering `covered`: inside a namespaced run,
 * `covered` shows what `with` holds (the one file "cover-file"), read-only;
 * without namespaces it shows its own files ("own-file").
 */
static void check_covered(const char *covered, const char *with, const char *script)
{
    char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
    char *envp[] = { "PATH=/usr/bin:/bin", NULL };
    sandbox_job job = { .argv = argv, .envp = envp, .workdir = work_dir, .report_fd = -1,
                        .cover_dir = covered, .cover_with = with,
                        .limits = SANDBOX_DEFAULT_LIMITS };
    sandbox_result r;

    job.limits.wall_s = 10;
    CHECK_INT(sandbox_run(&job, &r), 0);
    if (namespaced())
        CHECK_STR(r.output, "cover-file\n");
    else
        CHECK_HAS(r.output, "own-file");
    free(r.output);
}

/* cover_dir/cover_with: inside a namespaced run only, and read-only. */
static void test_cover(void)
{
    char *covered = xasprintf("%s/covered", work_dir), *with = xasprintf("%s/with", work_dir);
    char *own = xasprintf("%s/own-file", covered), *theirs = xasprintf("%s/cover-file", with);
    char *script = xasprintf("ls %s; touch %s/new 2>/dev/null && echo writable", covered, covered);

    CHECK(mkdir(covered, 0755) == 0 && mkdir(with, 0755) == 0 &&
          write_file(own, "", 0, 0644) == 0 && write_file(theirs, "", 0, 0644) == 0,
          "setting up the folders");
    check_covered(covered, with, script);
    CHECK(is_file(own), "the cover is not seen outside the run");
    free(covered);
    free(with);
    free(own);
    free(theirs);
    free(script);
}

/*
 * A cover that lies under /tmp, outside the work directory (the cache of a
 * kit cloned under /tmp), is bound all the same, over a folder elsewhere.
 */
static void test_cover_from_tmp(void)
{
    char covered[] = "/var/tmp/test_sandbox_covered.XXXXXX";
    char with[] = "/tmp/test_sandbox_with.XXXXXX";
    bool made = mkdtemp(covered) && mkdtemp(with) && chmod(covered, 0755) == 0 &&
                chmod(with, 0755) == 0;
    char *own = xasprintf("%s/own-file", covered), *theirs = xasprintf("%s/cover-file", with);
    char *script = xasprintf("ls %s", covered);

    CHECK(made && write_file(own, "", 0, 0644) == 0 && write_file(theirs, "", 0, 0644) == 0,
          "setting up the folders");
    check_covered(covered, with, script);
    remove_tree(covered);
    remove_tree(with);
    free(own);
    free(theirs);
    free(script);
}

/* A run in its own namespaces sees no CA certificates (sandbox.c, hide_certificates). */
static void test_no_certificates(void)
{
    int err;
    sandbox_result r = run_shell("ls -A /etc/ssl/certs | wc -l", 10, SANDBOX_DEFAULT_LIMITS,
                                 &err);

    CHECK_INT(err, 0);
    if (namespaced() && is_dir("/etc/ssl/certs"))
        CHECK_STR(r.output, "0\n");
    free(r.output);
}

/* A run asked to stay on one CPU sees one, and so do its children; other runs see every CPU
   this test may use. */
static void test_one_cpu(void)
{
    char *argv[] = { "/bin/sh", "-c", "nproc; sh -c nproc", NULL };
    char *envp[] = { "PATH=/usr/bin:/bin", NULL };
    sandbox_job job = { .argv = argv, .envp = envp, .workdir = work_dir, .report_fd = -1,
                        .one_cpu = true, .limits = SANDBOX_DEFAULT_LIMITS };
    sandbox_result r;
    cpu_set_t mine;
    char all[64];
    int err;

    job.limits.wall_s = 10;
    CHECK_INT(sandbox_run(&job, &r), 0);
    CHECK_STR(r.output, "1\n1\n");
    free(r.output);
    r = run_shell("nproc", 10, SANDBOX_DEFAULT_LIMITS, &err);
    CHECK_INT(err, 0);
    CHECK_INT(sched_getaffinity(0, sizeof mine, &mine), 0);
    snprintf(all, sizeof all, "%d\n", CPU_COUNT(&mine));     /* the CPUs this test may use */
    CHECK_STR(r.output, all);
    free(r.output);
}

static void test_missing_program(void)
{
    char *argv[] = { "/nonexistent/program", NULL };
    char *envp[] = { NULL };
    sandbox_job job = { .argv = argv, .envp = envp, .workdir = work_dir, .report_fd = -1,
                        .limits = SANDBOX_DEFAULT_LIMITS };
    sandbox_result r;

    CHECK_INT(sandbox_run(&job, &r), ENOENT);
}

int main(void)
{
    if (!mkdtemp(work_dir) || (geteuid() == 0 && chown(work_dir, SANDBOX_NOBODY, SANDBOX_NOBODY) != 0)) {
        perror("test_sandbox: work directory");
        return 2;
    }
    printf("containment: %s\n", sandbox_containment());
    test_plain_run();
    test_wall_clock_limit();
    test_output_flood();
    test_escapee_is_killed();
    test_fork_bomb_is_capped();
    test_cpu_limit();
    test_file_size_limit();
    test_memory_limit();
    test_killing_the_keeper();
    test_cover();
    test_cover_from_tmp();
    test_no_certificates();
    test_one_cpu();
    test_missing_program();
    remove_tree(work_dir);
    return check_finish();
}
