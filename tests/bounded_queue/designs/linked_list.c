/*
 * linked_list.c - an alternative correct design of bounded_queue.
 *
 * Design: the items sit in a singly linked list of nodes (head out, tail
 * in); the `capacity` nodes are allocated once by bq_create and kept on a
 * free list, so a put never allocates.  A mutex guards both lists; two
 * condition variables, each with a count of its waiters, are signalled
 * only when someone waits.  Timed waits use pthread_cond_clockwait on
 * CLOCK_MONOTONIC with condition variables of the default attributes.
 * Primitives: pthread mutex, two pthread condition variables
 * (pthread_cond_clockwait, pthread_cond_signal, pthread_cond_broadcast).
 */
#define _GNU_SOURCE
#include "bounded_queue.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

typedef struct node {
    struct node *next;
    void *item;
} node;

struct bqueue {
    pthread_mutex_t lock;       /* guards everything below */
    pthread_cond_t has_item;    /* consumers wait here */
    pthread_cond_t has_room;    /* producers wait here */
    unsigned getters, putters;  /* threads waiting on each */
    node *head, *tail;          /* the items, oldest first */
    node *spare;                /* free nodes */
    node *nodes;                /* all `capacity` nodes, one block */
    size_t capacity, count;
    bool closed;
};

typedef struct timeout {
    int kind;                   /* 0 forever, 1 no wait, 2 until `at` */
    struct timespec at;
} timeout;

static int make_timeout(double s, timeout *t)
{
    struct timespec now;
    long long ns;

    if (isnan(s))
        return EINVAL;
    if (s < 0 || s > 1e9) {
        t->kind = 0;
        return 0;
    }
    if (s == 0) {
        t->kind = 1;
        return 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    ns = (long long)now.tv_nsec + (long long)(s * 1e9);
    t->kind = 2;
    t->at.tv_sec = now.tv_sec + (time_t)(ns / 1000000000LL);
    t->at.tv_nsec = (long)(ns % 1000000000LL);
    return 0;
}

/* One wait on `cond`, counted in *waiters; false once the time is up. */
static bool wait_on(bqueue *q, pthread_cond_t *cond, unsigned *waiters,
                    const timeout *t)
{
    int rc = 0;

    if (t->kind == 1)
        return false;
    ++*waiters;
    if (t->kind == 0)
        pthread_cond_wait(cond, &q->lock);
    else
        rc = pthread_cond_clockwait(cond, &q->lock, CLOCK_MONOTONIC, &t->at);
    --*waiters;
    return rc != ETIMEDOUT;
}

bqueue *bq_create(size_t capacity)
{
    bqueue *q;
    int err;

    if (capacity == 0) {
        errno = EINVAL;
        return NULL;
    }
    q = calloc(1, sizeof *q);
    if (q == NULL)
        return NULL;
    q->nodes = calloc(capacity, sizeof *q->nodes);
    if (q->nodes == NULL) {
        err = ENOMEM;
        goto free_queue;
    }
    for (size_t i = 0; i + 1 < capacity; i++)
        q->nodes[i].next = &q->nodes[i + 1];
    q->spare = q->nodes;
    q->capacity = capacity;
    err = pthread_mutex_init(&q->lock, NULL);
    if (err != 0)
        goto free_nodes;
    err = pthread_cond_init(&q->has_item, NULL);
    if (err != 0)
        goto destroy_lock;
    err = pthread_cond_init(&q->has_room, NULL);
    if (err != 0)
        goto destroy_has_item;
    return q;

destroy_has_item:
    pthread_cond_destroy(&q->has_item);
destroy_lock:
    pthread_mutex_destroy(&q->lock);
free_nodes:
    free(q->nodes);
free_queue:
    free(q);
    errno = err;
    return NULL;
}

void bq_destroy(bqueue *q)
{
    if (q == NULL)
        return;
    pthread_cond_destroy(&q->has_room);
    pthread_cond_destroy(&q->has_item);
    pthread_mutex_destroy(&q->lock);
    free(q->nodes);
    free(q);
}

int bq_put_timed(bqueue *q, void *item, double timeout_s)
{
    timeout t;
    node *n;
    int err = 0;

    if (q == NULL || make_timeout(timeout_s, &t) != 0)
        return EINVAL;
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->spare == NULL)
        if (!wait_on(q, &q->has_room, &q->putters, &t))
            break;
    if (q->closed) {
        err = EPIPE;
    } else if (q->spare == NULL) {
        err = ETIMEDOUT;
    } else {
        n = q->spare;
        q->spare = n->next;
        n->item = item;
        n->next = NULL;
        if (q->tail != NULL)
            q->tail->next = n;
        else
            q->head = n;
        q->tail = n;
        q->count++;
        if (q->getters > 0)
            pthread_cond_signal(&q->has_item);
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}

int bq_get_timed(bqueue *q, void **item, double timeout_s)
{
    timeout t;
    node *n;
    int err = 0;

    if (q == NULL || item == NULL || make_timeout(timeout_s, &t) != 0)
        return EINVAL;
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->head == NULL)
        if (!wait_on(q, &q->has_item, &q->getters, &t))
            break;
    if (q->head != NULL) {
        n = q->head;
        q->head = n->next;
        if (q->head == NULL)
            q->tail = NULL;
        *item = n->item;
        n->next = q->spare;
        q->spare = n;
        q->count--;
        if (q->putters > 0)
            pthread_cond_signal(&q->has_room);
    } else {
        err = q->closed ? EPIPE : ETIMEDOUT;
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}

int bq_put(bqueue *q, void *item)
{
    return bq_put_timed(q, item, -1);
}

int bq_get(bqueue *q, void **item)
{
    return bq_get_timed(q, item, -1);
}

size_t bq_size(bqueue *q)
{
    size_t n = 0;

    if (q != NULL) {
        pthread_mutex_lock(&q->lock);
        n = q->count;
        pthread_mutex_unlock(&q->lock);
    }
    return n;
}

bool bq_empty(bqueue *q)
{
    return bq_size(q) == 0;
}

bool bq_full(bqueue *q)
{
    bool full = false;

    if (q != NULL) {
        pthread_mutex_lock(&q->lock);
        full = q->spare == NULL;
        pthread_mutex_unlock(&q->lock);
    }
    return full;
}

void bq_close(bqueue *q)
{
    if (q == NULL)
        return;
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_cond_broadcast(&q->has_item);
    pthread_cond_broadcast(&q->has_room);
    pthread_mutex_unlock(&q->lock);
}
