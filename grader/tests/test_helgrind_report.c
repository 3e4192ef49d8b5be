/*
 * test_helgrind_report.c - golden tests for helgrind_report_read() and
 * the XML reader under it, hg_xml_read().
 *
 * Reads the real Helgrind reports in tests/fixtures/helgrind/ (see the
 * README there) and a few hand-written ones, and checks kind, file, line,
 * the sentence, folding, the cap and the errors.  Run from the repository
 * root, or pass the fixture folder as the first argument:
 *
 *   gcc -std=gnu11 -Wall -Wextra -Werror -I grader grader/helgrind_xml.c \
 *       grader/helgrind_report.c grader/tests/test_helgrind_report.c \
 *       -lexpat -o test_helgrind_report
 *   ./test_helgrind_report [grader/tests/fixtures/helgrind]
 *
 * Prints "file:line: message" for each failed check, then "N passed, M
 * failed"; exits 1 when a check failed.
 */
#define _GNU_SOURCE
#include "helgrind_report.h"
#include "helgrind_xml.h"
#include "struct_fields.h"
#include "check.h"
#include "report_checks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *fixtures = "grader/tests/fixtures/helgrind";

/* Reads fixture `name` as if `student` were the student's file. */
static int read_fixture(const char *name, const char *student, size_t max, race_result *r)
{
    return fixture_read(helgrind_report_read, fixtures, name, student, max, r);
}

/* Writes `xml` to a new temporary file named in `path` (unlink it). */
static void write_temp(const char *xml, char path[static 33])
{
    int fd;
    size_t len = strlen(xml);

    strcpy(path, "/tmp/test_helgrind_report.XXXXXX");
    fd = mkstemp(path);
    if (fd < 0 || write(fd, xml, len) != (ssize_t)len) {
        fprintf(stderr, "test: cannot write \"%s\": %s\n", path, strerror(errno));
        exit(2);
    }
    close(fd);
}

/* Reads `xml` written to a temporary file. */
static int read_text_max(const char *xml, const char *student, size_t max, race_result *r)
{
    char path[33];
    int err;

    write_temp(xml, path);
    memset(r, 0, sizeof *r);
    err = helgrind_report_read(path, student, max, r);
    unlink(path);
    return err;
}

static int read_text(const char *xml, const char *student, race_result *r)
{
    return read_text_max(xml, student, 10, r);
}

static void test_race_global(void)
{
    race_result r;

    CHECK_INT(read_fixture("race_global.xml", "race_global.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 2);
    CHECK(!r.unnamed_heap, "a global variable, yet unnamed_heap is set");
    CHECK_INT(r.n_findings, 1);             /* read+write on one line: folded */
    if (r.n_findings == 1) {
        CHECK_FINDING(r.findings[0], "race", "race_global.c", 10);
        CHECK_HAS(r.findings[0].message, "data race (seen 2 times): ");
        CHECK_HAS(r.findings[0].message, "race_global.c:10 (worker)");
        CHECK_HAS(r.findings[0].message, "the global variable \"counter\"");
        CHECK_HAS(r.findings[0].message, "same mutex");
    }
    race_findings_free(&r);
    CHECK(r.findings == NULL && r.n_findings == 0, "race_findings_free leaves findings");
    race_findings_free(&r);                 /* twice is harmless */
    race_findings_free(NULL);
}

static void test_race_global_varinfo(void)
{
    race_result r;

    /* --read-var-info=yes: "Location ... inside global var" and the newer
     * <xauxwhat><text>declared at ...</text><file>..</file></xauxwhat>. */
    CHECK_INT(read_fixture("race_global_varinfo.xml", "race_global.c", 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_INT(r.findings[0].line, 10);
        CHECK_HAS(r.findings[0].message,
                  "the global variable \"counter\" (declared at race_global.c:4)");
    }
    race_findings_free(&r);
}

static void test_race_heap(void)
{
    race_result r;

    CHECK_INT(read_fixture("race_heap.xml", "race_heap.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 1);
    CHECK_INT(r.n_findings, 1);
    CHECK(r.unnamed_heap, "a heap block without a field's name: unnamed_heap not set");
    if (r.n_findings == 1) {
        CHECK_FINDING(r.findings[0], "race", "race_heap.c", 28);
        CHECK_STR(r.findings[0].message,
                  "data race: race_heap.c:28 (queue_size) reads memory that "
                  "race_heap.c:22 (queue_put) writes in another thread, and no lock "
                  "orders the two; the memory is the 4 bytes at offset 72 of a heap "
                  "block of 80 bytes allocated at race_heap.c:13 (queue_create). "
                  "Protect both accesses with the same mutex.");
    }
    race_findings_free(&r);
    check_not_students(helgrind_report_read, fixtures, "race_heap.xml", "bounded_queue.c",
                       "race_heap.c:28 (queue_size)");
}

static void test_race_stack(void)
{
    race_result r;

    CHECK_INT(read_fixture("race_stack.xml", "race_stack.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 2);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_INT(r.findings[0].line, 11);
        CHECK_HAS(r.findings[0].message, "a local variable of main (race_stack.c:16)");
    }
    race_findings_free(&r);
}

static void test_race_many(void)
{
    race_result r;

    CHECK_INT(read_fixture("race_many.xml", "race_many.c", 10, &r), 0);
    CHECK_INT(r.n_errors, 4);
    CHECK_INT(r.n_findings, 3);
    if (r.n_findings == 3) {
        /* hits++ (2 errors) first, then done and last in report order */
        CHECK_INT(r.findings[0].line, 11);
        CHECK_HAS(r.findings[0].message, "(seen 2 times)");
        CHECK_HAS(r.findings[0].message, "\"hits\"");
        CHECK_INT(r.findings[1].line, 12);
        CHECK_HAS(r.findings[1].message, "one writes memory that the other also writes");
        CHECK_HAS(r.findings[1].message, "\"done\"");
        CHECK(!strstr(r.findings[1].message, "seen"), "single error says seen");
        CHECK_INT(r.findings[2].line, 13);
    }
    race_findings_free(&r);

    CHECK_INT(read_fixture("race_many.xml", "race_many.c", 2, &r), 0);
    CHECK_INT(r.n_errors, 4);
    CHECK_INT(r.n_findings, 2);             /* capped, and says so */
    if (r.n_findings == 2) {
        CHECK_INT(r.findings[0].line, 11);
        CHECK_FINDING(r.findings[1], "other", "", 0);
        CHECK_STR(r.findings[1].message, "not shown: 2 more data races. Helgrind's whole "
                  "report lists them all (`make race`).");
    }
    race_findings_free(&r);

    CHECK_INT(read_fixture("race_many.xml", "race_many.c", 0, &r), 0);
    CHECK_INT(r.n_errors, 4);
    CHECK_INT(r.n_findings, 0);
    CHECK(r.findings == NULL, "max 0 still allocates findings");
}

/* readelf's text for race_heap.c's struct (trimmed by hand): 80 bytes,
 * `count` at offset 72; a struct of another unit is not the student's. */
static const char heap_dwarf[] =
    " <0><b>: Abbrev Number: 1 (DW_TAG_compile_unit)\n"
    "    <11>   DW_AT_name        : (indirect line string, offset: 0): other.c\n"
    " <1><30>: Abbrev Number: 13 (DW_TAG_structure_type)\n"
    "    <31>   DW_AT_name        : other\n"
    "    <35>   DW_AT_byte_size   : 80\n"
    " <2><3d>: Abbrev Number: 2 (DW_TAG_member)\n"
    "    <3e>   DW_AT_name        : x\n"
    "    <49>   DW_AT_data_member_location: 0\n"
    " <2><4a>: Abbrev Number: 0\n"
    " <0><5b>: Abbrev Number: 1 (DW_TAG_compile_unit)\n"
    "    <61>   DW_AT_name        : (indirect line string, offset: 0x20): /tmp/race_heap.c\n"
    " <1><64>: Abbrev Number: 7 (DW_TAG_typedef)\n"
    "    <65>   DW_AT_name        : (indirect string, offset: 0x4ab): queue\n"
    "    <6c>   DW_AT_type        : <0x70>\n"
    " <1><70>: Abbrev Number: 13 (DW_TAG_structure_type)\n"
    "    <75>   DW_AT_byte_size   : 80\n"
    " <2><7d>: Abbrev Number: 2 (DW_TAG_member)\n"
    "    <7e>   DW_AT_name        : (indirect string, offset: 0x55e): lock\n"
    "    <89>   DW_AT_data_member_location: 0\n"
    " <2><8a>: Abbrev Number: 2 (DW_TAG_member)\n"
    "    <8b>   DW_AT_name        : (indirect string, offset: 0x3d7): count\n"
    "    <96>   DW_AT_data_member_location: 72\n"
    " <2><97>: Abbrev Number: 0\n";

/* Issue 15: name the field, not "offset 72 of a heap block of 80 bytes". */
static void test_race_heap_field(void)
{
    struct_layouts layouts;
    race_result r;
    char *path;

    CHECK_INT(struct_layouts_parse(heap_dwarf, "race_heap.c", &layouts), 0);
    if (asprintf(&path, "%s/race_heap.xml", fixtures) < 0)
        exit(2);
    memset(&r, 0, sizeof r);
    CHECK_INT(helgrind_report_read_fields(path, "race_heap.c", &layouts, 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    CHECK(!r.unnamed_heap, "the field was named, yet unnamed_heap is set");
    if (r.n_findings == 1)
        CHECK_STR(r.findings[0].message,
                  "data race: race_heap.c:28 (queue_size) reads memory that "
                  "race_heap.c:22 (queue_put) writes in another thread, and no lock "
                  "orders the two; the memory is the field \"count\" of the struct queue "
                  "allocated at race_heap.c:13 (queue_create). Protect both accesses with "
                  "the same mutex.");
    race_findings_free(&r);
    struct_layouts_free(&layouts);

    /* every unit: two structs of 80 bytes, so no name */
    CHECK_INT(struct_layouts_parse(heap_dwarf, NULL, &layouts), 0);
    CHECK(struct_layouts_field(&layouts, 80, 72) == NULL, "an ambiguous size was named");
    struct_layouts_free(&layouts);
    free(path);
}

static void test_lock_order(void)
{
    race_result r;

    CHECK_INT(read_fixture("lock_order.xml", "lock_order.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 1);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        /* the place named first */
        CHECK_FINDING(r.findings[0], "lock_order", "lock_order.c", 11);
        CHECK_STR(r.findings[0].message,
                  "lock order: lock_order.c:11 (transfer_ab) takes lock B while holding "
                  "lock A (A taken at lock_order.c:10), and lock_order.c:21 (transfer_ba) "
                  "takes A while holding B; two threads doing both can deadlock, each "
                  "waiting for the lock the other holds. Always take locks in one fixed "
                  "order.");
    }
    race_findings_free(&r);
}

/*
 * The test's own code on one side of a race (issue 15): the student's
 * sched_cancel returns while its thread still runs the test's job_fn.
 * The advice says what the student's code must change, not "lock both".
 */
static void test_test_side(void)
{
    race_result r;

    CHECK_INT(read_fixture("test_side.xml", "sched.c", 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_STR(r.findings[0].file, "sched.c");
        CHECK_INT(r.findings[0].line, 15);
        CHECK_STR(r.findings[0].message,
                  "data race: driver.c:21 (main) in the test's code reads memory that "
                  "sched.c:15 (sched_main) writes in another thread, and no lock orders the "
                  "two; the memory is the static variable \"data\". The test's side is right "
                  "as it is: it touches that memory only when none of your functions is "
                  "running, so one of yours returned (a cancel, stop, join or destroy?) "
                  "while your code still ran job_fn. Make that function wait until job_fn "
                  "is over before it returns; do not add a lock to the test's code.");
        CHECK(!strstr(r.findings[0].message, "Protect both accesses"),
              "tells the student to lock the test's code");
    }
    race_findings_free(&r);
}

/*
 * The program of tsan/lock_order_pair.txt under Helgrind: the same
 * sentence, A and B the same way round (test_tsan_report.c reads both).
 */
static void test_lock_order_pair(void)
{
    race_result r;

    CHECK_INT(read_fixture("lock_order_pair.xml", "lock_order_pair.c", 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_INT(r.findings[0].line, 8);
        CHECK_STR(r.findings[0].message,
                  "lock order: lock_order_pair.c:8 (transfer_ab) takes lock B while holding "
                  "lock A (A taken at lock_order_pair.c:7), and lock_order_pair.c:17 "
                  "(transfer_ba) takes A while holding B; two threads doing both can "
                  "deadlock, each waiting for the lock the other holds. Always take locks "
                  "in one fixed order.");
    }
    race_findings_free(&r);
}

/* One <error> of `kind` with text `what` at q.c:`line` (fn), and its count. */
static void add_error(char *xml, size_t size, int unique, const char *kind, const char *what,
                      int line, const char *fn)
{
    size_t len = strlen(xml);

    snprintf(xml + len, size - len,
             "<error><unique>0x%x</unique><tid>2</tid><kind>%s</kind>\n"
             " <xwhat><text>%s</text></xwhat>\n"
             " <stack><frame><ip>0x1</ip><obj>/home/s/q</obj><fn>%s</fn>"
             "<file>q.c</file><line>%d</line></frame></stack>\n</error>\n",
             unique, kind, what, fn, line);
}

/*
 * Issue 15: with an unlock missing on one path, five data races (sorted
 * by count) filled the summary and "Exiting thread still holds 1 lock"
 * was dropped without a word.  Now lock misuse comes first and what does
 * not fit is counted in a last "not shown" finding.
 */
static void test_misuse_first_and_not_shown(void)
{
    char xml[16384] = "<?xml version=\"1.0\"?>\n<valgrindoutput>\n"
                      "<protocolversion>4</protocolversion><tool>helgrind</tool>\n";
    size_t len;
    race_result r;

    for (int i = 0; i < 6; i++)
        add_error(xml, sizeof xml, i, "Race",
                  "Possible data race during read of size 4 at 0x4A4B088 by thread #2",
                  90 + i, "bq_get");
    len = strlen(xml);
    /* as Helgrind writes it: the thread's exit, in libc */
    snprintf(xml + len, sizeof xml - len,
             "<error><unique>0x6</unique><tid>3</tid><kind>Misc</kind>\n"
             " <xwhat><text>Thread #3: Exiting thread still holds 1 lock</text></xwhat>\n"
             " <stack><frame><ip>0x1</ip><obj>/usr/lib/x86_64-linux-gnu/libc.so.6</obj>"
             "<fn>start_thread</fn><file>pthread_create.c</file><line>456</line></frame>"
             "</stack>\n</error>\n");
    len = strlen(xml);
    snprintf(xml + len, sizeof xml - len, "<errorcounts>"
             "<pair><count>9</count><unique>0x0</unique></pair>"
             "<pair><count>8</count><unique>0x1</unique></pair>"
             "<pair><count>7</count><unique>0x2</unique></pair>"
             "<pair><count>6</count><unique>0x3</unique></pair>"
             "<pair><count>5</count><unique>0x4</unique></pair>"
             "</errorcounts>\n</valgrindoutput>\n");
    CHECK_INT(read_text_max(xml, "q.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 7);
    CHECK_INT(r.n_findings, 5);
    if (r.n_findings == 5) {
        CHECK_STR(r.findings[0].kind, "misuse");
        CHECK_INT(r.findings[0].line, 0);
        CHECK_STR(r.findings[0].message,
                  "misuse of a pthread call: a thread finishes while still holding a "
                  "lock, so no other thread can ever take it. Unlock on every path before "
                  "returning: look for a return, break or goto between a lock and its "
                  "unlock.");
        CHECK_STR(r.findings[1].kind, "race");
        CHECK_INT(r.findings[1].line, 90);          /* the most frequent race */
        CHECK_INT(r.findings[3].line, 92);
        CHECK_STR(r.findings[4].kind, "other");
        CHECK_STR(r.findings[4].message, "not shown: 3 more data races. Helgrind's whole "
                  "report lists them all (`make race`).");
    }
    race_findings_free(&r);
}

/* One Race at q.c:`line` (fn) against q.c:`other` (other_fn), on the byte
 * at offset 160 of a heap block of 176 bytes. */
static void add_race(char *xml, size_t size, int unique, int line, const char *fn,
                     int other, const char *other_fn)
{
    size_t len = strlen(xml);

    snprintf(xml + len, size - len,
             "<error><unique>0x%x</unique><tid>2</tid><kind>Race</kind>\n"
             " <xwhat><text>Possible data race during write of size 4 at 0x4A4B0E0 by "
             "thread #2</text></xwhat>\n"
             " <stack><frame><ip>0x1</ip><obj>/home/s/q</obj><fn>%s</fn>"
             "<file>q.c</file><line>%d</line></frame></stack>\n"
             " <xauxwhat><text>This conflicts with a previous read of size 4 by thread "
             "#3</text></xauxwhat>\n"
             " <stack><frame><ip>0x2</ip><obj>/home/s/q</obj><fn>%s</fn>"
             "<file>q.c</file><line>%d</line></frame></stack>\n"
             " <auxwhat>Address 0x4a4b0e0 is 160 bytes inside a block of size 176 "
             "alloc'd</auxwhat>\n</error>\n",
             unique, fn, line, other_fn, other);
}

/*
 * A thread still waiting in the student's code, holding a lock, when the
 * race driver stopped (Helgrind: "Exiting thread still holds 1 lock"
 * with the student's frame): whether a native run blocks there depends
 * on the OS scheduler, so it is neither counted nor shown; the same text
 * from a thread that returned (its exit in libc) is counted.
 */
static void test_left_blocked_not_counted(void)
{
    char xml[4096] = "<?xml version=\"1.0\"?>\n<valgrindoutput>\n"
                     "<protocolversion>4</protocolversion><tool>helgrind</tool>\n";
    size_t len;
    race_result r;

    add_error(xml, sizeof xml, 0, "Misc", "Thread #1: Exiting thread still holds 1 lock", 18,
              "bq_create");
    len = strlen(xml);
    snprintf(xml + len, sizeof xml - len, "</valgrindoutput>\n");
    CHECK_INT(read_text(xml, "q.c", &r), 0);
    CHECK_INT(r.n_errors, 0);
    CHECK_INT(r.n_findings, 0);
    race_findings_free(&r);
}

/*
 * Issue 15: Helgrind blamed bq_get against bq_put_timed, both inside the
 * lock, while bq_size read without it.  Its XML has no lock sets, so when
 * several races are about one memory, the most frequent lists every place
 * they name.
 */
static void test_shared_memory_places(void)
{
    char xml[16384] = "<?xml version=\"1.0\"?>\n<valgrindoutput>\n"
                      "<protocolversion>4</protocolversion><tool>helgrind</tool>\n";
    size_t len;
    race_result r;

    add_race(xml, sizeof xml, 0, 94, "bq_get", 112, "bq_put_timed");
    add_race(xml, sizeof xml, 1, 94, "bq_get", 262, "bq_size");
    add_race(xml, sizeof xml, 2, 112, "bq_put_timed", 262, "bq_size");
    len = strlen(xml);
    snprintf(xml + len, sizeof xml - len, "<errorcounts>"
             "<pair><count>9</count><unique>0x0</unique></pair>"
             "</errorcounts>\n</valgrindoutput>\n");
    CHECK_INT(read_text_max(xml, "q.c", 5, &r), 0);
    CHECK_INT(r.n_findings, 3);
    if (r.n_findings == 3) {
        CHECK_INT(r.findings[0].line, 94);
        CHECK_HAS(r.findings[0].message, "(seen 9 times)");
        CHECK_HAS(r.findings[0].message, " 3 findings are about this memory, and Helgrind can "
                  "show two accesses that both hold the lock when another one has none: check "
                  "that q.c:94, q.c:112 and q.c:262 all take the same lock.");
        CHECK(!strstr(r.findings[1].message, "findings are about"), "the note is repeated");
    }
    race_findings_free(&r);
}

static void test_misuse(void)
{
    race_result r;

    CHECK_INT(read_fixture("unlock_unlocked.xml", "unlock_unlocked.c", 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_FINDING(r.findings[0], "misuse", "unlock_unlocked.c", 10);
        CHECK_HAS(r.findings[0].message, "misuse of a pthread call: unlock_unlocked.c:10 "
                  "(set_value) unlocks a mutex that is not locked.");
    }
    race_findings_free(&r);

    /* Misc and PthAPIerror on one line: two findings (different kinds). */
    CHECK_INT(read_fixture("destroy_locked.xml", "destroy_locked.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 2);
    CHECK_INT(r.n_findings, 2);
    if (r.n_findings == 2) {
        CHECK_STR(r.findings[0].kind, "misuse");
        CHECK_INT(r.findings[0].line, 6);
        CHECK_HAS(r.findings[0].message, "destroys a mutex that is still locked");
        CHECK_STR(r.findings[1].kind, "misuse");
        CHECK_INT(r.findings[1].line, 6);
        CHECK_HAS(r.findings[1].message, "destroy_locked.c:6 (stop) calls "
                  "pthread_mutex_destroy, and the call fails with error code 16 (EBUSY");
    }
    race_findings_free(&r);

    /* Only libc frames: no file:line, and no library file named either. */
    CHECK_INT(read_fixture("exit_locked.xml", "exit_locked.c", 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1) {
        CHECK_STR(r.findings[0].file, "");
        CHECK_INT(r.findings[0].line, 0);
        CHECK_HAS(r.findings[0].message, "a thread finishes while still holding a lock");
        CHECK(!strstr(r.findings[0].message, "pthread_create.c"), "names libc's file");
    }
    race_findings_free(&r);
}

/*
 * A contended pthread_spin_lock: Helgrind 3.19 reports "recursive write
 * lock granted" from its wrapper (helgrind_report.c says why); that error
 * alone is left out.  The race beside the spin lock, and a real misuse
 * (an error-checking mutex locked twice), are reported as before.
 */
static void test_spin_retry(void)
{
    race_result r;
    char path[33];
    bool race = false, relock = false;

    CHECK_INT(read_fixture("spin_retry.xml", "spin_retry.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 3);
    CHECK_INT(r.n_findings, 3);
    for (size_t i = 0; i < r.n_findings; i++) {
        CHECK(!strstr(r.findings[i].message, "recursive write lock"), "reports the spin retry");
        if (strstr(r.findings[i].message, "data race: spin_retry.c:36 (main) writes memory "
                   "that spin_retry.c:20 (bq_get) reads"))
            race = true;
        if (strstr(r.findings[i].message, "locks a mutex it already holds"))
            relock = r.findings[i].line == 44;
    }
    CHECK(race, "the race beside the spin lock is not reported");
    CHECK(relock, "the mutex locked twice is not reported");
    race_findings_free(&r);

    /* The same text from the student's own frame is not Helgrind's wrapper: kept. */
    write_temp("<valgrindoutput><error><unique>0x1</unique><kind>Misc</kind>"
               "<xwhat><text>Thread #2: Bug in libpthread: recursive write lock granted "
               "on mutex/wrlock which does not support recursion</text></xwhat>"
               "<stack><frame><ip>0x1</ip><obj>/tmp/fx/spin_retry</obj><fn>bq_get</fn>"
               "<dir>/tmp/fx</dir><file>spin_retry.c</file><line>22</line></frame></stack>"
               "</error></valgrindoutput>", path);
    memset(&r, 0, sizeof r);
    CHECK_INT(helgrind_report_read(path, "spin_retry.c", 5, &r), 0);
    unlink(path);
    CHECK_INT(r.n_errors, 1);
    CHECK_INT(r.n_findings, 1);
    race_findings_free(&r);
}

static void test_clean_and_errors(void)
{
    race_result r;

    CHECK_INT(read_fixture("clean.xml", "clean.c", 5, &r), 0);
    CHECK_INT(r.n_errors, 0);
    CHECK_INT(r.n_findings, 0);
    CHECK(r.findings == NULL, "clean report has findings");

    CHECK_INT(read_fixture("no_such_report.xml", "clean.c", 5, &r), ENOENT);
    CHECK_INT(read_fixture("truncated.xml", "race_heap.c", 5, &r), EINVAL);
    CHECK(r.findings == NULL && r.n_findings == 0 && r.n_errors == 0,
          "truncated report leaves findings");
    CHECK_INT(helgrind_report_read(NULL, "x.c", 5, &r), EINVAL);

    CHECK_INT(read_text("", "x.c", &r), EINVAL);
    CHECK_INT(read_text("<?xml version=\"1.0\"?>\n<html><error/></html>\n", "x.c", &r), EINVAL);
    CHECK_INT(read_text("<?xml version=\"1.0\"?>\n<!DOCTYPE valgrindoutput [<!ENTITY a \"aa\">]>\n"
                        "<valgrindoutput>&a;</valgrindoutput>\n", "x.c", &r), EINVAL);
    CHECK_INT(read_text("<valgrindoutput><error><kind>Race</kind>", "x.c", &r), EINVAL);
}

/* Shapes the fixtures do not have: newer elements, a suppression block,
 * an error Valgrind counted 3 times, no conflicting access
 * (--history-level=none), an unknown kind, an unknown Misc text, a text
 * cut short. */
static const char hand_xml[] =
    "<?xml version=\"1.0\"?>\n<valgrindoutput>\n"
    "<protocolversion>5</protocolversion>\n"
    "<announcethread><hthreadid>1</hthreadid><isrootthread></isrootthread></announcethread>\n"
    "<error><unique>0x0</unique><tid>1</tid><kind>Race</kind>\n"
    " <xwhat><text>Possible data race during write of size 8 at 0x4A4B040 by thread #2</text>"
    "<hthreadid>2</hthreadid></xwhat>\n"
    " <stack><frame><ip>0x1</ip><obj>/usr/lib/x86_64-linux-gnu/libc.so.6</obj>"
    "<fn>memset</fn><file>memset.S</file><line>5</line></frame>\n"
    "  <frame><ip>0x2</ip><obj>/home/s/q</obj><fn>q_reset</fn><dir>/home/s/ex</dir>"
    "<file>q.c</file><line>77</line></frame></stack>\n"
    " <auxwhat>Location 0x4a4b040 is 8 bytes inside q-&gt;slots[1],</auxwhat>\n"
    " <xauxwhat><text>declared at q.c:9, in frame #1 of thread 2</text> <file>q.c</file> "
    "<line>9</line> </xauxwhat>\n"
    " <suppression><sname>x</sname><skind>Helgrind:Race</skind>"
    "<sframe> <fun>q_reset</fun> </sframe><rawtext>...</rawtext></suppression>\n"
    "</error>\n"
    "<error><unique>0x1</unique><tid>1</tid><kind>Misc</kind>\n"
    " <xwhat><text>Thread #1: something new and strange</text></xwhat>\n"
    " <stack><frame><ip>0x3</ip><obj>/home/s/test_q</obj><fn>main</fn>"
    "<file>test_q.c</file><line>40</line></frame></stack>\n"
    "</error>\n"
    "<error><unique>0x2</unique><tid>1</tid><kind>Hypothetical</kind>\n"
    " <xwhat><text>Thread #1: a kind from the future</text></xwhat>\n"
    "</error>\n"
    "<error><unique>0x3</unique><tid>1</tid><kind>PthAPIerror</kind>\n"
    " <xwhat><text>Thread #1'</text></xwhat>\n"
    "</error>\n"
    "<errorcounts><pair><count>3</count><unique>0x0</unique></pair>"
    "<pair><count>1</count><unique>0x1</unique></pair></errorcounts>\n"
    "<error_summary><errors>5</errors></error_summary>\n"
    "</valgrindoutput>\n";

static void test_hand_written(void)
{
    race_result r;

    CHECK_INT(read_text(hand_xml, "q.c", &r), 0);
    CHECK_INT(r.n_errors, 4);
    CHECK_INT(r.n_findings, 4);
    if (r.n_findings == 4) {
        /* lock misuse first (in report order), then races, then the rest */
        CHECK_FINDING(r.findings[0], "misuse", "", 0);
        CHECK_HAS(r.findings[0].message, "test_q.c:40 (main) in the test's code does "
                  "something Helgrind flags: \"something new and strange\"");
        CHECK_HAS(r.findings[1].message, "a thread calls a pthread function, and the call fails");
        CHECK_FINDING(r.findings[2], "race", "q.c", 77);
        CHECK_STR(r.findings[2].message,
                  "data race (seen 3 times): q.c:77 (q_reset) writes memory that another "
                  "thread also uses, and no lock orders the two; the memory is "
                  "\"q->slots[1]\" (declared at q.c:9). Protect both accesses with the "
                  "same mutex.");
        CHECK_STR(r.findings[3].kind, "other");
        CHECK_HAS(r.findings[3].message, "thread problem: ");
        CHECK_HAS(r.findings[3].message, "\"a kind from the future\"");
    }
    race_findings_free(&r);
}

/* The reader alone: parts, stacks, counts, and its errors. */
static void test_xml_read(void)
{
    char *heap, path[33];
    hg_xml x;
    const hg_error *e;

    if (asprintf(&heap, "%s/race_heap.xml", fixtures) < 0) {
        fprintf(stderr, "test: out of memory\n");
        exit(2);
    }
    CHECK_INT(hg_xml_read(heap, &x), 0);
    CHECK_INT(x.n_errors, 1);
    if (x.n_errors == 1) {
        e = &x.errors[0];
        CHECK_STR(e->kind, "Race");
        CHECK_STR(e->unique, "0x0");
        CHECK_INT(e->count, 1);
        CHECK_INT(e->n_parts, 4);
        if (e->n_parts == 4) {
            CHECK_STR(e->parts[0].text, "Possible data race during read of size 4 at "
                      "0x4A4B088 by thread #1");
            CHECK_INT(e->parts[0].n_frames, 2);
            CHECK_STR(e->parts[0].frames[0].fn, "queue_size");
            CHECK_STR(e->parts[0].frames[0].dir, "/tmp/hgfix");
            CHECK_STR(e->parts[0].frames[0].file, "race_heap.c");
            CHECK_STR(e->parts[0].frames[0].obj, "/tmp/hgfix/race_heap");
            CHECK_INT(e->parts[0].frames[0].line, 28);
            CHECK_HAS(e->parts[1].text, "This conflicts with a previous write");
            CHECK_STR(e->parts[1].frames[0].fn, "queue_put");
            CHECK_HAS(e->parts[2].text, "72 bytes inside a block of size 80");
            CHECK_INT(e->parts[2].has_stack, 1);
            CHECK_STR(e->parts[3].text, "Block was alloc'd by thread #1");
            CHECK_INT(e->parts[3].has_stack, 0);
            CHECK(e->parts[3].frames == NULL, "a text without a stack has frames");
        }
    }
    hg_xml_free(&x);
    CHECK(x.errors == NULL && x.n_errors == 0, "hg_xml_free leaves errors");
    hg_xml_free(&x);                        /* twice is harmless */
    hg_xml_free(NULL);

    /* <errorcounts> gives the counts, 1 when an error has no pair;
     * suppressions are skipped. */
    write_temp(hand_xml, path);
    CHECK_INT(hg_xml_read(path, &x), 0);
    unlink(path);
    CHECK_INT(x.n_errors, 4);
    if (x.n_errors == 4) {
        CHECK_INT(x.errors[0].count, 3);
        CHECK_INT(x.errors[0].n_parts, 3);
        CHECK(x.errors[0].parts[0].frames[0].dir == NULL, "a frame without <dir> has one");
        CHECK_STR(x.errors[0].parts[2].text, "declared at q.c:9, in frame #1 of thread 2");
        CHECK_INT(x.errors[1].count, 1);
        CHECK_INT(x.errors[2].count, 1);
        CHECK_INT(x.errors[2].parts[0].n_frames, 0);
        CHECK_STR(x.errors[3].kind, "PthAPIerror");
    }
    hg_xml_free(&x);

    write_temp("<valgrindoutput><errorcounts/></valgrindoutput>", path);
    CHECK_INT(hg_xml_read(path, &x), 0);
    unlink(path);
    CHECK(x.errors == NULL && x.n_errors == 0, "an empty report has errors");
    CHECK_INT(x.fatal_signal, 0);

    /* The signal that ended the program: <fatal_signal><signo>. */
    write_temp("<valgrindoutput><fatal_signal><tid>2</tid><signo>6</signo>"
               "<signame>SIGABRT</signame></fatal_signal></valgrindoutput>", path);
    CHECK_INT(hg_xml_read(path, &x), 0);
    unlink(path);
    CHECK_INT(x.fatal_signal, 6);
    hg_xml_free(&x);
    CHECK_INT(x.fatal_signal, 0);

    CHECK_INT(hg_xml_read(NULL, &x), EINVAL);
    CHECK(x.errors == NULL && x.n_errors == 0, "NULL path leaves errors");
    CHECK_INT(hg_xml_read(heap, NULL), EINVAL);
    CHECK_INT(hg_xml_read("/nonexistent/report.xml", &x), ENOENT);
    write_temp("<valgrindoutput><error><kind>Race</kind>", path);
    CHECK_INT(hg_xml_read(path, &x), EINVAL);
    unlink(path);
    CHECK(x.errors == NULL && x.n_errors == 0, "truncated report leaves errors");
    free(heap);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        fixtures = argv[1];
    test_race_global();
    test_race_global_varinfo();
    test_race_heap();
    test_race_stack();
    test_race_many();
    test_lock_order();
    test_misuse();
    test_race_heap_field();
    test_test_side();
    test_lock_order_pair();
    test_misuse_first_and_not_shown();
    test_shared_memory_places();
    test_left_blocked_not_counted();
    test_spin_retry();
    test_clean_and_errors();
    test_hand_written();
    test_xml_read();
    return check_finish();
}
