/*
 * test_tsan_report.c - golden tests for tsan_report_parse() and
 * tsan_report_read().
 *
 * Reads the real ThreadSanitizer logs in tests/fixtures/tsan/ (see the
 * README there) and a few hand-written ones, and checks kind, file, line,
 * the sentence, folding, the cap and the errors.  Run from the repository
 * root (make test does), or pass the fixture folder as the first argument.
 *
 * Prints "file:line: message" for each failed check, then "N passed, M
 * failed"; exits 1 when a check failed.
 */
#define _GNU_SOURCE
#include "tsan_report.h"
#include "helgrind_report.h"
#include "struct_fields.h"
#include "util.h"
#include "check.h"
#include "report_checks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *fixtures = "grader/tests/fixtures/tsan";

/* Reads fixture `name` as if `student` were the student's file. */
static int read_fixture(const char *name, const char *student, size_t max, race_result *r)
{
    return fixture_read(tsan_report_read, fixtures, name, student, max, r);
}

static int parse(const char *text, const char *student, size_t max, race_result *r)
{
    memset(r, 0, sizeof *r);
    return tsan_report_parse(text, student, max, r);
}

/* Parses fixture `name` with tsan_report_parse_with() and `no_joins`. */
static int parse_with_file(const char *name, const char *student, bool no_joins,
                           race_result *r)
{
    tsan_report_options opts = { .no_joins = no_joins };
    char *path = fixture_path(fixtures, name), *text;
    int err;

    text = read_file(path, NULL);
    CHECK(text != NULL, "cannot read %s", path);
    memset(r, 0, sizeof *r);
    err = tsan_report_parse_with(text ? text : "", student, &opts, 20, r);
    free(text);
    free(path);
    return err;
}

static void test_race_global(void)
{
    race_result r;

    CHECK_INT(read_fixture("race_global.txt", "joinall.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 1);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_FINDING(r.findings[0], "race", "joinall.c", 55);
        CHECK_STR(r.findings[0].message,
                  "data race: two threads run joinall.c:55 (joinall) at the same time: one "
                  "writes memory that the other also writes, and no lock orders the two; the "
                  "memory is the global variable \"left\". Protect both accesses with the "
                  "same mutex.");
    }
    race_findings_free(&r);
    CHECK(r.findings == NULL && r.n_findings == 0, "race_findings_free leaves findings");
}

static void test_race_heap(void)
{
    race_result r;

    CHECK_INT(read_fixture("race_heap.txt", "bounded_queue.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 1);
    CHECK_INT(r.n_findings, 1);
    CHECK(r.unnamed_heap, "a heap block without a field's name: unnamed_heap not set");
    if (r.n_findings == 1) {
        /* put_before, inlined into bq_put_timed */
        CHECK_FINDING(r.findings[0], "race", "bounded_queue.c", 137);
        CHECK_STR(r.findings[0].message,
                  "data race: bounded_queue.c:137 (put_before) writes memory that "
                  "bounded_queue.c:262 (bq_size) reads in another thread, and no lock "
                  "orders the two; the memory is the 8 bytes at offset 160 of a heap block "
                  "of 176 bytes allocated at bounded_queue.c:176 (bq_create). Protect both "
                  "accesses with the same mutex.");
    }
    race_findings_free(&r);
    check_not_students(tsan_report_read, fixtures, "race_heap.txt", "joinall.c",
                       "bounded_queue.c:137 (put_before)");
}

static void test_race_stack_and_static(void)
{
    race_result r;

    CHECK_INT(read_fixture("race_stack.txt", "five_tasks.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 3);
    CHECK_INT(r.n_findings, 3);             /* three places: nothing folded */
    if (r.n_findings == 3) {
        CHECK_INT(r.findings[0].line, 84);
        CHECK_HAS(r.findings[0].message, "five_tasks.c:84 (run_parallel) writes memory that "
                  "five_tasks.c:57 (shared_thread) reads in another thread");
        CHECK_HAS(r.findings[0].message, "a local variable of the main thread that other "
                  "threads reach through a pointer");
        CHECK(!strstr(r.findings[0].message, "<null>"), "the stack's second Location line shows");
        CHECK_INT(r.findings[1].line, 26);
        CHECK_HAS(r.findings[1].message, "the global variable \"records\"");
        CHECK_INT(r.findings[2].line, 28);
    }
    race_findings_free(&r);

    CHECK_INT(read_fixture("race_static.txt", "race_static.c", 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_INT(r.findings[0].line, 8);
        CHECK_HAS(r.findings[0].message, "one reads memory that the other writes");
        CHECK_HAS(r.findings[0].message, "the static variable \"calls\"");
    }
    race_findings_free(&r);
}

static void test_race_many(void)
{
    race_result r;

    CHECK_INT(read_fixture("race_many.txt", "run_periodic.c", 10, &r), 0);
    CHECK_INT(r.n_errors, 8);
    CHECK_INT(r.n_findings, 7);             /* two reports of line 88 against 216 folded */
    if (r.n_findings == 7) {
        CHECK_INT(r.findings[0].line, 88);
        CHECK_HAS(r.findings[0].message, "data race (seen 2 times): run_periodic.c:88 "
                  "(next_deadline) reads memory that run_periodic.c:216 (rp_add) writes");
        CHECK_HAS(r.findings[0].message, "a heap block of 128 bytes allocated at "
                  "run_periodic.c:216 (rp_add)");
        CHECK_INT(r.findings[1].line, 238);  /* then in report order */
        CHECK(!strstr(r.findings[1].message, "seen"), "a single report says seen");
    }
    race_findings_free(&r);

    CHECK_INT(read_fixture("race_many.txt", "run_periodic.c", 2, &r), 0);
    CHECK_INT(r.n_errors, 8);
    CHECK_INT(r.n_findings, 2);             /* capped */
    race_findings_free(&r);

    CHECK_INT(read_fixture("race_many.txt", "run_periodic.c", 0, &r), 0);
    CHECK_INT(r.n_errors, 8);
    CHECK_INT(r.n_findings, 0);
    CHECK(r.findings == NULL, "max 0 still allocates findings");
}

static void test_free_and_leaks(void)
{
    race_result r;
    int frees = 0;

    CHECK_INT(read_fixture("race_free_and_leak.txt", "pingpong.c", 20, &r), 0);
    CHECK_INT(r.n_errors, 15);
    CHECK(r.n_findings >= 3, "%zu findings", r.n_findings);
    if (r.n_findings >= 3) {
        /* data races before thread leaks, whatever their counts */
        size_t leak = 0;

        while (leak < r.n_findings && strcmp(r.findings[leak].kind, "race") == 0)
            leak++;
        CHECK(leak > 0, "the first finding is not a race");
        CHECK(leak < r.n_findings, "no thread leak after the races");
        if (leak > 0 && leak < r.n_findings) {
            CHECK_FINDING(r.findings[leak], "other", "pingpong.c", 86);
            CHECK_STR(r.findings[leak].message,
                      "thread leak (seen 3 times): pingpong.c:86 (pingpong) starts a thread "
                      "that is never joined. Join every thread you start (pthread_join) "
                      "before your function returns, or detach it.");
        }
    }
    for (size_t i = 0; i < r.n_findings; i++) {
        if (!strstr(r.findings[i].message, "pingpong.c:104 (pingpong) frees memory that "
                    "pingpong.c:58 (player_main) reads in another thread"))
            continue;
        frees++;
        CHECK_STR(r.findings[i].kind, "race");
        CHECK_INT(r.findings[i].line, 104);
        CHECK_HAS(r.findings[i].message, "Free memory only when no other thread can still use it");
    }
    CHECK_INT(frees, 1);
    race_findings_free(&r);
}

static void test_thread_leaks(void)
{
    race_result r;
    int leaks = 0;

    /* Started by the test's code, to be joined by the student's. */
    CHECK_INT(read_fixture("thread_leak.txt", "joinall.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 1);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_FINDING(r.findings[0], "other", "", 0);
        CHECK_STR(r.findings[0].message,
                  "thread leak: a thread started at race_driver.c:150 (run_round) in the "
                  "test's code was never joined, and your code was to join it. Check that "
                  "every thread is joined, whatever path the code takes.");
    }
    race_findings_free(&r);

    /* The same, when the student's file joins no thread (make tsan's
       --no-joins): the thread never ended, it was not the student's to join. */
    CHECK_INT(parse_with_file("thread_leak.txt", "joinall.c", true, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_FINDING(r.findings[0], "other", "", 0);
        CHECK_STR(r.findings[0].message,
                  "thread leak: a thread started at race_driver.c:150 (run_round) in the "
                  "test's code never ended: the race driver joins its own threads, and this "
                  "one was still inside your code (blocked in a wait that was never woken up, "
                  "or looping) when the driver gave up.");
    }
    race_findings_free(&r);

    /* A thread the student's code started is theirs to join, either way. */
    CHECK_INT(parse_with_file("race_free_and_leak.txt", "pingpong.c", true, &r), 0);
    for (size_t i = 0; i < r.n_findings; i++) {
        if (!starts_with(r.findings[i].message, "thread leak"))
            continue;
        leaks++;
        CHECK_STR(r.findings[i].message,
                  "thread leak (seen 3 times): pingpong.c:86 (pingpong) starts a thread "
                  "that is never joined. Join every thread you start (pthread_join) "
                  "before your function returns, or detach it.");
    }
    CHECK_INT(leaks, 1);
    race_findings_free(&r);

    /* The untouched stub: "And 8 more similar thread leaks." */
    CHECK_INT(read_fixture("stub_joinall.txt", "joinall.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 9);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1)
        CHECK_HAS(r.findings[0].message, "thread leak (seen 9 times): ");
    race_findings_free(&r);
}

static void test_lock_order(void)
{
    race_result r;

    CHECK_INT(read_fixture("lock_order.txt", "lock_order.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 1);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_FINDING(r.findings[0], "lock_order", "lock_order.c", 10);
        CHECK_STR(r.findings[0].message,
                  "lock order: lock_order.c:10 (transfer_ab) takes lock B while holding lock "
                  "A (A taken at lock_order.c:9), and lock_order.c:21 (transfer_ba) takes A "
                  "while holding B; two threads doing both can deadlock, each waiting for the "
                  "lock the other holds. Always take locks in one fixed order.");
    }
    race_findings_free(&r);
}

static void test_misuse(void)
{
    race_result r;

    CHECK_INT(read_fixture("unlock_unlocked.txt", "unlock_unlocked.c", 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_STR(r.findings[0].kind, "misuse");
        CHECK_INT(r.findings[0].line, 8);
        CHECK_STR(r.findings[0].message,
                  "misuse of a pthread call: unlock_unlocked.c:8 (set_value) unlocks a mutex "
                  "that is not locked, or that another thread locked. Unlock only a mutex "
                  "this thread locked, once per lock.");
    }
    race_findings_free(&r);

    CHECK_INT(read_fixture("destroy_locked.txt", "destroy_locked.c", 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_STR(r.findings[0].kind, "misuse");
        CHECK_INT(r.findings[0].line, 6);
        CHECK_HAS(r.findings[0].message, "destroy_locked.c:6 (stop) destroys a mutex that is "
                  "still locked (locked at destroy_locked.c:12)");
    }
    race_findings_free(&r);
}

static void test_crashes_and_failures(void)
{
    race_result r;

    CHECK_INT(read_fixture("crash_segv.txt", "joinall.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 1);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_FINDING(r.findings[0], "other", "joinall.c", 61);
        CHECK_HAS(r.findings[0].message, "crash: joinall.c:61 (joinall) crashes with a "
                  "segmentation fault, reading memory it may not, inside pthread_join.");
    }
    race_findings_free(&r);

    /* A crash whose stack was lost to a CHECK failure printed in between. */
    CHECK_INT(read_fixture("crash_check_failed.txt", "joinall.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 2);
    CHECK_INT(r.n_findings, 2);
    if (r.n_findings == 2) {
        CHECK_STR(r.findings[0].file, "");
        CHECK_HAS(r.findings[0].message, "crash: the program crashes with a segmentation fault");
        CHECK_STR(r.findings[1].file, "joinall.c");
        CHECK_INT(r.findings[1].line, 63);
        CHECK_HAS(r.findings[1].message, "thread problem: joinall.c:63 (joinall): "
                  "ThreadSanitizer says \"CHECK failed:");
    }
    race_findings_free(&r);

    /* ThreadSanitizer itself gave up, with no stack. */
    CHECK_INT(read_fixture("dup_thread.txt", "joinall.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 1);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_STR(r.findings[0].kind, "other");
        CHECK_STR(r.findings[0].file, "");
        CHECK_HAS(r.findings[0].message,
                  "ThreadSanitizer stopped: \"dup thread with used id 0x7fb4e7ffb6c0\"");
    }
    race_findings_free(&r);
}

static void test_descriptors_and_truncated(void)
{
    race_result r;

    CHECK_INT(read_fixture("fd_reuse.txt", "uv_fd_reuse.c", 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_INT(r.findings[0].line, 14);
        CHECK_HAS(r.findings[0].message, "uv_fd_reuse.c:14 (opener) creates a file descriptor "
                  "that uv_fd_reuse.c:30 (main) also creates in another thread");
        CHECK_HAS(r.findings[0].message, "Close a descriptor only when");
    }
    race_findings_free(&r);

    /* A run killed half way: what was written is still read. */
    CHECK_INT(read_fixture("truncated.txt", "bounded_queue.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 1);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1)
        CHECK_HAS(r.findings[0].message, "bounded_queue.c:137 (put_before) writes memory "
                  "that bounded_queue.c:262 (bq_size) reads");
    race_findings_free(&r);
}

static void test_hand_written(void)
{
    race_result r;
    /* Two processes' logs one after the other, columns, a lost stack,
       frames without source, output of the program in between. */
    const char *two_logs =
        "hello from the driver\n"
        "==================\n"
        "WARNING: ThreadSanitizer: data race (pid=7)\n"
        "  Read of size 4 at 0x10 by thread T1:\n"
        "    #0 <null> <null> (libc.so.6+0x1)\n"
        "    #1 count q.c:12:5 (drv+0x2)\n"
        "\n"
        "  Previous write of size 4 at 0x10 by main thread:\n"
        "    [failed to restore the stack]\n"
        "\n"
        "SUMMARY: ThreadSanitizer: data race q.c:12:5 in count\n"
        "==================\n"
        "ThreadSanitizer: reported 1 warnings\n"
        "==================\n"
        "WARNING: ThreadSanitizer: data race (pid=8)\n"
        "  Atomic write of size 4 at 0x10 by thread T1:\n"
        "    #0 count /abs/path/q.c:12 (drv+0x2)\n"
        "SUMMARY: ThreadSanitizer: data race /abs/path/q.c:12 in count\n"
        "==================\n";

    CHECK_INT(parse(two_logs, "q.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 2);
    CHECK_INT(r.n_findings, 2);     /* a lost stack is not the same place */
    if (r.n_findings == 2) {
        CHECK_STR(r.findings[0].file, "q.c");
        CHECK_INT(r.findings[0].line, 12);
        CHECK_STR(r.findings[0].message,
                  "data race: q.c:12 (count) reads memory that another thread also uses, and "
                  "no lock orders the two. Protect both accesses with the same mutex.");
        CHECK_HAS(r.findings[1].message, "q.c:12 (count) atomically writes memory");
    }
    race_findings_free(&r);

    /* Nothing to report: a clean run. */
    CHECK_INT(parse("", "q.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 0);
    CHECK(r.findings == NULL, "a clean run has findings");
    CHECK_INT(parse("ThreadSanitizer: reported 0 warnings\nThreadSanitizer: Matched 2 "
                    "suppressions (pid=9):\n", "q.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 0);

    /* Errors: NULL arguments, a missing file; `out` is left empty. */
    CHECK_INT(tsan_report_parse(NULL, "q.c", 5, &r), EINVAL);
    CHECK_INT(tsan_report_parse("", NULL, 5, &r), EINVAL);
    CHECK_INT(tsan_report_parse("", "q.c", 5, NULL), EINVAL);
    r.n_errors = 3;
    CHECK_INT(read_fixture("no_such_file.txt", "q.c", 5, &r), ENOENT);
    CHECK(r.findings == NULL && r.n_findings == 0 && r.n_errors == 0, "error leaves findings");
}

/*
 * Issue 15: the student's sched_cancel returns while its thread still runs
 * the test's job_fn, which the test's main then reads.  The advice says
 * what the student's code must change, as Helgrind's reader does.
 */
static void test_test_side(void)
{
    race_result r;

    CHECK_INT(read_fixture("test_side.txt", "sched.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 2);
    CHECK_INT(r.n_findings, 2);
    if (r.n_findings == 2) {
        CHECK_STR(r.findings[0].kind, "race");
        CHECK_INT(r.findings[0].line, 15);
        CHECK_STR(r.findings[0].message,
                  "data race: driver.c:21 (main) in the test's code reads memory that "
                  "sched.c:15 (sched_main) writes in another thread, and no lock orders the "
                  "two; the memory is the static variable \"data\". The test's side is right "
                  "as it is: it touches that memory only when none of your functions is "
                  "running, so one of yours returned (a cancel, stop, join or destroy?) "
                  "while your code still ran job_fn. Make that function wait until job_fn "
                  "is over before it returns; do not add a lock to the test's code.");
        CHECK_HAS(r.findings[1].message, "thread leak: sched.c:25 (sched_start)");
    }
    race_findings_free(&r);
}

/* Both sides held a lock, each its own (a lock per function). */
static void test_both_locked(void)
{
    race_result r;

    CHECK_INT(read_fixture("two_locks.txt", "two_locks.c", 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1)
        CHECK_STR(r.findings[0].message,
                  "data race: two_locks.c:7 (bq_get) reads memory that two_locks.c:6 (bq_put) "
                  "writes in another thread, and no lock orders the two; the memory is the 4 "
                  "bytes at offset 80 of a heap block of 120 bytes allocated at "
                  "two_locks.c:11 (main). Protect both accesses with the same mutex. Both "
                  "accesses were made holding a lock, but not the same one: the two sides "
                  "hold different locks (a lock per function, or a copy of the lock?), or "
                  "the memory was freed and used again, or one side is the test's teardown "
                  "after your function returned.");
    race_findings_free(&r);
}

/* The field of the student's struct, from readelf's text of the program. */
static void test_struct_field(void)
{
    struct_layouts layouts;
    race_result r;
    char *path, *dwarf, *field;

    if (asprintf(&path, "%s/two_locks.dwarf.txt", fixtures) < 0)
        exit(2);
    dwarf = read_file(path, NULL);
    CHECK(dwarf != NULL, "cannot read %s", path);
    CHECK_INT(struct_layouts_parse(dwarf ? dwarf : "", "two_locks.c", &layouts), 0);
    field = struct_layouts_field(&layouts, 120, 80);
    CHECK_STR(field ? field : "(none)", "the field \"count\" of the struct bqueue");
    free(field);
    field = struct_layouts_field(&layouts, 120, 90);
    CHECK_STR(field ? field : "(none)", "a byte inside the field \"items\" of the struct bqueue");
    free(field);
    CHECK(struct_layouts_field(&layouts, 121, 80) == NULL, "a size no struct has was named");
    CHECK(struct_layouts_field(NULL, 120, 80) == NULL, "no layouts, yet a name");
    struct_layouts_free(&layouts);

    /* another unit's structs are not the student's */
    CHECK_INT(struct_layouts_parse(dwarf ? dwarf : "", "bounded_queue.c", &layouts), 0);
    CHECK_INT(layouts.n_structs, 0);
    struct_layouts_free(&layouts);

    CHECK_INT(struct_layouts_parse(dwarf ? dwarf : "", "two_locks.c", &layouts), 0);
    free(path);
    if (asprintf(&path, "%s/two_locks.txt", fixtures) < 0)
        exit(2);
    free(dwarf);
    dwarf = read_file(path, NULL);
    CHECK_INT(tsan_report_parse_with(dwarf ? dwarf : "", "two_locks.c",
                                     &(tsan_report_options){ .layouts = &layouts }, 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1)
        CHECK_HAS(r.findings[0].message, "the memory is the field \"count\" of the struct "
                  "bqueue allocated at two_locks.c:11 (main).");
    race_findings_free(&r);
    struct_layouts_free(&layouts);
    free(dwarf);
    free(path);
}

/*
 * The same programs seen by Helgrind (../helgrind/) and ThreadSanitizer:
 * the same sentences (issue 14: lock orders had A and B swapped).
 */
static void test_same_words_as_helgrind(void)
{
    static const struct { const char *xml, *txt, *student; } pairs[] = {
        { "lock_order_pair.xml", "lock_order_pair.txt", "lock_order_pair.c" },
        { "test_side.xml", "test_side.txt", "sched.c" },
    };

    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        race_result h, t;
        char *xml;

        if (asprintf(&xml, "%s/../helgrind/%s", fixtures, pairs[i].xml) < 0)
            exit(2);
        memset(&h, 0, sizeof h);
        CHECK_INT(helgrind_report_read(xml, pairs[i].student, 5, &h), 0);
        CHECK_INT(read_fixture(pairs[i].txt, pairs[i].student, 5, &t), 0);
        CHECK(h.n_findings >= 1 && t.n_findings >= 1, "%s: no finding", pairs[i].txt);
        if (h.n_findings >= 1 && t.n_findings >= 1) {
            CHECK_STR(t.findings[0].message, h.findings[0].message);
            CHECK_INT(t.findings[0].line, h.findings[0].line);
        }
        race_findings_free(&h);
        race_findings_free(&t);
        free(xml);
    }
}

/* A cap that leaves findings out says how many, of which kinds. */
static void test_not_shown(void)
{
    race_result r;

    CHECK_INT(read_fixture("race_free_and_leak.txt", "pingpong.c", 3, &r), 0);
    CHECK_INT(r.n_findings, 3);
    if (r.n_findings == 3) {
        CHECK_STR(r.findings[0].kind, "race");
        CHECK_STR(r.findings[1].kind, "other");     /* the leak is kept: a kind of its own */
        CHECK_HAS(r.findings[1].message, "thread leak (seen 3 times)");
        CHECK_HAS(r.findings[2].message, "not shown: ");
        CHECK_HAS(r.findings[2].message, " more (");
        CHECK_HAS(r.findings[2].message, "data races");
        CHECK_HAS(r.findings[2].message, "ThreadSanitizer's log lists them all");
    }
    race_findings_free(&r);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        fixtures = argv[1];
    test_race_global();
    test_race_heap();
    test_test_side();
    test_both_locked();
    test_same_words_as_helgrind();
    test_not_shown();
    test_struct_field();
    test_race_stack_and_static();
    test_race_many();
    test_free_and_leaks();
    test_thread_leaks();
    test_lock_order();
    test_misuse();
    test_crashes_and_failures();
    test_descriptors_and_truncated();
    test_hand_written();
    return check_finish();
}
