/*
 * hidden_tests.c - the grader's tests of bounded_queue (suite bounded_queue).
 *
 * The tests run under the controlled scheduler (manifest `schedules`,
 * docs/scheduler.md), in virtual time: durations are in rc_unit() units,
 * a timed call times out exactly at its deadline and the tests compare
 * such instants exactly (EXACT, bq_tests.h); a thread that polls instead
 * of waiting is the scheduler's busy-wait verdict, threads that all wait
 * for each other its deadlock verdict, each failing the test at the
 * student's line.  A call that could block forever in a wrong solution
 * runs on a thread of its own (struct call below) and the test waits for
 * it with a deadline, so that a bug fails a test with a message instead of
 * hanging it.  Every test first checks what the stub gets wrong (bq_create
 * returning NULL), so the untouched stub fails every test at once.
 */
#define _GNU_SOURCE
#include "bq_tests.h"
#include "fault_inject.h"
#include "fault_tests.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

RC_SUITE(bounded_queue);

static double unit(double n)
{
    return n * rc_unit();
}

static bqueue *new_queue(size_t capacity)
{
    bqueue *q = bq_create(capacity);

    cr_assert(q != NULL, "bq_create(%zu) returned NULL (errno %d): it must create a queue",
              capacity, errno);
    return q;
}

/*
 * ---- one queue call on a thread of its own ----------------------------
 *
 * Tests keep a call (and any other argument of a thread they start) in a
 * static variable, never on their stack: after a failed assertion the
 * test's stack is gone while the thread may still run and write to it.
 */

typedef enum { OP_PUT, OP_GET, OP_PUT_TIMED, OP_GET_TIMED } op_kind;

typedef struct call {
    op_kind op;
    bqueue *q;
    void *item;             /* put: the item; get: what came out */
    double timeout_s;
    double late_wakeup_s;   /* rc_late_wakeups() of the call's thread */
    int result;
    double started, finished;
    atomic_bool done;
    pthread_t thread;
} call;

static void *call_main(void *arg)
{
    call *c = arg;

    rc_late_wakeups(c->late_wakeup_s);
    c->started = rc_now();
    switch (c->op) {
    case OP_PUT:       c->result = bq_put(c->q, c->item); break;
    case OP_GET:       c->result = bq_get(c->q, &c->item); break;
    case OP_PUT_TIMED: c->result = bq_put_timed(c->q, c->item, c->timeout_s); break;
    case OP_GET_TIMED: c->result = bq_get_timed(c->q, &c->item, c->timeout_s); break;
    }
    c->finished = rc_now();
    atomic_store(&c->done, true);
    return NULL;
}

/*
 * Starts the call on a thread of its own whose condition-variable waits,
 * when woken, let the lock go for `late_wakeup_s` before they return
 * (rc_late_wakeups; 0: not late).
 */
static void call_start_late(call *c, op_kind op, bqueue *q, void *item, double timeout_s,
                            double late_wakeup_s)
{
    memset(c, 0, sizeof *c);
    c->op = op;
    c->q = q;
    c->item = item;
    c->timeout_s = timeout_s;
    c->late_wakeup_s = late_wakeup_s;
    atomic_init(&c->done, false);
    cr_assert(pthread_create(&c->thread, NULL, call_main, c) == 0,
              "test setup: cannot start a thread");
}

static void call_start(call *c, op_kind op, bqueue *q, void *item, double timeout_s)
{
    call_start_late(c, op, q, item, timeout_s, 0);
}

static bool call_done(call *c)
{
    return atomic_load(&c->done);
}

/* Waits up to max_s for the call to return; joins it when it did. */
static bool call_wait(call *c, double max_s)
{
    if (!rc_wait_flag(&c->done, max_s))
        return false;
    pthread_join(c->thread, NULL);
    return true;
}

/* Joins `thread` if it ends within max_s; false if it does not. */
static bool join_within(pthread_t thread, double max_s)
{
    return rc_join_within(thread, max_s);
}

/*
 * Gives threads that are about to block in the queue the time to do so
 * (5 units: far longer than a loaded machine takes to run a ready
 * thread), so that a bq_close that wakes only some of the waiters is
 * caught on every run, not only when every thread happened to be waiting.
 */
static void let_threads_block(void)
{
    rc_sleep(unit(5));
}

/*
 * Takes items `first` to `last` out of `q` with bq_get_timed(q, &item, 0),
 * each in its turn: they must come out in that order.
 */
static void expect_items(bqueue *q, size_t first, size_t last)
{
    void *out;
    int rc;

    for (size_t expected = first; expected <= last; expected++) {
        rc = bq_get_timed(q, &out, 0.0);
        cr_assert(rc == 0 && out == ITEM(expected), "bq_get_timed returned %d (%s) with item %zu, expected item %zu",
                  rc, err_name(rc), NUM(out), expected);
    }
}

/* ---- argument errors --------------------------------------------------- */

RC_TEST(bounded_queue, create_zero_capacity_is_einval)
{
    bqueue *q;

    errno = 0;
    q = bq_create(0);
    cr_assert(q == NULL, "bq_create(0) returned a queue: capacity 0 must give NULL");
    cr_assert(errno == EINVAL, "bq_create(0) set errno to %d (%s), expected EINVAL",
              errno, err_name(errno));
    q = new_queue(1);
    bq_destroy(q);
}

RC_TEST(bounded_queue, null_arguments_are_einval)
{
    void *out = ITEM(99);
    bqueue *q;
    int rc;

    rc = bq_put(NULL, ITEM(1));
    cr_assert(rc == EINVAL, "bq_put(NULL, ...) returned %d (%s), expected EINVAL", rc, err_name(rc));
    rc = bq_get(NULL, &out);
    cr_assert(rc == EINVAL, "bq_get(NULL, ...) returned %d (%s), expected EINVAL", rc, err_name(rc));
    rc = bq_put_timed(NULL, ITEM(1), 0.0);
    cr_assert(rc == EINVAL, "bq_put_timed(NULL, ...) returned %d (%s), expected EINVAL", rc, err_name(rc));
    rc = bq_get_timed(NULL, &out, 0.0);
    cr_assert(rc == EINVAL, "bq_get_timed(NULL, ...) returned %d (%s), expected EINVAL", rc, err_name(rc));
    cr_assert(out == ITEM(99), "bq_get(NULL, &item) changed *item: an error must change nothing");

    cr_assert(bq_size(NULL) == 0, "bq_size(NULL) must be 0");
    cr_assert(bq_empty(NULL), "bq_empty(NULL) must be true");
    cr_assert(!bq_full(NULL), "bq_full(NULL) must be false");
    bq_close(NULL);
    bq_destroy(NULL);

    /* An item in the queue, so that a missing check crashes, not hangs. */
    q = new_queue(2);
    rc = bq_put(q, ITEM(1));
    cr_assert(rc == 0, "bq_put on an empty queue returned %d (%s)", rc, err_name(rc));
    rc = bq_get(q, NULL);
    cr_assert(rc == EINVAL, "bq_get(q, NULL) returned %d (%s), expected EINVAL", rc, err_name(rc));
    rc = bq_get_timed(q, NULL, 1.0);
    cr_assert(rc == EINVAL, "bq_get_timed(q, NULL, 1.0) returned %d (%s), expected EINVAL",
              rc, err_name(rc));
    cr_assert(bq_size(q) == 1, "bq_get(q, NULL) removed an item: an error must change nothing");
    bq_destroy(q);
}

RC_TEST(bounded_queue, nan_timeout_is_einval)
{
    bqueue *q = new_queue(1);
    void *out = ITEM(99);
    int rc;

    rc = bq_put_timed(q, ITEM(1), NAN);
    cr_assert(rc == EINVAL, "bq_put_timed with a NaN timeout returned %d (%s), expected EINVAL",
              rc, err_name(rc));
    cr_assert(bq_size(q) == 0, "bq_put_timed with a NaN timeout added the item: EINVAL must change nothing");
    rc = bq_put(q, ITEM(2));
    cr_assert(rc == 0, "bq_put on an empty queue returned %d (%s)", rc, err_name(rc));
    rc = bq_get_timed(q, &out, NAN);
    cr_assert(rc == EINVAL, "bq_get_timed with a NaN timeout returned %d (%s), expected EINVAL",
              rc, err_name(rc));
    cr_assert(bq_size(q) == 1 && out == ITEM(99),
              "bq_get_timed with a NaN timeout took the item: EINVAL must change nothing");
    bq_destroy(q);
}

/* ---- single-thread behaviour ------------------------------------------- */

typedef struct producer_arg {
    bqueue *q;
    size_t first, count;    /* puts items first .. first + count - 1 */
    atomic_size_t *progress;
    int error;
} producer_arg;

static void *producer_main(void *arg)
{
    producer_arg *p = arg;

    rc_spurious_wakeups(1);     /* an `if` around the wait fails on every run */

    for (size_t i = 0; i < p->count; i++) {
        int rc = bq_put(p->q, ITEM(p->first + i));

        if (rc != 0) {
            p->error = rc;
            break;
        }
        if (p->progress)
            atomic_fetch_add(p->progress, 1);
    }
    return NULL;
}

RC_TEST(bounded_queue, fifo_order)
{
    bqueue *q = new_queue(3);
    size_t next_put = 1, next_get = 1;
    static producer_arg producer;
    pthread_t thread;
    double until;
    void *out;
    int rc;

    /* Single thread, wrapping around the ring many times. */
    for (int round = 0; round < 50; round++) {
        size_t puts = 1 + (size_t)round % 3;

        for (size_t i = 0; i < puts; i++) {
            rc = bq_put(q, ITEM(next_put++));
            cr_assert(rc == 0, "bq_put returned %d (%s) with room in the queue", rc, err_name(rc));
        }
        for (size_t i = 0; i < puts; i++) {
            rc = bq_get(q, &out);
            cr_assert(rc == 0, "bq_get returned %d (%s) on a queue holding items", rc, err_name(rc));
            cr_assert(out == ITEM(next_get),
                      "bq_get returned item %zu, expected %zu: items must come out in FIFO order",
                      NUM(out), next_get);
            next_get++;
        }
    }

    /* One producer thread, the main thread consuming. */
    producer.q = q;
    producer.first = 1;
    producer.count = 500;
    cr_assert(pthread_create(&thread, NULL, producer_main, &producer) == 0,
              "test setup: cannot start a thread");
    let_threads_block();        /* the producer waits on a full queue at least once */
    until = rc_now() + unit(50);
    for (size_t expected = 1; expected <= 500; expected++) {
        /* Try once, and again after a short sleep: the order is what this
         * test checks; how a timed get waits is the timeout tests' business. */
        while ((rc = bq_get_timed(q, &out, 0.0)) == ETIMEDOUT && rc_now() < until)
            rc_sleep(0.0002);
        cr_assert(rc == 0, "bq_get_timed returned %d (%s) while a producer was putting items: "
                  "500 items through a queue of capacity 3 took more than 50 units",
                  rc, err_name(rc));
        cr_assert(out == ITEM(expected),
                  "bq_get returned item %zu, expected %zu: items must come out in the order they were put",
                  NUM(out), expected);
    }
    pthread_join(thread, NULL);
    cr_assert(producer.error == 0, "bq_put returned %d (%s) in the producer thread",
              producer.error, err_name(producer.error));
    bq_destroy(q);
}

RC_TEST(bounded_queue, capacity_is_respected)
{
    static const size_t capacities[] = { 1, 3, 8 };

    for (size_t k = 0; k < sizeof capacities / sizeof capacities[0]; k++) {
        size_t cap = capacities[k];
        bqueue *q = new_queue(cap);
        void *out;
        int rc;

        cr_assert(bq_size(q) == 0 && bq_empty(q) && !bq_full(q),
                  "a new queue of capacity %zu must have size 0, be empty and not full", cap);
        for (size_t i = 1; i <= cap; i++) {
            rc = bq_put_timed(q, ITEM(i), 0.0);
            cr_assert(rc == 0, "bq_put_timed(q, item, 0) returned %d (%s) with %zu items in a queue of capacity %zu",
                      rc, err_name(rc), i - 1, cap);
            cr_assert(bq_size(q) == i, "bq_size returned %zu after %zu puts", bq_size(q), i);
            cr_assert(!bq_empty(q), "bq_empty returned true with %zu items in the queue", i);
            cr_assert(bq_full(q) == (i == cap), "bq_full returned %s with %zu items in a queue of capacity %zu",
                      bq_full(q) ? "true" : "false", i, cap);
        }
        rc = bq_put_timed(q, ITEM(1000), 0.0);
        cr_assert(rc == ETIMEDOUT,
                  "bq_put_timed(q, item, 0) on a full queue of capacity %zu returned %d (%s), expected ETIMEDOUT: "
                  "a queue never holds more than capacity items", cap, rc, err_name(rc));
        cr_assert(bq_size(q) == cap, "bq_size returned %zu for a full queue of capacity %zu", bq_size(q), cap);
        for (size_t i = 1; i <= cap; i++) {
            rc = bq_get_timed(q, &out, 0.0);
            cr_assert(rc == 0 && out == ITEM(i),
                      "bq_get_timed returned %d (%s) with item %zu, expected item %zu", rc, err_name(rc), NUM(out), i);
        }
        cr_assert(bq_empty(q) && !bq_full(q), "the queue must be empty again after taking every item");
        bq_destroy(q);
    }
}

RC_TEST(bounded_queue, null_is_an_item)
{
    bqueue *q = new_queue(3);
    void *expected[] = { NULL, ITEM(1), NULL };
    void *out;
    int rc;

    for (int i = 0; i < 3; i++) {
        rc = bq_put(q, expected[i]);
        cr_assert(rc == 0, "bq_put(q, %s) returned %d (%s): NULL is an item like any other",
                  expected[i] ? "item" : "NULL", rc, err_name(rc));
    }
    cr_assert(bq_size(q) == 3 && bq_full(q), "after putting NULL, 1, NULL the size must be 3, got %zu", bq_size(q));
    for (int i = 0; i < 3; i++) {
        out = ITEM(77);
        rc = bq_get_timed(q, &out, 0.0);
        cr_assert(rc == 0, "bq_get_timed returned %d (%s) for item %d of NULL, 1, NULL", rc, err_name(rc), i + 1);
        cr_assert(out == expected[i], "item %d came out as %zu, expected %zu", i + 1, NUM(out), NUM(expected[i]));
    }
    rc = bq_get_timed(q, &out, 0.0);
    cr_assert(rc == ETIMEDOUT, "bq_get_timed on an empty queue returned %d (%s), expected ETIMEDOUT",
              rc, err_name(rc));
    bq_destroy(q);
}

/* ---- blocking ---------------------------------------------------------- */

RC_TEST(bounded_queue, put_blocks_while_full)
{
    bqueue *q = new_queue(2);
    static call put;
    void *out;
    int rc;

    cr_assert(bq_put(q, ITEM(1)) == 0 && bq_put(q, ITEM(2)) == 0, "bq_put failed on a queue with room");
    call_start(&put, OP_PUT, q, ITEM(3), 0);
    rc_sleep(unit(5));
    cr_assert(!call_done(&put), "bq_put returned %d (%s) on a full queue: it must wait until there is room",
              put.result, err_name(put.result));
    cr_assert(bq_size(q) == 2, "a waiting bq_put changed the size of a full queue to %zu", bq_size(q));

    rc = bq_get(q, &out);
    cr_assert(rc == 0 && out == ITEM(1), "bq_get returned %d (%s) with item %zu, expected item 1",
              rc, err_name(rc), NUM(out));
    cr_assert(call_wait(&put, unit(25)),
              "bq_put stayed blocked after bq_get made room: a get must wake a waiting producer");
    cr_assert(put.result == 0, "the waiting bq_put returned %d (%s) after room was made", put.result,
              err_name(put.result));
    expect_items(q, 2, 3);
    bq_destroy(q);
}

RC_TEST(bounded_queue, get_blocks_while_empty)
{
    bqueue *q = new_queue(2);
    static call get;
    int rc;

    call_start(&get, OP_GET, q, NULL, 0);
    rc_sleep(unit(5));
    cr_assert(!call_done(&get), "bq_get returned %d (%s) on an empty queue: it must wait for an item",
              get.result, err_name(get.result));
    rc = bq_put(q, ITEM(7));
    cr_assert(rc == 0, "bq_put returned %d (%s) on an empty queue", rc, err_name(rc));
    cr_assert(call_wait(&get, unit(25)),
              "bq_get stayed blocked after bq_put added an item: a put must wake a waiting consumer");
    cr_assert(get.result == 0 && get.item == ITEM(7),
              "the waiting bq_get returned %d (%s) with item %zu, expected item 7",
              get.result, err_name(get.result), NUM(get.item));
    cr_assert(bq_empty(q), "the queue must be empty after its only item was taken");
    bq_destroy(q);
}

/*
 * A consumer waits; the main thread puts an item and at once takes it
 * back itself, before the woken consumer gets the lock.  The consumer must
 * find the queue empty again and go back to waiting.  The consumer's
 * wake-ups are late (rc_late_wakeups: it lets the lock go for a unit
 * before its wait returns, as POSIX allows), so the main thread takes the
 * item first on every run, not when the scheduler lets it.  Rounds where
 * the consumer still wins (the main thread was held up for longer than
 * that) prove nothing and are simply repeated.
 */
RC_TEST(bounded_queue, woken_get_rechecks_queue)
{
    bqueue *q = new_queue(4);
    int taken_first = 0;

    for (int round = 0; round < 40 && taken_first < 5; round++) {
        void *a = ITEM(2 * round + 1), *b = ITEM(2 * round + 2), *out;
        static call get;
        int rc;

        call_start_late(&get, OP_GET, q, NULL, 0, unit(1));
        rc_sleep(unit(0.1));
        rc = bq_put(q, a);
        cr_assert(rc == 0, "bq_put returned %d (%s) on an empty queue", rc, err_name(rc));
        rc = bq_get_timed(q, &out, 0.0);
        if (rc == 0) {
            taken_first++;
            cr_assert(out == a, "bq_get_timed returned item %zu, expected %zu", NUM(out), NUM(a));
            rc_sleep(unit(2));
            cr_assert(!call_done(&get),
                      "a bq_get woken by a put returned %d (%s) with item %zu although another thread "
                      "had already taken that item: after waking up, check the queue again "
                      "(while, not if, around pthread_cond_wait)",
                      get.result, err_name(get.result), NUM(get.item));
            rc = bq_put(q, b);
            cr_assert(rc == 0, "bq_put returned %d (%s) on an empty queue", rc, err_name(rc));
            cr_assert(call_wait(&get, unit(25)), "a waiting bq_get did not take the next item put");
            cr_assert(get.result == 0 && get.item == b,
                      "the waiting bq_get returned %d (%s) with item %zu, expected item %zu",
                      get.result, err_name(get.result), NUM(get.item), NUM(b));
        } else {
            cr_assert(rc == ETIMEDOUT, "bq_get_timed(q, &item, 0) returned %d (%s)", rc, err_name(rc));
            cr_assert(call_wait(&get, unit(25)), "a waiting bq_get did not take the item put");
            cr_assert(get.result == 0 && get.item == a,
                      "the waiting bq_get returned %d (%s) with item %zu, expected item %zu",
                      get.result, err_name(get.result), NUM(get.item), NUM(a));
        }
        cr_assert(bq_size(q) == 0, "bq_size returned %zu, expected 0: every item was taken", bq_size(q));
    }
    bq_destroy(q);
}

/* The same race for producers: a woken put finds the slot taken again
 * (its wake-ups late too). */
RC_TEST(bounded_queue, woken_put_rechecks_queue)
{
    bqueue *q = new_queue(1);
    int taken_first = 0;

    for (int round = 0; round < 40 && taken_first < 5; round++) {
        void *first = ITEM(3 * round + 1), *waiting = ITEM(3 * round + 2), *barging = ITEM(3 * round + 3);
        void *out;
        static call put;
        int rc;

        rc = bq_put(q, first);
        cr_assert(rc == 0, "bq_put returned %d (%s) on an empty queue", rc, err_name(rc));
        call_start_late(&put, OP_PUT, q, waiting, 0, unit(1));
        rc_sleep(unit(0.1));
        rc = bq_get(q, &out);
        cr_assert(rc == 0 && out == first, "bq_get returned %d (%s) with item %zu, expected item %zu",
                  rc, err_name(rc), NUM(out), NUM(first));
        rc = bq_put_timed(q, barging, 0.0);
        if (rc == 0) {
            taken_first++;
            rc_sleep(unit(2));
            cr_assert(!call_done(&put),
                      "a bq_put woken by a get returned %d (%s) although another thread had already "
                      "filled the free slot: after waking up, check the queue again "
                      "(while, not if, around pthread_cond_wait)",
                      put.result, err_name(put.result));
            cr_assert(bq_size(q) == 1, "a queue of capacity 1 has size %zu", bq_size(q));
            rc = bq_get(q, &out);
            cr_assert(rc == 0 && out == barging, "bq_get returned %d (%s) with item %zu, expected item %zu",
                      rc, err_name(rc), NUM(out), NUM(barging));
        } else {
            cr_assert(rc == ETIMEDOUT, "bq_put_timed(q, item, 0) returned %d (%s)", rc, err_name(rc));
        }
        cr_assert(call_wait(&put, unit(25)), "a waiting bq_put stayed blocked after bq_get made room");
        cr_assert(put.result == 0, "the waiting bq_put returned %d (%s)", put.result, err_name(put.result));
        rc = bq_get_timed(q, &out, unit(25));
        cr_assert(rc == 0 && out == waiting, "bq_get_timed returned %d (%s) with item %zu, expected item %zu",
                  rc, err_name(rc), NUM(out), NUM(waiting));
        cr_assert(bq_size(q) == 0, "bq_size returned %zu, expected 0: every item was taken", bq_size(q));
    }
    bq_destroy(q);
}

typedef struct consumer_arg {
    bqueue *q;
    atomic_size_t *received;    /* items taken so far, all consumers */
    atomic_uint *seen;          /* seen[n]: how often item n came out; NULL: not kept */
    size_t max_item;
    atomic_size_t *bad_items;   /* items outside 1..max_item */
    int last_result;            /* what ended the loop (EPIPE expected) */
    size_t poll_until;          /* > 0: first take items with bq_get_timed(.., 0) until
                                 * *received reaches it, never waiting in the queue */
    atomic_size_t *polled;      /* with poll_until: counts consumers done polling */
} consumer_arg;

/* Counts one item taken by consumer c. */
static void consumer_took(consumer_arg *c, void *out)
{
    size_t n = NUM(out);

    if (c->seen) {
        if (n >= 1 && n <= c->max_item)
            atomic_fetch_add(&c->seen[n], 1);
        else
            atomic_fetch_add(c->bad_items, 1);
    }
    atomic_fetch_add(c->received, 1);
}

/*
 * Takes items with bq_get_timed(q, &item, 0) (one try, never a wait)
 * until c->poll_until items have been taken by all consumers.  Returns 0,
 * or what else than ETIMEDOUT a try returned.
 */
static int consumer_poll(consumer_arg *c)
{
    void *out;
    int rc;

    while (atomic_load(c->received) < c->poll_until) {
        rc = bq_get_timed(c->q, &out, 0);
        if (rc == 0)
            consumer_took(c, out);
        else if (rc == ETIMEDOUT)
            rc_sleep(0.0005);
        else
            return rc;
    }
    return 0;
}

static void *consumer_main(void *arg)
{
    consumer_arg *c = arg;
    void *out;
    int rc = 0;

    if (c->poll_until > 0) {
        rc = consumer_poll(c);
        atomic_fetch_add(c->polled, 1);
        if (rc != 0) {
            c->last_result = rc;
            return NULL;
        }
    }

    rc_spurious_wakeups(1);     /* an `if` around the wait fails on every run */

    while ((rc = bq_get(c->q, &out)) == 0)
        consumer_took(c, out);
    c->last_result = rc;
    return NULL;
}

/*
 * Closes `q`, in which the `n` consumers of `threads` (consumer_main)
 * wait in bq_get: each must wake up and end with EPIPE.
 */
static void close_wakes_consumers(bqueue *q, const pthread_t *threads, const consumer_arg *consumers,
                                  int n)
{
    bq_close(q);
    for (int i = 0; i < n; i++) {
        cr_assert(join_within(threads[i], unit(25)),
                  "a consumer blocked in bq_get did not wake up when the queue was closed");
        cr_assert(consumers[i].last_result == EPIPE, "bq_get on a closed empty queue returned %d (%s), expected EPIPE",
                  consumers[i].last_result, err_name(consumers[i].last_result));
    }
}

/*
 * `rounds` rounds of two timed calls in a row by this thread on `q`, of
 * capacity 1, while `waiters` threads of the other side wait in it: puts
 * (`put`) while consumers wait in bq_get, else gets while producers wait
 * in bq_put.  Each call must succeed within 5 units: the thread that took
 * (or put) the item before must have woken this one.
 */
static void two_calls_a_round(bqueue *q, bool put, int waiters, size_t rounds)
{
    double started, took;
    void *out;
    int rc;

    for (size_t round = 0; round < rounds; round++) {
        rc_sleep(unit(0.25));
        for (size_t k = 1; k <= 2; k++) {
            started = rc_now();
            rc = put ? bq_put_timed(q, ITEM(2 * round + k), unit(25)) : bq_get_timed(q, &out, unit(25));
            took = (rc_now() - started) / rc_unit();
            cr_assert(rc == 0 && took < 5.0,
                      "with %d %s waiting in %s, %s on a queue of capacity 1 returned %d (%s) after %.1f "
                      "units: the %s that %s the item before did not wake the waiting %s, a wake-up was "
                      "lost.  Do producers and consumers wait on the same condition variable?  Use one for "
                      "not full and one for not empty",
                      waiters, put ? "consumers" : "producers", put ? "bq_get" : "bq_put",
                      put ? "bq_put_timed(q, item, 25 units)" : "bq_get_timed(q, &item, 25 units)",
                      rc, err_name(rc), took, put ? "consumer" : "producer", put ? "took" : "put",
                      put ? "producer" : "consumer");
        }
    }
}

/*
 * Two consumers wait on an empty queue of capacity 1; the main thread
 * puts two items in a row, so it often waits for room while a consumer
 * still waits for an item.  If producers and consumers share one
 * condition variable and are woken with signal, the consumer that takes
 * the first item may wake the other consumer instead of the producer: a
 * lost wake-up, and the put waits until its timeout although there has
 * been room for a long time.  Then the same with two producers and the
 * main thread consuming.
 */
RC_TEST(bounded_queue, producers_and_consumers_wake_each_other)
{
    enum { THREADS = 2, ROUNDS = 20 };
    static atomic_size_t received;
    static consumer_arg consumers[THREADS];
    static producer_arg producers[THREADS];
    bqueue *q = new_queue(1);
    pthread_t threads[THREADS];
    double until;

    atomic_init(&received, 0);
    for (int i = 0; i < THREADS; i++) {
        consumers[i] = (consumer_arg){ .q = q, .received = &received };
        cr_assert(pthread_create(&threads[i], NULL, consumer_main, &consumers[i]) == 0,
                  "test setup: cannot start a thread");
    }
    let_threads_block();
    two_calls_a_round(q, true, THREADS, ROUNDS);
    /* Closing while the last item is still in the queue is another test's business. */
    until = rc_now() + unit(25);
    while (atomic_load(&received) < 2 * ROUNDS && rc_now() < until)
        rc_sleep(0.001);
    cr_assert(atomic_load(&received) == 2 * ROUNDS,
              "%d consumers waiting in bq_get took only %zu of the %d items put, 25 units after the last put",
              THREADS, atomic_load(&received), 2 * ROUNDS);
    let_threads_block();
    close_wakes_consumers(q, threads, consumers, THREADS);
    cr_assert(atomic_load(&received) == 2 * ROUNDS, "consumers took %zu items, %d were put",
              atomic_load(&received), 2 * ROUNDS);
    bq_destroy(q);

    q = new_queue(1);
    for (int i = 0; i < THREADS; i++) {
        producers[i] = (producer_arg){ .q = q, .first = 1, .count = (size_t)-1 / 2 };
        cr_assert(pthread_create(&threads[i], NULL, producer_main, &producers[i]) == 0,
                  "test setup: cannot start a thread");
    }
    let_threads_block();
    two_calls_a_round(q, false, THREADS, ROUNDS);
    let_threads_block();
    bq_close(q);
    for (int i = 0; i < THREADS; i++) {
        cr_assert(join_within(threads[i], unit(25)),
                  "a producer blocked in bq_put did not wake up when the queue was closed");
        cr_assert(producers[i].error == EPIPE, "bq_put on a closed queue returned %d (%s), expected EPIPE",
                  producers[i].error, err_name(producers[i].error));
    }
    bq_destroy(q);
}

/*
 * Many producers and consumers pass every item through a small queue,
 * each item exactly once.  While items flow, the consumers only try
 * (bq_get_timed with 0) and never wait in the queue: only producers wait,
 * so every wake-up sent by a bq_get reaches a thread that needs it, even
 * in a queue whose producers and consumers share one condition variable
 * woken with signal (producers_and_consumers_wake_each_other's business).
 * This test's verdict then never depends on which thread the scheduler
 * happens to wake.  At the end the consumers block in bq_get, and bq_close
 * must wake them all.
 */
RC_TEST(bounded_queue, mpmc_no_loss_or_duplicate)
{
    /* Under the controlled scheduler more items buy no more interleavings:
       its schedules do (manifest: schedules.mpmc_no_loss_or_duplicate). */
    enum { PRODUCERS = 4, CONSUMERS = 4, PER_PRODUCER = 500, TOTAL = PRODUCERS * PER_PRODUCER };
    static atomic_uint seen[TOTAL + 1];
    bqueue *q = new_queue(3);
    static atomic_size_t received, put_count, bad_items, polled;
    static producer_arg producers[PRODUCERS];
    static consumer_arg consumers[CONSUMERS];
    pthread_t pthreads[PRODUCERS], cthreads[CONSUMERS];
    size_t last_progress = (size_t)-1;
    double started = rc_now(), stalled_since = started;
    size_t checksum = 0, expected_sum = (size_t)TOTAL * (TOTAL + 1) / 2;

    atomic_init(&received, 0);
    atomic_init(&put_count, 0);
    atomic_init(&bad_items, 0);
    atomic_init(&polled, 0);
    for (size_t i = 0; i <= TOTAL; i++)
        atomic_init(&seen[i], 0);
    for (int i = 0; i < CONSUMERS; i++) {
        consumers[i] = (consumer_arg){ .q = q, .received = &received, .seen = seen,
                                       .max_item = TOTAL, .bad_items = &bad_items,
                                       .poll_until = TOTAL, .polled = &polled };
        cr_assert(pthread_create(&cthreads[i], NULL, consumer_main, &consumers[i]) == 0,
                  "test setup: cannot start a thread");
    }
    started = stalled_since = rc_now();
    for (int i = 0; i < PRODUCERS; i++) {
        producers[i] = (producer_arg){ .q = q, .first = 1 + (size_t)i * PER_PRODUCER,
                                       .count = PER_PRODUCER, .progress = &put_count };
        cr_assert(pthread_create(&pthreads[i], NULL, producer_main, &producers[i]) == 0,
                  "test setup: cannot start a thread");
    }

    /* Watch for progress until every item has been taken. */
    while (atomic_load(&received) < TOTAL) {
        size_t progress = atomic_load(&received) + atomic_load(&put_count);

        cr_assert(rc_now() - started < unit(100),
                  "%d producers and %d consumers did not pass %d items through a queue of capacity 3 in "
                  "100 units (%zu taken): far too slow", PRODUCERS, CONSUMERS, TOTAL, atomic_load(&received));

        cr_assert(atomic_load(&bad_items) == 0,
                  "bq_get returned an item that was never put: after waking up, check the queue again "
                  "(while, not if, around pthread_cond_wait)");
        if (progress != last_progress) {
            last_progress = progress;
            stalled_since = rc_now();
        }
        cr_assert(rc_now() - stalled_since < unit(25),
                  "%d producers and %d consumers on a queue of capacity 3 stopped moving for 25 units "
                  "(%zu of %d items put, %zu taken): threads wait forever, a wake-up was lost or an item miscounted",
                  PRODUCERS, CONSUMERS, atomic_load(&put_count), TOTAL, atomic_load(&received), TOTAL);
        rc_sleep(0.002);
    }
    for (int i = 0; i < PRODUCERS; i++) {
        cr_assert(join_within(pthreads[i], unit(25)),
                  "consumers took %d items but a producer is still blocked in bq_put: some item was "
                  "delivered twice (while, not if, around pthread_cond_wait)", TOTAL);
        cr_assert(producers[i].error == 0, "bq_put returned %d (%s) in a producer",
                  producers[i].error, err_name(producers[i].error));
    }
    started = rc_now();
    while (atomic_load(&polled) < CONSUMERS && rc_now() - started < unit(25))
        rc_sleep(0.001);
    cr_assert(atomic_load(&polled) == CONSUMERS,
              "consumers took all %d items but some did not stop trying bq_get_timed(q, &item, 0) "
              "within 25 units", TOTAL);
    let_threads_block();        /* every consumer now waits in bq_get */
    close_wakes_consumers(q, cthreads, consumers, CONSUMERS);
    cr_assert(atomic_load(&bad_items) == 0, "bq_get returned an item that was never put");
    cr_assert(atomic_load(&received) == TOTAL, "consumers took %zu items, %d were put",
              atomic_load(&received), TOTAL);
    for (size_t n = 1; n <= TOTAL; n++) {
        unsigned times = atomic_load(&seen[n]);

        cr_assert(times == 1, "item %zu was delivered %u times: every item must come out exactly once", n, times);
        checksum += n;
    }
    cr_assert(checksum == expected_sum, "checksum of the items taken is %zu, expected %zu", checksum, expected_sum);
    bq_destroy(q);
}

/* ---- close ------------------------------------------------------------- */

RC_TEST(bounded_queue, close_wakes_every_waiter)
{
    enum { WAITERS = 3 };
    bqueue *empty = new_queue(2), *full = new_queue(2);
    static call gets[WAITERS + 1], puts[WAITERS + 1];
    void *out;
    int rc;

    cr_assert(bq_put(full, ITEM(1)) == 0 && bq_put(full, ITEM(2)) == 0, "bq_put failed on a queue with room");
    for (int i = 0; i < WAITERS; i++) {
        call_start(&gets[i], OP_GET, empty, NULL, 0);
        call_start(&puts[i], OP_PUT, full, ITEM(10 + i), 0);
    }
    call_start(&gets[WAITERS], OP_GET_TIMED, empty, NULL, unit(100));
    call_start(&puts[WAITERS], OP_PUT_TIMED, full, ITEM(20), unit(100));
    rc_sleep(unit(3));
    for (int i = 0; i <= WAITERS; i++) {
        cr_assert(!call_done(&gets[i]), "bq_get returned %d (%s) on an empty open queue: it must wait",
                  gets[i].result, err_name(gets[i].result));
        cr_assert(!call_done(&puts[i]), "bq_put returned %d (%s) on a full open queue: it must wait",
                  puts[i].result, err_name(puts[i].result));
    }
    bq_close(empty);
    bq_close(full);
    for (int i = 0; i <= WAITERS; i++) {
        cr_assert(call_wait(&gets[i], unit(25)),
                  "%d threads waited in bq_get and 1 in bq_get_timed; after bq_close, waiter %d was still "
                  "blocked 25 units later: bq_close must wake EVERY waiter (pthread_cond_broadcast)",
                  WAITERS, i + 1);
        cr_assert(gets[i].result == EPIPE, "a bq_get woken by bq_close on an empty queue returned %d (%s), expected EPIPE",
                  gets[i].result, err_name(gets[i].result));
        cr_assert(call_wait(&puts[i], unit(25)),
                  "%d threads waited in bq_put and 1 in bq_put_timed; after bq_close, waiter %d was still "
                  "blocked 25 units later: bq_close must wake EVERY waiter (pthread_cond_broadcast)",
                  WAITERS, i + 1);
        cr_assert(puts[i].result == EPIPE, "a bq_put woken by bq_close returned %d (%s), expected EPIPE",
                  puts[i].result, err_name(puts[i].result));
    }
    cr_assert(bq_size(full) == 2, "puts that failed with EPIPE changed the size to %zu", bq_size(full));
    for (size_t expected = 1; expected <= 2; expected++) {
        rc = bq_get(full, &out);
        cr_assert(rc == 0 && out == ITEM(expected),
                  "bq_get on a closed queue that still holds items returned %d (%s), expected item %zu",
                  rc, err_name(rc), expected);
    }
    bq_destroy(empty);
    bq_destroy(full);
}

RC_TEST(bounded_queue, close_drains_then_epipe)
{
    bqueue *q = new_queue(4), *full = new_queue(1);
    static call c;
    void *out;
    double started;
    int rc;

    for (size_t i = 1; i <= 3; i++)
        cr_assert(bq_put(q, ITEM(i)) == 0, "bq_put failed on a queue with room");
    bq_close(q);
    rc = bq_put(q, ITEM(4));
    cr_assert(rc == EPIPE, "bq_put on a closed queue returned %d (%s), expected EPIPE", rc, err_name(rc));
    rc = bq_put_timed(q, ITEM(4), 0.0);
    cr_assert(rc == EPIPE, "bq_put_timed on a closed queue returned %d (%s), expected EPIPE", rc, err_name(rc));
    cr_assert(bq_size(q) == 3, "puts on a closed queue changed its size to %zu", bq_size(q));

    for (size_t i = 1; i <= 3; i++) {
        rc = i == 2 ? bq_get_timed(q, &out, 0.0) : bq_get(q, &out);
        cr_assert(rc == 0, "bq_get on a closed queue still holding %zu items returned %d (%s): "
                  "gets must drain what is left before failing with EPIPE", 4 - i, rc, err_name(rc));
        cr_assert(out == ITEM(i), "draining a closed queue gave item %zu, expected %zu", NUM(out), i);
        if (i == 1) {
            bq_close(q);        /* closing twice is harmless */
        }
    }

    call_start(&c, OP_GET, q, NULL, 0);
    cr_assert(call_wait(&c, unit(25)), "bq_get on a closed empty queue blocked: it must return EPIPE at once");
    cr_assert(c.result == EPIPE, "bq_get on a closed empty queue returned %d (%s), expected EPIPE",
              c.result, err_name(c.result));
    rc = bq_get_timed(q, &out, 0.0);
    cr_assert(rc == EPIPE, "bq_get_timed(q, &item, 0) on a closed empty queue returned %d (%s), expected EPIPE",
              rc, err_name(rc));
    started = rc_now();
    rc = bq_get_timed(q, &out, unit(20));
    cr_assert(rc == EPIPE, "bq_get_timed(q, &item, 20 units) on a closed empty queue returned %d (%s), expected EPIPE",
              rc, err_name(rc));
    cr_assert(rc_now() - started < EXACT, "bq_get_timed on a closed empty queue waited %.6f units (virtual time): "
              "it must fail at once", (rc_now() - started) / rc_unit());
    bq_close(q);
    cr_assert(bq_size(q) == 0 && bq_empty(q), "a drained closed queue must be empty");

    /* A put on a full closed queue fails at once, it does not wait. */
    cr_assert(bq_put(full, ITEM(1)) == 0, "bq_put failed on a queue with room");
    bq_close(full);
    rc = bq_put_timed(full, ITEM(2), 0.0);
    cr_assert(rc == EPIPE, "bq_put_timed(q, item, 0) on a full closed queue returned %d (%s), expected EPIPE",
              rc, err_name(rc));
    call_start(&c, OP_PUT, full, ITEM(3), 0);
    cr_assert(call_wait(&c, unit(25)), "bq_put on a full closed queue blocked: it must return EPIPE at once");
    cr_assert(c.result == EPIPE, "bq_put on a full closed queue returned %d (%s), expected EPIPE",
              c.result, err_name(c.result));
    bq_destroy(q);
    bq_destroy(full);
}

/* ---- timed forms ------------------------------------------------------- */

/*
 * Checks timed call `c` of `fn` with a 5-unit timeout on `state` ("an
 * empty queue"): in virtual time it times out exactly at its deadline.
 * `unchanged` checks, between the too-early and the too-late check, that
 * the call left the queue and its item as they were.
 */
static void check_timed_out_on_time(call *c, const char *fn, const char *state,
                                    void (*unchanged)(const call *c))
{
    double took;

    cr_assert(call_wait(c, unit(40)),
              "%s with a 5-unit timeout was still waiting after 40 units: is the deadline read "
              "from the same clock as the condition variable's (CLOCK_MONOTONIC)?", fn);
    took = (c->finished - c->started) / rc_unit();
    cr_assert(c->result == ETIMEDOUT, "%s on %s returned %d (%s), expected ETIMEDOUT",
              fn, state, c->result, err_name(c->result));
    cr_assert(took > 5.0 - EXACT / rc_unit(), "%s with a 5-unit timeout gave up after %.6f units "
              "(virtual time): too early (condition variable created with CLOCK_MONOTONIC via "
              "pthread_condattr_setclock, deadline read from CLOCK_MONOTONIC?)", fn, took);
    unchanged(c);
    cr_assert(took < 5.0 + EXACT / rc_unit(), "%s with a 5-unit timeout gave up after %.6f units "
              "(virtual time): too late, expected exactly 5", fn, took);
}

static void item_unchanged(const call *get)
{
    cr_assert(get->item == ITEM(99), "bq_get_timed that timed out changed *item");
}

static void size_unchanged(const call *put)
{
    cr_assert(bq_size(put->q) == 2, "a bq_put_timed that timed out changed the size to %zu",
              bq_size(put->q));
}

RC_TEST(bounded_queue, get_timed_times_out_on_time)
{
    bqueue *q = new_queue(2);
    static call get;

    call_start(&get, OP_GET_TIMED, q, ITEM(99), unit(5));
    check_timed_out_on_time(&get, "bq_get_timed", "an empty queue", item_unchanged);
    bq_destroy(q);
}

RC_TEST(bounded_queue, put_timed_times_out_on_time)
{
    bqueue *q = new_queue(2);
    static call put;

    cr_assert(bq_put(q, ITEM(1)) == 0 && bq_put(q, ITEM(2)) == 0, "bq_put failed on a queue with room");
    call_start(&put, OP_PUT_TIMED, q, ITEM(3), unit(5));
    check_timed_out_on_time(&put, "bq_put_timed", "a full queue", size_unchanged);
    expect_items(q, 1, 2);
    bq_destroy(q);
}

RC_TEST(bounded_queue, timeout_zero_tries_once)
{
    bqueue *q = new_queue(1);
    static call c;
    void *out;
    int rc;

    call_start(&c, OP_GET_TIMED, q, NULL, 0.0);
    cr_assert(call_wait(&c, unit(25)), "bq_get_timed(q, &item, 0) on an empty queue blocked: 0 means try once");
    cr_assert(c.result == ETIMEDOUT, "bq_get_timed(q, &item, 0) on an empty queue returned %d (%s), expected ETIMEDOUT",
              c.result, err_name(c.result));
    cr_assert(c.finished - c.started < EXACT, "bq_get_timed(q, &item, 0) took %.6f units (virtual time): 0 means "
              "try once, never wait", (c.finished - c.started) / rc_unit());

    rc = bq_put_timed(q, ITEM(1), 0.0);
    cr_assert(rc == 0, "bq_put_timed(q, item, 0) on an empty queue returned %d (%s): it must succeed",
              rc, err_name(rc));
    call_start(&c, OP_PUT_TIMED, q, ITEM(2), 0.0);
    cr_assert(call_wait(&c, unit(25)), "bq_put_timed(q, item, 0) on a full queue blocked: 0 means try once");
    cr_assert(c.result == ETIMEDOUT, "bq_put_timed(q, item, 0) on a full queue returned %d (%s), expected ETIMEDOUT",
              c.result, err_name(c.result));
    cr_assert(c.finished - c.started < EXACT, "bq_put_timed(q, item, 0) took %.6f units (virtual time): 0 means "
              "try once, never wait", (c.finished - c.started) / rc_unit());
    rc = bq_get_timed(q, &out, 0.0);
    cr_assert(rc == 0 && out == ITEM(1), "bq_get_timed(q, &item, 0) on a queue holding item 1 returned %d (%s), item %zu",
              rc, err_name(rc), NUM(out));
    bq_destroy(q);
}

RC_TEST(bounded_queue, negative_or_infinite_timeout_waits)
{
    static const double timeouts[] = { -1.0, INFINITY };
    static const char *names[] = { "-1", "INFINITY" };
    bqueue *q = new_queue(1);
    static call c;
    void *out;
    int rc;

    for (int k = 0; k < 2; k++) {
        call_start(&c, OP_GET_TIMED, q, NULL, timeouts[k]);
        rc_sleep(unit(5));
        cr_assert(!call_done(&c), "bq_get_timed(q, &item, %s) returned %d (%s) on an empty queue: "
                  "a negative or infinite timeout means wait as long as it takes",
                  names[k], c.result, err_name(c.result));
        rc = bq_put(q, ITEM(10 + k));
        cr_assert(rc == 0, "bq_put returned %d (%s) on an empty queue", rc, err_name(rc));
        cr_assert(call_wait(&c, unit(25)), "bq_get_timed(q, &item, %s) stayed blocked after an item was put", names[k]);
        cr_assert(c.result == 0 && c.item == ITEM(10 + k),
                  "bq_get_timed(q, &item, %s) returned %d (%s) with item %zu, expected item %d",
                  names[k], c.result, err_name(c.result), NUM(c.item), 10 + k);

        cr_assert(bq_put(q, ITEM(20 + k)) == 0, "bq_put failed on an empty queue");
        call_start(&c, OP_PUT_TIMED, q, ITEM(30 + k), timeouts[k]);
        rc_sleep(unit(5));
        cr_assert(!call_done(&c), "bq_put_timed(q, item, %s) returned %d (%s) on a full queue: "
                  "a negative or infinite timeout means wait as long as it takes",
                  names[k], c.result, err_name(c.result));
        rc = bq_get(q, &out);
        cr_assert(rc == 0 && out == ITEM(20 + k), "bq_get returned %d (%s) with item %zu", rc, err_name(rc), NUM(out));
        cr_assert(call_wait(&c, unit(25)), "bq_put_timed(q, item, %s) stayed blocked after room was made", names[k]);
        cr_assert(c.result == 0, "bq_put_timed(q, item, %s) returned %d (%s)", names[k], c.result, err_name(c.result));
        rc = bq_get(q, &out);
        cr_assert(rc == 0 && out == ITEM(30 + k), "bq_get returned %d (%s) with item %zu, expected %d",
                  rc, err_name(rc), NUM(out), 30 + k);
    }
    bq_destroy(q);
}

RC_TEST(bounded_queue, timed_waits_wake_early)
{
    bqueue *q = new_queue(1);
    static call c;
    double put_at, got_at, taken_at;
    void *out;
    int rc;

    call_start(&c, OP_GET_TIMED, q, NULL, unit(60));
    rc_sleep(unit(3));
    cr_assert(!call_done(&c), "bq_get_timed returned %d (%s) on an empty queue before its timeout",
              c.result, err_name(c.result));
    put_at = rc_now();
    cr_assert(bq_put(q, ITEM(5)) == 0, "bq_put failed on an empty queue");
    cr_assert(call_wait(&c, unit(40)), "bq_get_timed did not return after an item was put");
    cr_assert(c.result == 0 && c.item == ITEM(5), "bq_get_timed returned %d (%s) with item %zu, expected item 5",
              c.result, err_name(c.result), NUM(c.item));
    got_at = c.finished;
    cr_assert(got_at - put_at < EXACT,
              "bq_get_timed with a 60-unit timeout took %.6f units (virtual time) to notice an item: a timed wait must "
              "wake up as soon as an item arrives, not sleep until its timeout",
              (got_at - put_at) / rc_unit());

    cr_assert(bq_put(q, ITEM(6)) == 0, "bq_put failed on an empty queue");
    call_start(&c, OP_PUT_TIMED, q, ITEM(7), unit(60));
    rc_sleep(unit(3));
    cr_assert(!call_done(&c), "bq_put_timed returned %d (%s) on a full queue before its timeout",
              c.result, err_name(c.result));
    taken_at = rc_now();
    rc = bq_get(q, &out);
    cr_assert(rc == 0 && out == ITEM(6), "bq_get returned %d (%s) with item %zu, expected item 6", rc, err_name(rc), NUM(out));
    cr_assert(call_wait(&c, unit(40)), "bq_put_timed did not return after room was made");
    cr_assert(c.result == 0, "bq_put_timed returned %d (%s) after room was made", c.result, err_name(c.result));
    cr_assert(c.finished - taken_at < EXACT,
              "bq_put_timed with a 60-unit timeout took %.6f units (virtual time) to notice room: a timed wait must "
              "wake up as soon as there is room, not sleep until its timeout",
              (c.finished - taken_at) / rc_unit());
    bq_destroy(q);
}

/* ---- no busy waiting, and size under load ------------------------------ */

/*
 * Three threads block in the queue for 10 units while the test's own
 * thread sleeps.  Under the controlled scheduler a blocked thread makes no
 * scheduling point at all until something wakes it; a thread that polls
 * (unlock, yield or sleep, lock, look again) keeps making them, and since
 * virtual time moves only when every thread waits, the test's sleep never
 * ends for it: the scheduler stops the test as a busy-wait at the line of
 * the poll.  A poll that sleeps between looks still makes points: the
 * test counts them.
 */
RC_TEST(bounded_queue, blocked_waiters_use_no_cpu)
{
    enum { WAITERS = 3, MAX_STEPS = 24 };
    bqueue *empty = new_queue(1), *full = new_queue(1);
    static call waiters[WAITERS];
    unsigned long steps;
    double slept;

    cr_assert(bq_put(full, ITEM(1)) == 0, "bq_put failed on an empty queue");
    call_start(&waiters[0], OP_GET, empty, NULL, 0);
    call_start(&waiters[1], OP_GET_TIMED, empty, NULL, unit(100));
    call_start(&waiters[2], OP_PUT, full, ITEM(2), 0);
    rc_sleep(unit(2));

    steps = rc_sleep_counting_points(unit(10), &slept);

    for (int i = 0; i < WAITERS; i++)
        cr_assert(!call_done(&waiters[i]),
                  "a bq_get on an empty queue or a bq_put on a full queue returned %d (%s) before anything changed",
                  waiters[i].result, err_name(waiters[i].result));
    cr_assert(fabs(slept - unit(10)) < EXACT, "the test slept %.6f units (virtual time), expected exactly 10",
              slept / rc_unit());
    /* Blocked threads make no point; the test's sleep and clock reads make a few. */
    cr_assert(steps <= MAX_STEPS,
              "while 3 threads were blocked in bq_get, bq_get_timed and bq_put for 10 units, they made %lu "
              "calls of pthread functions, clocks or sleeps: blocked threads must sleep on a condition "
              "variable (pthread_cond_wait), not poll", steps);
    bq_close(empty);
    bq_close(full);
    for (int i = 0; i < WAITERS; i++)
        cr_assert(call_wait(&waiters[i], unit(25)), "a waiter did not wake up when its queue was closed");
    bq_destroy(empty);
    bq_destroy(full);
}

/*
 * Two producers and two consumers pass items through a small queue while
 * the test's thread reads bq_size, bq_empty and bq_full.  Only a stall
 * fails it, never slowness: a slow (say, polling) queue is another test's
 * business.  The threads' arguments are static: a thread still running
 * after a failed assertion must not find them on a stack that is gone.
 */
RC_TEST(bounded_queue, size_empty_full_under_load)
{
    enum { CAPACITY = 4, PER_PRODUCER = 250 };     /* see mpmc_no_loss_or_duplicate */
    static atomic_size_t received;
    static producer_arg producers[2];
    static consumer_arg consumers[2];
    bqueue *q = new_queue(CAPACITY);
    pthread_t pthreads[2], cthreads[2];
    size_t last_received = 0;
    double stalled_since = rc_now();

    atomic_init(&received, 0);
    for (int i = 0; i < 2; i++) {
        producers[i] = (producer_arg){ .q = q, .first = 1, .count = PER_PRODUCER };
        cr_assert(pthread_create(&pthreads[i], NULL, producer_main, &producers[i]) == 0,
                  "test setup: cannot start a thread");
    }
    /* The producers fill the queue and wait: it must hold exactly CAPACITY items. */
    let_threads_block();
    cr_assert(bq_size(q) == CAPACITY && bq_full(q),
              "2 producers putting into a queue of capacity %d with nobody taking: bq_size returned %zu, "
              "bq_full %s", CAPACITY, bq_size(q), bq_full(q) ? "true" : "false");
    for (int i = 0; i < 2; i++) {
        consumers[i] = (consumer_arg){ .q = q, .received = &received };
        cr_assert(pthread_create(&cthreads[i], NULL, consumer_main, &consumers[i]) == 0,
                  "test setup: cannot start a thread");
    }
    stalled_since = rc_now();
    while (atomic_load(&received) < 2 * PER_PRODUCER) {
        size_t size = bq_size(q), now_received = atomic_load(&received);

        cr_assert(size <= CAPACITY, "bq_size returned %zu for a queue of capacity %d", size, CAPACITY);
        (void)bq_empty(q);
        (void)bq_full(q);
        if (now_received != last_received) {
            last_received = now_received;
            stalled_since = rc_now();
        }
        cr_assert(rc_now() - stalled_since < unit(50),
                  "2 producers and 2 consumers stopped moving for 50 units (%zu of %d items taken): "
                  "threads wait forever, a wake-up was lost", now_received, 2 * PER_PRODUCER);
    }
    let_threads_block();
    bq_close(q);
    for (int i = 0; i < 2; i++) {
        cr_assert(join_within(pthreads[i], unit(25)) && join_within(cthreads[i], unit(25)),
                  "a thread blocked in bq_put or bq_get did not wake up when the queue was closed");
        cr_assert(producers[i].error == 0, "bq_put returned %d (%s) in a producer",
                  producers[i].error, err_name(producers[i].error));
        cr_assert(consumers[i].last_result == EPIPE,
                  "bq_get returned %d (%s) in a consumer, expected EPIPE once the queue was closed and empty",
                  consumers[i].last_result, err_name(consumers[i].last_result));
    }
    cr_assert(bq_size(q) == 0 && bq_empty(q) && !bq_full(q),
              "after every item was taken, bq_size is %zu, bq_empty %s, bq_full %s",
              bq_size(q), bq_empty(q) ? "true" : "false", bq_full(q) ? "true" : "false");
    bq_destroy(q);
}

/* ---- error paths (fault injection, see fault_inject.h) ---------------- */

/* A queue made while calls fail (fault_tests.h). */
static void *make_queue(void)
{
    return bq_create(4);
}

/* A queue made past the last failing call must work. */
static void use_queue(void *made)
{
    bqueue *q = made;
    void *item = NULL;

    cr_assert_eq(bq_put(q, ITEM(7)), 0, "bq_put on a new queue failed");
    cr_assert_eq(bq_get(q, &item), 0, "bq_get after a put failed");
    cr_assert_eq(NUM(item), 7, "bq_get returned another item than the one put");
    bq_destroy(q);
}

RC_TEST(bounded_queue, create_failure_returns_null)
{
    rc_check_create_faults(&(rc_create_check){ "bq_create(4)", "a queue", make_queue,
                                               use_queue });
}
