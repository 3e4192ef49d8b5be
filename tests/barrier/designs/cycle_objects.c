/*
 * cycle_objects.c - an alternative correct design of barrier.
 *
 * Design: one object per cycle (the "per-cycle object" design).  The
 * first thread to arrive in a cycle makes the cycle's object on its own
 * stack: a condition variable, how the cycle ended, and how many of its
 * threads have not returned yet.  Every arrival of that cycle holds a
 * pointer to it; ending the cycle (the last arrival, a timeout, abort,
 * reset) writes the outcome into it and detaches it from the barrier, so
 * the next arrival starts a new object: nobody can slip into the cycle
 * it left, no new cycle waits for an old one to drain, and a later abort
 * never touches an ended cycle.  The first arrival returns only when
 * every thread of its cycle has read the outcome (its stack holds it).
 * The event is the reference's (a count of sets).
 * Primitives: a pthread mutex per barrier, a condition variable per
 * cycle (CLOCK_MONOTONIC).
 */
#include "barrier.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define FOREVER_S 1e9           /* longer timeouts wait as long as it takes */

/* ---- deadlines ----------------------------------------------------------- */

/* How a call waits. */
typedef struct wait_plan {
    enum { WAIT_ALWAYS, WAIT_NEVER, WAIT_UNTIL } kind;
    struct timespec until;      /* CLOCK_MONOTONIC, for WAIT_UNTIL */
} wait_plan;

/* Turns timeout_s into a plan; EINVAL for NaN. */
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

/* Waits on `cond` as the plan says; ETIMEDOUT when its time is up. */
static int wait_as_planned(pthread_cond_t *cond, pthread_mutex_t *lock, const wait_plan *plan)
{
    switch (plan->kind) {
    case WAIT_NEVER:
        return ETIMEDOUT;
    case WAIT_UNTIL:
        return pthread_cond_timedwait(cond, lock, &plan->until);
    default:
        return pthread_cond_wait(cond, lock);
    }
}

/* A CLOCK_MONOTONIC condition variable; 0 or the error. */
static int init_cond(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);

    if (rc == 0) {
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        rc = pthread_cond_init(cond, &attr);
        pthread_condattr_destroy(&attr);
    }
    return rc;
}

/* A mutex and a CLOCK_MONOTONIC condition variable; 0 or the error. */
static int init_lock_and_cond(pthread_mutex_t *lock, pthread_cond_t *cond)
{
    int rc = pthread_mutex_init(lock, NULL);

    if (rc != 0)
        return rc;
    rc = init_cond(cond);
    if (rc != 0)
        pthread_mutex_destroy(lock);
    return rc;
}

/* ---- events -------------------------------------------------------------- */

struct event {
    pthread_mutex_t lock;       /* guards the fields below */
    pthread_cond_t changed;     /* broadcast by every set */
    bool set;
    unsigned long sets;         /* event_set calls that found it clear */
};

event *event_create(void)
{
    event *e = calloc(1, sizeof *e);
    int rc;

    if (!e) {
        errno = ENOMEM;
        return NULL;
    }
    rc = init_lock_and_cond(&e->lock, &e->changed);
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
    pthread_cond_destroy(&e->changed);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

void event_set(event *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->lock);
    if (!e->set) {
        e->set = true;
        e->sets++;
        pthread_cond_broadcast(&e->changed);
    }
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
    unsigned long sets;
    wait_plan plan;
    int rc = 0;

    if (!e || plan_wait(timeout_s, &plan) != 0)
        return EINVAL;
    pthread_mutex_lock(&e->lock);
    sets = e->sets;
    while (!e->set && e->sets == sets) {
        if (wait_as_planned(&e->changed, &e->lock, &plan) == ETIMEDOUT &&
            !e->set && e->sets == sets) {
            rc = ETIMEDOUT;
            break;
        }
    }
    pthread_mutex_unlock(&e->lock);
    return rc;
}

/* ---- barriers ------------------------------------------------------------ */

/* One cycle, on the stack of its first arrival. */
typedef struct cycle {
    pthread_cond_t changed;     /* broadcast when it ends, and when its last thread leaves */
    unsigned inside;            /* its threads that have not returned yet */
    int outcome;                /* 0 or ECANCELED, once ended */
    bool ended;
} cycle;

struct barrier {
    pthread_mutex_t lock;       /* guards every field below and the cycles */
    unsigned parties;
    barrier_action action;
    void *arg;
    unsigned count;             /* threads arrived in the current cycle */
    cycle *current;             /* NULL until someone arrives */
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
    rc = pthread_mutex_init(&b->lock, NULL);
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

/* Ends the current cycle (if any) with `outcome`.  Lock held. */
static void end_cycle(barrier *b, int outcome)
{
    cycle *c = b->current;

    if (!c)
        return;
    c->outcome = outcome;
    c->ended = true;
    b->current = NULL;
    b->count = 0;
    pthread_cond_broadcast(&c->changed);
}

/* Waits for cycle `c` to end; ETIMEDOUT (barrier broken) when the time runs out first. */
static int wait_for_end(barrier *b, cycle *c, const wait_plan *plan)
{
    while (!c->ended) {
        if (wait_as_planned(&c->changed, &b->lock, plan) == ETIMEDOUT && !c->ended) {
            end_cycle(b, ECANCELED);
            b->broken = true;
            return ETIMEDOUT;
        }
    }
    return c->outcome;
}

/* Arrives in the current cycle (`mine` when the caller makes it); 0 or the result. */
static int arrive(barrier *b, cycle *c, const wait_plan *plan)
{
    int rc;

    c->inside++;
    if (++b->count < b->parties)
        return wait_for_end(b, c, plan);
    rc = b->action ? b->action(b->arg) : 0;
    end_cycle(b, rc != 0 ? ECANCELED : 0);
    if (rc != 0)
        b->broken = true;
    return rc;
}

int barrier_wait(barrier *b, double timeout_s, unsigned *index)
{
    cycle mine = { .inside = 0 }, *c;
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
    if (!b->current) {
        rc = init_cond(&mine.changed);
        if (rc != 0) {
            pthread_mutex_unlock(&b->lock);
            return rc;
        }
        b->current = &mine;
    }
    c = b->current;
    arrival = b->count;
    rc = arrive(b, c, &plan);
    if (--c->inside == 0)
        pthread_cond_broadcast(&c->changed);
    if (c == &mine) {
        while (mine.inside > 0)     /* the others still read it */
            pthread_cond_wait(&mine.changed, &b->lock);
        pthread_cond_destroy(&mine.changed);
    }
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
    b->broken = true;
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
