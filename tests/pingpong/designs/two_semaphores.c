/*
 * two_semaphores.c - an alternative correct design of pingpong.
 *
 * Design: the bsem is two POSIX semaphores, `free_places` (starts at
 * limit) and `holders` (starts at 0): acquire waits on free_places and
 * posts holders, release takes one from holders with sem_trywait (none to
 * take: EOVERFLOW) and posts free_places.  No mutex and no condition
 * variable.  pingpong passes the turn round a ring of per-player
 * semaphores; a player that sees the game called off leaves at once.
 * Primitives: sem_t only (sem_wait, sem_trywait, sem_post).
 */
#include "pingpong.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct game game;

typedef struct player {
    game *game;
    size_t index;
    sem_t turn;                 /* one post per hit this player may make */
    pthread_t thread;
} player;

struct game {
    size_t count, rounds;
    void (*hit)(size_t player, void *ctx);
    void *ctx;
    bool called_off;            /* written before the posts that wake players */
    player *players;
};

/* sem_wait that carries on after a signal. */
static void sem_wait_always(sem_t *s)
{
    while (sem_wait(s) != 0)
        if (errno != EINTR)
            abort();
}

static void *play(void *arg)
{
    player *me = arg;
    game *g = me->game;
    player *next = &g->players[(me->index + 1) % g->count];

    for (size_t r = 0; r < g->rounds; r++) {
        sem_wait_always(&me->turn);
        if (g->called_off)
            return NULL;
        g->hit(me->index, g->ctx);
        sem_post(&next->turn);
    }
    return NULL;
}

int pingpong(size_t players, size_t rounds,
             void (*hit)(size_t player, void *ctx), void *ctx)
{
    game g = { .count = players, .rounds = rounds, .hit = hit, .ctx = ctx };
    size_t started = 0;
    int err = 0;

    if (players == 0 || hit == NULL)
        return EINVAL;
    if (rounds == 0)
        return 0;
    g.players = calloc(players, sizeof *g.players);
    if (g.players == NULL)
        return ENOMEM;
    for (size_t i = 0; i < players; i++) {
        g.players[i].game = &g;
        g.players[i].index = i;
        sem_init(&g.players[i].turn, 0, 0);
    }
    while (started < players) {
        err = pthread_create(&g.players[started].thread, NULL, play,
                             &g.players[started]);
        if (err != 0)
            break;
        started++;
    }
    if (err != 0) {
        g.called_off = true;
        for (size_t i = 0; i < started; i++)
            sem_post(&g.players[i].turn);
    } else {
        sem_post(&g.players[0].turn);
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(g.players[i].thread, NULL);
    for (size_t i = 0; i < players; i++)
        sem_destroy(&g.players[i].turn);
    free(g.players);
    return err;
}

struct bsem {
    sem_t free_places;          /* places nobody holds */
    sem_t holders;              /* places taken: what release may give back */
};

bsem *bsem_create(unsigned limit)
{
    bsem *s;

    if (limit == 0) {
        errno = EINVAL;
        return NULL;
    }
    s = malloc(sizeof *s);
    if (s == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    if (sem_init(&s->free_places, 0, limit) != 0) {
        int err = errno;        /* EINVAL above SEM_VALUE_MAX */

        free(s);
        errno = err;
        return NULL;
    }
    if (sem_init(&s->holders, 0, 0) != 0) {
        int err = errno;

        sem_destroy(&s->free_places);
        free(s);
        errno = err;
        return NULL;
    }
    return s;
}

void bsem_destroy(bsem *s)
{
    if (s == NULL)
        return;
    sem_destroy(&s->holders);
    sem_destroy(&s->free_places);
    free(s);
}

int bsem_acquire(bsem *s)
{
    if (s == NULL)
        return EINVAL;
    sem_wait_always(&s->free_places);
    sem_post(&s->holders);
    return 0;
}

int bsem_try_acquire(bsem *s)
{
    if (s == NULL)
        return EINVAL;
    while (sem_trywait(&s->free_places) != 0)
        if (errno != EINTR)
            return EAGAIN;
    sem_post(&s->holders);
    return 0;
}

int bsem_release(bsem *s)
{
    if (s == NULL)
        return EINVAL;
    while (sem_trywait(&s->holders) != 0)
        if (errno != EINTR)
            return EOVERFLOW;
    sem_post(&s->free_places);
    return 0;
}
