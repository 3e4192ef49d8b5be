/*
 * bq_tests.h - what the public and the hidden tests of bounded_queue
 * share: items disguised as pointers, a return value in words, and how
 * exactly a time must match in virtual time.
 *
 * The tests run under the kit's controlled scheduler (docs/scheduler.md):
 * one thread at a time, and the clocks, sleeps and timed waits your code
 * calls (clock_gettime, pthread_cond_timedwait, nanosleep ...) read and
 * advance a virtual clock that moves only when every thread waits.  A
 * timed wait that times out does so exactly at its deadline, so the tests
 * compare times exactly.  Your code needs nothing special: use the
 * standard calls.
 *
 * Included once, by the file of tests (public_tests.c, or the hidden
 * tests when your instructor grades); nothing here is for your code.
 */
#ifndef BQ_TESTS_H
#define BQ_TESTS_H

#include "bounded_queue.h"
#include "racecourse_test.h"

#include <errno.h>
#include <stdint.h>

/* Items are small numbers disguised as pointers. */
#define ITEM(n) ((void *)(uintptr_t)(n))
#define NUM(p) ((size_t)(uintptr_t)(p))

/*
 * Two instants of virtual time are the same when they differ by less than
 * this (seconds): a timeout given as a double becomes whole nanoseconds.
 */
#define EXACT 1e-6

/* A return value of the queue in words. */
static inline const char *err_name(int err)
{
    switch (err) {
    case 0:         return "0";
    case EINVAL:    return "EINVAL";
    case EPIPE:     return "EPIPE";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOSYS:    return "ENOSYS (not implemented)";
    default:        return "an unexpected value";
    }
}

#endif /* BQ_TESTS_H */
