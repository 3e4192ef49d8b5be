/*
 * race_driver.c - runs bounded_queue from several threads for the race
 * check (Helgrind watches this program; it is not a Criterion test).
 *
 * Phase 1: two producers and two consumers pass items through a small
 * queue with every form of put and get, while an observer thread that
 * shares no lock with them calls bq_size, bq_empty and bq_full.  Any
 * access to the queue's fields that the queue's own lock does not order
 * is then a race Helgrind can see, whatever order the threads ran in.
 *
 * Phase 2: threads block in bq_get, bq_get_timed and bq_put and are
 * woken by bq_close, which reads and writes the same fields.
 *
 * Phase 3: a bq_get woken by a put finds the item already taken by the
 * main thread (its wake-ups are late: rc_late_wakeups), on every run:
 * a get that does not look again before it takes would run the queue
 * into the ground on some runs only, in phase 1; here it stops the
 * driver on every run.  The main thread learns that the waiter blocks,
 * and that it went back to waiting, from the count of its waits
 * (rc_late_waits_begun), not from sleeps long enough for a slow machine.
 *
 * Finding deadlocks and lost wake-ups is the tests' job, but this program
 * must not pass when it meets one: when its threads stay blocked in the
 * queue, the watchdog (rc_watchdog_start) says which thread is in which
 * call and ends it with RC_EXIT_STUCK, a few seconds after the last
 * progress instead of at the race check's timeout.  A queue whose count
 * wrapped around never blocks again: phase 1 then ends as soon as the
 * consumers have taken more items than were put.
 *
 * main returns RC_EXIT_PASSED when it ran to the end.  It stays small so
 * that it finishes in about a second under Helgrind.
 */
#include "bounded_queue.h"
#include "racecourse_test.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define PRODUCERS 2
#define CONSUMERS 2
#define PER_PRODUCER 40
#define ITEM(n) ((void *)(uintptr_t)(n))

static bqueue *queue;

/* Threads report here when they end, so that main never joins a thread
 * that is still blocked. */
static pthread_mutex_t finish_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t finish_cond;
static int finished;
static size_t total_taken;
static bool observer_running = true;
static bool getting;        /* phase 3: the waiter is calling bq_get */

static void thread_finished(size_t taken)
{
    pthread_mutex_lock(&finish_lock);
    finished++;
    total_taken += taken;
    pthread_cond_broadcast(&finish_cond);
    pthread_mutex_unlock(&finish_lock);
}

/*
 * Waits until `count` threads have finished in all.  Threads blocked for
 * good in the queue never finish: the watchdog then ends the program.
 */
static void wait_finished(int count)
{
    pthread_mutex_lock(&finish_lock);
    while (finished < count)
        pthread_cond_wait(&finish_cond, &finish_lock);
    pthread_mutex_unlock(&finish_lock);
}

static void *producer(void *arg)
{
    size_t first = (size_t)(uintptr_t)arg;

    rc_thread_name("producer", (int)(first / PER_PRODUCER) + 1);
    for (size_t i = 0; i < PER_PRODUCER; i++) {
        void *item = ITEM(first + i);
        int rc;

        switch (i % 3) {
        case 0:
            rc = RC_CALL(bq_put(queue, item));
            break;
        case 1:
            while ((rc = RC_CALL(bq_put_timed(queue, item, 0.0))) == ETIMEDOUT)
                rc_sleep(0.001);
            break;
        default:
            while ((rc = RC_CALL(bq_put_timed(queue, item, 0.002))) == ETIMEDOUT)
                ;
            break;
        }
        if (rc != 0)
            break;
    }
    thread_finished(0);
    return NULL;
}

static void *consumer(void *arg)
{
    size_t taken = 0, turn = 0;
    void *item;
    int rc;

    rc_thread_name("consumer", (int)(uintptr_t)arg);
    for (;;) {
        switch (turn++ % 3) {
        case 0:
            rc = RC_CALL(bq_get(queue, &item));
            break;
        case 1:
            rc = RC_CALL(bq_get_timed(queue, &item, 0.0));
            break;
        default:
            rc = RC_CALL(bq_get_timed(queue, &item, 0.002));
            break;
        }
        if (rc == 0 && ++taken > PRODUCERS * PER_PRODUCER)
            break;              /* more than were put: see phase 1 */
        if (rc == ETIMEDOUT && turn % 3 == 2)
            rc_sleep(0.001);
        else if (rc != 0 && rc != ETIMEDOUT)
            break;              /* EPIPE: closed and drained */
    }
    thread_finished(taken);
    return NULL;
}

/* Looks at the queue; its only lock is shared with no queue user until the end. */
static void *observer(void *arg)
{
    size_t seen = 0;
    bool running = true;

    (void)arg;
    while (running) {
        seen += bq_size(queue);
        seen += bq_empty(queue);
        seen += bq_full(queue);
        rc_sleep(0.001);
        pthread_mutex_lock(&finish_lock);
        running = observer_running;
        pthread_mutex_unlock(&finish_lock);
    }
    return (void *)(uintptr_t)seen;
}

typedef struct waiter {
    bqueue *q;
    int kind;       /* 0: bq_get, 1: bq_get_timed(10 s), 2: bq_put,
                       3: bq_get with late wake-ups (rc_late_wakeups) */
    int result;
    int number;     /* for the watchdog's report */
} waiter;

static void *wait_main(void *arg)
{
    waiter *w = arg;
    void *item;

    rc_thread_name("waiter", w->number);
    switch (w->kind) {
    case 0:  w->result = RC_CALL(bq_get(w->q, &item)); break;
    case 1:  w->result = RC_CALL(bq_get_timed(w->q, &item, 10.0)); break;
    case 3:
        rc_late_wakeups(0.2);       /* the main thread takes the item first */
        pthread_mutex_lock(&finish_lock);
        getting = true;
        pthread_cond_broadcast(&finish_cond);
        pthread_mutex_unlock(&finish_lock);
        w->result = RC_CALL(bq_get(w->q, &item));
        break;
    default: w->result = RC_CALL(bq_put(w->q, ITEM(1))); break;
    }
    thread_finished(0);
    return NULL;
}

/*
 * Phase 1; false when the consumers took more items than were put.  A
 * get that takes from an empty queue wraps its count around, and then
 * every get succeeds at once: the consumers would take for ever, which
 * the watchdog cannot tell from work, so each stops once it has taken
 * more than all the items put.
 */
static bool producers_and_consumers(void)
{
    pthread_t producers[PRODUCERS], consumers[CONSUMERS], watcher;

    finished = 0;
    pthread_create(&watcher, NULL, observer, NULL);
    for (int i = 0; i < CONSUMERS; i++)
        pthread_create(&consumers[i], NULL, consumer, ITEM(i + 1));
    for (int i = 0; i < PRODUCERS; i++)
        pthread_create(&producers[i], NULL, producer, ITEM(1 + (size_t)i * PER_PRODUCER));
    wait_finished(PRODUCERS);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(producers[i], NULL);
    RC_DO(bq_close(queue));
    /* The observer looks on while the close wakes the consumers, then
     * stops: a thread that polls would hide from the watchdog that the
     * others are blocked (see race_watchdog.c). */
    rc_sleep(0.005);
    pthread_mutex_lock(&finish_lock);
    observer_running = false;
    pthread_mutex_unlock(&finish_lock);
    pthread_join(watcher, NULL);
    wait_finished(PRODUCERS + CONSUMERS);
    for (int i = 0; i < CONSUMERS; i++)
        pthread_join(consumers[i], NULL);
    if (total_taken > PRODUCERS * PER_PRODUCER)
        return !rc_driver_fail("the consumers took %zu items, but only %d were put: a get "
                               "took from an empty queue (did it look again after waking up?)",
                               total_taken, PRODUCERS * PER_PRODUCER);
    if (total_taken != PRODUCERS * PER_PRODUCER)
        fprintf(stderr, "race_driver: %zu items taken, %d put\n", total_taken, PRODUCERS * PER_PRODUCER);
    return true;
}

/* Phase 2. */
static void close_wakes_waiters(void)
{
    bqueue *empty = RC_CALL(bq_create(1)), *full = RC_CALL(bq_create(1));
    waiter waiters[4] = { { empty, 0, 0, 1 }, { empty, 0, 0, 2 }, { empty, 1, 0, 3 },
                          { full, 2, 0, 4 } };
    pthread_t threads[4];

    if (!empty || !full || RC_CALL(bq_put(full, ITEM(0))) != 0) {
        fprintf(stderr, "race_driver: bq_create or bq_put failed\n");
        return;
    }
    finished = 0;
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, wait_main, &waiters[i]);
    rc_sleep(0.020);
    RC_DO(bq_close(empty));
    RC_DO(bq_close(full));
    RC_DO(bq_close(full));
    wait_finished(4);
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        if (waiters[i].result != EPIPE)
            fprintf(stderr, "race_driver: a waiter woken by bq_close returned %d, not EPIPE\n",
                    waiters[i].result);
    }
    RC_DO(bq_destroy(empty));
    RC_DO(bq_destroy(full));
}

/*
 * Waits until the waiter of phase 3 has returned, or until it has begun
 * `waits` condition-variable waits in all (it blocks in one), for at
 * most `seconds`.
 */
static void until_returned_or_waiting(unsigned long waits, double seconds)
{
    double end = rc_now() + seconds;
    bool returned = false;

    while (!returned && rc_late_waits_begun() < waits && rc_now() < end) {
        rc_sleep(0.002);
        pthread_mutex_lock(&finish_lock);
        returned = finished > 0;
        pthread_mutex_unlock(&finish_lock);
    }
}

/* Phase 3: true when the woken bq_get looked again; says why not on stderr. */
static bool woken_get_looks_again(void)
{
    bqueue *q = RC_CALL(bq_create(1));
    waiter w = { q, 3, 0, 5 };
    pthread_t thread;
    void *item = NULL;
    unsigned long waits = rc_late_waits_begun();
    bool returned_early, uses_condvars;
    int taken;

    if (!q) {
        fprintf(stderr, "race_driver: bq_create(1) returned NULL\n");
        return false;
    }
    finished = 0;
    pthread_create(&thread, NULL, wait_main, &w);
    pthread_mutex_lock(&finish_lock);
    while (!getting)
        pthread_cond_wait(&finish_cond, &finish_lock);
    pthread_mutex_unlock(&finish_lock);
    /* It blocks in there: in a condition-variable wait, or (other designs) in 0.1 s. */
    until_returned_or_waiting(waits + 1, 0.1);
    uses_condvars = rc_late_waits_begun() > waits;
    RC_DO(bq_put(q, ITEM(1)));
    taken = RC_CALL(bq_get_timed(q, &item, 0.0));
    /*
     * The woken waiter (0.2 s late) either returns or waits again; a
     * design without condition variables returns at once if it does.
     */
    until_returned_or_waiting(rc_late_waits_begun() + 1, uses_condvars ? 2.0 : 0.5);
    pthread_mutex_lock(&finish_lock);
    returned_early = finished > 0;
    pthread_mutex_unlock(&finish_lock);
    RC_DO(bq_close(q));
    wait_finished(1);
    pthread_join(thread, NULL);
    RC_DO(bq_destroy(q));
    /* taken != 0: a design without condition variables let the waiter win. */
    if (taken == 0 && returned_early) {
        fprintf(stderr, "race_driver: a bq_get woken by a put whose item another thread took "
                "first returned %d on a queue still empty and open: it did not look again "
                "after waking up\n", w.result);
        return false;
    }
    return true;
}

int main(void)
{
    pthread_cond_init(&finish_cond, NULL);
    rc_thread_name("main", -1);
    if (rc_watchdog_start() != 0) {
        fprintf(stderr, "race_driver: cannot start the watchdog thread\n");
        return 2;
    }
    queue = RC_CALL(bq_create(2));
    if (!queue) {
        fprintf(stderr, "race_driver: bq_create(2) returned NULL\n");
        return 1;
    }
    if (!producers_and_consumers())
        return 1;
    RC_DO(bq_destroy(queue));
    close_wakes_waiters();
    if (!woken_get_looks_again())
        return 1;
    return RC_EXIT_PASSED;
}
