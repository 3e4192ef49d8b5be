/*
 * coroutines.c - your coroutines and your event loop.
 *
 * Read README.md and coroutines.h first: the header says exactly what
 * each function must do and return.  Every function below is a stub that
 * answers "not done yet" (ENOSYS), so this file compiles and the grader
 * gives 0 points until you fill it in.
 *
 * Check your work with:   make check EX=coroutines
 *
 * Besides the C library's memory and time functions you may use
 * getcontext, makecontext, swapcontext (ucontext.h) and mmap/munmap
 * (sys/mman.h) for the stacks.  No threads: one thread does everything.
 */
#include "coroutines.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

/*
 * TODO: describe a coroutine, for example
 *     struct co {
 *         ucontext_t context;   where its body is stopped
 *         ucontext_t caller;    where co_resume was called, to go back to
 *         co_fn fn; void *arg;
 *         void *transfer;       the value going in (resume) or out (yield)
 *         int state;            not started / stopped / running / done
 *         void *stack;          malloc'd or mmap'd
 *         ...
 *     };
 * and keep one static pointer to the coroutine running now (NULL: main).
 */

/*
 * TODO: the function makecontext starts on the new stack:
 *     static void trampoline(void)
 *     {
 *         co *self = <the running coroutine>;
 *         self->transfer = self->fn(self, self->arg);
 *         mark self done; swapcontext back to self->caller;
 *     }
 */

co *co_create(co_fn fn, void *arg, size_t stack_size)
{
    /*
     * TODO: check fn and stack_size (EINVAL), allocate the struct and a
     * stack of stack_size bytes (CO_DEFAULT_STACK for 0), then
     * getcontext, set uc_stack.ss_sp / ss_size, and makecontext.
     */
    (void)fn;
    (void)arg;
    (void)stack_size;
    errno = ENOSYS;
    return NULL;
}

void *co_resume(co *c, void *value)
{
    /*
     * TODO: EINVAL for NULL, done or running; store value, remember who
     * is resuming, swapcontext(&c->caller, &c->context), and return what
     * c yielded or returned.
     */
    (void)c;
    (void)value;
    errno = ENOSYS;
    return NULL;
}

void *co_yield(co *self, void *value)
{
    /* TODO: EINVAL unless self is running; store value, swap back to caller. */
    (void)self;
    (void)value;
    errno = ENOSYS;
    return NULL;
}

bool co_done(const co *c)
{
    /* TODO: true for NULL or a coroutine whose fn returned. */
    (void)c;
    return true;
}

void co_destroy(co *c)
{
    /* TODO: free the stack and the struct (NULL: nothing). */
    (void)c;
}

int co_round_robin(co *const *cos, size_t n)
{
    /* TODO: check every entry first; then resume each unfinished one, round after round. */
    (void)cos;
    (void)n;
    return ENOSYS;
}

/*
 * TODO: describe the loop: the tasks ready to run (a FIFO), and the
 * sleeping ones ordered by deadline (a sorted list or a binary heap).
 */

co_loop *co_loop_create(void)
{
    errno = ENOSYS;
    return NULL;
}

int co_loop_spawn(co_loop *l, co_fn fn, void *arg)
{
    /* TODO: EINVAL checks, co_create(fn, arg, 0), mark it a task, add it to the ready FIFO. */
    (void)l;
    (void)fn;
    (void)arg;
    return ENOSYS;
}

void co_sleep(co *self, double seconds)
{
    /*
     * TODO: EINVAL unless self is the running task; deadline = now +
     * seconds (0 for negative or NaN); tell the loop, and swap back to it.
     */
    (void)self;
    (void)seconds;
    errno = ENOSYS;
}

int co_loop_run(co_loop *l)
{
    /*
     * TODO: until no task is left: wake the sleepers whose deadline has
     * passed (earliest first), run every ready task once, and when none
     * is ready sleep until the earliest deadline (clock_nanosleep with
     * TIMER_ABSTIME).  Free each task that returned.
     */
    (void)l;
    return ENOSYS;
}

void co_loop_destroy(co_loop *l)
{
    /* TODO: free the tasks still held, then the loop (NULL: nothing). */
    (void)l;
}
