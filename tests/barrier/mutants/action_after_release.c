/*
 * Mutant action_after_release.
 *
 * Bug: the last arrival ends the cycle (and wakes the others) first, and
 * runs the action afterwards, without the lock: the others return while
 * the action still runs, and a failing action breaks the barrier too late
 * for them to hear of it.
 *
 * Caught by: public test barrier_releases_all_together, hidden tests
 * action_runs_once_before_release and failing_action_breaks_the_barrier
 * (the action lasts 5 units) - every run.
 *
 * (Otherwise a copy of solutions/barrier/barrier.c.)
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

/* A mutex and a CLOCK_MONOTONIC condition variable; 0 or the error. */
static int init_lock_and_cond(pthread_mutex_t *lock, pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int rc;

    rc = pthread_mutex_init(lock, NULL);
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

struct barrier {
    pthread_mutex_t lock;       /* guards every field below */
    pthread_cond_t changed;     /* broadcast when a cycle ends or a drain is over */
    unsigned parties;
    barrier_action action;
    void *arg;
    unsigned count;             /* threads arrived in the current cycle */
    unsigned long cycle;        /* number of the current cycle */
    unsigned leaving;           /* threads of the last ended cycle not yet returned */
    int ended;                  /* how it ended: 0 (completed) or ECANCELED */
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
    rc = init_lock_and_cond(&b->lock, &b->changed);
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
    pthread_cond_destroy(&b->changed);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

/*
 * Ends the current cycle with `outcome` and releases its `waiters` (the
 * threads of the cycle that are blocked, the caller not among them).
 * Called with the lock held.
 */
static void end_cycle(barrier *b, int outcome, unsigned waiters)
{
    b->ended = outcome;
    b->leaving = waiters;
    b->count = 0;
    b->cycle++;
    pthread_cond_broadcast(&b->changed);
}

/* Breaks the barrier; the caller, if it arrived in the cycle, is not released. */
static void break_barrier(barrier *b, bool caller_arrived)
{
    if (b->count > 0)
        end_cycle(b, ECANCELED, b->count - (caller_arrived ? 1 : 0));
    b->broken = true;
}

/* The last arrival: runs the action, then completes or breaks the cycle. */
static int complete_cycle(barrier *b)
{
    int rc;

    end_cycle(b, 0, b->parties - 1);
    pthread_mutex_unlock(&b->lock);
    rc = b->action ? b->action(b->arg) : 0;
    pthread_mutex_lock(&b->lock);
    if (rc != 0)
        b->broken = true;
    return rc;
}

/* A thread of the cycle that just ended has returned. */
static void leave(barrier *b)
{
    if (--b->leaving == 0)
        pthread_cond_broadcast(&b->changed);
}

/* An arrival that is not the last: waits for its cycle to end. */
static int wait_for_cycle(barrier *b, const wait_plan *plan)
{
    unsigned long cycle = b->cycle;

    while (b->cycle == cycle) {
        if (wait_as_planned(&b->changed, &b->lock, plan) == ETIMEDOUT && b->cycle == cycle) {
            break_barrier(b, true);
            return ETIMEDOUT;
        }
    }
    leave(b);
    return b->ended;
}

int barrier_wait(barrier *b, double timeout_s, unsigned *index)
{
    wait_plan plan;
    unsigned arrival;
    int rc;

    if (!b || plan_wait(timeout_s, &plan) != 0)
        return EINVAL;
    pthread_mutex_lock(&b->lock);
    while (b->leaving > 0 && !b->broken)    /* the last cycle drains first */
        pthread_cond_wait(&b->changed, &b->lock);
    if (b->broken) {
        pthread_mutex_unlock(&b->lock);
        return ECANCELED;
    }
    arrival = b->count++;
    if (b->count == b->parties)
        rc = complete_cycle(b);
    else
        rc = wait_for_cycle(b, &plan);
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
    break_barrier(b, false);
    pthread_cond_broadcast(&b->changed);
    pthread_mutex_unlock(&b->lock);
}

void barrier_reset(barrier *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->lock);
    if (b->count > 0)
        end_cycle(b, ECANCELED, b->count);
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
