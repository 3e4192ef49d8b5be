/*
 * compile_error.c - a bounded_queue submission that does not compile.
 *
 * expect: bounded_queue 0 100 failed
 * expect-json: does not compile
 * expect-json: error: expected
 */
#include "bounded_queue.h"

bqueue *bq_create(size_t capacity)
{
    return capacity +;
}
