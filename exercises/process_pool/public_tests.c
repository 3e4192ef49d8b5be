/*
 * public_tests.c - a few visible tests of process_pool.
 *
 * Run them with:   make check EX=process_pool
 *
 * The grader's hidden tests go much further (crashes of every kind, the
 * shared counter and its mutex, partial reads and writes, signals,
 * descriptors and mappings left behind); passing these is a start, not a
 * guarantee.
 *
 * Items are commands for the test's fn: plain items, a slow item that
 * WAITS until every other item of the map has finished (a fixed split of
 * the items, or a parent that waits on the slow worker alone, never lets
 * them finish), and items whose worker kills itself.  fn runs in the
 * workers and tells the test what happened through a board in shared
 * memory.  A map runs on a thread of its own with a deadline, so a bug
 * fails a test instead of hanging it.
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

RC_SUITE(process_pool_public);

static long in[MAX_ITEMS], out[MAX_ITEMS];
static int status[MAX_ITEMS];

/* ---- the tests ------------------------------------------------------------ */

RC_TEST(process_pool_public, map_squares_every_item)
{
    pool *p;

    board_init();
    p = new_pool(4);
    fill(in, 100, PLAIN);
    wait_first(in, 100);
    cr_assert(map_within(p, in, 100, out, status, NOT_HANG) == 0, "pool_map must return 0");
    expect_results(in, 100, out, status);
    cr_assert(pool_done(p) == 100, "pool_done is %ld after 100 items, not 100", pool_done(p));
    pool_destroy(p);
}

RC_TEST(process_pool_public, slow_item_holds_up_no_other)
{
    pool *p;

    board_init();
    p = new_pool(2);
    in[0] = item(WAIT, 9);
    for (size_t i = 1; i < 10; i++)
        in[i] = item(PLAIN, (long)i);
    cr_assert(map_within(p, in, 10, out, status, NOT_HANG) == 0, "pool_map must return 0");
    cr_assert(out[0] == WAITED, "with 2 workers, item 0 waited for every other item to finish, "
              "but they never did: while one worker is busy, the free ones must take the next "
              "items (no fixed split; poll every worker's pipe at once)");
    expect_results(in, 10, out, status);
    pool_destroy(p);
}

RC_TEST(process_pool_public, crash_is_reported_and_replaced)
{
    int zombies, n;
    pool *p;

    board_init();
    p = new_pool(1);
    fill(in, 6, PLAIN);
    in[1] = item(KILL, SIGKILL);
    in[3] = item(EXIT, 2);
    cr_assert(map_within(p, in, 6, out, status,
                         "with one worker that crashed, it hangs: start a new worker in its "
                         "place") == 0, "pool_map must return 0 when items crash");
    expect_results(in, 6, out, status);
    cr_assert(pool_done(p) == 4, "pool_done is %ld: 4 items finished, 2 crashed", pool_done(p));
    n = count_children(&zombies, NULL, 0);
    cr_assert(n == 1 && zombies == 0, "after crashes a pool of 1 has %d children (%d zombies), "
              "not 1 live worker", n, zombies);
    pool_destroy(p);
}

RC_TEST(process_pool_public, destroy_leaves_nothing)
{
    int fds, maps, n;
    pool *p;

    board_init();
    fds = open_descriptors();
    maps = shared_mappings();
    p = new_pool(4);
    fill(in, 20, PLAIN);
    in[3] = item(KILL, SIGKILL);
    wait_first(in, 20);
    cr_assert(map_within(p, in, 20, out, status, NOT_HANG) == 0, "pool_map must return 0");
    pool_destroy(p);
    n = children();
    cr_assert(n == 0, "after pool_destroy the process still has %d children: stop every worker "
              "and waitpid each one", n);
    cr_assert(open_descriptors() == fds, "%d descriptors before pool_create, %d after "
              "pool_destroy: close every pipe end", fds, open_descriptors());
    cr_assert(shared_mappings() == maps, "%d shared mappings before pool_create, %d after "
              "pool_destroy: munmap the counter's memory", maps, shared_mappings());
}
