/*
 * test_memcheck_report.c - golden tests for memcheck_report_read().
 *
 * Reads the real memcheck reports in tests/fixtures/memcheck/ (see the
 * README there) and a few hand-written ones, and checks kind, file, line,
 * the sentence (file:line, "freed here", "allocated here"), folding, the
 * cap and the errors.  Run from the repository root, or pass the fixture
 * folder as the first argument.
 *
 * Prints "file:line: message" for each failed check, then "N passed, M
 * failed"; exits 1 when a check failed.
 */
#define _GNU_SOURCE
#include "memcheck_report.h"
#include "check.h"
#include "report_checks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *fixtures = "grader/tests/fixtures/memcheck";

static int read_fixture(const char *name, size_t max, race_result *r)
{
    return fixture_read(memcheck_report_read, fixtures, name, "coroutines.c", max, r);
}

static int read_text(const char *xml, race_result *r)
{
    char path[] = "/tmp/test_memcheck_report.XXXXXX";
    int fd = mkstemp(path), err;
    size_t len = strlen(xml);

    if (fd < 0 || write(fd, xml, len) != (ssize_t)len)
        exit(2);
    close(fd);
    memset(r, 0, sizeof *r);
    err = memcheck_report_read(path, "coroutines.c", 10, r);
    unlink(path);
    return err;
}

static void test_clean(void)
{
    race_result r;

    CHECK_INT(read_fixture("clean.xml", 5, &r), 0);
    CHECK_INT(r.n_errors, 0);
    CHECK_INT(r.n_findings, 0);
    CHECK(r.findings == NULL, "a clean report has no findings");
}

static void test_leak(void)
{
    race_result r;

    CHECK_INT(read_fixture("leak.xml", 5, &r), 0);
    CHECK_INT(r.n_errors, 5);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings != 1)
        return;
    CHECK_FINDING(r.findings[0], "leak", "coroutines.c", 102);
    CHECK_HAS(r.findings[0].message, "leak (seen 5 times): 65,536 bytes in 1 block allocated "
              "here: coroutines.c:102 (co_create) are never freed, and nothing points to them "
              "any more.");
    CHECK_HAS(r.findings[0].message, "co_destroy frees an unfinished coroutine's stack too");
    CHECK(!strstr(r.findings[0].message, "mem_guard"), "the guard's own frames are never named");
    race_findings_free(&r);
}

static void test_use_after_free(void)
{
    race_result r;

    CHECK_INT(read_fixture("use_after_free.xml", 5, &r), 0);
    CHECK_INT(r.n_errors, 14);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings != 1)
        return;
    CHECK_FINDING(r.findings[0], "invalid-access", "coroutines.c", 158);
    CHECK_HAS(r.findings[0].message, "invalid access (seen 204 times): coroutines.c:158 "
              "(co_destroy) reads 8 bytes of a block of 2024 bytes that was already freed; "
              "freed here: coroutines.c:157 (co_destroy); allocated here: coroutines.c:97 "
              "(co_create).");
    CHECK_HAS(r.findings[0].message, "Do not use a block after freeing it");
    race_findings_free(&r);
    CHECK_INT(read_fixture("use_after_free.xml", 0, &r), 0);
    CHECK_INT(r.n_findings, 0);
    CHECK_INT(r.n_errors, 14);
}

#define HEAD "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<protocolversion>4</protocolversion>\n" \
    "<protocoltool>memcheck</protocoltool>\n"
#define TAIL "</valgrindoutput>\n"
#define FRAME(fn, file, line) "<frame><ip>0x1</ip><obj>/home/s/race_driver</obj><fn>" fn \
    "</fn><dir>/home/s</dir><file>" file "</file><line>" #line "</line></frame>"

static void test_other_kinds(void)
{
    race_result r;
    const char *xml = HEAD
        "<error><unique>0x1</unique><tid>1</tid><kind>InvalidWrite</kind>"
        "<what>Invalid write of size 4</what><stack>" FRAME("co_create", "coroutines.c", 40)
        "</stack><auxwhat>Address 0x4a5c0d0 is 0 bytes after a block of size 1,024 alloc'd"
        "</auxwhat><stack>" FRAME("co_create", "coroutines.c", 38) "</stack></error>\n"
        "<error><unique>0x2</unique><tid>1</tid><kind>InvalidFree</kind>"
        "<what>Invalid free() / delete / delete[] / realloc()</what><stack>"
        FRAME("co_destroy", "coroutines.c", 60) "</stack></error>\n"
        "<error><unique>0x3</unique><tid>1</tid><kind>UninitCondition</kind>"
        "<what>Conditional jump or move depends on uninitialised value(s)</what><stack>"
        FRAME("co_done", "coroutines.c", 70) "</stack></error>\n"
        "<error><unique>0x4</unique><tid>1</tid><kind>Leak_PossiblyLost</kind><xwhat><text>"
        "320 bytes in 2 blocks are possibly lost in loss record 1 of 1</text></xwhat><stack>"
        FRAME("main", "race_driver.c", 12) "</stack></error>\n"
        TAIL;

    CHECK_INT(read_text(xml, &r), 0);
    CHECK_INT(r.n_findings, 4);
    if (r.n_findings != 4)
        return;
    CHECK_STR(r.findings[0].kind, "invalid-access");
    CHECK_INT(r.findings[0].line, 40);
    CHECK_HAS(r.findings[0].message, "coroutines.c:40 (co_create) writes 4 bytes outside a "
              "block of 1024 bytes (past its end or before its start); allocated here: "
              "coroutines.c:38 (co_create).");
    CHECK_STR(r.findings[1].kind, "invalid-free");
    CHECK_HAS(r.findings[1].message, "coroutines.c:60 (co_destroy) frees memory that is not a "
              "block it allocated, or frees a block twice");
    CHECK_STR(r.findings[2].kind, "uninitialised");
    CHECK_HAS(r.findings[2].message, "coroutines.c:70 (co_done) decides something with a value "
              "that was never set");
    CHECK_FINDING(r.findings[3], "leak", "", 0);
    CHECK_HAS(r.findings[3].message, "leak: 320 bytes in 2 blocks allocated here: "
              "race_driver.c:12 (main) in the test's code are never freed.");
    race_findings_free(&r);
}

static void test_errors(void)
{
    race_result r;

    CHECK_INT(read_fixture("no_such_file.xml", 5, &r), ENOENT);
    CHECK_INT(read_text(HEAD "<error><kind>InvalidRead</kind>", &r), EINVAL);
    CHECK_INT(r.n_findings, 0);
    CHECK_INT(r.n_errors, 0);
    CHECK_INT(memcheck_report_read(NULL, "x.c", 5, &r), EINVAL);
    CHECK_INT(memcheck_report_read("x.xml", "x.c", 5, NULL), EINVAL);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        fixtures = argv[1];
    test_clean();
    test_leak();
    test_use_after_free();
    test_other_kinds();
    test_errors();
    return check_finish();
}
