/*
 * test_fault_inject.c - the fault injection of test binaries
 * (harness/fault_inject.h): only the armed call fails, with the
 * armed error and the family's convention; counts of calls, live blocks
 * and live threads.  Linked like a test binary (see the Makefile).
 */
#define _GNU_SOURCE
#include "check.h"
#include "fault_inject.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <uv.h>

static void *returns_arg(void *arg)
{
    return arg;
}

static void test_alloc(void)
{
    long blocks = rc_fault_live_blocks();
    unsigned long calls = rc_fault_calls(RC_FAULT_ALLOC);
    void *a, *b, *c, *d = NULL, *e;

    rc_fault_arm(RC_FAULT_ALLOC, 2, ENOMEM);
    a = malloc(8);
    errno = 0;
    b = calloc(2, 8);
    CHECK(errno == ENOMEM, "a failed calloc sets errno %d, want ENOMEM", errno);
    c = realloc(NULL, 8);
    CHECK_INT(rc_fault_disarm(), 1);
    CHECK(a && !b && c, "only the 2nd allocation fails: %p %p %p", a, b, c);
    CHECK_INT(rc_fault_calls(RC_FAULT_ALLOC) - calls, 3);
    CHECK_INT(rc_fault_live_blocks() - blocks, 2);

    rc_fault_arm(RC_FAULT_ALLOC, 1, ENOMEM);
    e = realloc(c, 64);
    CHECK(e == NULL, "a failed realloc returns NULL");
    rc_fault_arm(RC_FAULT_ALLOC, 1, ENOMEM);
    CHECK_INT(posix_memalign(&d, 64, 64), ENOMEM);
    rc_fault_disarm();
    CHECK_INT(rc_fault_live_blocks() - blocks, 2);      /* c is still live */
    if (e == NULL)
        e = realloc(c, 0);                              /* glibc frees c */
    CHECK(e == NULL, "realloc(p, 0) frees p and returns NULL");
    free(a);
    CHECK_INT(rc_fault_live_blocks() - blocks, 0);
    CHECK(posix_memalign(&d, 64, 64) == 0 && d, "posix_memalign runs when not armed");
    free(d);

    rc_fault_arm(RC_FAULT_ALLOC, 5, ENOMEM);
    a = malloc(1);
    CHECK_INT(rc_fault_disarm(), 0);                    /* fewer than 5 calls */
    free(a);
    CHECK_INT(rc_fault_live_blocks() - blocks, 0);
}

static void test_threads(void)
{
    long live = rc_fault_live_threads();
    pthread_t t1, t2;
    void *result = NULL;

    rc_fault_arm(RC_FAULT_THREAD | RC_FAULT_MUTEX, 2, EAGAIN);
    CHECK_INT(pthread_create(&t1, NULL, returns_arg, &live), 0);
    CHECK_INT(pthread_create(&t2, NULL, returns_arg, &live), EAGAIN);
    CHECK_INT(rc_fault_disarm(), 1);
    CHECK_INT(rc_fault_live_threads() - live, 1);

    rc_fault_arm(RC_FAULT_JOIN, 1, EDEADLK);
    CHECK_INT(pthread_join(t1, &result), EDEADLK);      /* t1 stays joinable */
    rc_fault_disarm();
    CHECK_INT(rc_fault_live_threads() - live, 1);
    CHECK_INT(pthread_join(t1, &result), 0);
    CHECK(result == &live, "the join after a failed one gets the result");
    CHECK_INT(rc_fault_live_threads() - live, 0);

    CHECK_INT(pthread_create(&t2, NULL, returns_arg, NULL), 0);
    CHECK_INT(pthread_detach(t2), 0);
    CHECK_INT(rc_fault_live_threads() - live, 0);
}

/* rc_fault_only_joins_of: other joins never fail; a reused id drops out. */
static void test_join_targets(void)
{
    pthread_t target, helper;
    void *result = NULL;

    CHECK_INT(pthread_create(&target, NULL, returns_arg, &result), 0);
    CHECK_INT(pthread_create(&helper, NULL, returns_arg, NULL), 0);
    rc_fault_arm(RC_FAULT_JOIN, 1, EINVAL);
    rc_fault_only_joins_of(&target, 1);
    CHECK_INT(pthread_join(helper, NULL), 0);           /* not a target: joined */
    CHECK_INT(pthread_join(target, &result), EINVAL);   /* the first target join */
    CHECK_INT(rc_fault_disarm(), 1);
    CHECK_INT(pthread_join(target, &result), 0);

    rc_fault_arm(RC_FAULT_JOIN, 1, EINVAL);
    rc_fault_only_joins_of(&target, 1);
    /* glibc usually gives the new thread the joined target's id: it is
     * then the code's own thread, no longer a target */
    CHECK_INT(pthread_create(&helper, NULL, returns_arg, NULL), 0);
    CHECK_INT(pthread_join(helper, NULL), 0);
    CHECK_INT(rc_fault_disarm(), 0);
}

static void test_inits(void)
{
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    sem_t sem;

    rc_fault_arm(RC_FAULT_MUTEX | RC_FAULT_COND | RC_FAULT_SEM, 2, EAGAIN);
    CHECK_INT(pthread_mutex_init(&mutex, NULL), 0);
    CHECK_INT(pthread_cond_init(&cond, NULL), EAGAIN);
    CHECK_INT(sem_init(&sem, 0, 1), 0);
    rc_fault_arm(RC_FAULT_SEM, 1, ENOSYS);
    errno = 0;
    CHECK(sem_init(&sem, 0, 1) == -1 && errno == ENOSYS, "a failed sem_init: -1, errno %d",
          errno);
    CHECK_INT(rc_fault_disarm(), 1);
    pthread_mutex_destroy(&mutex);
}

static void test_uv(void)
{
    uv_loop_t loop;
    uv_timer_t timer;

    rc_fault_arm(RC_FAULT_UV, 1, ENOMEM);
    CHECK_INT(uv_loop_init(&loop), UV_ENOMEM);
    CHECK_INT(uv_loop_init(&loop), 0);                  /* only the armed call fails */
    rc_fault_arm(RC_FAULT_UV, 2, EINVAL);
    CHECK_INT(uv_timer_init(&loop, &timer), 0);
    CHECK_INT(uv_timer_start(&timer, NULL, 1, 0), UV_EINVAL);
    CHECK_INT(rc_fault_disarm(), 1);
    uv_close((uv_handle_t *)&timer, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
}

int main(void)
{
    test_alloc();
    test_threads();
    test_join_targets();
    test_inits();
    test_uv();
    return check_finish();
}
