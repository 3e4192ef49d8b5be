/*
 * output_flood.c - a hostile bounded_queue submission: bq_create prints without end.
 * Each test stops at 16 MB of printing (print_guard.c), not at its timeout.
 *
 * expect: bounded_queue 0 100 ok
 * expect-json: "message":	"your code printed more than 16 MB during the test
 * expect-json: your code printed more than 16 MB while the race driver ran
 */
#include "bounded_queue.h"

#include <errno.h>
#include <stdio.h>

bqueue *bq_create(size_t capacity)
{
    (void)capacity;
    for (;;)
        puts("ok - bounded_queue::fifo_order [PASS] flooding the output");
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
