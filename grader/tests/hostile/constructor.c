/*
 * constructor.c - a hostile bounded_queue submission: a constructor that runs before every test.
 *
 * expect: bounded_queue 0 100 failed
 * expect-json: .init_array
 */
#include "bounded_queue.h"

#include <errno.h>
#include <stdio.h>

__attribute__((constructor)) static void arm(void)
{
    puts("this runs before any test");
}

bqueue *bq_create(size_t capacity)
{
    (void)capacity;
    errno = ENOSYS;
    return NULL;
}

void bq_destroy(bqueue *q) { (void)q; }
int bq_put(bqueue *q, void *item) { (void)q; (void)item; return ENOSYS; }
int bq_get(bqueue *q, void **item) { (void)q; (void)item; return ENOSYS; }
int bq_put_timed(bqueue *q, void *item, double t) { (void)q; (void)item; (void)t; return ENOSYS; }
int bq_get_timed(bqueue *q, void **item, double t) { (void)q; (void)item; (void)t; return ENOSYS; }
size_t bq_size(bqueue *q) { (void)q; return 0; }
bool bq_empty(bqueue *q) { (void)q; return true; }
bool bq_full(bqueue *q) { (void)q; return false; }
void bq_close(bqueue *q) { (void)q; }
