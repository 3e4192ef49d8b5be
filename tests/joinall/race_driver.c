/*
 * race_driver.c - runs joinall from several threads at once for the race
 * check (Helgrind).
 *
 * JOINERS threads call joinall at the same time, each on its own batches
 * of workers, so that state a joinall shares between calls (a static or
 * global variable) is touched by two threads with nothing ordering them.
 * Each round, a joiner starts WORKERS threads, half of which wait until
 * it releases them; it calls joinall with a short timeout (the waiting
 * half must be left), releases the rest and calls joinall again with the
 * same joined[] array (alternately with no timeout and a long one).
 *
 * Helgrind 3.19 does not see timed joins (pthread_clockjoin_np and
 * friends): to it, what a worker wrote before it ended and what the
 * joiner reads after the join are unordered.  So every worker ends with a
 * hand-off under its batch's lock, which the joiner takes again after
 * each joinall: that orders the worker's writes before the joiner's
 * reads, whichever join the student used.  The joiners share no lock and
 * meet only at a barrier before they start.
 *
 * Every worker also runs on a stack of its own that is never reused.
 * With glibc's default stacks, a stack freed by a worker of one joiner
 * is taken from glibc's stack cache for a worker of another, and
 * glibc's reinitialisation of it (memset in get_cached_stack, under a
 * lock Helgrind does not see) was reported as a race in about 1 run in
 * 10.
 *
 * A joinall that never returns ends the driver with RC_EXIT_STUCK
 * (rc_watchdog_start), which names the joiners still inside it.
 *
 * Exits with RC_EXIT_PASSED when it ran to the end; a wrong joinall
 * result is reported on stderr and ends it with status 1 (without
 * exit(), which the grader's exit guard would take for the student's).
 */
#define _GNU_SOURCE
#include "joinall.h"
#include "racecourse_test.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JOINERS 3
#define ROUNDS 3
#define WORKERS 6
#define STACK_BYTES (64 * 1024)

typedef struct batch {
    pthread_mutex_t lock;       /* the hand-off; guards the fields below */
    pthread_cond_t release_cv;
    bool released;              /* the waiting workers may end */
    int finished;               /* workers that have handed off */
    long out[WORKERS];          /* worker i's own slot, written unlocked */
} batch;

typedef struct worker_arg {
    batch *b;
    size_t i;
    long value;
} worker_arg;

static batch batches[JOINERS][ROUNDS];  /* static: never freed while in use */
static worker_arg worker_args[JOINERS][ROUNDS][WORKERS];
/* each worker's own stack, never reused: see the top of this file */
static char stacks[JOINERS][ROUNDS][WORKERS][STACK_BYTES]
    __attribute__((aligned(4096)));
static pthread_barrier_t start_line;
static void *worker_main(void *arg)
{
    worker_arg *w = arg;
    batch *b = w->b;

    b->out[w->i] = w->value;    /* unlocked: ordered by the hand-off below */
    rc_sleep(0.002);            /* overlap: the workers live at the same time */
    pthread_mutex_lock(&b->lock);
    if (w->i % 2 == 1)
        while (!b->released)
            pthread_cond_wait(&b->release_cv, &b->lock);
    b->finished++;              /* the hand-off: the last thing a worker does */
    pthread_mutex_unlock(&b->lock);
    return &b->out[w->i];
}

/* Takes the hand-off lock again; returns how many workers handed off. */
static int take_handoff(batch *b)
{
    int finished;

    pthread_mutex_lock(&b->lock);
    finished = b->finished;
    pthread_mutex_unlock(&b->lock);
    return finished;
}

/* Checks the joined workers' results; returns how many are joined. */
static int check_joined(int joiner, int round, const worker_arg *args,
                        void **results, const bool *joined)
{
    int count = 0;

    for (size_t i = 0; i < WORKERS; i++) {
        if (!joined[i])
            continue;
        count++;
        if (results[i] != &args[i].b->out[i] || args[i].b->out[i] != args[i].value)
            rc_driver_fail("joiner %d, round %d: a joined worker's result is wrong",
                           joiner, round);
    }
    return count;
}

/* One round of joiner `joiner`; false when it cannot go on. */
static bool run_round(int joiner, int round)
{
    batch *b = &batches[joiner][round];
    worker_arg *args = worker_args[joiner][round];
    pthread_t threads[WORKERS];
    pthread_attr_t attr;
    void *results[WORKERS] = { NULL };
    bool joined[WORKERS] = { false };
    double second_timeout = round % 2 ? 30.0 : -1.0;
    int left;

    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->release_cv, NULL);
    for (size_t i = 0; i < WORKERS; i++) {
        int err;

        args[i] = (worker_arg){ b, i, 1000L * joiner + 100L * round + (long)i };
        pthread_attr_init(&attr);
        pthread_attr_setstack(&attr, stacks[joiner][round][i], STACK_BYTES);
        err = pthread_create(&threads[i], &attr, worker_main, &args[i]);
        pthread_attr_destroy(&attr);
        if (err != 0) {
            rc_driver_fail("joiner %d, round %d: pthread_create failed", joiner, round);
            return false;
        }
    }

    left = RC_CALL(joinall(threads, WORKERS, 0.02, results, joined));
    take_handoff(b);
    if (left == -1) {
        rc_driver_fail("joiner %d, round %d: joinall with a timeout returned -1", joiner, round);
        return false;
    }
    if (left < WORKERS / 2)
        rc_driver_fail("joiner %d, round %d: the timed joinall left fewer threads than are "
                       "waiting", joiner, round);
    for (size_t i = 1; i < WORKERS; i += 2)
        if (joined[i])
            rc_driver_fail("joiner %d, round %d: the timed joinall marked a waiting thread joined",
                           joiner, round);
    if (check_joined(joiner, round, args, results, joined) != WORKERS - left)
        rc_driver_fail("joiner %d, round %d: the timed joinall's count does not match joined[]",
                       joiner, round);

    pthread_mutex_lock(&b->lock);
    b->released = true;
    pthread_cond_broadcast(&b->release_cv);
    pthread_mutex_unlock(&b->lock);

    left = RC_CALL(joinall(threads, WORKERS, second_timeout, results, joined));
    take_handoff(b);
    if (left != 0 || check_joined(joiner, round, args, results, joined) != WORKERS) {
        rc_driver_fail("joiner %d, round %d: the second joinall did not join every thread",
                       joiner, round);
        return false;           /* workers may still run: keep b alive */
    }
    /*
     * The batch's lock and condition variable are not destroyed: each
     * round has its own, in static storage.  Helgrind does not see a timed
     * join, and the hand-off above orders what a worker did before its
     * last unlock, not the unlock's own writes to the lock: destroying it
     * here was reported, now and then, as a race with that unlock.
     */
    return true;
}

static void *joiner_main(void *arg)
{
    int joiner = (int)(long)arg;

    rc_thread_name("joiner", joiner + 1);
    pthread_barrier_wait(&start_line);
    for (int round = 0; round < ROUNDS; round++)
        if (!run_round(joiner, round))
            break;
    return NULL;
}

int main(void)
{
    pthread_t joiners[JOINERS];

    if (rc_watchdog_start() != 0) {
        fprintf(stderr, "race driver: cannot start the watchdog thread\n");
        return 2;
    }
    pthread_barrier_init(&start_line, NULL, JOINERS);
    for (long k = 0; k < JOINERS; k++)
        if (pthread_create(&joiners[k], NULL, joiner_main, (void *)k) != 0) {
            fprintf(stderr, "race driver: pthread_create failed\n");
            return 2;
        }
    for (int k = 0; k < JOINERS; k++)
        pthread_join(joiners[k], NULL);
    pthread_barrier_destroy(&start_line);

    if (rc_driver_failures() > 0) {
        fprintf(stderr, "race driver: joinall gave %d wrong results\n", rc_driver_failures());
        return 1;
    }
    return RC_EXIT_PASSED;
}
