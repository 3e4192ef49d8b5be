/*
 * pingpong.c - your solution.  See pingpong.h for what each function
 * must do and README.md for hints.
 *
 * Every function below returns ENOSYS ("not implemented") until you
 * write it.  Replace each TODO with your code; keep the signatures.
 */
#include "pingpong.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdlib.h>

/*
 * TODO: describe one player here, for example
 *     struct seat { size_t player; sem_t turn; pthread_t thread; ... };
 * and the game all players share (players, rounds, hit, ctx, the seats).
 * The thread function of a player loops `rounds` times:
 *     wait for my turn (sem_wait), hit, give the turn to the next player
 *     (sem_post on the next player's semaphore).
 */

int pingpong(size_t players, size_t rounds,
             void (*hit)(size_t player, void *ctx), void *ctx)
{
    /*
     * TODO:
     *   1. players == 0 or hit == NULL: return EINVAL.  rounds == 0:
     *      return 0.
     *   2. Allocate one seat per player; sem_init each player's semaphore
     *      to 0 (nobody's turn yet).
     *   3. Start one thread per player (pthread_create).  If one fails,
     *      tell the started ones to stop, wake them, join them, and
     *      return the error.
     *   4. Serve: sem_post player 0's semaphore.
     *   5. Join every player, sem_destroy, free, return 0.
     */
    (void)players;
    (void)rounds;
    (void)hit;
    (void)ctx;
    return ENOSYS;
}

/*
 * TODO: what a bounded semaphore needs, for example
 *     a pthread_mutex_t, a pthread_cond_t, the limit and the number of
 *     places taken now
 * (or a sem_t plus the same counter, if you prefer).
 */
struct bsem {
    unsigned limit;
};

bsem *bsem_create(unsigned limit)
{
    /* TODO: EINVAL for limit 0; allocate, initialise, return it. */
    (void)limit;
    errno = ENOSYS;
    return NULL;
}

void bsem_destroy(bsem *s)
{
    /* TODO: destroy what bsem_create initialised, then free it. */
    (void)s;
}

int bsem_acquire(bsem *s)
{
    /* TODO: under the lock, wait while every place is taken, then take one. */
    (void)s;
    return ENOSYS;
}

int bsem_try_acquire(bsem *s)
{
    /* TODO: like bsem_acquire, but EAGAIN instead of waiting. */
    (void)s;
    return ENOSYS;
}

int bsem_release(bsem *s)
{
    /*
     * TODO: under the lock: EOVERFLOW if no place is taken; otherwise give
     * one back and wake one waiter.
     */
    (void)s;
    return ENOSYS;
}
