/*
 * hidden_tests.c - the grader's tests of process_pool (suite process_pool).
 *
 * Durations are in rc_unit() units (0.02 s, scaled by RC_TIME_SCALE).
 *
 * Items are commands for the test's fn (item(): the command in the high
 * half of the long, its argument in the low half), so that one map can mix
 * plain items, slow ones, crashes and exits.  fn runs in the workers; it
 * tells the test what happened through a board in memory the test maps
 * MAP_SHARED before the pool is created (the workers inherit it).
 *
 * What a bug needs is forced, not hoped for:
 *   - a slow item WAITS until every other item of the map has finished:
 *     a fixed split, or a parent that blocks on the slow worker while the
 *     others are free, never lets the others finish, and the slow item's
 *     backstop (BACKSTOP units) then says so in its result;
 *   - rc_hold_locks() makes each worker hold the counter's mutex a while:
 *     workers then contend on it every run (a mutex that is not
 *     PTHREAD_PROCESS_SHARED leaves the contender asleep forever), and a
 *     counter updated without the mutex shows as a map far too fast;
 *   - and the other way round, in every other test, workers never sleep
 *     on the counter's mutex (rc_locks_never_sleep, turned on for every
 *     test below and off by the tests of the mutex): whether two workers
 *     met on a mutex that is not PTHREAD_PROCESS_SHARED, and one of them
 *     hung, is left to no test but those, instead of to the scheduler;
 *   - rc_split_writes() cuts every write of the code under test into
 *     1-byte parts with a pause after each: a whole message never comes in
 *     one read, and one write never sends a whole message;
 *   - a thread sends SIGUSR1, whose handler is installed without
 *     SA_RESTART, to the thread that maps, every few milliseconds.
 *
 * The counter: two workers that increment it at the same instant without
 * the mutex lose an update, on some runs only.  So pool_done is checked
 * only where one worker runs (counter_counts_finished_items: what is
 * counted; counter_updated_under_the_lock: the mutex, forced by
 * rc_hold_locks), never in a test about something else, whose verdict a
 * lost update would otherwise decide now and then.
 * A map that could hang runs on a thread of its own (map_within); when
 * its deadline passes, the test kills the pool's workers and fails.
 */
#define _GNU_SOURCE
#include "process_pool.h"
#include "racecourse_test.h"
#include "pool_tests.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

RC_SUITE(process_pool);

/* Each test is a process of its own (fork + exec): this runs in each. */
__attribute__((constructor)) static void no_chance_meetings(void)
{
    rc_locks_never_sleep(true);
}

static long in[MAX_ITEMS], out[MAX_ITEMS];
static int status[MAX_ITEMS];

/* ---- arguments ---------------------------------------------------------- */

RC_TEST(process_pool, null_arguments)
{
    pool *p;

    cr_assert(pool_map(NULL, NULL, 0, NULL, NULL) == 0,
              "pool_map(NULL, NULL, 0, NULL, NULL) must return 0 (n == 0 is checked first)");
    cr_assert(pool_done(NULL) == -1, "pool_done(NULL) must return -1");
    pool_destroy(NULL);
    board_init();
    p = new_pool(2);
    in[0] = item(PLAIN, 1);
    cr_assert(pool_map(NULL, in, 1, out, status) == EINVAL, "pool_map(NULL, ...) must be EINVAL");
    cr_assert(pool_map(p, NULL, 1, out, status) == EINVAL, "pool_map with in NULL must be EINVAL");
    cr_assert(pool_map(p, in, 1, NULL, status) == EINVAL, "pool_map with out NULL must be EINVAL");
    cr_assert(pool_map(p, in, 1, out, NULL) == EINVAL, "pool_map with status NULL must be EINVAL");
    cr_assert(pool_map(p, NULL, 0, NULL, NULL) == 0, "pool_map with n == 0 must return 0");
    cr_assert(pool_done(p) == 0, "pool_done is %ld before any item, not 0", pool_done(p));
    pool_destroy(p);
}

RC_TEST(process_pool, create_rejects_bad_arguments)
{
    const unsigned bad[] = { 0, 65, 1000 };

    board_init();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        cr_assert(pool_create(bad[i], fn) == NULL && errno == EINVAL,
                  "pool_create(%u, fn) must return NULL with errno EINVAL (1 to 64 workers)",
                  bad[i]);
    }
    errno = 0;
    cr_assert(pool_create(2, NULL) == NULL && errno == EINVAL,
              "pool_create(2, NULL) must return NULL with errno EINVAL");
    cr_assert(children() == 0, "a refused pool_create left %d processes behind", children());
}

/* ---- mapping -------------------------------------------------------------- */

RC_TEST(process_pool, map_computes_every_item)
{
    pool *p;

    board_init();
    p = new_pool(4);
    fill(in, 300, PLAIN);
    wait_first(in, 300);
    cr_assert(map_within(p, in, 300, out, status, NOT_HANG) == 0, "pool_map must return 0");
    expect_results(in, 300, out, status);
    pool_destroy(p);
}

RC_TEST(process_pool, map_can_be_called_again)
{
    pool *p;

    board_init();
    p = new_pool(3);
    for (int round = 0; round < 5; round++) {
        for (size_t i = 0; i < 40; i++)
            in[i] = item(PLAIN, round * 100 + (long)i);
        wait_first(in, 40);
        cr_assert(map_within(p, in, 40, out, status, NOT_HANG) == 0,
                  "pool_map must return 0 on call %d", round + 1);
        expect_results(in, 40, out, status);
        cr_assert(pool_map(p, in, 0, out, status) == 0, "pool_map with n == 0 must return 0");
    }
    pool_destroy(p);
}

RC_TEST(process_pool, items_go_out_in_index_order)
{
    pool *p;

    board_init();
    p = new_pool(1);
    fill(in, 30, RECORD);
    cr_assert(map_within(p, in, 30, out, status, NOT_HANG) == 0, "pool_map must return 0");
    expect_results(in, 30, out, status);
    for (int i = 0; i < 30; i++)
        cr_assert(atomic_load(&the_board->order[i]) == i + 1,
                  "with one worker, item %ld ran as number %d: items go out in index order",
                  atomic_load(&the_board->order[i]) - 1, i);
    pool_destroy(p);
}

RC_TEST(process_pool, fn_runs_in_workers_not_parent)
{
    pid_t workers[8];
    int n_workers;
    pool *p;

    board_init();
    p = new_pool(3);
    n_workers = count_children(NULL, workers, 8);
    fill(in, 30, PID);
    cr_assert(map_within(p, in, 30, out, status, NOT_HANG) == 0, "pool_map must return 0");
    for (int i = 0; i < 30; i++) {
        bool worker = false;

        cr_assert(out[i] != (long)getpid(), "item %d ran in the parent process: fn must run only "
                  "in the workers", i);
        for (int k = 0; k < n_workers; k++)
            worker |= out[i] == (long)workers[k];
        cr_assert(worker, "item %d ran in process %ld, not in one of the pool's workers", i,
                  out[i]);
    }
    pool_destroy(p);
}

RC_TEST(process_pool, workers_start_at_create)
{
    pool *p;
    int n;

    board_init();
    p = new_pool(5);
    n = children();
    cr_assert(n == 5, "after pool_create(5, fn) the process has %d children, not 5: fork every "
              "worker in pool_create", n);
    pool_destroy(p);
}

RC_TEST(process_pool, sixty_four_workers)
{
    pool *p;
    int n;

    board_init();
    p = new_pool(64);
    n = children();
    cr_assert(n == 64, "after pool_create(64, fn) the process has %d children, not 64", n);
    fill(in, 256, PLAIN);
    wait_first(in, 256);
    cr_assert(map_within(p, in, 256, out, status, NOT_HANG) == 0, "pool_map must return 0");
    expect_results(in, 256, out, status);
    pool_destroy(p);
    cr_assert(children() == 0, "pool_destroy left %d of 64 workers", children());
}

/* ---- free workers take the next item -------------------------------------- */

#define FREE_WORKER_HINT "item 0 waited for every other item to finish, but they never did: " \
    "while one worker is busy, the free ones must take the next items"

RC_TEST(process_pool, slow_item_holds_up_no_other)
{
    pool *p;

    board_init();
    p = new_pool(2);
    in[0] = item(WAIT, 11);
    for (size_t i = 1; i < 12; i++)
        in[i] = item(PLAIN, (long)i);
    cr_assert(map_within(p, in, 12, out, status, NOT_HANG) == 0, "pool_map must return 0");
    cr_assert(out[0] == WAITED, "with 2 workers, " FREE_WORKER_HINT " (no fixed split of the "
              "items; never wait on the busy worker alone)");
    expect_results(in, 12, out, status);
    pool_destroy(p);
}

RC_TEST(process_pool, parent_waits_on_all_workers_at_once)
{
    pool *p;

    board_init();
    p = new_pool(3);
    in[0] = item(PLAIN, 1);
    in[1] = item(WAIT, 14);
    for (size_t i = 2; i < 15; i++)
        in[i] = item(PLAIN, (long)i);
    cr_assert(map_within(p, in, 15, out, status, NOT_HANG) == 0, "pool_map must return 0");
    cr_assert(out[1] == WAITED, "with 3 workers, " FREE_WORKER_HINT " (wait on every worker's "
              "pipe at once with poll, never read one that has no result yet)");
    expect_results(in, 15, out, status);
    pool_destroy(p);
}

RC_TEST(process_pool, makespan_is_the_slowest_item)
{
    double best = INFINITY;
    pool *p;

    board_init();
    p = new_pool(4);
    in[0] = item(SLEEP, 250);               /* 25 units */
    for (size_t i = 1; i < 25; i++)
        in[i] = item(SLEEP, 25);            /* 2.5 units each: 23 of them */
    in[24] = item(PLAIN, 24);               /* and a quick last one */
    /*
     * Ideal: 25 units (3 free workers run the 23 short items in 20).  A
     * fixed split gives the slow item's worker 5 or 6 short ones more (37.5
     * units or more); waiting on the slow worker first takes about 37.5 too.
     * On a loaded machine a try may be late: three tries, the best counts.
     */
    for (int try = 0; try < 3 && best > unit(32.5); try++) {
        double t0 = rc_now(), took;

        cr_assert(map_within(p, in, 25, out, status, NOT_HANG) == 0,
                  "pool_map must return 0");
        took = rc_now() - t0;
        best = took < best ? took : best;
        expect_results(in, 25, out, status);
    }
    cr_assert(best <= unit(32.5), "one item of %.2f s and 23 of %.2f s on 4 workers took %.2f s, "
              "not about %.2f s: a free worker must take the next item at once", unit(25),
              unit(2.5), best, unit(25));
    pool_destroy(p);
}

RC_TEST(process_pool, results_stored_by_index)
{
    pool *p;

    board_init();
    p = new_pool(2);
    in[0] = item(WAIT, 9);
    for (size_t i = 1; i < 10; i++)
        in[i] = item(PLAIN, 100 + (long)i);
    cr_assert(map_within(p, in, 10, out, status, NOT_HANG) == 0, "pool_map must return 0");
    for (size_t i = 1; i < 10; i++)
        cr_assert(out[i] == plain_result(100 + (long)i), "out[%zu] is %ld, not fn(in[%zu]) = "
                  "%ld: store each result at its item's index, not in the order results arrive",
                  i, out[i], i, plain_result(100 + (long)i));
    cr_assert(out[0] == WAITED, "out[0] is %ld: " FREE_WORKER_HINT, out[0]);
    pool_destroy(p);
}

/* ---- crashes ------------------------------------------------------------------ */

RC_TEST(process_pool, crash_sets_signal_status)
{
    pool *p;

    board_init();
    p = new_pool(3);
    fill(in, 30, PLAIN);
    in[3] = item(KILL, SIGKILL);
    in[9] = item(KILL, SIGTERM);
    in[17] = item(KILL, SIGKILL);
    wait_first(in, 30);
    cr_assert(map_within(p, in, 30, out, status, NOT_HANG) == 0,
              "pool_map must return 0 when items crash (their status says so)");
    expect_results(in, 30, out, status);
    pool_destroy(p);
}

RC_TEST(process_pool, exit_in_worker_is_minus_one)
{
    pool *p;

    board_init();
    p = new_pool(2);
    fill(in, 8, PLAIN);
    in[2] = item(EXIT, 0);
    in[5] = item(EXIT, 3);
    wait_first(in, 8);
    cr_assert(map_within(p, in, 8, out, status, NOT_HANG) == 0, "pool_map must return 0");
    expect_results(in, 8, out, status);
    pool_destroy(p);
}

RC_TEST(process_pool, crashed_worker_is_replaced)
{
    int zombies, n;
    pool *p;

    board_init();
    p = new_pool(1);
    fill(in, 9, PLAIN);
    in[1] = item(KILL, SIGKILL);
    in[4] = item(KILL, SIGKILL);
    in[5] = item(EXIT, 1);
    cr_assert(map_within(p, in, 9, out, status,
                         "with one worker that crashed, it hangs: start a new worker in its "
                         "place") == 0, "pool_map must return 0");
    expect_results(in, 9, out, status);
    n = count_children(&zombies, NULL, 0);
    cr_assert(n == 1 && zombies == 0, "after crashes a pool of 1 has %d children (%d zombies), "
              "not 1 live worker: waitpid the dead one, fork its replacement", n, zombies);
    pool_destroy(p);
}

RC_TEST(process_pool, crashes_keep_the_pool_size)
{
    int zombies, n;
    pool *p;

    board_init();
    p = new_pool(3);
    fill(in, 12, PLAIN);
    in[1] = item(KILL, SIGKILL);
    in[2] = item(KILL, SIGKILL);
    in[3] = item(KILL, SIGKILL);
    in[7] = item(KILL, SIGKILL);
    wait_first(in, 12);
    cr_assert(map_within(p, in, 12, out, status, NOT_HANG) == 0, "pool_map must return 0");
    expect_results(in, 12, out, status);
    n = count_children(&zombies, NULL, 0);
    cr_assert(n == 3 && zombies == 0, "after 4 crashes a pool of 3 has %d children (%d zombies), "
              "not 3 live workers", n, zombies);
    pool_destroy(p);
}

RC_TEST(process_pool, idle_worker_death_is_replaced)
{
    pool *p;

    board_init();
    p = new_pool(1);
    in[0] = item(PID, 0);
    cr_assert(map_within(p, in, 1, out, status, NOT_HANG) == 0, "pool_map must return 0");
    cr_assert(out[0] > 0 && status[0] == 0, "a PID item gave out %ld status %d", out[0],
              status[0]);
    kill((pid_t)out[0], SIGKILL);
    rc_sleep(unit(5));
    fill(in, 6, PLAIN);
    cr_assert(map_within(p, in, 6, out, status, "a worker died while idle and the next map "
                         "hangs: notice its death (end of file, or EPIPE), replace it") == 0,
              "pool_map must return 0 after an idle worker died");
    expect_results(in, 6, out, status);
    cr_assert(children() == 1, "a pool of 1 has %d children after its worker was replaced",
              children());
    pool_destroy(p);
}

/* ---- the shared counter ----------------------------------------------------- */

RC_TEST(process_pool, counter_counts_finished_items)
{
    pool *p;

    board_init();
    p = new_pool(1);                /* one worker: see "The counter" above */
    fill(in, 22, PLAIN);
    in[4] = item(KILL, SIGKILL);
    in[12] = item(EXIT, 0);
    cr_assert(map_within(p, in, 22, out, status, NOT_HANG) == 0, "pool_map must return 0");
    cr_assert(pool_done(p) == 20, "pool_done is %ld after 22 items of which 2 crashed, not 20",
              pool_done(p));
    fill(in, 10, PLAIN);
    cr_assert(map_within(p, in, 10, out, status, NOT_HANG) == 0, "pool_map must return 0");
    cr_assert(pool_done(p) == 30, "pool_done is %ld after 10 more, not 30", pool_done(p));
    pool_destroy(p);
}

RC_TEST(process_pool, counter_updated_under_the_lock)
{
    double t0, took;
    pool *p;

    board_init();
    rc_locks_never_sleep(false);    /* the mutex as the student made it */
    rc_hold_locks(unit(2));         /* inherited by the workers */
    p = new_pool(1);
    fill(in, 6, PLAIN);
    t0 = rc_now();
    cr_assert(map_within(p, in, 6, out, status, NOT_HANG) == 0, "pool_map must return 0");
    took = rc_now() - t0;
    rc_hold_locks(0);
    expect_results(in, 6, out, status);
    cr_assert(took >= unit(10), "6 items took %.2f s although the test makes every "
              "pthread_mutex_lock hold the mutex %.2f s: the worker must increment the shared "
              "counter under the shared mutex (lock, increment, unlock), or updates get lost",
              took, unit(2));
    cr_assert(pool_done(p) == 6, "pool_done is %ld, not 6", pool_done(p));
    pool_destroy(p);
}

RC_TEST(process_pool, mutex_works_between_processes)
{
    pool *p;

    board_init();
    rc_locks_never_sleep(false);    /* this test is about the sleepers */
    rc_hold_locks(unit(2));         /* workers find the mutex taken */
    p = new_pool(4);
    fill(in, 8, PLAIN);
    wait_first(in, 8);
    cr_assert(map_within(p, in, 8, out, status,
                         "a worker stayed blocked on the counter's mutex after its holder "
                         "unlocked it: a mutex shared by processes needs "
                         "pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED)") == 0,
              "pool_map must return 0");
    rc_hold_locks(0);
    expect_results(in, 8, out, status);
    pool_destroy(p);
}

/* ---- pool_destroy ------------------------------------------------------------- */

RC_TEST(process_pool, destroy_leaves_no_child)
{
    int zombies, n;
    pool *p;

    board_init();
    p = new_pool(6);
    fill(in, 30, PLAIN);
    in[7] = item(KILL, SIGKILL);
    in[8] = item(EXIT, 0);
    wait_first(in, 30);
    cr_assert(map_within(p, in, 30, out, status, NOT_HANG) == 0, "pool_map must return 0");
    pool_destroy(p);
    n = count_children(&zombies, NULL, 0);
    cr_assert(n == 0, "after pool_destroy the process still has %d children (%d zombies): stop "
              "every worker and waitpid each one", n, zombies);
    errno = 0;
    cr_assert(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD,
              "after pool_destroy a child is still there to be waited for");
}

RC_TEST(process_pool, destroy_leaves_no_descriptor)
{
    int before, after;
    pool *p;

    board_init();
    before = open_descriptors();
    p = new_pool(8);
    fill(in, 40, PLAIN);
    in[5] = item(KILL, SIGKILL);
    wait_first(in, 40);
    cr_assert(map_within(p, in, 40, out, status, NOT_HANG) == 0, "pool_map must return 0");
    pool_destroy(p);
    after = open_descriptors();
    cr_assert(after == before, "the process had %d descriptors before pool_create and %d after "
              "pool_destroy: close both ends of every pipe (in the parent and in each worker, "
              "and those of a dead worker)", before, after);
}

RC_TEST(process_pool, destroy_leaves_no_shared_mapping)
{
    int before, after;
    pool *p;

    board_init();
    before = shared_mappings();
    p = new_pool(2);
    fill(in, 4, PLAIN);
    wait_first(in, 4);
    cr_assert(map_within(p, in, 4, out, status, NOT_HANG) == 0, "pool_map must return 0");
    pool_destroy(p);
    after = shared_mappings();
    cr_assert(after == before, "the process had %d shared mappings before pool_create and %d "
              "after pool_destroy: munmap the counter's memory", before, after);
}

/* ---- bytes, not messages; signals ---------------------------------------------- */

RC_TEST(process_pool, partial_reads_and_writes)
{
    pool *p;

    board_init();
    rc_split_writes(1, unit(0.1));      /* inherited by the workers */
    p = new_pool(3);
    for (size_t i = 0; i < 18; i++)
        in[i] = item(BIG, 0x01020304L + (long)i * 0x01010101L);
    wait_first(in, 18);
    cr_assert(map_within(p, in, 18, out, status,
                         "with writes cut into 1-byte parts it hangs: loop on read and write "
                         "until the whole long went through") == 0, "pool_map must return 0");
    rc_split_writes(0, 0);
    expect_results(in, 18, out, status);
    pool_destroy(p);
}

static atomic_int handled;

static void on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&handled, 1);
}

RC_TEST(process_pool, signals_do_not_break_the_map)
{
    struct sigaction sa;
    int rc, sent = 0;
    pool *p;

    board_init();
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;            /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    p = new_pool(2);
    for (size_t i = 0; i < 16; i++)
        in[i] = item(SLEEP, 10);        /* 1 unit each */
    wait_first(in, 16);
    start_map(p, in, 16, out, status);
    while (!atomic_load(&the_call.done) && sent < 5000) {
        pthread_kill(the_call.thread, SIGUSR1);
        sent++;
        rc_sleep(0.002);
    }
    rc = finish_map(NOT_HANG);
    cr_assert(rc == 0, "pool_map returned %d (%s) while signals arrived: a call that fails with "
              "EINTR (poll, read, write, waitpid) must be tried again", rc,
              rc == EINTR ? "EINTR" : "not 0");
    expect_results(in, 16, out, status);
    pool_destroy(p);
    signal(SIGUSR1, SIG_DFL);
}
