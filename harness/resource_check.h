/*
 * resource_check.h - what a process's code left behind: children,
 * descriptors, shared mappings.
 *
 * The second check of an exercise whose concurrency is between processes
 * (manifest `check = resources`, process_pool) is not Helgrind but a
 * resource check: a driver takes a snapshot before the code under test
 * makes something (pool_create), lets it work and destroy it, then
 * compares:
 *
 *   children     no child may be left, running or a zombie: the children
 *                of every thread (/proc/self/task/<tid>/children, or a
 *                scan of /proc for this process's children where the
 *                kernel has no such file), and waitpid(-1, WNOHANG) must
 *                give ECHILD;
 *   descriptors  /proc/self/fd below the soft RLIMIT_NOFILE (Valgrind keeps
 *                its own above it) must hold the same files as before
 *                (same number, same device and inode);
 *   mappings     /proc/self/maps must have no shared mapping ("s" in its
 *                permissions) that was not there before.
 *
 * Each difference is one finding, reported as one record (a line) through
 * rc_resource_report(): to Valgrind's XML report as a client message when
 * the driver runs under Valgrind (grader/resource_report.c reads them),
 * and to stderr in all cases, for a person running the driver by hand.
 * A record is "racecourse-resource" followed by key=value fields separated
 * by one space; values have no spaces:
 *
 *   racecourse-resource kind=children round=3 alive=1 zombies=1 pids=812,813
 *   racecourse-resource kind=fd round=3 fd=5 type=pipe
 *   racecourse-resource kind=mapping round=3 bytes=4096
 *   racecourse-resource kind=done rounds=40
 *
 * type of a descriptor: pipe, socket, eventfd, epoll, timerfd, signalfd,
 * file or other.  The driver ends with the record kind=done; the grader
 * counts a run without it as stopped early.
 *
 * After reporting, rc_resources_compare() cleans up what was left (kills
 * and reaps the children, closes the descriptors, unmaps the mappings), so
 * that one leak is reported once and the next round starts clean.
 */
#ifndef RACECOURSE_RESOURCE_CHECK_H
#define RACECOURSE_RESOURCE_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Descriptors and shared mappings followed; more are ignored. */
#define RC_RESOURCE_FDS 1024
#define RC_RESOURCE_MAPPINGS 256
/* Children named in one record; more are counted, not named. */
#define RC_RESOURCE_PIDS 16

typedef struct rc_mapping {
    uintptr_t start, end;
    uint64_t inode;
} rc_mapping;

/* What the process held at one moment. */
typedef struct rc_resources {
    int fd_limit;                           /* descriptors below it are watched */
    uint64_t fd_dev[RC_RESOURCE_FDS];       /* identity of descriptor i; */
    uint64_t fd_ino[RC_RESOURCE_FDS];       /* fd_ino 0: not open */
    rc_mapping shared[RC_RESOURCE_MAPPINGS];
    size_t n_shared;
} rc_resources;

/*
 * Fills `s` with the descriptors and shared mappings of this process now.
 * Returns 0, or an errno value when /proc could not be read.
 */
int rc_resources_snapshot(rc_resources *s);

/*
 * Compares this process now with `before`, reports each difference with
 * rc_resource_report() (round `round`, to tell the records apart), then
 * cleans it up (see above).  Returns the number of findings (0: nothing
 * left), or -1 when /proc could not be read (errno is set).
 */
int rc_resources_compare(const rc_resources *before, unsigned round);

/*
 * Reports one record: `fields` (printf format) follow
 * "racecourse-resource ".  To Valgrind's report as a client message under
 * Valgrind, and to stderr.
 */
void rc_resource_report(const char *fields, ...) __attribute__((format(printf, 1, 2)));

/*
 * Under memcheck, no leak search when this process ends: for a driver
 * that stops itself half way (a pool that hangs), whose blocks are all
 * still in use and would read as leaks of the code under test.  Does
 * nothing when not under Valgrind.
 */
void rc_skip_leak_search(void);

/*
 * Under memcheck, makes every child this process forks from now on skip
 * memcheck's leak search when it ends.  A driver runs with
 * --child-silent-after-fork=yes, so a child's findings are never shown
 * (its "leaks" are only the blocks the parent still holds); the search
 * itself is a good part of a worker's cost under memcheck.  Children made
 * by fork() only: the setting is made in a pthread_atfork handler.  Does
 * nothing when not under Valgrind.  Returns 0, or an errno value from
 * pthread_atfork (ENOMEM).
 */
int rc_children_skip_leak_search(void);

#endif
