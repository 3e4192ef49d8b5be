/*
 * umpire.c - an alternative correct design of pingpong.
 *
 * Design: the calling thread is the umpire.  Each player waits on its own
 * semaphore; the umpire posts the semaphore of the player whose turn it
 * is, then waits on one shared "hit done" semaphore that the player posts
 * after its hit, and only then calls the next player (a star, not a
 * ring).  The bsem is one POSIX semaphore of free places, plus a count of
 * places taken under a mutex so that release can refuse an over-release.
 * Primitives: sem_t (sem_wait, sem_trywait, sem_post) and a pthread mutex.
 */
#include "pingpong.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct match {
    size_t players, rounds;
    void (*hit)(size_t player, void *ctx);
    void *ctx;
    sem_t *call;                /* call[p]: the umpire calls player p */
    sem_t done;                 /* a player posts it after each hit */
    bool abandoned;             /* set before the calls that end the match */
} match;

typedef struct seat {
    match *m;
    size_t me;
} seat;

static void sem_take(sem_t *s)
{
    while (sem_wait(s) != 0)
        if (errno != EINTR)
            abort();
}

static void *player_main(void *arg)
{
    seat *seat = arg;
    match *m = seat->m;

    for (size_t r = 0; r < m->rounds; r++) {
        sem_take(&m->call[seat->me]);
        if (m->abandoned)
            break;
        m->hit(seat->me, m->ctx);
        sem_post(&m->done);
    }
    return NULL;
}

/* The match itself, once every player sits: the umpire calls each hit. */
static void umpire(match *m)
{
    for (size_t r = 0; r < m->rounds; r++)
        for (size_t p = 0; p < m->players; p++) {
            sem_post(&m->call[p]);
            sem_take(&m->done);
        }
}

int pingpong(size_t players, size_t rounds,
             void (*hit)(size_t player, void *ctx), void *ctx)
{
    match m = { .players = players, .rounds = rounds, .hit = hit, .ctx = ctx };
    pthread_t *threads = NULL;
    seat *seats = NULL;
    size_t started = 0;
    int err = 0;

    if (players == 0 || hit == NULL)
        return EINVAL;
    if (rounds == 0)
        return 0;
    m.call = malloc(players * sizeof *m.call);
    threads = malloc(players * sizeof *threads);
    seats = malloc(players * sizeof *seats);
    if (m.call == NULL || threads == NULL || seats == NULL) {
        err = ENOMEM;
        goto out;
    }
    sem_init(&m.done, 0, 0);
    for (size_t p = 0; p < players; p++) {
        sem_init(&m.call[p], 0, 0);
        seats[p] = (seat){ &m, p };
    }
    for (; started < players; started++) {
        err = pthread_create(&threads[started], NULL, player_main, &seats[started]);
        if (err != 0)
            break;
    }
    if (err == 0) {
        umpire(&m);
    } else {
        m.abandoned = true;
        for (size_t p = 0; p < started; p++)
            sem_post(&m.call[p]);
    }
    for (size_t p = 0; p < started; p++)
        pthread_join(threads[p], NULL);
    for (size_t p = 0; p < players; p++)
        sem_destroy(&m.call[p]);
    sem_destroy(&m.done);
out:
    free(seats);
    free(threads);
    free(m.call);
    return err;
}

struct bsem {
    sem_t places;               /* free places */
    pthread_mutex_t lock;       /* guards taken */
    unsigned taken;             /* places taken and not yet given back */
};

bsem *bsem_create(unsigned limit)
{
    bsem *s;
    int err;

    if (limit == 0) {
        errno = EINVAL;
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    if (sem_init(&s->places, 0, limit) != 0) {
        err = errno;
        free(s);
        errno = err;
        return NULL;
    }
    err = pthread_mutex_init(&s->lock, NULL);
    if (err != 0) {
        sem_destroy(&s->places);
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
    pthread_mutex_destroy(&s->lock);
    sem_destroy(&s->places);
    free(s);
}

static void count_taken(bsem *s)
{
    pthread_mutex_lock(&s->lock);
    s->taken++;
    pthread_mutex_unlock(&s->lock);
}

int bsem_acquire(bsem *s)
{
    if (s == NULL)
        return EINVAL;
    sem_take(&s->places);
    count_taken(s);
    return 0;
}

int bsem_try_acquire(bsem *s)
{
    if (s == NULL)
        return EINVAL;
    while (sem_trywait(&s->places) != 0)
        if (errno != EINTR)
            return EAGAIN;
    count_taken(s);
    return 0;
}

int bsem_release(bsem *s)
{
    int err = 0;

    if (s == NULL)
        return EINVAL;
    pthread_mutex_lock(&s->lock);
    if (s->taken == 0) {
        err = EOVERFLOW;
    } else {
        s->taken--;
        sem_post(&s->places);
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}
