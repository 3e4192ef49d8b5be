/*
 * bounded_queue.c - your bounded blocking FIFO queue.
 *
 * Read README.md and bounded_queue.h first: the header says exactly what
 * each function must do and return.  Every function below is a stub that
 * answers "not done yet" (ENOSYS), so this file compiles and the grader
 * gives 0 points until you fill it in.
 *
 * Check your work with:   make check EX=bounded_queue
 */
#include "bounded_queue.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/*
 * TODO: decide what a queue holds.  You will need at least:
 *   - one pthread_mutex_t that guards every other field;
 *   - two pthread_cond_t: one that producers wait on while the queue is
 *     full, one that consumers wait on while it is empty;
 *   - a ring buffer of `capacity` void * slots, with the index of the
 *     oldest item and the number of items;
 *   - a flag that bq_close sets.
 */
struct bqueue {
    size_t capacity;    /* TODO: replace with your own fields */
};

bqueue *bq_create(size_t capacity)
{
    /*
     * TODO: EINVAL for capacity 0; allocate the queue and its slots;
     * initialise the mutex and the condition variables.  Give the
     * condition variables CLOCK_MONOTONIC (pthread_condattr_setclock), so
     * that timed waits can use deadlines read from that clock.
     */
    (void)capacity;
    errno = ENOSYS;
    return NULL;
}

void bq_destroy(bqueue *q)
{
    /* TODO: destroy what bq_create made and free it (NULL: do nothing). */
    (void)q;
}

int bq_put(bqueue *q, void *item)
{
    /*
     * TODO: lock; WHILE the queue is full and not closed, wait; then
     * EPIPE if closed, else append the item and wake one consumer.
     */
    (void)q;
    (void)item;
    return ENOSYS;
}

int bq_get(bqueue *q, void **item)
{
    /*
     * TODO: lock; WHILE the queue is empty and not closed, wait; then
     * take the oldest item if there is one (even when closed), else EPIPE.
     * Wake one producer after taking an item.
     */
    (void)q;
    (void)item;
    return ENOSYS;
}

int bq_put_timed(bqueue *q, void *item, double timeout_s)
{
    /*
     * TODO: like bq_put, but with a deadline: read CLOCK_MONOTONIC, add
     * the timeout, and use pthread_cond_timedwait.  timeout_s < 0 or
     * INFINITY waits forever, 0 tries once, NaN is EINVAL.
     */
    (void)q;
    (void)item;
    (void)timeout_s;
    return ENOSYS;
}

int bq_get_timed(bqueue *q, void **item, double timeout_s)
{
    /* TODO: like bq_get, with a deadline as in bq_put_timed. */
    (void)q;
    (void)item;
    (void)timeout_s;
    return ENOSYS;
}

size_t bq_size(bqueue *q)
{
    /* TODO: read the count under the lock. */
    (void)q;
    return 0;
}

bool bq_empty(bqueue *q)
{
    /* TODO */
    (void)q;
    return true;
}

bool bq_full(bqueue *q)
{
    /* TODO */
    (void)q;
    return false;
}

void bq_close(bqueue *q)
{
    /* TODO: set the flag under the lock and wake EVERY waiter. */
    (void)q;
}
