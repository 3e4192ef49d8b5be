/*
 * fault_tests.h - the fault-injection check that tests of a constructor
 * share (fault_inject.h): make an object with call k of the allocation
 * calls, then of the init calls, failing, for k = 1, 2 ... until k is
 * past the last such call.
 *
 *     static void *make_queue(void) { return bq_create(4); }
 *     static void use_queue(void *q) { ... check that it works, destroy it }
 *
 *     rc_check_create_faults(&(rc_create_check){ "bq_create(4)", "a queue",
 *                                                make_queue, use_queue });
 *
 * For every failed call: the constructor returned NULL with errno set to
 * that call's error and freed every block it had allocated.  Past the
 * last call: it returned an object, which `use` checks and destroys.
 * Only for test binaries (Criterion and fault_inject.c linked in).
 */
#ifndef RACECOURSE_FAULT_TESTS_H
#define RACECOURSE_FAULT_TESTS_H

#include "fault_inject.h"
#include "racecourse_test.h"

#include <errno.h>
#include <string.h>

/* More calls of one family than any constructor of the kit makes. */
#define RC_FAULT_MAX_K 64

typedef struct rc_create_check {
    const char *call;           /* the constructor's call, "bq_create(4)" */
    const char *object;         /* what it returns, "a queue" */
    void *(*make)(void);        /* makes one (nothing else: it runs armed) */
    void (*use)(void *made);    /* checks that a made one works, destroys it */
} rc_create_check;

/* c->make() with call k of `families` (named `what`) failing with `err`, for every k. */
static inline void rc_check_create_with(const rc_create_check *c, unsigned families,
                                        const char *what, int err)
{
    for (unsigned long k = 1; k <= RC_FAULT_MAX_K; k++) {
        long blocks = rc_fault_live_blocks();
        unsigned long failed;
        void *made;
        int saved;

        errno = 0;
        rc_fault_arm(families, k, err);
        made = c->make();
        saved = errno;
        failed = rc_fault_disarm();
        blocks = rc_fault_live_blocks() - blocks;
        if (failed == 0) {
            cr_assert(made != NULL, "%s returned NULL (errno %d, %s)", c->call, saved,
                      strerror(saved));
            c->use(made);
            return;
        }
        cr_assert(made == NULL, "%s returned %s although call %lu of %s failed with %s: "
                  "return NULL with errno set", c->call, c->object, k, what, strerror(err));
        cr_assert_eq(saved, err, "%s returned NULL with errno %d (%s) when call %lu of %s "
                     "failed with %s: set errno to that error",
                     c->call, saved, strerror(saved), k, what, strerror(err));
        cr_assert_leq(blocks, 0, "%s returned NULL (call %lu of %s failed) without freeing "
                      "%ld block(s) it had allocated: free them, and destroy what was "
                      "initialised", c->call, k, what, blocks);
    }
}

/*
 * rc_check_create_with() for the allocation calls (ENOMEM), then for the
 * init calls of mutexes, condition variables and semaphores (EAGAIN).
 */
static inline void rc_check_create_faults(const rc_create_check *c)
{
    rc_check_create_with(c, RC_FAULT_ALLOC, "malloc/calloc/realloc", ENOMEM);
    rc_check_create_with(c, RC_FAULT_MUTEX | RC_FAULT_COND | RC_FAULT_SEM,
                         "pthread_mutex_init/pthread_cond_init/sem_init", EAGAIN);
}

#endif
