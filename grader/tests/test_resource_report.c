/*
 * test_resource_report.c - golden tests for resource_report_read() and
 * resource_findings().
 *
 * Reads the real reports in tests/fixtures/resources/ (see the README
 * there) and hand-written records, and checks the findings' kind, the
 * sentences (how many, which pids, which descriptors, how often), the
 * folding over rounds, the order (leftovers before memcheck's errors),
 * the cap, the "done" record, and that what is not a record is ignored.
 * Run from the repository root, or pass the fixture folder as the first
 * argument.
 *
 * Prints "file:line: message" for each failed check, then "N passed, M
 * failed"; exits 1 when a check failed.
 */
#define _GNU_SOURCE
#include "resource_report.h"
#include "check.h"
#include "report_checks.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *fixtures = "grader/tests/fixtures/resources";

static int read_fixture(const char *name, size_t max, race_result *r, bool *finished)
{
    char *path = fixture_path(fixtures, name);
    int err;

    memset(r, 0, sizeof *r);
    err = resource_report_read(path, "process_pool.c", max, r, finished);
    free(path);
    return err;
}

/*
 * Reads fixture `name` (5 findings at most) and checks that the driver's
 * last record was read, Valgrind counted `errors` errors and they fold to
 * one finding; true when there is exactly one.
 */
static bool read_one_finding(const char *name, size_t errors, race_result *r)
{
    bool finished;

    CHECK_INT(read_fixture(name, 5, r, &finished), 0);
    CHECK(finished, "%s: the driver's last record was read", name);
    CHECK(r->n_errors == errors, "%s: %zu errors, want %zu", name, r->n_errors, errors);
    CHECK(r->n_findings == 1, "%s: %zu findings, want 1", name, r->n_findings);
    return r->n_findings == 1;
}

/* resource_findings() on the records given, NULL-terminated. */
static void from_records(race_result *r, bool *finished, size_t max, ...)
{
    char *msgs[32];
    size_t n = 0;
    va_list ap;

    va_start(ap, max);
    for (char *m; n < 32 && (m = va_arg(ap, char *)); )
        msgs[n++] = m;
    va_end(ap);
    memset(r, 0, sizeof *r);
    resource_findings(msgs, n, max, r, finished);
}

static void test_leaked_pipes(void)
{
    race_result r;

    if (read_one_finding("leak_fd.xml", 57, &r)) {
        CHECK_FINDING(r.findings[0], "leftover", "", 0);
        CHECK_STR(r.findings[0].message, "descriptor 6 (a pipe) was still open after "
                  "pool_destroy: close both ends of every pipe (after 12 of the driver's "
                  "13 pools)");
    }
    race_findings_free(&r);
}

static void test_zombies(void)
{
    race_result r;

    if (read_one_finding("zombie.xml", 12, &r)) {
        CHECK_STR(r.findings[0].kind, "leftover");
        CHECK_HAS(r.findings[0].message, "after pool_destroy, 1 worker process had ended but "
                  "was never waited for (a zombie) (pid ");
        CHECK_HAS(r.findings[0].message, "): wait for every worker with waitpid (after 12 of "
                  "the driver's 13 pools)");
    }
    race_findings_free(&r);
}

static void test_memcheck_leak(void)
{
    race_result r;

    if (read_one_finding("leak_pool.xml", 1, &r)) {
        CHECK_FINDING(r.findings[0], "leak", "process_pool.c", 240);
        CHECK_HAS(r.findings[0].message, "process_pool.c:240 (pool_create)");
    }
    race_findings_free(&r);
}

static void test_records(void)
{
    race_result r;
    bool finished;

    from_records(&r, &finished, 10,
                 "racecourse-resource kind=children round=0 alive=2 zombies=0 pids=812,813",
                 "racecourse-resource kind=fd round=0 fd=5 type=pipe",
                 "racecourse-resource kind=fd round=0 fd=7 type=socket",
                 "racecourse-resource kind=fd round=0 fd=8 type=socket",
                 "racecourse-resource kind=mapping round=0 bytes=4096",
                 "racecourse-resource kind=mapping round=1 bytes=4096",
                 "racecourse-resource kind=done rounds=2", NULL);
    CHECK(finished, "kind=done was read");
    CHECK_INT(r.n_errors, 6);
    CHECK_INT(r.n_findings, 4);
    if (r.n_findings == 4) {
        CHECK_STR(r.findings[0].message, "after pool_destroy, 2 worker processes were still "
                  "alive (pids 812, 813): wait for every worker with waitpid (after 1 of the "
                  "driver's 2 pools)");
        CHECK_STR(r.findings[1].message, "descriptor 5 (a pipe) was still open after "
                  "pool_destroy: close both ends of every pipe (after 1 of the driver's 2 pools)");
        CHECK_STR(r.findings[2].message, "descriptors 7 and 8 (sockets) were still open after "
                  "pool_destroy: close both ends of every socketpair (after 1 of the driver's "
                  "2 pools)");
        CHECK_STR(r.findings[3].message, "a shared mapping of 4096 bytes was left after "
                  "pool_destroy: munmap the counter (after 2 of the driver's 2 pools)");
    }
    race_findings_free(&r);

    from_records(&r, &finished, 10,
                 "racecourse-resource kind=children round=3 alive=1 zombies=2 pids=1,2,3", NULL);
    CHECK(!finished, "no kind=done: not finished");
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1)
        CHECK_STR(r.findings[0].message, "after pool_destroy, 1 worker process was still alive "
                  "and 2 had ended but were never waited for (zombies) (pids 1, 2, 3): wait "
                  "for every worker with waitpid");
    race_findings_free(&r);
}

/* What is not a well-formed record says nothing, and the cap holds. */
static void test_not_records(void)
{
    race_result r;
    bool finished;

    from_records(&r, &finished, 10,
                 "hello from the student's code",
                 "racecourse-resource",
                 "racecourse-resource kind=fd fd=-3 type=pipe",
                 "racecourse-resource kind=children round=0 alive=0 zombies=0 pids=-",
                 "racecourse-resource kind=children round=0 alive=x zombies=1",
                 "racecourse-resource kind=done rounds=0",
                 "racecourse-resource kind=unknown round=0",
                 "racecourse-resourcekind=fd round=0 fd=4 type=pipe", NULL);
    CHECK(!finished, "rounds=0 is no last record");
    CHECK_INT(r.n_errors, 0);
    CHECK_INT(r.n_findings, 0);
    race_findings_free(&r);

    from_records(&r, &finished, 1,
                 "racecourse-resource kind=fd round=0 fd=5 type=pipe",
                 "racecourse-resource kind=fd round=0 fd=6 type=eventfd",
                 "racecourse-resource kind=children round=0 alive=1 zombies=0 pids=9;rm", NULL);
    CHECK_INT(r.n_errors, 3);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1)
        CHECK_STR(r.findings[0].message, "after pool_destroy, 1 worker process was still alive: "
                  "wait for every worker with waitpid");
    race_findings_free(&r);
}

static void test_errors(void)
{
    race_result r;
    bool finished;

    CHECK_INT(read_fixture("no_such_file.xml", 5, &r, &finished), ENOENT);
    CHECK_INT(r.n_findings, 0);
    CHECK_INT(resource_report_read(NULL, "process_pool.c", 5, &r, &finished), EINVAL);
    CHECK_INT(resource_report_read("x", "process_pool.c", 5, &r, NULL), EINVAL);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        fixtures = argv[1];
    test_leaked_pipes();
    test_zombies();
    test_memcheck_leak();
    test_records();
    test_not_records();
    test_errors();
    return check_finish();
}
