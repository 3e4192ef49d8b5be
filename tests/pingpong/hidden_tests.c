/*
 * hidden_tests.c - the grader's tests for pingpong (suite "pingpong").
 *
 * pingpong() is always called from a thread of the test's own (the
 * "caller"), while the test waits for it with a deadline: a game that
 * deadlocks fails with a message instead of hanging until the timeout.
 * The test's hit function records, for every hit, the player, the thread
 * it ran on, and whether another hit was still running.  Calls of bsem
 * functions that might wrongly block run the same way.
 *
 * Durations are in rc_unit() units (0.02 s) of virtual time: the tests
 * run under the controlled scheduler (manifest `schedules`), so they
 * are exact, and a player that polls is stopped by the scheduler.
 */
#define _GNU_SOURCE
#include "racecourse_test.h"
#include "pingpong.h"
#include "fault_inject.h"
#include "fault_tests.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

RC_SUITE(pingpong);

#define MAX_HITS 4096           /* hits recorded in detail */
/*
 * The final hit of every game lasts this many units: a game that returns
 * before its last player's final hit has returned (a join forgotten) is
 * then seen in every test, whatever the load of the machine.
 */
#define LAST_HOLD 10
#define NO_HIT SIZE_MAX

/* ---------------------------------------------------------------------
 * A game as the test sees it.  One per test process, static so that a
 * player thread still running after a failed test never writes into a
 * dead stack frame.
 */
typedef struct game {
    size_t players, rounds;
    bool null_hit;              /* call pingpong with hit == NULL */
    double hold_s;              /* how long each hit takes */
    double last_hold_s;         /* how long the game's final hit takes */
    double patience_units;      /* play_game's limit beyond the hits' own time */

    atomic_size_t started;      /* hits begun */
    atomic_int in_hit;          /* hits running now */
    atomic_size_t first_overlap;/* index of the first hit that began while
                                   another ran, NO_HIT if none */
    atomic_size_t bad_player;   /* a player number >= players, or NO_HIT */
    atomic_bool bad_ctx;        /* hit got a ctx other than pingpong's */
    size_t who[MAX_HITS];       /* who[k]: player of the k-th hit */
    pthread_t by[MAX_HITS];     /* by[k]: thread that made the k-th hit */

    pthread_t caller;           /* the thread that called pingpong */
    int rc;                     /* what pingpong returned */
    size_t started_at_return;   /* hits begun when pingpong returned */
    int in_hit_at_return;       /* hits still running when it returned */
    sem_t done;                 /* posted by the caller after the return */
} game;

static game G;

static void record_hit(size_t player, void *ctx)
{
    game *g = &G;
    size_t k = atomic_fetch_add(&g->started, 1);
    size_t none = NO_HIT;

    if (atomic_fetch_add(&g->in_hit, 1) != 0)
        atomic_compare_exchange_strong(&g->first_overlap, &none, k);
    if (ctx != &G)
        atomic_store(&g->bad_ctx, true);
    if (player >= g->players) {
        none = NO_HIT;
        atomic_compare_exchange_strong(&g->bad_player, &none, player);
    }
    if (k < MAX_HITS) {
        g->who[k] = player;
        g->by[k] = pthread_self();
    }
    rc_sleep(k + 1 == g->players * g->rounds ? g->last_hold_s : g->hold_s);
    atomic_fetch_sub(&g->in_hit, 1);
}

/*
 * A fault for the next game (fault_inject.h): when `families` is not 0,
 * the caller thread makes call `nth` of them fail with `err` inside
 * pingpong, and records what the call left behind.
 */
typedef struct game_fault {
    unsigned families;
    unsigned long nth;
    int err;
    unsigned long before;       /* calls of the families before pingpong */
    unsigned long failed;       /* calls made to fail (0: normal path) */
    atomic_int hits_after;      /* hits begun after the failed call */
    long threads, blocks;       /* live after pingpong returned */
    unsigned long created;      /* threads pingpong started */
    unsigned long joins;        /* join calls it made */
} game_fault;

static game_fault FAULT;

/*
 * The failing call waits this long (units) first: the players started
 * before it have made their hits by then, on every run (a game that lets
 * them hit before every player is seated overlaps them every time).
 */
#define FAULT_SETTLE_UNITS 5

/* record_hit, noting a hit made after the failed call. */
static void fault_hit(size_t player, void *ctx)
{
    if (rc_fault_calls(FAULT.families) - FAULT.before >= FAULT.nth)
        atomic_fetch_add(&FAULT.hits_after, 1);
    record_hit(player, ctx);
}

static void *caller_main(void *arg)
{
    game *g = arg;
    long threads = rc_fault_live_threads(), blocks = rc_fault_live_blocks();
    unsigned long creates = rc_fault_calls(RC_FAULT_THREAD);
    unsigned long joins = rc_fault_calls(RC_FAULT_JOIN);
    void (*hit)(size_t, void *) = FAULT.families ? fault_hit : record_hit;

    g->caller = pthread_self();
    if (FAULT.families) {
        FAULT.before = rc_fault_calls(FAULT.families);
        rc_fault_arm(FAULT.families, FAULT.nth, FAULT.err);
        rc_fault_settle(FAULT_SETTLE_UNITS * rc_unit());
    }
    g->rc = pingpong(g->players, g->rounds, g->null_hit ? NULL : hit, g);
    if (FAULT.families)
        FAULT.failed = rc_fault_disarm();
    g->started_at_return = atomic_load(&g->started);
    g->in_hit_at_return = atomic_load(&g->in_hit);
    FAULT.threads = rc_fault_live_threads() - threads;
    FAULT.blocks = rc_fault_live_blocks() - blocks;
    FAULT.created = rc_fault_calls(RC_FAULT_THREAD) - creates -
                    ((FAULT.families & RC_FAULT_THREAD) ? FAULT.failed : 0);
    FAULT.joins = rc_fault_calls(RC_FAULT_JOIN) - joins;
    sem_post(&g->done);
    return NULL;
}

/* Sets up G for a game; each hit sleeps hold_units, the final one last_hold_units. */
static void reset_game(size_t players, size_t rounds, double hold_units,
                       double last_hold_units)
{
    memset(&G, 0, sizeof G);
    G.players = players;
    G.rounds = rounds;
    G.hold_s = hold_units * rc_unit();
    G.last_hold_s = last_hold_units * rc_unit();
    G.patience_units = 50;
    atomic_init(&G.first_overlap, NO_HIT);
    atomic_init(&G.bad_player, NO_HIT);
    sem_init(&G.done, 0, 0);
}

/*
 * Runs pingpong(G.players, G.rounds, record_hit, &G) on a caller thread of
 * its own (see reset_game) and waits for it to return; fails the test if
 * it does not return in time.  Returns what pingpong returned; G holds
 * the record.
 */
static int play_game(void)
{
    double total = (double)(G.players * G.rounds) * G.hold_s + G.last_hold_s;
    double limit = G.patience_units * rc_unit() + 2 * total;
    pthread_t caller;

    cr_assert_eq(pthread_create(&caller, NULL, caller_main, &G), 0,
                 "test setup: cannot start the caller thread");
    if (!rc_sem_wait_for(&G.done, limit)) {
        size_t made = atomic_load(&G.started);

        if (made == 0)
            cr_assert_fail("pingpong(%zu players, %zu rounds) had not returned after "
                           "%.1f s, and no hit was made: the game never started.  "
                           "Does pingpong post player 0's semaphore once, after "
                           "starting the players, to serve the first ball?",
                           G.players, G.rounds, limit);
        cr_assert_fail("pingpong(%zu players, %zu rounds) had not returned after "
                       "%.1f s, with %zu of %zu hits made: the players are stuck "
                       "waiting for each other (deadlock), or crawling.  Does each "
                       "player post the next player's semaphore after its hit, and "
                       "wait for its own turn in sem_wait (not in a loop)?",
                       G.players, G.rounds, limit, made, G.players * G.rounds);
    }
    pthread_join(caller, NULL);
    return G.rc;
}

/* reset_game, then play_game. */
static int play(size_t players, size_t rounds, double hold_units,
                double last_hold_units)
{
    reset_game(players, rounds, hold_units, last_hold_units);
    return play_game();
}

/* Checks what every correct game shows: return value, count, no overlap. */
static void check_complete_game(int rc)
{
    size_t total = G.players * G.rounds;
    size_t overlap = atomic_load(&G.first_overlap);
    size_t bad = atomic_load(&G.bad_player);

    cr_assert_eq(rc, 0, "pingpong(%zu players, %zu rounds) returned %d (%s), "
                 "expected 0", G.players, G.rounds, rc, strerror(rc));
    cr_assert(!atomic_load(&G.bad_ctx),
              "hit was called with a ctx other than the one given to pingpong: "
              "pass ctx on to hit untouched");
    cr_assert_eq(bad, NO_HIT, "hit was called with player %zu, but there are only "
                 "%zu players (numbered 0 .. %zu)", bad, G.players, G.players - 1);
    cr_assert_eq(G.started_at_return, total,
                 "pingpong(%zu players, %zu rounds) returned after %zu hits, "
                 "expected %zu: it must return only after every player has played "
                 "every round (join every player thread before returning)",
                 G.players, G.rounds, G.started_at_return, total);
    cr_assert_eq(G.in_hit_at_return, 0,
                 "pingpong returned while a hit was still running: join every "
                 "player thread (all of them) before returning");
    cr_assert_eq(overlap, NO_HIT,
                 "hit number %zu (player %zu) began while the previous hit was still "
                 "running: a player may hit only after the previous player's hit has "
                 "returned.  Post the next player's semaphore after calling hit, "
                 "not before", overlap, overlap < MAX_HITS ? G.who[overlap] : 0);
}

/* The expected order in words: "0, 1, 2, 0, 1, 2, ...". */
static const char *pattern(size_t players)
{
    static char text[96];

    switch (players) {
    case 1:  return "0, 0, 0, ...";
    case 2:  return "0, 1, 0, 1, ...";
    case 3:  return "0, 1, 2, 0, 1, 2, ...";
    default:
        snprintf(text, sizeof text, "0, 1, ..., %zu, 0, 1, ...", players - 1);
        return text;
    }
}

/* Checks the order 0, 1, ..., players-1, 0, 1, ... */
static void check_order(void)
{
    size_t total = G.players * G.rounds;

    for (size_t k = 0; k < total && k < MAX_HITS; k++)
        cr_assert_eq(G.who[k], k % G.players,
                     "hit number %zu (round %zu) was made by player %zu, expected "
                     "player %zu: with %zu players the hits must go %s (player i "
                     "passes the turn to player i+1, the last one to player 0)",
                     k, k / G.players, G.who[k], k % G.players, G.players,
                     pattern(G.players));
}

/* Checks that each player always hit from the same thread, its own. */
static void check_threads(void)
{
    size_t total = G.players * G.rounds;
    size_t first[MAX_HITS];     /* first[p]: index of player p's first hit */

    for (size_t p = 0; p < G.players && p < MAX_HITS; p++)
        first[p] = NO_HIT;
    for (size_t k = 0; k < total && k < MAX_HITS; k++) {
        size_t p = G.who[k];

        cr_assert(!pthread_equal(G.by[k], G.caller),
                  "player %zu hit from the thread that called pingpong: every "
                  "player must play on a thread of its own (pthread_create one "
                  "per player), the caller only starts and joins them", p);
        if (first[p] == NO_HIT) {
            first[p] = k;
            for (size_t q = 0; q < G.players; q++)
                cr_assert(q == p || first[q] == NO_HIT ||
                          !pthread_equal(G.by[k], G.by[first[q]]),
                          "players %zu and %zu hit from the same thread: each "
                          "player needs a thread of its own", q, p);
        }
        cr_assert(pthread_equal(G.by[k], G.by[first[p]]),
                  "player %zu hit from two different threads (hits number %zu and "
                  "%zu): each player is one thread that plays every round",
                  p, first[p], k);
    }
}

/* Waits up to `units` for the thread count to come back to `baseline`. */
static int thread_count_settled(int baseline, double units)
{
    double deadline = rc_now() + units * rc_unit();
    int now = rc_thread_count();

    while (now != baseline && rc_now() < deadline) {
        rc_sleep(0.05 * rc_unit());
        now = rc_thread_count();
    }
    return now;
}

/* --------------------------------------------------------------------- */

/*
 * The order tests play a few dozen hits, with time for a slow game:
 * players that poll for their turn crawl on a busy machine, and
 * no_busy_waiting is what fails them, on every run.  Each hit takes a
 * tenth of a unit, so that a player that passes the turn before its hit
 * overlaps with the next one, and the last hit 5 units, so that a
 * pingpong that does not wait for it returns while it runs: on every run,
 * not only when the scheduler is unlucky.
 */
static int play_patiently(size_t players, size_t rounds)
{
    reset_game(players, rounds, 0.1, 5);
    G.patience_units = 150;
    return play_game();
}

RC_TEST(pingpong, two_players_alternate)
{
    int rc = play_patiently(2, 25);

    check_complete_game(rc);
    check_order();
}

RC_TEST(pingpong, many_players_take_turns)
{
    int rc = play_patiently(5, 10);

    check_complete_game(rc);
    check_order();
}

RC_TEST(pingpong, hits_never_overlap)
{
    /* Each hit lasts a unit: a player that gets the turn too early is seen. */
    int rc = play(3, 5, 1, LAST_HOLD);

    check_complete_game(rc);
    check_order();
}

RC_TEST(pingpong, each_player_own_thread)
{
    int rc = play_patiently(4, 10);

    check_complete_game(rc);
    check_threads();
}

RC_TEST(pingpong, one_player)
{
    /* the last hit takes 5 units: a pingpong that returns before it ends is seen */
    int rc = play(1, 50, 0, 5);

    check_complete_game(rc);
    check_order();
    check_threads();
}

RC_TEST(pingpong, all_threads_joined)
{
    int baseline = rc_thread_count();
    int rc, now;
    size_t total;

    /* The final hit is long: a game that forgets to join its last player
     * returns while that hit still runs. */
    rc = play(3, 4, 0.1, LAST_HOLD);
    check_complete_game(rc);
    now = thread_count_settled(baseline, 3);
    cr_assert_eq(now, baseline, "after pingpong returned the process had %d "
                 "threads, %d before the game: pingpong must join every player "
                 "thread it started (no detached or forgotten thread)", now, baseline);
    total = G.players * G.rounds;
    rc_sleep(3 * rc_unit());
    cr_assert_eq(atomic_load(&G.started), total, "a hit was made after pingpong "
                 "returned (%zu hits, %zu expected): join every player before "
                 "returning", atomic_load(&G.started), total);
}

RC_TEST(pingpong, zero_rounds)
{
    int baseline = rc_thread_count();
    int rc = play(3, 0, 0, 0);
    int now;

    cr_assert_eq(rc, 0, "pingpong(3 players, 0 rounds) returned %d (%s), "
                 "expected 0", rc, strerror(rc));
    cr_assert_eq(atomic_load(&G.started), 0, "pingpong with 0 rounds called hit "
                 "%zu times, expected never", atomic_load(&G.started));
    now = thread_count_settled(baseline, 3);
    cr_assert_eq(now, baseline, "after pingpong(3 players, 0 rounds) returned the "
                 "process had %d threads, %d before: join every thread you start",
                 now, baseline);
}

RC_TEST(pingpong, no_busy_waiting)
{
    static rc_watch w;
    double wall, cpu;
    int rc;

    /* 3 players, 4 rounds, every hit sleeps a unit: about 12 units of
     * waiting in which the players must use (almost) no CPU.  From 2 to
     * 10 units, two players that poll are runnable all the time however
     * busy the machine is (twice the span); blocked ones only as they
     * wake up. */
    for (int try = 0; try < RC_BUSY_TRIES; try++) {
        reset_game(3, 4, 1, 1);
        cr_assert_eq(rc_watch_start(&w, 2 * rc_unit(), 8 * rc_unit()), 0,
                     "test setup: pthread_create failed");
        wall = rc_now();
        cpu = rc_process_cpu();
        rc = play_game();
        cpu = rc_process_cpu() - cpu;
        wall = rc_now() - wall;
        rc_watch_finish(&w);
        check_complete_game(rc);
        if (rc_virtual_time() || (cpu < 0.05 * wall && w.runnable < w.span))
            break;
    }
    /*
     * In virtual time (the controlled scheduler) a player that polls never
     * lets the clock move, and the scheduler stops the game at its line
     * (busy-wait, or the step limit); one that sleeps and looks again ends
     * late.  A game whose players block takes exactly its 12 hits.
     */
    if (rc_virtual_time()) {
        cr_assert(wall > 12 * rc_unit() - 1e-6 && wall < 12 * rc_unit() + 1e-6,
                  "the game took %.6f s (virtual), expected exactly %.6f s, the time of its "
                  "12 hits: a player must wait in sem_wait, which wakes it at once, not sleep "
                  "and look again (or poll)", wall, 12 * rc_unit());
        return;
    }
    cr_assert(cpu < 0.05 * wall && w.runnable < w.span,
              "the game used %.0f ms of CPU in %.0f ms, and its threads were running or "
              "ready to run for %.0f ms of %.0f ms, while the players were mostly waiting "
              "for their turn (each hit sleeps): a player must wait in sem_wait, which "
              "blocks, not in a loop (sem_trywait or a flag checked in a loop is busy "
              "waiting)", cpu * 1e3, wall * 1e3, w.runnable * 1e3, w.span * 1e3);
}

RC_TEST(pingpong, invalid_arguments)
{
    int rc;

    reset_game(0, 3, 0, 0);
    rc = play_game();
    cr_assert_eq(rc, EINVAL, "pingpong(0 players, 3 rounds) returned %d (%s), "
                 "expected EINVAL (%d)", rc, strerror(rc), EINVAL);
    cr_assert_eq(atomic_load(&G.started), 0, "pingpong(0 players, 3 rounds) "
                 "called hit: with invalid arguments it must not start the game");
    reset_game(2, 3, 0, 0);
    G.null_hit = true;
    rc = play_game();
    cr_assert_eq(rc, EINVAL, "pingpong(2 players, 3 rounds, hit = NULL) returned "
                 "%d (%s), expected EINVAL (%d)", rc, strerror(rc), EINVAL);
    cr_assert_eq(atomic_load(&G.started), 0, "hit was called although the "
                 "arguments were invalid");
}

/* ---------------------------------------------------------------------
 * bsem.  Operations that a wrong solution might leave blocked run on a
 * thread of their own, with a deadline.
 */

typedef struct bsem_call {
    int (*op)(bsem *s);
    bsem *s;
    atomic_int rc;
    atomic_bool returned;
    sem_t *done;                /* posted when op returned */
    sem_t own_done;
} bsem_call;

static void *bsem_call_main(void *arg)
{
    bsem_call *call = arg;

    atomic_store(&call->rc, call->op(call->s));
    atomic_store(&call->returned, true);
    sem_post(call->done);
    return NULL;
}

/*
 * Starts op(s) on a thread of its own; finish_call waits for it.  `done`
 * is posted when it returns (NULL: a semaphore of the call's own).
 */
static bsem_call *start_call_notify(int (*op)(bsem *), bsem *s, sem_t *done)
{
    enum { MAX_CALLS = 128 };
    static bsem_call calls[MAX_CALLS];
    static size_t used;
    bsem_call *call;
    pthread_t thread;

    cr_assert_lt(used, MAX_CALLS, "test setup: too many calls");
    call = &calls[used++];
    call->op = op;
    call->s = s;
    sem_init(&call->own_done, 0, 0);
    call->done = done ? done : &call->own_done;
    cr_assert_eq(pthread_create(&thread, NULL, bsem_call_main, call), 0,
                 "test setup: cannot start a thread");
    pthread_detach(thread);
    return call;
}

static bsem_call *start_call(int (*op)(bsem *), bsem *s)
{
    return start_call_notify(op, s, NULL);
}

/* Waits up to `units` for the call; fails with `stuck` if it is still blocked. */
static int finish_call(bsem_call *call, double units, const char *stuck)
{
    if (!rc_sem_wait_for(call->done, units * rc_unit()))
        cr_assert_fail("%s", stuck);
    return atomic_load(&call->rc);
}

/* bsem_try_acquire(s), which must return at once. */
static int try_acquire(bsem *s)
{
    return finish_call(start_call(bsem_try_acquire, s), 50,
                       "bsem_try_acquire had not returned after a second: it must "
                       "never wait, but return EAGAIN at once when every place is "
                       "taken");
}

static bsem *create(unsigned limit)
{
    bsem *s;

    errno = 0;
    s = bsem_create(limit);
    cr_assert_not_null(s, "bsem_create(%u) returned NULL (errno %d, %s), expected "
                       "a semaphore", limit, errno, strerror(errno));
    return s;
}

/* Expects exactly `free_places` successful try_acquires, then EAGAIN. */
static void expect_free_places(bsem *s, unsigned free_places, const char *when)
{
    for (unsigned i = 0; i < free_places; i++) {
        int rc = try_acquire(s);

        cr_assert_eq(rc, 0, "%s, %u places should be free, but try_acquire "
                     "number %u returned %d (%s), expected 0", when, free_places,
                     i + 1, rc, strerror(rc));
    }
    int rc = try_acquire(s);
    cr_assert_eq(rc, EAGAIN, "%s, %u places should be free, but try_acquire "
                 "number %u returned %d (%s), expected EAGAIN (%d): all places "
                 "were taken", when, free_places, free_places + 1, rc,
                 strerror(rc), EAGAIN);
}

RC_TEST(pingpong, bsem_zero_limit_is_einval)
{
    bsem *s;

    errno = 0;
    s = bsem_create(0);
    cr_assert_null(s, "bsem_create(0) returned a semaphore, expected NULL "
                   "with errno EINVAL: a semaphore with no place is an error");
    cr_assert_eq(errno, EINVAL, "bsem_create(0) returned NULL with errno %d (%s), "
                 "expected EINVAL (%d)", errno, strerror(errno), EINVAL);
}

RC_TEST(pingpong, bsem_null_is_einval)
{
    int rc;

    rc = bsem_acquire(NULL);
    cr_assert_eq(rc, EINVAL, "bsem_acquire(NULL) returned %d (%s), expected "
                 "EINVAL (%d)", rc, strerror(rc), EINVAL);
    rc = bsem_try_acquire(NULL);
    cr_assert_eq(rc, EINVAL, "bsem_try_acquire(NULL) returned %d (%s), expected "
                 "EINVAL (%d)", rc, strerror(rc), EINVAL);
    rc = bsem_release(NULL);
    cr_assert_eq(rc, EINVAL, "bsem_release(NULL) returned %d (%s), expected "
                 "EINVAL (%d)", rc, strerror(rc), EINVAL);
    bsem_destroy(NULL);
}

RC_TEST(pingpong, bsem_try_acquire_fills_up)
{
    bsem *s = create(3);
    int rc;

    expect_free_places(s, 3, "on a new bsem with limit 3");
    rc = bsem_release(s);
    cr_assert_eq(rc, 0, "bsem_release with all 3 places taken returned %d (%s), "
                 "expected 0", rc, strerror(rc));
    expect_free_places(s, 1, "after one release on a full bsem with limit 3");
    bsem_destroy(s);

    s = create(1);
    expect_free_places(s, 1, "on a new bsem with limit 1");
    bsem_destroy(s);
}

RC_TEST(pingpong, bsem_release_beyond_limit)
{
    bsem *s = create(2);
    int rc;

    rc = bsem_release(s);
    cr_assert_eq(rc, EOVERFLOW, "bsem_release on a new bsem (limit 2, no place "
                 "taken) returned %d (%s), expected EOVERFLOW (%d): releasing more "
                 "than was acquired is an error", rc, strerror(rc), EOVERFLOW);
    expect_free_places(s, 2, "after a refused release on a new bsem with limit 2");
    for (int i = 0; i < 2; i++) {
        rc = bsem_release(s);
        cr_assert_eq(rc, 0, "bsem_release number %d with 2 places taken returned "
                     "%d (%s), expected 0", i + 1, rc, strerror(rc));
    }
    rc = bsem_release(s);
    cr_assert_eq(rc, EOVERFLOW, "a third bsem_release after taking 2 places "
                 "returned %d (%s), expected EOVERFLOW (%d): a bsem never has more "
                 "than `limit` free places", rc, strerror(rc), EOVERFLOW);
    expect_free_places(s, 2, "after releases beyond the limit 2");
    bsem_destroy(s);
}

/*
 * A release that comes while bsem_acquire is on its way to the wait (it
 * found every place taken and has not waited yet) must not be lost.  The
 * test holds the only place of a bsem of limit 1, starts an acquire and
 * releases at once, without letting the acquire block first.  Under the
 * controlled scheduler each round interleaves the two calls differently,
 * so some round lets the release in between the acquire's check and its
 * wait (natively that window is a few instructions wide and a run almost
 * never hits it).
 */
static void check_release_while_acquiring(void)
{
    enum { ROUNDS = 40 };
    bsem *s = create(1);
    int rc;

    expect_free_places(s, 1, "on a new bsem with limit 1");   /* the test holds it */
    for (int round = 0; round < ROUNDS; round++) {
        bsem_call *waiter = start_call(bsem_acquire, s);

        rc = bsem_release(s);
        cr_assert_eq(rc, 0, "bsem_release of the only place returned %d (%s), expected 0",
                     rc, strerror(rc));
        rc = finish_call(waiter, 50, "bsem_acquire kept waiting although the only place was "
                         "released while it was about to wait: that release was lost.  Check "
                         "the count and wait without letting go of the mutex in between "
                         "(pthread_cond_wait lets go of it and waits in one step)");
        cr_assert_eq(rc, 0, "bsem_acquire returned %d (%s), expected 0", rc, strerror(rc));
        /* The waiter's place is the test's now: places belong to no thread. */
    }
    rc = bsem_release(s);
    cr_assert_eq(rc, 0, "bsem_release of the only place returned %d (%s), expected 0",
                 rc, strerror(rc));
    bsem_destroy(s);
}

RC_TEST(pingpong, bsem_acquire_waits_for_release)
{
    bsem *s = create(2);
    bsem_call *waiter;
    int rc;

    for (int i = 0; i < 2; i++) {
        rc = bsem_acquire(s);
        cr_assert_eq(rc, 0, "bsem_acquire number %d on a bsem with limit 2 "
                     "returned %d (%s), expected 0", i + 1, rc, strerror(rc));
    }
    waiter = start_call(bsem_acquire, s);
    rc_sleep(5 * rc_unit());
    cr_assert(!atomic_load(&waiter->returned), "bsem_acquire returned %d while "
              "both places of a bsem with limit 2 were taken: it must wait until "
              "a place is released", atomic_load(&waiter->rc));
    rc = bsem_release(s);
    cr_assert_eq(rc, 0, "bsem_release with 2 places taken returned %d (%s), "
                 "expected 0", rc, strerror(rc));
    rc = finish_call(waiter, 50, "bsem_acquire kept waiting after bsem_release "
                     "freed a place: release must wake a waiting thread "
                     "(pthread_cond_signal or sem_post)");
    cr_assert_eq(rc, 0, "bsem_acquire returned %d (%s) after waiting, expected 0",
                 rc, strerror(rc));
    expect_free_places(s, 0, "with both places taken again");
    bsem_destroy(s);
    check_release_while_acquiring();
}

RC_TEST(pingpong, bsem_try_acquire_never_waits)
{
    bsem *s = create(1);
    int rc = bsem_acquire(s);

    cr_assert_eq(rc, 0, "bsem_acquire on a new bsem returned %d (%s), expected 0",
                 rc, strerror(rc));
    rc = finish_call(start_call(bsem_try_acquire, s), 25,
                     "bsem_try_acquire on a full bsem had not returned after half "
                     "a second: it must never wait, but return EAGAIN at once");
    cr_assert_eq(rc, EAGAIN, "bsem_try_acquire on a full bsem returned %d (%s), "
                 "expected EAGAIN (%d)", rc, strerror(rc), EAGAIN);
    bsem_release(s);
    bsem_destroy(s);
}

RC_TEST(pingpong, bsem_acquire_no_busy_wait)
{
    enum { WAITERS = 3 };
    bsem *s = create(1);
    bsem_call *waiters[WAITERS];
    sem_t woke;
    double wall, cpu, runnable;
    int rc = bsem_acquire(s);

    cr_assert_eq(rc, 0, "bsem_acquire on a new bsem returned %d (%s), expected 0",
                 rc, strerror(rc));
    sem_init(&woke, 0, 0);
    for (int i = 0; i < WAITERS; i++)
        waiters[i] = start_call_notify(bsem_acquire, s, &woke);
    rc_sleep(1 * rc_unit());
    for (int try = 0; try < RC_BUSY_TRIES; try++) {
        wall = rc_now();
        cpu = rc_process_cpu();
        runnable = rc_runnable_others();
        rc_sleep(10 * rc_unit());
        cpu = rc_process_cpu() - cpu;
        if (runnable >= 0)
            runnable = rc_runnable_others() - runnable;
        wall = rc_now() - wall;
        if (rc_virtual_time() || (cpu < 0.05 * wall && runnable < 0.5 * wall))
            break;
    }
    for (int i = 0; i < WAITERS; i++)
        cr_assert(!atomic_load(&waiters[i]->returned), "bsem_acquire returned "
                  "while the only place of a bsem with limit 1 was taken");
    /* Hand the place on: each release lets exactly one waiter through. */
    for (int i = 0; i < WAITERS; i++) {
        rc = bsem_release(s);
        cr_assert_eq(rc, 0, "bsem_release of the only place returned %d (%s), "
                     "expected 0", rc, strerror(rc));
        cr_assert(rc_sem_wait_for(&woke, 50 * rc_unit()), "bsem_acquire kept waiting "
                  "after bsem_release freed the place: release must wake a "
                  "waiting thread (pthread_cond_signal or sem_post)");
    }
    for (int i = 0; i < WAITERS; i++) {
        rc = atomic_load(&waiters[i]->rc);
        cr_assert_eq(rc, 0, "bsem_acquire returned %d (%s) after waiting, "
                     "expected 0", rc, strerror(rc));
    }
    /*
     * Waiters that poll are runnable all the time, however busy the machine
     * is.  In virtual time they never let the sleep above end: the
     * scheduler stops the test at their line (busy-wait, or the step limit).
     */
    cr_assert(rc_virtual_time() || (cpu < 0.05 * wall && runnable < 0.5 * wall), "%d threads waiting in "
              "bsem_acquire used %.0f ms of CPU in %.0f ms and were running or ready "
              "to run for %.0f ms: waiting must block (pthread_cond_wait or sem_wait), "
              "not loop on a check", WAITERS, cpu * 1e3, wall * 1e3, runnable * 1e3);
    bsem_release(s);
    bsem_destroy(s);
}

/*
 * Exclusion, forced.  A bsem of limit 1 is held by the test; a second
 * thread waits in bsem_acquire.  The test releases the place and at once
 * takes it back with bsem_try_acquire, before the woken thread runs.  The
 * woken thread must then find the place taken and wait again: if it
 * returns, two threads hold a bsem of limit 1.  Rounds where the woken
 * thread wins the place prove nothing and are simply played again, so a
 * bsem that does not exclude is caught on every run (the try_acquire wins
 * in most rounds), whatever Helgrind can or cannot see of its ordering.
 */
RC_TEST(pingpong, bsem_woken_acquire_rechecks)
{
    enum { ROUNDS = 60, WANTED = 5 };
    bsem *s = create(1);
    int taken_back = 0;
    int rc;

    expect_free_places(s, 1, "on a new bsem with limit 1");   /* the test holds it */
    for (int round = 0; round < ROUNDS && taken_back < WANTED; round++) {
        bsem_call *waiter = start_call(bsem_acquire, s);

        rc_sleep(0.2 * rc_unit());
        cr_assert(!atomic_load(&waiter->returned), "bsem_acquire returned %d while "
                  "the only place of a bsem with limit 1 was taken: it must wait "
                  "until the place is released", atomic_load(&waiter->rc));
        rc = bsem_release(s);
        cr_assert_eq(rc, 0, "bsem_release of the only place returned %d (%s), "
                     "expected 0", rc, strerror(rc));
        rc = bsem_try_acquire(s);
        cr_assert(rc == 0 || rc == EAGAIN, "bsem_try_acquire returned %d (%s), "
                  "expected 0 or EAGAIN", rc, strerror(rc));
        if (rc == 0) {
            /* The test took the place back first: the waiter must go on waiting. */
            taken_back++;
            rc_sleep(2 * rc_unit());
            cr_assert(!atomic_load(&waiter->returned), "bsem_acquire returned while "
                      "another thread held the only place of a bsem with limit 1 "
                      "(a release woke it, and a bsem_try_acquire got the freed "
                      "place too): two holders.  A woken thread must check the "
                      "count again (wait in a while loop, not an if), and "
                      "try_acquire must check and take a place under one lock");
            rc = bsem_release(s);
            cr_assert_eq(rc, 0, "bsem_release of the only place returned %d (%s), "
                         "expected 0", rc, strerror(rc));
        }
        rc = finish_call(waiter, 50, "bsem_acquire kept waiting after bsem_release "
                         "freed the only place: release must wake a waiting thread");
        cr_assert_eq(rc, 0, "bsem_acquire returned %d (%s) after waiting, expected 0",
                     rc, strerror(rc));
        /* The waiter's place is the test's now: places belong to no thread. */
    }
    rc = bsem_release(s);
    cr_assert_eq(rc, 0, "bsem_release of the only place returned %d (%s), expected 0",
                 rc, strerror(rc));
    expect_free_places(s, 1, "after the place was handed round and given back");
    bsem_release(s);
    bsem_destroy(s);
}

/* The stress test: many threads take, hold and give back places. */
enum { STRESS_LIMIT = 3, STRESS_THREADS = 8, STRESS_ROUNDS = 300 };

typedef struct stress {
    bsem *s;
    atomic_int holders;         /* threads holding a place now */
    atomic_int max_holders;
    atomic_int bad_rc;          /* first unexpected return value, or 0 */
} stress;

static void stress_note(stress *st, int rc)
{
    int zero = 0;

    if (rc != 0)
        atomic_compare_exchange_strong(&st->bad_rc, &zero, rc);
}

static void *stress_main(void *arg)
{
    stress *st = arg;

    for (int i = 0; i < STRESS_ROUNDS; i++) {
        int rc = (i % 2) ? bsem_try_acquire(st->s) : EAGAIN;
        int now, max;

        if (rc == EAGAIN)
            rc = bsem_acquire(st->s);
        stress_note(st, rc);
        now = atomic_fetch_add(&st->holders, 1) + 1;
        max = atomic_load(&st->max_holders);
        while (now > max && !atomic_compare_exchange_weak(&st->max_holders, &max, now))
            ;
        if (i % 8 == 0)
            rc_sleep(0.002 * rc_unit());
        else
            sched_yield();
        atomic_fetch_sub(&st->holders, 1);
        stress_note(st, bsem_release(st->s));
    }
    return NULL;
}

/* bsem_try_acquire that takes the lock 10 units late (rc_delay_locks). */
static int late_try_acquire(bsem *s)
{
    int rc;

    rc_delay_locks(10 * rc_unit());
    rc = bsem_try_acquire(s);
    rc_delay_locks(0);
    return rc;
}

RC_TEST(pingpong, bsem_never_more_than_limit)
{
    static stress st;
    pthread_t threads[STRESS_THREADS];
    bsem *s = create(STRESS_LIMIT), *last = create(2);
    int bad, rc[2];

    /*
     * Two threads at once try to take the last free place, each taking the
     * lock late: a check of the count made before the lock (check-then-act)
     * lets both in on every run, not only when the scheduler is unlucky.
     */
    cr_assert_eq(try_acquire(last), 0, "bsem_try_acquire on a new bsem with limit 2 did not return 0");
    {
        bsem_call *a = start_call(late_try_acquire, last), *b = start_call(late_try_acquire, last);

        rc[0] = finish_call(a, 100, "bsem_try_acquire had not returned after 2 seconds: it must never wait");
        rc[1] = finish_call(b, 100, "bsem_try_acquire had not returned after 2 seconds: it must never wait");
    }
    cr_assert((rc[0] == 0 && rc[1] == EAGAIN) || (rc[0] == EAGAIN && rc[1] == 0),
              "two threads called bsem_try_acquire at once for the last free place of a bsem and got "
              "%d (%s) and %d (%s): exactly one must get it and the other EAGAIN.  Check the count and "
              "take the place in one step, under one lock", rc[0], strerror(rc[0]), rc[1], strerror(rc[1]));
    expect_free_places(last, 0, "after both calls");
    bsem_release(last);
    bsem_release(last);
    bsem_destroy(last);

    st.s = s;
    for (int i = 0; i < STRESS_THREADS; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, stress_main, &st), 0,
                     "test setup: cannot start a thread");
    for (int i = 0; i < STRESS_THREADS; i++)
        pthread_join(threads[i], NULL);
    bad = atomic_load(&st.bad_rc);
    cr_assert_eq(bad, 0, "with %d threads acquiring and releasing a bsem of limit "
                 "%d, a call returned %d (%s), expected 0 every time",
                 STRESS_THREADS, STRESS_LIMIT, bad, strerror(bad));
    cr_assert_leq(atomic_load(&st.max_holders), STRESS_LIMIT,
                  "%d threads held a place of a bsem with limit %d at the same time: "
                  "check the count and take a place in one step, under one lock",
                  atomic_load(&st.max_holders), STRESS_LIMIT);
    expect_free_places(s, STRESS_LIMIT, "after every thread gave its places back");
    bsem_destroy(s);
}

/* ---- error paths (fault injection, see fault_inject.h) ---------------- */

/*
 * Plays 4 players x 3 rounds with call k of `families` (named `what`)
 * failing with `err`, for k = 1, 2, ... until a game makes fewer such
 * calls than k (the normal path: a complete game).  After each failed
 * game: pingpong returned `err`, joined every thread it started, freed
 * what it allocated, and no hit came after it returned; with
 * `no_hit_after`, none came after the failed call either.  The order of
 * the hits is the other tests' business: counts do not depend on timing.
 */
static void check_game_faults(unsigned families, const char *what, int err, bool no_hit_after)
{
    for (unsigned long k = 1; k <= RC_FAULT_MAX_K; k++) {
        size_t later;
        int rc;

        reset_game(4, 3, 1, 1);
        memset(&FAULT, 0, sizeof FAULT);
        FAULT = (game_fault){ .families = families, .nth = k, .err = err };
        rc = play_game();
        if (FAULT.failed == 0) {
            cr_assert_eq(rc, 0, "pingpong returned %d (%s), expected 0", rc, strerror(rc));
            cr_assert_eq(G.started_at_return, (size_t)12, "pingpong(4 players, 3 rounds) "
                         "returned after %zu hits, expected 12", G.started_at_return);
            cr_assert_eq(G.in_hit_at_return, 0, "pingpong returned while a hit was running");
            cr_assert_eq(FAULT.threads, 0, "pingpong returned with %ld player thread(s) not "
                         "joined: join every one of them", FAULT.threads);
            cr_assert_geq(FAULT.joins, FAULT.created, "pingpong started %lu player thread(s) "
                          "but joined %lu: join every one (pthread_detach does not wait)",
                          FAULT.created, FAULT.joins);
            return;
        }
        cr_assert_eq(rc, err, "pingpong returned %d (%s) when call %lu of %s failed with %s: "
                     "return that error", rc, strerror(rc), k, what, strerror(err));
        cr_assert_eq(FAULT.threads, 0,
                     "pingpong returned %s (call %lu of %s failed) with %ld player thread(s) "
                     "not joined: tell the players already started to stop, and join them",
                     strerror(err), k, what, FAULT.threads);
        cr_assert_geq(FAULT.joins, FAULT.created,
                      "pingpong returned %s (call %lu of %s failed) after starting %lu player "
                      "thread(s) but joining %lu: join every one (pthread_detach does not wait)",
                      strerror(err), k, what, FAULT.created, FAULT.joins);
        cr_assert_eq(G.in_hit_at_return, 0,
                     "pingpong returned %s (call %lu of %s failed) while a hit was running",
                     strerror(err), k, what);
        cr_assert_leq(FAULT.blocks, 0,
                      "pingpong returned %s (call %lu of %s failed) without freeing %ld "
                      "block(s) it had allocated", strerror(err), k, what, FAULT.blocks);
        cr_assert_eq(atomic_load(&G.first_overlap), NO_HIT,
                     "two hits overlapped after call %lu of %s failed", k, what);
        if (no_hit_after)
            cr_assert_eq(atomic_load(&FAULT.hits_after), 0,
                         "%d hit(s) came after call %lu of %s had failed: once a player "
                         "cannot be started, the game is off (simplest: serve the first "
                         "ball only once every player is seated)",
                         atomic_load(&FAULT.hits_after), k, what);
        rc_sleep(3 * rc_unit());
        later = atomic_load(&G.started) - G.started_at_return;
        cr_assert_eq(later, 0, "%zu hit(s) came after pingpong had returned %s (call %lu of "
                     "%s failed)", later, strerror(err), k, what);
    }
}

RC_TEST(pingpong, start_failure_joins_started)
{
    check_game_faults(RC_FAULT_THREAD, "pthread_create", EAGAIN, true);
}

RC_TEST(pingpong, out_of_memory_cleans_up)
{
    check_game_faults(RC_FAULT_ALLOC, "malloc/calloc/realloc", ENOMEM, false);
}

/* A semaphore made while calls fail (fault_tests.h). */
static void *make_bsem(void)
{
    return bsem_create(2);
}

/* A semaphore made past the last failing call must have its 2 places. */
static void use_bsem(void *made)
{
    expect_free_places(made, 2, "after bsem_create(2)");
    bsem_destroy(made);
}

RC_TEST(pingpong, bsem_create_failure_cleans_up)
{
    rc_check_create_faults(&(rc_create_check){ "bsem_create(2)", "a semaphore", make_bsem,
                                               use_bsem });
}
