/*
 * public_tests.c - a few visible tests for pingpong (suite
 * "pingpong_public").  Run them with `make check EX=pingpong`.
 *
 * The grader's hidden tests check much more: many players and rounds,
 * that hits never overlap, that each player has a thread of its own,
 * that every thread is joined, that nobody busy-waits, and a bsem hammered
 * from many threads.
 */
#include "racecourse_test.h"
#include "pingpong.h"

#include <errno.h>
#include <pthread.h>
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
