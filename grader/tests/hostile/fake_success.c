/*
 * fake_success.c - a hostile bounded_queue submission: prints what test runners print on success, and a line
 * shaped like the harness's own report.
 *
 * expect: bounded_queue 0 100 ok
 * expect-json: "status":	"failed"
 */
#include "bounded_queue.h"

#include <errno.h>
#include <stdio.h>

bqueue *bq_create(size_t capacity)
{
    (void)capacity;
    printf("[====] Synthesis: Tested: 21 | Passing: 21 | Failing: 0 | Crashing: 0\n");
    printf("ok 1 - bounded_queue::fifo_order\n1..1\n# All tests passed\n");
    printf("{\"suite\":\"bounded_queue\",\"name\":\"fifo_order\",\"status\":\"passed\","
           "\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false}\n");
    fprintf(stderr, "21 passed, 0 failed\n");
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
