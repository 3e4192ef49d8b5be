/*
 * test_seal.c - a sealed work directory (grader/seal.c): read-only files,
 * a writable scratch folder, a fingerprint that notices any change, and
 * runs that cannot change what the grader runs next.
 */
#define _GNU_SOURCE
#include "check.h"
#include "sandbox.h"
#include "seal.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Outside /tmp, which every run gets a private copy of: the seal must hold by itself. */
static char dir[] = "/var/tmp/test_seal.XXXXXX";

static bool namespaced(void)
{
    return strncmp(sandbox_containment(), "own PID namespace", 17) == 0;
}

static mode_t mode_of(const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    struct stat st;
    mode_t mode = stat(path, &st) == 0 ? st.st_mode & 07777 : 0;

    free(path);
    return mode;
}

static bool exists(const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    struct stat st;
    bool found = lstat(path, &st) == 0;

    free(path);
    return found;
}

static void put(const char *name, const char *text, int mode)
{
    char *path = xasprintf("%s/%s", dir, name);

    CHECK_INT(write_file(path, text, strlen(text), mode), 0);
    chmod(path, (mode_t)mode);
    free(path);
}

/* Runs `script` in the scratch folder as the runs do; its output. */
static char *run_in_scratch(const seal *s, const char *script)
{
    char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
    char *envp[] = { "PATH=/usr/bin:/bin", NULL };
    sandbox_job job = { .argv = argv, .envp = envp, .workdir = s->scratch,
                        .sealed_dir = s->dir, .report_fd = -1,
                        .limits = SANDBOX_DEFAULT_LIMITS };
    sandbox_result r;

    job.limits.wall_s = 10;
    CHECK_INT(sandbox_run(&job, &r), 0);
    return r.output;
}

static const char tamper[] =
    "printf '#!/bin/sh\\nexit 42\\n' > ../tests; rm -f ../kit.c; chmod 777 ../tests; "
    "touch ../new; echo made > made && echo scratch-writable";

static void test_seal(void)
{
    seal s;
    char *out;

    put("tests", "#!/bin/sh\nexit 1\n", 0755);
    put("helgrind.supp", "{}\n", 0644);
    put("kit.c", "int x;\n", 0644);
    CHECK_INT(seal_work_dir(dir, 0, &s), 0);
    CHECK_INT(mode_of("tests"), 0555);
    CHECK_INT(mode_of("helgrind.supp"), 0444);
    CHECK_INT(mode_of("kit.c"), 0400);
    CHECK_INT(mode_of(""), 0711);
    CHECK(is_dir(s.scratch), "the scratch folder exists");
    CHECK(seal_intact(&s), "a fresh seal is intact");

    /* A run cannot change the sealed files, and can write its scratch folder. */
    out = run_in_scratch(&s, tamper);
    if (geteuid() == 0)
        CHECK_HAS(out, "scratch-writable");
    free(out);
    CHECK(seal_intact(&s), "the run changed nothing sealed");
    CHECK(!exists("new"), "no new file in the sealed folder");

    /* Where the run has a mount namespace, even weak modes do not let it write. */
    chmod(dir, 0777);
    put("kit.c", "int x;\n", 0666);
    put("tests", "#!/bin/sh\nexit 1\n", 0777);
    CHECK(seal_intact(&s), "modes are not part of the fingerprint");
    if (namespaced()) {
        out = run_in_scratch(&s, tamper);
        free(out);
        CHECK(seal_intact(&s), "read-only for the run whatever the modes");
    }

    /* Any change of a file, or a new one, breaks the seal. */
    put("kit.c", "int y;\n", 0644);
    CHECK(!seal_intact(&s), "a changed file is noticed");
    put("kit.c", "int x;\n", 0644);
    CHECK(seal_intact(&s), "the same bytes again");
    put("extra", "", 0644);
    CHECK(!seal_intact(&s), "a new file is noticed");
    seal_free(&s);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("test_seal: work directory");
        return 2;
    }
    chmod(dir, 0755);
    sandbox_init();
    test_seal();
    remove_tree(dir);
    return check_finish();
}
