/*
 * public_tests.c - a few visible tests of bounded_queue.
 *
 * Run them with:   make check EX=bounded_queue
 *
 * The tests run under the kit's controlled scheduler, in virtual time
 * (bq_tests.h): a timed get gives up exactly at its deadline, a thread
 * that polls instead of waiting is stopped as a busy-wait, and a test
 * whose threads all wait for each other fails as a deadlock, with each
 * thread's call and line.  The grader's hidden tests go much further
 * (many producers and consumers, close while threads wait, timeouts);
 * passing these is a start, not a guarantee.  A test that waits for a
 * thread always gives up after a while, so a bug fails a test instead of
 * hanging it.
 */
#include "bq_tests.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

RC_SUITE(bounded_queue_public);

/*
 * A bq_get (timeout < 0) or bq_get_timed on a thread of its own, so that
 * the test can watch it wait.
 */
typedef struct getter {
    bqueue *q;
    double timeout_s;
    void *item;
    int result;
    double seconds;         /* how long the call took */
    atomic_bool done;
} getter;

static void *getter_main(void *arg)
{
    getter *g = arg;
    double started = rc_now();

    if (g->timeout_s < 0)
        g->result = bq_get(g->q, &g->item);
    else
        g->result = bq_get_timed(g->q, &g->item, g->timeout_s);
    g->seconds = rc_now() - started;
    atomic_store(&g->done, true);
    return NULL;
}

static void getter_start(getter *g, bqueue *q, double timeout_s, pthread_t *thread)
{
    g->q = q;
    g->timeout_s = timeout_s;
    atomic_init(&g->done, false);
    cr_assert(pthread_create(thread, NULL, getter_main, g) == 0, "cannot start a thread");
}

/* Waits up to `seconds` for the getter to finish. */
static bool getter_finished_within(getter *g, double seconds)
{
    return rc_wait_flag(&g->done, seconds);
}

RC_TEST(bounded_queue_public, new_queue_is_empty)
{
    bqueue *q;

    errno = 0;
    cr_assert(bq_create(0) == NULL && errno == EINVAL,
              "bq_create(0) must return NULL with errno EINVAL (errno was %d)", errno);
    q = bq_create(3);
    cr_assert(q != NULL, "bq_create(3) returned NULL (errno %d)", errno);
    cr_assert(bq_size(q) == 0, "a new queue has size %zu, expected 0", bq_size(q));
    cr_assert(bq_empty(q), "a new queue must be empty");
    cr_assert(!bq_full(q), "a new queue of capacity 3 must not be full");
    bq_destroy(q);
}

RC_TEST(bounded_queue_public, items_come_out_in_order)
{
    bqueue *q = bq_create(3);
    void *out;
    int rc;

    cr_assert(q != NULL, "bq_create(3) returned NULL (errno %d)", errno);
    for (size_t i = 1; i <= 3; i++) {
        rc = bq_put(q, ITEM(i));
        cr_assert(rc == 0, "bq_put of item %zu returned %d, expected 0", i, rc);
    }
    cr_assert(bq_full(q) && bq_size(q) == 3, "after 3 puts a queue of capacity 3 must be full");
    rc = bq_put_timed(q, ITEM(4), 0.0);
    cr_assert(rc == ETIMEDOUT, "bq_put_timed(q, item, 0) on a full queue returned %d, expected ETIMEDOUT", rc);
    for (size_t i = 1; i <= 3; i++) {
        rc = bq_get(q, &out);
        cr_assert(rc == 0, "bq_get returned %d, expected 0", rc);
        cr_assert(out == ITEM(i), "bq_get returned item %zu, expected %zu: items must come out in FIFO order",
                  NUM(out), i);
    }
    cr_assert(bq_empty(q), "the queue must be empty after taking every item");
    bq_destroy(q);
}

RC_TEST(bounded_queue_public, get_waits_for_a_put)
{
    bqueue *q = bq_create(2);
    getter g = { 0 };
    pthread_t thread;

    cr_assert(q != NULL, "bq_create(2) returned NULL (errno %d)", errno);
    getter_start(&g, q, -1, &thread);
    rc_sleep(5 * rc_unit());
    cr_assert(!atomic_load(&g.done), "bq_get returned %d on an empty queue: it must wait for an item", g.result);
    cr_assert(bq_put(q, ITEM(42)) == 0, "bq_put on an empty queue failed");
    cr_assert(getter_finished_within(&g, 25 * rc_unit()),
              "bq_get still waits after bq_put added an item: a put must wake a waiting get");
    pthread_join(thread, NULL);
    cr_assert(g.result == 0 && g.item == ITEM(42), "bq_get returned %d with item %zu, expected 0 and item 42",
              g.result, NUM(g.item));
    bq_destroy(q);
}

RC_TEST(bounded_queue_public, get_timed_gives_up)
{
    bqueue *q = bq_create(1);
    getter g = { 0 };
    pthread_t thread;
    double took;

    cr_assert(q != NULL, "bq_create(1) returned NULL (errno %d)", errno);
    getter_start(&g, q, 5 * rc_unit(), &thread);
    cr_assert(getter_finished_within(&g, 40 * rc_unit()),
              "bq_get_timed with a 5-unit timeout still waits after 40 units: the deadline must be read "
              "from the clock of the condition variable (CLOCK_MONOTONIC)");
    pthread_join(thread, NULL);
    took = g.seconds / rc_unit();
    cr_assert(g.result == ETIMEDOUT, "bq_get_timed on an empty queue returned %d, expected ETIMEDOUT", g.result);
    cr_assert(fabs(g.seconds - 5 * rc_unit()) < EXACT,
              "bq_get_timed with a 5-unit timeout gave up after %.6f units (virtual time), expected exactly 5: "
              "use pthread_cond_timedwait with a CLOCK_MONOTONIC deadline on a CLOCK_MONOTONIC condition variable",
              took);
    bq_destroy(q);
}

RC_TEST(bounded_queue_public, close_drains_then_fails)
{
    bqueue *q = bq_create(2);
    getter g = { 0 };
    pthread_t thread;
    void *out;
    int rc;

    cr_assert(q != NULL, "bq_create(2) returned NULL (errno %d)", errno);
    cr_assert(bq_put(q, ITEM(1)) == 0, "bq_put on an empty queue failed");
    bq_close(q);
    rc = bq_put(q, ITEM(2));
    cr_assert(rc == EPIPE, "bq_put on a closed queue returned %d, expected EPIPE", rc);
    rc = bq_get(q, &out);
    cr_assert(rc == 0 && out == ITEM(1),
              "bq_get on a closed queue that still holds item 1 returned %d with item %zu: "
              "gets must drain what is left", rc, NUM(out));

    getter_start(&g, q, -1, &thread);
    cr_assert(getter_finished_within(&g, 25 * rc_unit()),
              "bq_get on a closed, empty queue blocked: it must fail with EPIPE at once");
    pthread_join(thread, NULL);
    cr_assert(g.result == EPIPE, "bq_get on a closed, empty queue returned %d, expected EPIPE", g.result);
    bq_destroy(q);
}

/*
 * `if` instead of `while` around the wait.  A get waits; the test puts an
 * item and at once takes it back itself, before the woken get has the
 * lock.  The get must find the queue empty again and go back to waiting.
 * Rounds where the woken get wins prove nothing and are simply repeated.
 */
RC_TEST(bounded_queue_public, woken_get_rechecks_queue)
{
    bqueue *q = bq_create(4);
    int taken_first = 0;

    cr_assert(q != NULL, "bq_create(4) returned NULL (errno %d)", errno);
    for (int round = 0; round < 40 && taken_first < 5; round++) {
        /* static: a thread still running after a failed assertion writes here */
        static getter g;
        static pthread_t thread;
        void *a = ITEM(2 * round + 1), *b = ITEM(2 * round + 2), *out = NULL;
        int rc;

        g = (getter){ 0 };
        getter_start(&g, q, -1, &thread);
        rc_sleep(0.1 * rc_unit());
        rc = bq_put(q, a);
        cr_assert(rc == 0, "bq_put on an empty queue returned %d, expected 0", rc);
        rc = bq_get_timed(q, &out, 0.0);
        if (rc == 0) {
            taken_first++;
            cr_assert(out == a, "bq_get_timed returned item %zu, expected %zu", NUM(out), NUM(a));
            rc_sleep(2 * rc_unit());
            cr_assert(!atomic_load(&g.done),
                      "a bq_get woken by a put returned %s although the test had already "
                      "taken the only item: after waking up, check the queue again "
                      "(while, not if, around pthread_cond_wait)", err_name(g.result));
            rc = bq_put(q, b);
            cr_assert(rc == 0, "bq_put on an empty queue returned %d, expected 0", rc);
            cr_assert(getter_finished_within(&g, 25 * rc_unit()),
                      "a waiting bq_get did not take the next item put");
            cr_assert(g.result == 0 && g.item == b,
                      "the waiting bq_get returned %d with item %zu, expected item %zu",
                      g.result, NUM(g.item), NUM(b));
        } else {
            cr_assert(rc == ETIMEDOUT, "bq_get_timed(q, &item, 0) returned %d, expected 0 "
                      "or ETIMEDOUT", rc);
            cr_assert(getter_finished_within(&g, 25 * rc_unit()),
                      "a waiting bq_get did not take the item put");
            cr_assert(g.result == 0 && g.item == a,
                      "the waiting bq_get returned %d with item %zu, expected item %zu",
                      g.result, NUM(g.item), NUM(a));
        }
        pthread_join(thread, NULL);
        cr_assert(bq_size(q) == 0, "bq_size returned %zu, expected 0: every item was taken",
                  bq_size(q));
    }
    bq_destroy(q);
}
