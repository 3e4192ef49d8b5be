/*
 * semaphores.c - an alternative correct design of barrier.
 *
 * Design: no condition variable and no cycle number.  Each waiting
 * thread puts a ticket on its own stack: a private POSIX semaphore and
 * an outcome.  The event and the barrier keep a list of the tickets of
 * the threads waiting now, under one mutex.  Whoever releases them
 * (event_set, the last arrival, a timeout, abort, reset) writes each
 * ticket's outcome, posts its semaphore and empties the list: a thread
 * that arrives again at once starts a new list, so it can never be
 * counted in the cycle it left, and a later abort can never change the
 * outcome of a ticket already released.  A waiter whose timed wait
 * (sem_clockwait on CLOCK_MONOTONIC) ran out takes the lock and looks at
 * its ticket: released meanwhile, it takes the post that came and
 * returns the outcome; not released, it takes itself off the list.
 * Primitives: sem_t (sem_wait, sem_clockwait, sem_trywait, sem_post)
 * and one pthread mutex per object.
 */
#define _GNU_SOURCE
#include "barrier.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>

#define FOREVER_S 1e9           /* longer timeouts wait as long as it takes */

/* How a call waits. */
typedef struct wait_plan {
    enum { WAIT_ALWAYS, WAIT_NEVER, WAIT_UNTIL } kind;
    struct timespec until;      /* CLOCK_MONOTONIC */
} wait_plan;

static int plan_wait(double timeout_s, wait_plan *plan)
{
    struct timespec now;
    double whole;

    if (isnan(timeout_s))
        return EINVAL;
    if (timeout_s < 0 || timeout_s > FOREVER_S) {
        plan->kind = WAIT_ALWAYS;
    } else if (timeout_s == 0) {
        plan->kind = WAIT_NEVER;
    } else {
        clock_gettime(CLOCK_MONOTONIC, &now);
        plan->kind = WAIT_UNTIL;
        plan->until.tv_nsec = now.tv_nsec + (long)(modf(timeout_s, &whole) * 1e9);
        plan->until.tv_sec = now.tv_sec + (time_t)whole + plan->until.tv_nsec / 1000000000L;
        plan->until.tv_nsec %= 1000000000L;
    }
    return 0;
}

/* ---- tickets ------------------------------------------------------------- */

typedef struct ticket {
    struct ticket *next;
    sem_t wake;                 /* posted once, when released */
    int outcome;                /* 0 or ECANCELED, set when released */
    bool released;
} ticket;

/* Waits on the ticket's semaphore as planned; 0 or ETIMEDOUT.  Without the lock. */
static int sleep_on(ticket *t, const wait_plan *plan)
{
    int rc;

    do {
        rc = plan->kind == WAIT_UNTIL ? sem_clockwait(&t->wake, CLOCK_MONOTONIC, &plan->until)
                                      : sem_wait(&t->wake);
    } while (rc != 0 && errno == EINTR);
    return rc == 0 ? 0 : ETIMEDOUT;
}

/* Releases every ticket of *list with `outcome` and empties it.  Lock held. */
static void release_all(ticket **list, int outcome)
{
    ticket *t = *list;

    while (t) {
        ticket *next = t->next;

        t->outcome = outcome;
        t->released = true;
        sem_post(&t->wake);
        t = next;
    }
    *list = NULL;
}

/* Takes `t` off *list.  Lock held. */
static void unlink_ticket(ticket **list, ticket *t)
{
    while (*list && *list != t)
        list = &(*list)->next;
    if (*list)
        *list = t->next;
}

/*
 * After sleep_on: with the lock held again, true when the ticket was
 * released (the post that came is taken, if the wait had timed out).
 */
static bool was_released(ticket *t, int slept)
{
    if (t->released && slept == ETIMEDOUT)
        sem_trywait(&t->wake);  /* posted under the lock we now hold */
    return t->released;
}

/* A mutex; 0 or the error. */
static int init_lock(pthread_mutex_t *lock)
{
    return pthread_mutex_init(lock, NULL);
}

/* ---- events -------------------------------------------------------------- */

struct event {
    pthread_mutex_t lock;       /* guards set and waiters */
    bool set;
    ticket *waiters;
};

event *event_create(void)
{
    event *e = calloc(1, sizeof *e);
    int rc;

    if (!e) {
        errno = ENOMEM;
        return NULL;
    }
    rc = init_lock(&e->lock);
    if (rc != 0) {
        free(e);
        errno = rc;
        return NULL;
    }
    return e;
}

void event_destroy(event *e)
{
    if (!e)
        return;
    pthread_mutex_destroy(&e->lock);
    free(e);
}

void event_set(event *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->lock);
    e->set = true;
    release_all(&e->waiters, 0);
    pthread_mutex_unlock(&e->lock);
}

void event_clear(event *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->lock);
    e->set = false;
    pthread_mutex_unlock(&e->lock);
}

bool event_is_set(event *e)
{
    bool set;

    if (!e)
        return false;
    pthread_mutex_lock(&e->lock);
    set = e->set;
    pthread_mutex_unlock(&e->lock);
    return set;
}

int event_wait(event *e, double timeout_s)
{
    ticket t = { 0 };
    wait_plan plan;
    int rc = 0, slept;

    if (!e || plan_wait(timeout_s, &plan) != 0)
        return EINVAL;
    pthread_mutex_lock(&e->lock);
    if (!e->set && plan.kind == WAIT_NEVER)
        rc = ETIMEDOUT;
    if (e->set || rc != 0) {
        pthread_mutex_unlock(&e->lock);
        return rc;
    }
    sem_init(&t.wake, 0, 0);
    t.next = e->waiters;
    e->waiters = &t;
    pthread_mutex_unlock(&e->lock);

    slept = sleep_on(&t, &plan);
    pthread_mutex_lock(&e->lock);
    if (!was_released(&t, slept)) {
        unlink_ticket(&e->waiters, &t);
        rc = ETIMEDOUT;
    }
    pthread_mutex_unlock(&e->lock);
    sem_destroy(&t.wake);
    return rc;
}

/* ---- barriers ------------------------------------------------------------ */

struct barrier {
    pthread_mutex_t lock;       /* guards every field below */
    unsigned parties;
    barrier_action action;
    void *arg;
    unsigned count;             /* threads arrived in the current cycle */
    ticket *waiters;            /* their tickets */
    bool broken;
};

barrier *barrier_create(unsigned parties, barrier_action action, void *arg)
{
    barrier *b;
    int rc;

    if (parties == 0) {
        errno = EINVAL;
        return NULL;
    }
    b = calloc(1, sizeof *b);
    if (!b) {
        errno = ENOMEM;
        return NULL;
    }
    rc = init_lock(&b->lock);
    if (rc != 0) {
        free(b);
        errno = rc;
        return NULL;
    }
    b->parties = parties;
    b->action = action;
    b->arg = arg;
    return b;
}

void barrier_destroy(barrier *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->lock);
    free(b);
}

/* Ends the cycle: its waiters get `outcome`; broken when it is not 0.  Lock held. */
static void end_cycle(barrier *b, int outcome)
{
    release_all(&b->waiters, outcome);
    b->count = 0;
    if (outcome != 0)
        b->broken = true;
}

/* The last arrival: runs the action and ends the cycle. */
static int complete_cycle(barrier *b)
{
    int rc = b->action ? b->action(b->arg) : 0;

    end_cycle(b, rc != 0 ? ECANCELED : 0);
    return rc;
}

/* Any other arrival: waits for its ticket, or breaks the barrier when its time runs out. */
static int wait_for_cycle(barrier *b, const wait_plan *plan)
{
    ticket t = { 0 };
    int rc, slept;

    if (plan->kind == WAIT_NEVER) {
        end_cycle(b, ECANCELED);
        return ETIMEDOUT;
    }
    sem_init(&t.wake, 0, 0);
    t.next = b->waiters;
    b->waiters = &t;
    pthread_mutex_unlock(&b->lock);
    slept = sleep_on(&t, plan);
    pthread_mutex_lock(&b->lock);
    if (was_released(&t, slept)) {
        rc = t.outcome;
    } else {
        unlink_ticket(&b->waiters, &t);
        end_cycle(b, ECANCELED);
        rc = ETIMEDOUT;
    }
    sem_destroy(&t.wake);
    return rc;
}

int barrier_wait(barrier *b, double timeout_s, unsigned *index)
{
    wait_plan plan;
    unsigned arrival;
    int rc;

    if (!b || plan_wait(timeout_s, &plan) != 0)
        return EINVAL;
    pthread_mutex_lock(&b->lock);
    if (b->broken) {
        pthread_mutex_unlock(&b->lock);
        return ECANCELED;
    }
    arrival = b->count++;
    rc = b->count == b->parties ? complete_cycle(b) : wait_for_cycle(b, &plan);
    pthread_mutex_unlock(&b->lock);
    if (rc == 0 && index)
        *index = arrival;
    return rc;
}

void barrier_abort(barrier *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->lock);
    end_cycle(b, ECANCELED);
    pthread_mutex_unlock(&b->lock);
}

void barrier_reset(barrier *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->lock);
    end_cycle(b, ECANCELED);
    b->broken = false;
    pthread_mutex_unlock(&b->lock);
}

unsigned barrier_waiting(barrier *b)
{
    unsigned waiting;

    if (!b)
        return 0;
    pthread_mutex_lock(&b->lock);
    waiting = b->broken ? 0 : b->count;
    pthread_mutex_unlock(&b->lock);
    return waiting;
}

bool barrier_broken(barrier *b)
{
    bool broken;

    if (!b)
        return false;
    pthread_mutex_lock(&b->lock);
    broken = b->broken;
    pthread_mutex_unlock(&b->lock);
    return broken;
}
