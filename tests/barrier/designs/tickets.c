/*
 * tickets.c - an alternative correct design of barrier.
 *
 * Design: one mutex and one condition variable per object, no cycle
 * number and no count of sets.  Each waiting thread puts a ticket on its
 * own stack (a "released" flag and an outcome) in the object's list of
 * waiters.  Whoever releases them (event_set, the last arrival, a
 * timeout, abort, reset) writes every ticket of the list, empties the
 * list and broadcasts; a waiter waits while its own ticket is not
 * released.  A thread that arrives again at once gets a new ticket in a
 * new list, so it can never be counted in the cycle it left, and a later
 * abort or clear can never touch a ticket already released.
 * Primitives: pthread mutex and condition variable (CLOCK_MONOTONIC).
 */
#define _GNU_SOURCE
#include "barrier.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
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
    int outcome;                /* 0 or ECANCELED, set when released */
    bool released;
} ticket;

/* Waits until the ticket is released, or the plan's time is up; lock held. */
static void sleep_on(ticket *t, pthread_cond_t *cond, pthread_mutex_t *lock, const wait_plan *plan)
{
    while (!t->released) {
        int rc = plan->kind == WAIT_UNTIL ? pthread_cond_timedwait(cond, lock, &plan->until)
                                          : pthread_cond_wait(cond, lock);

        if (rc == ETIMEDOUT)
            return;
    }
}

/* Releases every ticket of *list with `outcome`, empties it, wakes them.  Lock held. */
static void release_all(ticket **list, int outcome, pthread_cond_t *cond)
{
    for (ticket *t = *list; t; t = t->next) {
        t->outcome = outcome;
        t->released = true;
    }
    *list = NULL;
    pthread_cond_broadcast(cond);
}

/* Takes `t` off *list.  Lock held. */
static void unlink_ticket(ticket **list, ticket *t)
{
    while (*list && *list != t)
        list = &(*list)->next;
    if (*list)
        *list = t->next;
}

/* A mutex and a CLOCK_MONOTONIC condition variable; 0 or the error. */
static int init_lock(pthread_mutex_t *lock, pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int rc = pthread_mutex_init(lock, NULL);

    if (rc != 0)
        return rc;
    rc = pthread_condattr_init(&attr);
    if (rc == 0) {
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        rc = pthread_cond_init(cond, &attr);
        pthread_condattr_destroy(&attr);
    }
    if (rc != 0)
        pthread_mutex_destroy(lock);
    return rc;
}

/* ---- events -------------------------------------------------------------- */

struct event {
    pthread_mutex_t lock;       /* guards set and waiters */
    pthread_cond_t released;    /* broadcast when tickets are released */
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
    rc = init_lock(&e->lock, &e->released);
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
    pthread_cond_destroy(&e->released);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

void event_set(event *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->lock);
    e->set = true;
    release_all(&e->waiters, 0, &e->released);
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
    int rc = 0;

    if (!e || plan_wait(timeout_s, &plan) != 0)
        return EINVAL;
    pthread_mutex_lock(&e->lock);
    if (!e->set && plan.kind == WAIT_NEVER) {
        rc = ETIMEDOUT;
    } else if (!e->set) {
        t.next = e->waiters;
        e->waiters = &t;
        sleep_on(&t, &e->released, &e->lock, &plan);
        if (!t.released) {
            unlink_ticket(&e->waiters, &t);
            rc = ETIMEDOUT;
        }
    }
    pthread_mutex_unlock(&e->lock);
    return rc;
}

/* ---- barriers ------------------------------------------------------------ */

struct barrier {
    pthread_mutex_t lock;       /* guards every field below */
    pthread_cond_t released;    /* broadcast when tickets are released */
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
    rc = init_lock(&b->lock, &b->released);
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
    pthread_cond_destroy(&b->released);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

/* Ends the cycle: its waiters get `outcome`; broken when it is not 0.  Lock held. */
static void end_cycle(barrier *b, int outcome)
{
    release_all(&b->waiters, outcome, &b->released);
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

    if (plan->kind == WAIT_NEVER) {
        end_cycle(b, ECANCELED);
        return ETIMEDOUT;
    }
    t.next = b->waiters;
    b->waiters = &t;
    sleep_on(&t, &b->released, &b->lock, plan);
    if (t.released)
        return t.outcome;
    unlink_ticket(&b->waiters, &t);
    end_cycle(b, ECANCELED);
    return ETIMEDOUT;
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
