/*
 * Mutant busy_wait_trywait.
 *
 * Bug: a player waits for its turn by calling sem_trywait in a loop (busy
 * waiting) instead of blocking in sem_wait.
 *
 * Caught by: hidden test no_busy_waiting (the waiting players are
 * runnable all the time while each hit sleeps) - deterministic; Helgrind
 * may flag the race driver (a sem_trywait loop gives it no happens-before
 * edge).  The order tests give a slow game time to finish: they pass it.
 *
 * (Otherwise a copy of solutions/pingpong/pingpong.c.)
 */
#include "pingpong.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct table table;

/* One player: its thread and the semaphore that says "your turn". */
typedef struct seat {
    table *table;
    size_t player;              /* 0 .. players-1 */
    sem_t turn;                 /* posted once per hit this player may make */
    pthread_t thread;
} seat;

/* The game, shared by every player thread. */
struct table {
    size_t players, rounds;
    void (*hit)(size_t player, void *ctx);
    void *ctx;
    bool called_off;            /* set before posting when a thread failed */
    seat *seats;                /* players of them */
};

/* sem_wait, carrying on after a signal handler interrupted it. */
static void wait_turn(sem_t *turn)
{
    while (sem_trywait(turn) != 0)          /* BUG: spins */
        ;
}

static void *player_main(void *arg)
{
    seat *me = arg;
    table *t = me->table;
    seat *next = &t->seats[(me->player + 1) % t->players];

    for (size_t round = 0; round < t->rounds; round++) {
        wait_turn(&me->turn);
        if (t->called_off)      /* written before the post we just took */
            break;
        t->hit(me->player, t->ctx);
        sem_post(&next->turn);  /* only then is it the next player's turn */
    }
    return NULL;
}

int pingpong(size_t players, size_t rounds,
             void (*hit)(size_t player, void *ctx), void *ctx)
{
    table t = { .players = players, .rounds = rounds, .hit = hit, .ctx = ctx };
    size_t seated = 0;
    int err = 0;

    if (players == 0 || hit == NULL)
        return EINVAL;
    if (rounds == 0)
        return 0;

    t.seats = calloc(players, sizeof *t.seats);
    if (t.seats == NULL)
        return ENOMEM;
    for (size_t i = 0; i < players; i++) {
        t.seats[i].table = &t;
        t.seats[i].player = i;
        sem_init(&t.seats[i].turn, 0, 0);   /* cannot fail: value 0, not shared */
    }

    for (; seated < players; seated++) {
        err = pthread_create(&t.seats[seated].thread, NULL, player_main,
                             &t.seats[seated]);
        if (err != 0)
            break;
    }

    if (err == 0) {
        sem_post(&t.seats[0].turn);         /* serve: the game begins */
    } else {
        t.called_off = true;                /* wake each seated player to leave */
        for (size_t i = 0; i < seated; i++)
            sem_post(&t.seats[i].turn);
    }

    for (size_t i = 0; i < seated; i++)
        pthread_join(t.seats[i].thread, NULL);
    for (size_t i = 0; i < players; i++)
        sem_destroy(&t.seats[i].turn);
    free(t.seats);
    return err;
}

struct bsem {
    pthread_mutex_t lock;
    pthread_cond_t freed;       /* signalled when a place is given back */
    unsigned limit;             /* number of places */
    unsigned taken;             /* places taken now, 0 .. limit */
};

bsem *bsem_create(unsigned limit)
{
    bsem *s;
    int err;

    if (limit == 0) {
        errno = EINVAL;
        return NULL;
    }
    s = malloc(sizeof *s);
    if (s == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    err = pthread_mutex_init(&s->lock, NULL);
    if (err != 0)
        goto free_s;
    err = pthread_cond_init(&s->freed, NULL);
    if (err != 0)
        goto destroy_lock;
    s->limit = limit;
    s->taken = 0;
    return s;

destroy_lock:
    pthread_mutex_destroy(&s->lock);
free_s:
    free(s);
    errno = err;
    return NULL;
}

void bsem_destroy(bsem *s)
{
    if (s == NULL)
        return;
    pthread_cond_destroy(&s->freed);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int bsem_acquire(bsem *s)
{
    if (s == NULL)
        return EINVAL;
    pthread_mutex_lock(&s->lock);
    while (s->taken == s->limit)            /* while, not if: someone may */
        pthread_cond_wait(&s->freed, &s->lock); /* take the place first */
    s->taken++;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

int bsem_try_acquire(bsem *s)
{
    int err = 0;

    if (s == NULL)
        return EINVAL;
    pthread_mutex_lock(&s->lock);
    if (s->taken == s->limit)
        err = EAGAIN;
    else
        s->taken++;
    pthread_mutex_unlock(&s->lock);
    return err;
}

int bsem_release(bsem *s)
{
    int err = 0;

    if (s == NULL)
        return EINVAL;
    pthread_mutex_lock(&s->lock);
    if (s->taken == 0) {
        err = EOVERFLOW;                    /* more releases than acquires */
    } else {
        s->taken--;
        pthread_cond_signal(&s->freed);     /* one place: one waiter */
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}
