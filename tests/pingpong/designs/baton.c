/*
 * baton.c - an alternative correct design of pingpong.
 *
 * Design: the bsem "passes the baton" (Andrews): a binary POSIX semaphore
 * is its lock, and a second semaphore is where acquirers queue; a release
 * that finds someone queued hands it the freed place and the lock at
 * once, so a woken acquirer need not look again.  pingpong keeps the ring
 * of per-player semaphores, but the players count hits in one shared
 * total under a mutex, and a player that cannot be started calls the
 * game off by cancelling the players already waiting in sem_wait.
 * Primitives: sem_t only in the bsem; sem_t, a pthread mutex and
 * pthread_cancel in pingpong.
 */
#include "pingpong.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

typedef struct ring {
    size_t players, total;      /* total = players * rounds hits */
    void (*hit)(size_t player, void *ctx);
    void *ctx;
    pthread_mutex_t lock;       /* guards made */
    size_t made;                /* hits made so far */
    sem_t *turn;                /* turn[p]: player p may hit once */
} ring;

typedef struct player {
    ring *ring;
    size_t id;
} player;

static void take(sem_t *s)
{
    while (sem_wait(s) != 0)    /* a cancellation point */
        if (errno != EINTR)
            abort();
}

static void *player_main(void *arg)
{
    player *p = arg;
    ring *r = p->ring;
    size_t made;

    do {
        take(&r->turn[p->id]);
        r->hit(p->id, r->ctx);
        pthread_mutex_lock(&r->lock);
        made = ++r->made;
        pthread_mutex_unlock(&r->lock);
        if (made < r->total)
            sem_post(&r->turn[(p->id + 1) % r->players]);
    } while (made + r->players <= r->total);    /* my last round was not yet */
    return NULL;
}

int pingpong(size_t players, size_t rounds,
             void (*hit)(size_t player, void *ctx), void *ctx)
{
    ring r = { .players = players, .total = players * rounds, .hit = hit, .ctx = ctx };
    pthread_t *threads;
    player *seats;
    size_t started = 0;
    int err = 0;

    if (players == 0 || hit == NULL)
        return EINVAL;
    if (rounds == 0)
        return 0;
    threads = calloc(players, sizeof *threads);
    seats = calloc(players, sizeof *seats);
    r.turn = calloc(players, sizeof *r.turn);
    if (threads == NULL || seats == NULL || r.turn == NULL) {
        err = ENOMEM;
        goto out;
    }
    err = pthread_mutex_init(&r.lock, NULL);
    if (err != 0)
        goto out;
    for (size_t i = 0; i < players; i++) {
        sem_init(&r.turn[i], 0, 0);
        seats[i] = (player){ &r, i };
    }
    for (; started < players; started++) {
        err = pthread_create(&threads[started], NULL, player_main, &seats[started]);
        if (err != 0)
            break;
    }
    if (err == 0)
        sem_post(&r.turn[0]);   /* the first ball */
    else
        for (size_t i = 0; i < started; i++)
            pthread_cancel(threads[i]);     /* all wait in sem_wait: no hit yet */
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    for (size_t i = 0; i < players; i++)
        sem_destroy(&r.turn[i]);
    pthread_mutex_destroy(&r.lock);
out:
    free(r.turn);
    free(seats);
    free(threads);
    return err;
}

struct bsem {
    sem_t lock;                 /* binary: guards the fields below */
    sem_t queue;                /* acquirers wait here for the baton */
    unsigned limit, taken, queued;
};

static void down(sem_t *s)
{
    while (sem_wait(s) != 0)
        if (errno != EINTR)
            abort();
}

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
    if (sem_init(&s->lock, 0, 1) != 0) {
        int err = errno;

        free(s);
        errno = err;
        return NULL;
    }
    if (sem_init(&s->queue, 0, 0) != 0) {
        int err = errno;

        sem_destroy(&s->lock);
        free(s);
        errno = err;
        return NULL;
    }
    s->limit = limit;
    s->taken = 0;
    s->queued = 0;
    return s;
}

void bsem_destroy(bsem *s)
{
    if (s == NULL)
        return;
    sem_destroy(&s->queue);
    sem_destroy(&s->lock);
    free(s);
}

int bsem_acquire(bsem *s)
{
    if (s == NULL)
        return EINVAL;
    down(&s->lock);
    if (s->taken == s->limit) {
        s->queued++;
        sem_post(&s->lock);
        down(&s->queue);        /* woken holding the lock, a place kept for us */
    }
    s->taken++;
    sem_post(&s->lock);
    return 0;
}

int bsem_try_acquire(bsem *s)
{
    int err = 0;

    if (s == NULL)
        return EINVAL;
    down(&s->lock);
    if (s->taken == s->limit)
        err = EAGAIN;
    else
        s->taken++;
    sem_post(&s->lock);
    return err;
}

int bsem_release(bsem *s)
{
    if (s == NULL)
        return EINVAL;
    down(&s->lock);
    if (s->taken == 0) {
        sem_post(&s->lock);
        return EOVERFLOW;
    }
    s->taken--;
    if (s->queued > 0) {
        s->queued--;
        sem_post(&s->queue);    /* pass the baton: the lock stays taken */
    } else {
        sem_post(&s->lock);
    }
    return 0;
}
