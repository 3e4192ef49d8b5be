/* resource_check.c - see resource_check.h. */
#define _GNU_SOURCE
#include "resource_check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND 1
#endif
#endif
#ifndef HAVE_VALGRIND
#define RUNNING_ON_VALGRIND 0
#define VALGRIND_PRINTF(...) 0
#define VALGRIND_CLO_CHANGE(option) ((void)0)
#endif

#define RECORD_MAX 512
#define MAX_CHILDREN 1024
#define SETTLE_TICKS 50         /* 50 x 10 ms for a killed child to end */
#define SETTLE_TICK_NS 10000000L

void rc_resource_report(const char *fields, ...)
{
    char record[RECORD_MAX];
    va_list ap;

    va_start(ap, fields);
    vsnprintf(record, sizeof record, fields, ap);
    va_end(ap);
    if (RUNNING_ON_VALGRIND)
        VALGRIND_PRINTF("racecourse-resource %s\n", record);
    fprintf(stderr, "racecourse-resource %s\n", record);
}

/* ---- descriptors ---- */

static int watched_fds(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur > RC_RESOURCE_FDS)
        return RC_RESOURCE_FDS;
    return (int)rl.rlim_cur;
}

static int snapshot_fds(rc_resources *s)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *entry;
    struct stat st;

    if (!dir)
        return errno;
    s->fd_limit = watched_fds();
    memset(s->fd_ino, 0, sizeof s->fd_ino);
    while ((entry = readdir(dir))) {
        char *end;
        long fd = strtol(entry->d_name, &end, 10);

        if (*end || end == entry->d_name || fd < 0 || fd >= s->fd_limit ||
            fd == dirfd(dir) || fstat((int)fd, &st) != 0)
            continue;
        s->fd_dev[fd] = (uint64_t)st.st_dev;
        s->fd_ino[fd] = (uint64_t)st.st_ino | 1ull << 63;
    }
    closedir(dir);
    return 0;
}

/* pipe, socket, eventfd, ...: what /proc/self/fd/N points to, in one word. */
static const char *fd_type(int fd)
{
    static const char *const anon[] = { "eventfd", "eventpoll", "timerfd", "signalfd" };
    static const char *const words[] = { "eventfd", "epoll", "timerfd", "signalfd" };
    char path[64], target[256];
    ssize_t n;

    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, target, sizeof target - 1);
    if (n < 0)
        return "other";
    target[n] = '\0';
    if (!strncmp(target, "pipe:", 5))
        return "pipe";
    if (!strncmp(target, "socket:", 7))
        return "socket";
    for (size_t i = 0; i < sizeof anon / sizeof *anon; i++)
        if (strstr(target, anon[i]))
            return words[i];
    return target[0] == '/' ? "file" : "other";
}

static int compare_fds(const rc_resources *before, unsigned round)
{
    rc_resources now;
    int found = 0;

    if (snapshot_fds(&now) != 0)
        return -1;
    for (int fd = 0; fd < now.fd_limit && fd < before->fd_limit; fd++) {
        if (!now.fd_ino[fd] || (now.fd_ino[fd] == before->fd_ino[fd] &&
                                now.fd_dev[fd] == before->fd_dev[fd]))
            continue;
        rc_resource_report("kind=fd round=%u fd=%d type=%s", round, fd, fd_type(fd));
        close(fd);
        found++;
    }
    return found;
}

/* ---- shared mappings ---- */

static int snapshot_mappings(rc_mapping *out, size_t max, size_t *n)
{
    FILE *maps = fopen("/proc/self/maps", "re");
    char line[512];

    *n = 0;
    if (!maps)
        return errno;
    while (fgets(line, sizeof line, maps)) {
        uintptr_t start, end;
        char perms[8];
        unsigned long long inode;

        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s %*s %*s %llu", &start, &end, perms,
                   &inode) != 4 || strlen(perms) < 4 || perms[3] != 's')
            continue;
        if (*n < max)
            out[(*n)++] = (rc_mapping){ start, end, inode };
    }
    fclose(maps);
    return 0;
}

static bool had(const rc_resources *before, const rc_mapping *m)
{
    for (size_t i = 0; i < before->n_shared; i++)
        if (before->shared[i].start == m->start && before->shared[i].end == m->end &&
            before->shared[i].inode == m->inode)
            return true;
    return false;
}

static int compare_mappings(const rc_resources *before, unsigned round)
{
    static rc_mapping now[RC_RESOURCE_MAPPINGS];
    size_t n;
    int found = 0;

    if (snapshot_mappings(now, RC_RESOURCE_MAPPINGS, &n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (had(before, &now[i]))
            continue;
        rc_resource_report("kind=mapping round=%u bytes=%zu", round,
                           (size_t)(now[i].end - now[i].start));
        munmap((void *)now[i].start, now[i].end - now[i].start);
        found++;
    }
    return found;
}

/* ---- children ---- */

/* Appends the pids listed in the text file `path` (space-separated). */
static void read_pids(const char *path, pid_t *pids, size_t *n)
{
    FILE *f = fopen(path, "re");
    long pid;

    if (!f)
        return;
    while (*n < MAX_CHILDREN && fscanf(f, "%ld", &pid) == 1)
        pids[(*n)++] = (pid_t)pid;
    fclose(f);
}

/* This process's children from the kernel's children files; false: none there. */
static bool children_files(pid_t *pids, size_t *n)
{
    DIR *dir = opendir("/proc/self/task");
    struct dirent *entry;
    bool found = false;
    char path[300];

    if (!dir)
        return false;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/children", entry->d_name);
        if (access(path, R_OK) != 0)
            continue;
        found = true;
        read_pids(path, pids, n);
    }
    closedir(dir);
    return found;
}

/* The state letter and parent of process `pid` ('\0' when it is gone). */
static char process_state(pid_t pid, pid_t *ppid)
{
    char path[64], text[1024], *close_paren, state = '\0';
    FILE *f;
    size_t n;
    long parent = 0;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "re")))
        return '\0';
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    close_paren = strrchr(text, ')');   /* the name may hold spaces and ')' */
    if (close_paren && sscanf(close_paren + 1, " %c %ld", &state, &parent) == 2 && ppid)
        *ppid = (pid_t)parent;
    return state;
}

/* Where the kernel has no children files: every process whose parent is this one. */
static void scan_children(pid_t *pids, size_t *n)
{
    DIR *dir = opendir("/proc");
    struct dirent *entry;
    pid_t self = getpid(), parent;

    if (!dir)
        return;
    while (*n < MAX_CHILDREN && (entry = readdir(dir))) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);

        parent = 0;
        if (*end || end == entry->d_name || pid <= 0)
            continue;
        if (process_state((pid_t)pid, &parent) && parent == self)
            pids[(*n)++] = (pid_t)pid;
    }
    closedir(dir);
}

/* Children of this process now, into pids[0..*n). */
static void list_children(pid_t *pids, size_t *n)
{
    *n = 0;
    if (!children_files(pids, n))
        scan_children(pids, n);
}

/*
 * Whether every child is a zombie after a short grace: a worker that was
 * just sent SIGKILL is still alive for a moment (longer under Valgrind),
 * and it is reported as what it becomes, a zombie when nobody waits for it.
 */
static void let_children_settle(pid_t *pids, size_t *n)
{
    struct timespec tick = { 0, SETTLE_TICK_NS };

    for (int i = 0; i < SETTLE_TICKS; i++) {
        size_t settled = 0;

        for (size_t j = 0; j < *n; j++)
            settled += process_state(pids[j], NULL) == 'Z';
        if (settled == *n)
            return;
        nanosleep(&tick, NULL);
        list_children(pids, n);
    }
}

static int compare_children(unsigned round)
{
    static pid_t pids[MAX_CHILDREN];
    size_t n = 0, alive = 0, zombies = 0;
    char list[RC_RESOURCE_PIDS * 12] = "";
    size_t used = 0;
    int status;
    pid_t reaped;

    list_children(pids, &n);
    let_children_settle(pids, &n);
    for (size_t i = 0; i < n; i++) {
        if (process_state(pids[i], NULL) == 'Z')
            zombies++;
        else
            alive++;
        if (i < RC_RESOURCE_PIDS)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%d", i ? "," : "",
                                     (int)pids[i]);
    }
    /* What /proc did not show (a child that ended just now) waitpid finds. */
    reaped = waitpid(-1, &status, WNOHANG);
    if (n == 0 && reaped != 0 && !(reaped < 0 && errno == ECHILD)) {
        zombies = 1;
        if (reaped > 0)
            snprintf(list, sizeof list, "%d", (int)reaped);
    }
    if (alive + zombies == 0)
        return 0;
    rc_resource_report("kind=children round=%u alive=%zu zombies=%zu pids=%s", round, alive,
                       zombies, *list ? list : "-");
    for (size_t i = 0; i < n; i++)
        kill(pids[i], SIGKILL);
    while (waitpid(-1, &status, 0) > 0 || errno == EINTR)
        ;
    return 1;
}

/* ---- the interface ---- */

void rc_skip_leak_search(void)
{
    if (RUNNING_ON_VALGRIND)
        VALGRIND_CLO_CHANGE("--leak-check=no");
}

int rc_children_skip_leak_search(void)
{
    /* in each child just forked: its leak search would be silent (see the header) */
    return RUNNING_ON_VALGRIND ? pthread_atfork(NULL, NULL, rc_skip_leak_search) : 0;
}

int rc_resources_snapshot(rc_resources *s)
{
    int err = snapshot_fds(s);

    if (!err)
        err = snapshot_mappings(s->shared, RC_RESOURCE_MAPPINGS, &s->n_shared);
    return err;
}

int rc_resources_compare(const rc_resources *before, unsigned round)
{
    int children = compare_children(round);
    int fds = compare_fds(before, round);
    int mappings = compare_mappings(before, round);

    if (fds < 0 || mappings < 0) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    return children + fds + mappings;
}
