/*
 * test_resource_check.c - tests of the harness's resource check
 * (harness/resource_check.c), built from that file like the guards'.
 *
 * Leaves something behind on purpose (a pipe, a shared mapping, a zombie,
 * a child still running) between a snapshot and the comparison, and
 * checks the number of findings, the records written to stderr, and that
 * the comparison cleaned up (descriptors closed, mapping gone, children
 * reaped), so that the next comparison finds nothing.
 *
 * The leak searches memcheck skips (rc_skip_leak_search and
 * rc_children_skip_leak_search) are tried on this program itself, run
 * again under memcheck with one of the roles below.
 *
 * Prints "file:line: message" for each failed check, then "N passed, M
 * failed"; exits 1 when a check failed.
 */
#define _GNU_SOURCE
#include "../../harness/resource_check.h"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static char buffer[8192];
static const char *records = buffer;
static int record_fd;       /* stderr for the whole test: the records */

/* Compares with `before`; the records it wrote in `records`. */
static int compare(const rc_resources *before, unsigned round)
{
    int found;
    ssize_t n;

    if (ftruncate(record_fd, 0) != 0 || lseek(record_fd, 0, SEEK_SET) != 0)
        exit(2);
    found = rc_resources_compare(before, round);
    fflush(stderr);
    n = pread(record_fd, buffer, sizeof buffer - 1, 0);
    buffer[n > 0 ? n : 0] = '\0';
    return found;
}

static void test_nothing_left(void)
{
    rc_resources before;
    void *private_map;

    CHECK_INT(rc_resources_snapshot(&before), 0);
    private_map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_INT(compare(&before, 0), 0);
    CHECK(records[0] == '\0', "no record: \"%s\"", records);
    munmap(private_map, 4096);
}

static void test_pipe_left(void)
{
    rc_resources before;
    int fds[2];

    CHECK_INT(rc_resources_snapshot(&before), 0);
    if (pipe(fds) != 0)
        exit(2);
    CHECK_INT(compare(&before, 1), 2);
    CHECK_HAS(records, "racecourse-resource kind=fd round=1 fd=");
    CHECK_HAS(records, " type=pipe\n");
    CHECK(fcntl(fds[0], F_GETFD) < 0 && fcntl(fds[1], F_GETFD) < 0, "both ends were closed");
    CHECK_INT(compare(&before, 2), 0);
}

static void test_shared_mapping_left(void)
{
    rc_resources before;
    void *shared;

    CHECK_INT(rc_resources_snapshot(&before), 0);
    shared = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(shared != MAP_FAILED, "mmap");
    CHECK_INT(compare(&before, 3), 1);
    CHECK_STR(records, "racecourse-resource kind=mapping round=3 bytes=8192\n");
    CHECK_INT(compare(&before, 4), 0);
}

static void test_zombie_left(void)
{
    rc_resources before;
    char want[96];
    pid_t child;

    CHECK_INT(rc_resources_snapshot(&before), 0);
    child = fork();
    if (child == 0)
        _exit(0);
    usleep(100 * 1000);
    CHECK_INT(compare(&before, 5), 1);
    snprintf(want, sizeof want,
             "racecourse-resource kind=children round=5 alive=0 zombies=1 pids=%d\n", (int)child);
    CHECK_STR(records, want);
    CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "the zombie was reaped");
}

static void test_child_alive(void)
{
    rc_resources before;
    pid_t children[2];

    CHECK_INT(rc_resources_snapshot(&before), 0);
    for (int i = 0; i < 2; i++) {
        children[i] = fork();
        if (children[i] == 0)
            for (;;)
                pause();
    }
    CHECK_INT(compare(&before, 6), 1);
    CHECK_HAS(records, "racecourse-resource kind=children round=6 alive=2 zombies=0 pids=");
    CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "the children were killed and reaped");
    CHECK(kill(children[0], 0) < 0 && kill(children[1], 0) < 0, "no child is left");
}

/* Where a role keeps its block for a moment (volatile: the malloc stays). */
static void *volatile leaked;

/*
 * The roles this program plays under memcheck: each leaves a block that
 * nothing points to, in the process itself or in a child it waits for,
 * and ends with the child's status (or 0).
 */
static int play(const char *role)
{
    bool children = strstr(role, "child") != NULL;
    pid_t child = 0;
    int status = 0;

    if (!strcmp(role, "child-skipped") && rc_children_skip_leak_search() != 0)
        return 2;
    if (children && (child = fork()) < 0)
        return 2;
    if (!children || child == 0) {
        leaked = malloc(64);
        leaked = NULL;
        if (!strcmp(role, "skipped"))
            rc_skip_leak_search();
        return 0;
    }
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
        return 2;
    return WEXITSTATUS(status);
}

/* This program under memcheck in `role`: its exit status, 3 for a leak found. */
static int under_memcheck(const char *role)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char *command;
    int status;

    if (n < 0)
        return -1;
    self[n] = '\0';
    if (asprintf(&command, "valgrind --tool=memcheck -q --leak-check=full "
                 "--errors-for-leak-kinds=definite --error-exitcode=3 "
                 "--child-silent-after-fork=no '%s' %s 2>/dev/null", self, role) < 0)
        return -1;
    status = system(command);
    free(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_leak_search_skipped(void)
{
    if (system("valgrind --version >/dev/null 2>&1") != 0) {
        CHECK(0, "valgrind is needed for this test");
        return;
    }
    CHECK_INT(under_memcheck("searched"), 3);
    CHECK_INT(under_memcheck("skipped"), 0);
    CHECK_INT(under_memcheck("child-searched"), 3);
    CHECK_INT(under_memcheck("child-skipped"), 0);
}

int main(int argc, char **argv)
{
    char path[] = "/tmp/test_resource_check.XXXXXX";

    if (argc == 2)
        return play(argv[1]);

    /* Made before any snapshot, so that it is no finding. */
    record_fd = mkstemp(path);
    if (record_fd < 0 || dup2(record_fd, 2) < 0)
        return 2;
    unlink(path);
    setvbuf(stderr, NULL, _IONBF, 0);
    test_nothing_left();
    test_pipe_left();
    test_shared_mapping_left();
    test_zombie_left();
    test_child_alive();
    test_leak_search_skipped();
    return check_finish();
}
