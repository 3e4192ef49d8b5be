/*
 * public_tests.c - a few visible tests for pingpong (suite
 * "pingpong_public").  Run them with `make check EX=pingpong`.
 *
 * The grader's hidden tests check much more: many players and rounds,
 * that hits never overlap, that each player has a thread of its own,
 * that every thread is joined, that nobody busy-waits, and a bsem hammered
 * from many threads.
 *
 * The tests run under the kit's controlled scheduler, in virtual time:
 * one thread at a time, each synchronisation call a point where a fixed
 * seed picks the next thread, and a clock that jumps to the next deadline
 * when no thread can run.  Every run sees the same interleaving.  A
 * thread that polls while nobody can change what it waits for, or a
 * deadlock, is stopped by the scheduler, and the test fails with its
 * words (each thread's call and line are in the test's output).
 */
#include "racecourse_test.h"
#include "pingpong.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

RC_SUITE(pingpong_public);

/* What the test's hit function writes down: who hit, in which order. */
typedef struct record {
    pthread_mutex_t lock;
    size_t hits;
    size_t who[64];
} record;

static void note_hit(size_t player, void *ctx)
{
    record *r = ctx;

    pthread_mutex_lock(&r->lock);
    if (r->hits < 64)
        r->who[r->hits] = player;
    r->hits++;
    pthread_mutex_unlock(&r->lock);
}

static void check_game(size_t players, size_t rounds)
{
    static record r = { .lock = PTHREAD_MUTEX_INITIALIZER };
    int rc = pingpong(players, rounds, note_hit, &r);

    cr_assert_eq(rc, 0, "pingpong(%zu players, %zu rounds) returned %d (%s), "
                 "expected 0", players, rounds, rc, strerror(rc));
    cr_assert_eq(r.hits, players * rounds, "pingpong(%zu players, %zu rounds) "
                 "made %zu hits, expected %zu", players, rounds, r.hits,
                 players * rounds);
    for (size_t k = 0; k < r.hits; k++)
        cr_assert_eq(r.who[k], k % players, "hit number %zu was made by player "
                     "%zu, expected player %zu: players hit strictly in turn "
                     "0, 1, ..., %zu, 0, 1, ...", k, r.who[k], k % players,
                     players - 1);
}

RC_TEST(pingpong_public, two_players_take_turns)
{
    check_game(2, 10);          /* 0 1 0 1 ... */
}

RC_TEST(pingpong_public, three_players_in_order)
{
    check_game(3, 5);           /* 0 1 2 0 1 2 ... */
}

RC_TEST(pingpong_public, no_round_no_hit)
{
    static record r = { .lock = PTHREAD_MUTEX_INITIALIZER };
    int rc = pingpong(3, 0, note_hit, &r);

    cr_assert_eq(rc, 0, "pingpong(3 players, 0 rounds) returned %d (%s), "
                 "expected 0", rc, strerror(rc));
    cr_assert_eq(r.hits, 0, "pingpong with 0 rounds made %zu hits, expected none",
                 r.hits);
    rc = pingpong(0, 3, note_hit, &r);
    cr_assert_eq(rc, EINVAL, "pingpong(0 players, 3 rounds) returned %d (%s), "
                 "expected EINVAL", rc, strerror(rc));
}

RC_TEST(pingpong_public, bsem_counts_places)
{
    bsem *s = bsem_create(2);
    int rc;

    cr_assert_not_null(s, "bsem_create(2) returned NULL (errno %d, %s)", errno,
                       strerror(errno));
    cr_assert_eq(bsem_try_acquire(s), 0, "first try_acquire of 2 places failed");
    cr_assert_eq(bsem_try_acquire(s), 0, "second try_acquire of 2 places failed");
    rc = bsem_try_acquire(s);
    cr_assert_eq(rc, EAGAIN, "a third try_acquire on a bsem with limit 2 "
                 "returned %d (%s), expected EAGAIN", rc, strerror(rc));
    cr_assert_eq(bsem_release(s), 0, "first release failed");
    cr_assert_eq(bsem_release(s), 0, "second release failed");
    rc = bsem_release(s);
    cr_assert_eq(rc, EOVERFLOW, "a third release (more releases than acquires) "
                 "returned %d (%s), expected EOVERFLOW", rc, strerror(rc));
    bsem_destroy(s);
}

RC_TEST(pingpong_public, bsem_zero_limit_refused)
{
    bsem *s;

    errno = 0;
    s = bsem_create(0);
    cr_assert_null(s, "bsem_create(0) returned a semaphore, expected NULL");
    cr_assert_eq(errno, EINVAL, "bsem_create(0) set errno to %d (%s), expected "
                 "EINVAL", errno, strerror(errno));
}

/* bsem_acquire(s) on a thread of its own, so that the test can watch it wait. */
typedef struct waiter {
    bsem *s;
    atomic_int rc;
    atomic_bool returned;
} waiter;

static void *waiter_main(void *arg)
{
    waiter *w = arg;

    atomic_store(&w->rc, bsem_acquire(w->s));
    atomic_store(&w->returned, true);
    return NULL;
}

/* Waits up to `units` for the waiter to return. */
static bool returned_within(waiter *w, double units)
{
    return rc_wait_flag(&w->returned, units * rc_unit());
}

/*
 * `if` instead of `while` around the wait.  The test holds the only place
 * of a bsem with limit 1; a thread waits in bsem_acquire.  The test
 * releases the place and at once takes it back with bsem_try_acquire,
 * before the woken thread runs: that thread must find the place taken and
 * wait again.  Rounds where the woken thread wins prove nothing and are
 * played again.
 */
RC_TEST(pingpong_public, bsem_woken_acquire_rechecks)
{
    bsem *s = bsem_create(1);
    int taken_back = 0, rc;

    cr_assert_not_null(s, "bsem_create(1) returned NULL (errno %d, %s)", errno,
                       strerror(errno));
    cr_assert_eq(bsem_try_acquire(s), 0, "try_acquire on a new bsem with limit 1 failed");
    for (int round = 0; round < 60 && taken_back < 5; round++) {
        /* static: a thread still running after a failed assertion writes here */
        static waiter w;
        static pthread_t thread;

        w.s = s;
        atomic_store(&w.returned, false);
        cr_assert_eq(pthread_create(&thread, NULL, waiter_main, &w), 0,
                     "test setup: cannot start a thread");
        rc_sleep(0.2 * rc_unit());
        cr_assert(!atomic_load(&w.returned), "bsem_acquire returned %d while the only "
                  "place of a bsem with limit 1 was taken: it must wait until the place "
                  "is released", atomic_load(&w.rc));
        cr_assert_eq(bsem_release(s), 0, "bsem_release of the only place failed");
        rc = bsem_try_acquire(s);
        cr_assert(rc == 0 || rc == EAGAIN, "bsem_try_acquire returned %d (%s), expected 0 "
                  "or EAGAIN", rc, strerror(rc));
        if (rc == 0) {
            taken_back++;
            rc_sleep(2 * rc_unit());
            cr_assert(!atomic_load(&w.returned), "bsem_acquire returned while the test held "
                      "the only place of a bsem with limit 1 (a release woke it, and a "
                      "bsem_try_acquire took the freed place first): two holders. A woken "
                      "thread must check the count again (while, not if, around the wait)");
            cr_assert_eq(bsem_release(s), 0, "bsem_release of the only place failed");
        }
        cr_assert(returned_within(&w, 50), "bsem_acquire kept waiting after bsem_release "
                  "freed the only place: release must wake a waiting thread");
        pthread_join(thread, NULL);
        cr_assert_eq(atomic_load(&w.rc), 0, "bsem_acquire returned %d after waiting, "
                     "expected 0", atomic_load(&w.rc));
        /* The waiter's place is the test's now: places belong to no thread. */
    }
    cr_assert_eq(bsem_release(s), 0, "bsem_release of the only place failed");
    bsem_destroy(s);
}
