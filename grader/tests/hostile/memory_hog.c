/*
 * memory_hog.c - a hostile bounded_queue submission: bq_create allocates and touches memory without end.
 *
 * expect: bounded_queue 0 100 ok
 *
 * Each test either crashes when malloc() fails at the 2 GiB address-space
 * limit or times out while it fills memory, depending on the machine's
 * speed: both score 0, and the check proves the grader and the machine
 * come through.
 */
#include "bounded_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bqueue *bq_create(size_t capacity)
{
    (void)capacity;
    for (;;) {
        char *block = malloc(64u << 20);
        if (!block)
            *(volatile int *)0 = 1;   /* out of memory: crash */
        memset(block, 1, 64u << 20);
    }
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
