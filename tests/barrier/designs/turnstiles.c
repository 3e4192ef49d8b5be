/*
 * turnstiles.c - an alternative correct design of barrier.
 *
 * Design: the reusable barrier of "The Little Book of Semaphores", made
 * to survive timeouts, abort and reset.  A mutex guards the count of
 * threads arrived in the current cycle.  Arrivals that are not the last
 * sleep on turnstile 1; the last arrival runs the action and opens
 * turnstile 1 by posting it once for every thread asleep there.
 * Turnstile 2 keeps a fast thread from slipping into the cycle it just
 * left: while some released thread has not yet passed turnstile 1
 * (`draining` > 0), nobody may arrive; a thread that calls barrier_wait
 * then sleeps on turnstile 2, and the last thread of the released cycle
 * to pass turnstile 1 opens turnstile 2 by posting it once for every
 * thread asleep there; they look again and arrive.  (The book puts
 * turnstile 2 on the way out, which only works for a fixed set of
 * threads that always come back; here any thread may call, so it sits
 * on the way in, where the fast thread meets it all the same.)
 * Hence every post on turnstile 1 is taken by a thread of the cycle it
 * was posted for, and that cycle is the last one that ended when the
 * thread looks: its outcome is `gen` recorded at arrival compared with
 * the last completed generation, which abort and reset (with nobody
 * arrived) never change.  Abort, reset and a timeout end the current
 * cycle by opening turnstile 1 with outcome ECANCELED.  A wait that
 * timed out (sem_timedwait, CLOCK_REALTIME deadline) takes the mutex and
 * looks: its cycle ended meanwhile, so a post is there for it and it
 * takes it (sem_wait, at once); otherwise it leaves the count and breaks
 * the barrier.  Posts on turnstile 2 all mean the same thing ("look
 * again"), so whoever takes one looks and sleeps again if it must;
 * a timed-out sleeper there cancels one pending post or takes one.
 * The event is a mutex, a condition variable (CLOCK_MONOTONIC) and a
 * count of sets: a waiter returns once the count changed.
 * Primitives: two sem_t per barrier (sem_wait, sem_timedwait, sem_post)
 * and a pthread mutex; pthread mutex and condition variable for events.
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
    struct timespec until;      /* on the clock given to plan_wait */
} wait_plan;

static int plan_wait(double timeout_s, clockid_t clock, wait_plan *plan)
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
        clock_gettime(clock, &now);
        plan->kind = WAIT_UNTIL;
        plan->until.tv_nsec = now.tv_nsec + (long)(modf(timeout_s, &whole) * 1e9);
        plan->until.tv_sec = now.tv_sec + (time_t)whole + plan->until.tv_nsec / 1000000000L;
        plan->until.tv_nsec %= 1000000000L;
    }
    return 0;
}

/* ---- events -------------------------------------------------------------- */

struct event {
    pthread_mutex_t lock;       /* guards set and sets */
    pthread_cond_t changed;     /* broadcast by event_set */
    bool set;
    unsigned long sets;         /* number of event_set calls that set it */
};

/* A condition variable on CLOCK_MONOTONIC; 0 or the error. */
static int init_cond(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);

    if (rc != 0)
        return rc;
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
    return rc;
}

event *event_create(void)
{
    event *e = calloc(1, sizeof *e);
    int rc;

    if (!e) {
        errno = ENOMEM;
        return NULL;
    }
    rc = pthread_mutex_init(&e->lock, NULL);
    if (rc == 0) {
        rc = init_cond(&e->changed);
        if (rc != 0)
            pthread_mutex_destroy(&e->lock);
    }
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
    wait_plan plan;
    unsigned long sets;
    int rc = 0;

    if (!e || plan_wait(timeout_s, CLOCK_MONOTONIC, &plan) != 0)
        return EINVAL;
    pthread_mutex_lock(&e->lock);
    sets = e->sets;
    if (!e->set && plan.kind == WAIT_NEVER)
        rc = ETIMEDOUT;
    while (!e->set && rc == 0 && e->sets == sets) {
        if (plan.kind == WAIT_ALWAYS)
            pthread_cond_wait(&e->changed, &e->lock);
        else if (pthread_cond_timedwait(&e->changed, &e->lock, &plan.until) == ETIMEDOUT &&
                 e->sets == sets)
            rc = ETIMEDOUT;
    }
    pthread_mutex_unlock(&e->lock);
    return rc;
}

/* ---- barriers ------------------------------------------------------------ */

struct barrier {
    pthread_mutex_t lock;       /* guards every field below but the semaphores */
    sem_t turnstile1;           /* arrivals wait here for their cycle to end */
    sem_t turnstile2;           /* callers wait here while a cycle drains */
    unsigned parties;
    barrier_action action;
    void *arg;
    unsigned count;             /* threads arrived in the current cycle */
    unsigned long gen;          /* the current cycle's number, from 1 */
    unsigned long completed;    /* number of the last cycle that completed */
    unsigned draining;          /* posted on turnstile 1, not yet taken */
    unsigned gated;             /* asleep on turnstile 2, not yet posted */
    unsigned gate_posts;        /* posted on turnstile 2, not yet taken */
    unsigned long resets;       /* number of barrier_reset calls */
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
    if (rc != 0)
        goto fail;
    if (sem_init(&b->turnstile1, 0, 0) != 0)
        goto fail_lock;
    if (sem_init(&b->turnstile2, 0, 0) != 0)
        goto fail_sem;
    b->parties = parties;
    b->action = action;
    b->arg = arg;
    b->gen = 1;
    return b;

fail_sem:
    sem_destroy(&b->turnstile1);
fail_lock:
    rc = errno;
    pthread_mutex_destroy(&b->lock);
fail:
    free(b);
    errno = rc;
    return NULL;
}

void barrier_destroy(barrier *b)
{
    if (!b)
        return;
    sem_destroy(&b->turnstile2);
    sem_destroy(&b->turnstile1);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

/* Takes one post of `sem`, as planned; 0 or ETIMEDOUT.  Without the lock. */
static int take(sem_t *sem, const wait_plan *plan)
{
    int rc;

    do {
        rc = plan->kind == WAIT_UNTIL ? sem_timedwait(sem, &plan->until) : sem_wait(sem);
    } while (rc != 0 && errno == EINTR);
    return rc == 0 ? 0 : ETIMEDOUT;
}

/* Takes a post known to be there.  Lock held. */
static void take_posted(sem_t *sem)
{
    while (sem_wait(sem) != 0 && errno == EINTR)
        ;
}

/*
 * Ends the current cycle: opens turnstile 1 for the `waiters` threads
 * asleep on it; completed when `outcome` is 0.  Lock held.
 */
static void end_cycle(barrier *b, unsigned waiters, int outcome)
{
    if (outcome == 0)
        b->completed = b->gen;
    b->gen++;
    b->count = 0;
    b->draining += waiters;
    while (waiters-- > 0)
        sem_post(&b->turnstile1);
}

/* Breaks the barrier: the threads of the current cycle get ECANCELED.  Lock held. */
static void break_barrier(barrier *b)
{
    if (b->count > 0)
        end_cycle(b, b->count, ECANCELED);
    b->broken = true;
}

/* A thread of an ended cycle has passed turnstile 1.  Lock held. */
static void passed_turnstile1(barrier *b)
{
    if (--b->draining > 0)
        return;
    b->gate_posts += b->gated;
    while (b->gated > 0) {
        b->gated--;
        sem_post(&b->turnstile2);
    }
}

/*
 * Waits on turnstile 2 until nobody is left draining turnstile 1; 0 when
 * the caller may arrive, else what barrier_wait returns.  Lock held.
 */
static int pass_turnstile2(barrier *b, const wait_plan *plan)
{
    unsigned long resets = b->resets;
    int slept;

    while (!b->broken && b->resets == resets && b->draining > 0) {
        if (plan->kind == WAIT_NEVER)
            break;
        b->gated++;
        pthread_mutex_unlock(&b->lock);
        slept = take(&b->turnstile2, plan);
        pthread_mutex_lock(&b->lock);
        if (slept == ETIMEDOUT && b->gated > 0) {
            b->gated--;         /* one post fewer to make: ours */
        } else {
            if (slept == ETIMEDOUT)
                take_posted(&b->turnstile2);
            b->gate_posts--;
        }
        if (slept == ETIMEDOUT)
            break;
    }
    if (b->broken || b->resets != resets)
        return ECANCELED;
    if (b->draining > 0) {
        break_barrier(b);
        return ETIMEDOUT;
    }
    return 0;
}

/* The last arrival: runs the action and opens turnstile 1. */
static int complete_cycle(barrier *b)
{
    int rc = b->action ? b->action(b->arg) : 0;

    end_cycle(b, b->parties - 1, rc != 0 ? ECANCELED : 0);
    if (rc != 0)
        b->broken = true;
    return rc;
}

/* Any other arrival: sleeps on turnstile 1 until its cycle ends, or breaks the barrier. */
static int wait_for_cycle(barrier *b, const wait_plan *plan)
{
    unsigned long gen = b->gen;
    int slept, rc;

    if (plan->kind == WAIT_NEVER) {
        b->count--;
        break_barrier(b);
        return ETIMEDOUT;
    }
    pthread_mutex_unlock(&b->lock);
    slept = take(&b->turnstile1, plan);
    pthread_mutex_lock(&b->lock);
    if (slept == ETIMEDOUT) {
        if (gen == b->gen) {
            b->count--;
            break_barrier(b);
            return ETIMEDOUT;
        }
        take_posted(&b->turnstile1);    /* posted for us under the lock */
    }
    rc = gen == b->completed ? 0 : ECANCELED;
    passed_turnstile1(b);
    return rc;
}

/* barrier_wait once it may arrive.  Lock held. */
static int arrive(barrier *b, const wait_plan *plan, unsigned *arrival)
{
    *arrival = b->count++;
    return b->count == b->parties ? complete_cycle(b) : wait_for_cycle(b, plan);
}

int barrier_wait(barrier *b, double timeout_s, unsigned *index)
{
    wait_plan plan;
    unsigned arrival = 0;
    int rc;

    if (!b || plan_wait(timeout_s, CLOCK_REALTIME, &plan) != 0)
        return EINVAL;
    pthread_mutex_lock(&b->lock);
    rc = pass_turnstile2(b, &plan);
    if (rc == 0)
        rc = arrive(b, &plan, &arrival);
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
    break_barrier(b);
    pthread_mutex_unlock(&b->lock);
}

void barrier_reset(barrier *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->lock);
    if (b->count > 0)
        end_cycle(b, b->count, ECANCELED);
    b->broken = false;
    b->resets++;
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
