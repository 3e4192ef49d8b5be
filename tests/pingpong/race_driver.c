/*
 * race_driver.c - runs pingpong and a bsem from several threads for the
 * grader's Helgrind race check (about a second under Helgrind).
 *
 * 1. Games of 4, 2 and 1 players.  The hit function reads and writes
 *    plain (unsynchronised) variables: only pingpong's turn-taking orders
 *    those accesses, so a player that passes the turn before its hit ends,
 *    or a turn that is not handed over through a semaphore, is a race.
 * 2. A bsem of limit 1 used as a lock by 4 threads, with acquire and
 *    try_acquire, holding the place a little now and then (usleep) so
 *    that the others queue up.
 * 3. A bsem of limit 2 hammered by 4 threads with acquire, try_acquire and
 *    release, holding each place a little (usleep) so that holders overlap
 *    and a count checked outside the lock is seen.
 * 4. Releases beyond the limit from 3 threads at once.
 *
 * What this program asks Helgrind, and what it leaves to the tests.  The
 * games (1) order plain data with pingpong's own semaphores: that ordering
 * is the exercise, and Helgrind models a post followed by the wait it
 * wakes.  The bsem parts (2-4) order none of the driver's data through
 * the bsem: the driver counts holders with atomics (which Helgrind neither
 * reports nor takes as ordering), so Helgrind judges only the accesses
 * the student's bsem makes to its own fields.  A bsem may rightly be built
 * from semaphores alone (free places and holders), and Helgrind's model
 * of semaphores, which pairs each wait with a post of its own choosing
 * and does not see sem_trywait take a post, cannot follow the ordering
 * such a bsem gives its holders: a plain counter "guarded" by it is
 * reported as a race in correct code.  Whether a bsem excludes is checked
 * by the hidden tests (bsem_acquire_waits_for_release,
 * bsem_woken_acquire_rechecks, which forces a second holder on a bsem
 * that does not exclude on every run, and bsem_never_more_than_limit);
 * this driver still complains when it sees too many holders at once.
 *
 * Whether a bsem wakes its waiters is the tests' job too (they run under
 * the controlled scheduler, which finds a lost wake-up on every run).
 * Natively a lost wake-up happens on some runs only, so the bsem parts
 * must not hang on one, or the race check's grade would change between
 * runs of the same file: while their threads run, the main thread looks
 * every NUDGE_MS milliseconds whether any of them took a place since it
 * last looked and, when none did, takes a free place and gives it back
 * (run_bsem_threads).  That release wakes a waiter whose wake-up was
 * lost; for a bsem that works it is one more holder, counted like the
 * others, and orders nothing Helgrind looks at.
 *
 * Exit status RC_EXIT_PASSED (42) when it ran to the end; 1, with a
 * message, when an operation returned something wrong; RC_EXIT_STUCK when
 * its threads stayed blocked in the code under test (rc_watchdog_start).
 */
#include "racecourse_test.h"
#include "pingpong.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* --- 1. games ----------------------------------------------------------- */

/* Touched by the player whose turn it is, and by no one else. */
static size_t game_players;
static size_t next_player;
static size_t hits;
static int out_of_turn;

static void driver_hit(size_t player, void *ctx)
{
    (void)ctx;
    rc_progress();
    if (player != next_player)
        out_of_turn++;
    hits++;
    next_player = (player + 1) % game_players;
}

static void play(size_t players, size_t rounds)
{
    int rc;

    game_players = players;
    next_player = 0;
    hits = 0;
    out_of_turn = 0;
    rc = RC_CALL(pingpong(players, rounds, driver_hit, NULL));
    if (rc != 0)
        rc_driver_fail("pingpong returned %d (%s)", rc, strerror(rc));
    else if (hits != players * rounds || out_of_turn != 0)
        rc_driver_fail("pingpong(%zu, %zu) made %zu hits, %d out of turn",
                 players, rounds, hits, out_of_turn);
}

/* --- 2. a bsem as a lock ------------------------------------------------ */

enum { LOCK_THREADS = 4, LOCK_ROUNDS = 25 };

/* Holders of a bsem, counted without ordering anything (see the top). */
typedef struct holders {
    atomic_int now, max;
    atomic_long entries;        /* places taken in all */
    atomic_long nudges;         /* of which by the main thread's nudges */
    atomic_int done;            /* threads that ended their rounds */
    atomic_int bad_rc;          /* an unexpected return value, or 0 */
} holders;

static void holders_enter(holders *h)
{
    int now = atomic_fetch_add(&h->now, 1) + 1;
    int max = atomic_load(&h->max);

    while (now > max && !atomic_compare_exchange_weak(&h->max, &max, now))
        ;
    atomic_fetch_add(&h->entries, 1);
}

static void holders_leave(holders *h)
{
    atomic_fetch_sub(&h->now, 1);
}

static void holders_note(holders *h, int rc)
{
    if (rc != 0)
        atomic_store(&h->bad_rc, rc);
}

static bsem *lock_sem;
static holders lock_holders;

static void *lock_main(void *arg)
{
    rc_thread_name("a thread using a bsem of limit 1 (part 2)", -1);
    for (int i = 0; i < LOCK_ROUNDS; i++) {
        int rc = RC_CALL(bsem_try_acquire(lock_sem));

        if (rc == EAGAIN)
            rc = RC_CALL(bsem_acquire(lock_sem));
        holders_note(&lock_holders, rc);
        holders_enter(&lock_holders);
        if (i % 5 == 0)
            usleep(200);        /* hold it: let the others queue up */
        holders_leave(&lock_holders);
        holders_note(&lock_holders, RC_CALL(bsem_release(lock_sem)));
    }
    atomic_fetch_add(&lock_holders.done, 1);
    return NULL;
}

/* --- 3. a bsem of limit 2 ------------------------------------------------ */

enum { POOL_LIMIT = 2, POOL_THREADS = 4, POOL_ROUNDS = 25 };

static bsem *pool_sem;
static holders pool_holders;

static void *pool_main(void *arg)
{
    rc_thread_name("a thread using a bsem of limit 2 (part 3)", -1);
    for (int i = 0; i < POOL_ROUNDS; i++) {
        int rc = (i % 2) ? RC_CALL(bsem_try_acquire(pool_sem)) : EAGAIN;

        if (rc == EAGAIN)
            rc = RC_CALL(bsem_acquire(pool_sem));
        holders_note(&pool_holders, rc);
        holders_enter(&pool_holders);
        usleep(300);            /* two holders at once */
        holders_leave(&pool_holders);
        holders_note(&pool_holders, RC_CALL(bsem_release(pool_sem)));
    }
    atomic_fetch_add(&pool_holders.done, 1);
    return NULL;
}

/* --- 4. releases beyond the limit ---------------------------------------- */

enum { OVER_THREADS = 3 };

static bsem *over_sem;

static void *over_main(void *arg)
{
    int *rc = arg;

    *rc = RC_CALL(bsem_release(over_sem));
    return NULL;
}

/* Complains about what the threads of part 2 or 3 saw. */
static void check_holders(holders *h, int limit, long entries)
{
    int bad = atomic_load(&h->bad_rc);

    if (bad != 0)
        rc_driver_fail("bsem_acquire, bsem_try_acquire or bsem_release returned %d (%s)",
                       bad, strerror(bad));
    if (atomic_load(&h->max) > limit)
        rc_driver_fail("%d holders of a bsem of limit %d at once",
                 atomic_load(&h->max), limit);
    if (atomic_load(&h->entries) - atomic_load(&h->nudges) != entries)
        rc_driver_fail("a bsem of limit %d let %ld of %ld acquires through", limit,
                 atomic_load(&h->entries) - atomic_load(&h->nudges), entries);
}

enum { NUDGE_MS = 50 };

/*
 * Takes a free place of `sem` and gives it back (see the top): the
 * release wakes a waiter whose wake-up was lost.  Not made through
 * RC_CALL: a nudge is not the progress of the threads under test, so a
 * bsem whose waiters never return is still reported as stuck.
 */
static void nudge(bsem *sem, holders *h)
{
    if (bsem_try_acquire(sem) != 0)
        return;
    atomic_fetch_add(&h->nudges, 1);
    holders_enter(h);
    holders_leave(h);
    holders_note(h, bsem_release(sem));
}

static void start_threads(pthread_t *threads, int n, void *(*fn)(void *), int *args)
{
    for (int i = 0; i < n; i++)
        if (pthread_create(&threads[i], NULL, fn, args ? &args[i] : NULL) != 0) {
            fprintf(stderr, "race driver: cannot start a thread\n");
            _exit(2);
        }
}

static void run_threads(int n, void *(*fn)(void *), int *args)
{
    pthread_t threads[8];

    start_threads(threads, n, fn, args);
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
}

/* Runs the threads of part 2 or 3, nudging `sem` while none of them gets on. */
static void run_bsem_threads(int n, void *(*fn)(void *), bsem *sem, holders *h)
{
    pthread_t threads[8];
    long seen = -1;

    start_threads(threads, n, fn, NULL);
    while (atomic_load(&h->done) < n) {
        long entries = atomic_load(&h->entries) - atomic_load(&h->nudges);

        if (entries == seen)
            nudge(sem, h);
        seen = entries;
        usleep(NUDGE_MS * 1000);
    }
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
}

int main(void)
{
    int over_rc[OVER_THREADS];

    rc_thread_name("main", -1);
    if (rc_watchdog_start() != 0) {
        fprintf(stderr, "race driver: cannot start the watchdog thread\n");
        return 2;
    }
    play(4, 40);
    play(2, 40);
    play(1, 10);

    lock_sem = RC_CALL(bsem_create(1));
    if (lock_sem == NULL) {
        rc_driver_fail("bsem_create(1) returned %d (%s)", errno, strerror(errno));
        return 1;
    }
    run_bsem_threads(LOCK_THREADS, lock_main, lock_sem, &lock_holders);
    check_holders(&lock_holders, 1, LOCK_THREADS * LOCK_ROUNDS);
    RC_DO(bsem_destroy(lock_sem));

    pool_sem = RC_CALL(bsem_create(POOL_LIMIT));
    if (pool_sem == NULL) {
        rc_driver_fail("bsem_create(2) returned %d (%s)", errno, strerror(errno));
        return 1;
    }
    run_bsem_threads(POOL_THREADS, pool_main, pool_sem, &pool_holders);
    check_holders(&pool_holders, POOL_LIMIT, POOL_THREADS * POOL_ROUNDS);
    RC_DO(bsem_destroy(pool_sem));

    over_sem = RC_CALL(bsem_create(POOL_LIMIT));
    if (over_sem == NULL) {
        rc_driver_fail("bsem_create(2) returned %d (%s)", errno, strerror(errno));
        return 1;
    }
    run_threads(OVER_THREADS, over_main, over_rc);
    for (int i = 0; i < OVER_THREADS; i++)
        if (over_rc[i] != EOVERFLOW)
            rc_driver_fail("bsem_release beyond the limit returned %d (%s)",
                           over_rc[i], strerror(over_rc[i]));
    RC_DO(bsem_destroy(over_sem));

    return rc_driver_failures() == 0 ? RC_EXIT_PASSED : 1;
}
