/*
 * malloc_sorted_list.c - an alternative correct design of coroutines.
 *
 * Design: one malloc'd block per coroutine holds the struct and, after
 * it, the stack (16-byte aligned, exactly stack_size usable bytes).  The
 * coroutine's address reaches the trampoline as two int arguments of
 * makecontext (the high and low halves of the pointer), not through a
 * global.  The running coroutine and the chain of resumers are an
 * explicit array used as a stack.  The loop keeps its tasks in two
 * singly linked lists threaded through the coroutines: a FIFO of ready
 * tasks, and the sleepers sorted by deadline (a new sleeper goes after
 * every one with a deadline <= its own, so ties keep the order they went
 * to sleep).  Nothing is ready: nanosleep for the time left, in a loop.
 * Primitives: malloc/free, getcontext/makecontext/swapcontext, nanosleep.
 */
#define _GNU_SOURCE
#include "coroutines.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#define MAX_DEPTH 1024              /* coroutines resuming coroutines */

struct co {
    ucontext_t here, back;
    co_fn fn;
    void *arg, *value;
    int started, finished, active;
    co_loop *owner;                 /* the loop of a task */
    co *next;                       /* in one of the loop's lists */
    struct timespec wake;
    int asleep;
    size_t stack_size;
    _Alignas(16) unsigned char stack[];
};

struct co_loop {
    co *ready_first, *ready_last;
    co *sleepers;                   /* sorted by wake */
    int running;
};

static co *chain[MAX_DEPTH];
static size_t depth;

static co *current(void)
{
    return depth ? chain[depth - 1] : NULL;
}

static void start(int hi, int lo)
{
    co *self = (co *)(((uintptr_t)(unsigned)hi << 32) | (uintptr_t)(unsigned)lo);

    self->value = self->fn(self, self->arg);
    self->finished = 1;
    swapcontext(&self->here, &self->back);
}

co *co_create(co_fn fn, void *arg, size_t stack_size)
{
    co *c;
    uintptr_t p;

    if (fn == NULL || (stack_size != 0 && stack_size < CO_MIN_STACK)) {
        errno = EINVAL;
        return NULL;
    }
    if (stack_size == 0)
        stack_size = CO_DEFAULT_STACK;
    if (stack_size > SIZE_MAX / 2) {
        errno = ENOMEM;
        return NULL;
    }
    c = malloc(sizeof *c + stack_size);
    if (c == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    memset(c, 0, sizeof *c);
    c->fn = fn;
    c->arg = arg;
    c->stack_size = stack_size;
    if (getcontext(&c->here) != 0) {
        free(c);
        errno = ENOMEM;
        return NULL;
    }
    c->here.uc_stack.ss_sp = c->stack;
    c->here.uc_stack.ss_size = stack_size;
    p = (uintptr_t)c;
    makecontext(&c->here, (void (*)(void))start, 2, (int)(p >> 32), (int)(p & 0xffffffffu));
    return c;
}

void *co_resume(co *c, void *value)
{
    if (c == NULL || c->finished || c->active || depth == MAX_DEPTH) {
        errno = EINVAL;
        return NULL;
    }
    if (c->started)
        c->value = value;
    c->started = 1;
    c->active = 1;
    chain[depth++] = c;
    swapcontext(&c->back, &c->here);
    depth--;
    c->active = 0;
    return c->value;
}

void *co_yield(co *self, void *value)
{
    if (self == NULL || self != current()) {
        errno = EINVAL;
        return NULL;
    }
    self->value = value;
    swapcontext(&self->here, &self->back);
    return self->value;
}

bool co_done(const co *c)
{
    return c == NULL || c->finished;
}

void co_destroy(co *c)
{
    free(c);
}

int co_round_robin(co *const *cos, size_t n)
{
    size_t left;

    if (n == 0)
        return 0;
    if (cos == NULL)
        return EINVAL;
    for (size_t i = 0; i < n; i++)
        if (cos[i] == NULL || cos[i]->active)
            return EINVAL;
    do {
        left = 0;
        for (size_t i = 0; i < n; i++) {
            if (!co_done(cos[i])) {
                co_resume(cos[i], NULL);
                if (!co_done(cos[i]))
                    left++;
            }
        }
    } while (left > 0);
    return 0;
}

/* ------------------------------------------------------------------ loop */

static int before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void push_ready(co_loop *l, co *t)
{
    t->next = NULL;
    if (l->ready_last)
        l->ready_last->next = t;
    else
        l->ready_first = t;
    l->ready_last = t;
}

static co *pop_ready(co_loop *l)
{
    co *t = l->ready_first;

    l->ready_first = t->next;
    if (!l->ready_first)
        l->ready_last = NULL;
    return t;
}

static void add_sleeper(co_loop *l, co *t)
{
    co **at = &l->sleepers;

    while (*at && !before(&t->wake, &(*at)->wake))
        at = &(*at)->next;
    t->next = *at;
    *at = t;
}

co_loop *co_loop_create(void)
{
    co_loop *l = calloc(1, sizeof *l);

    if (!l)
        errno = ENOMEM;
    return l;
}

int co_loop_spawn(co_loop *l, co_fn fn, void *arg)
{
    co *t;

    if (l == NULL || fn == NULL)
        return EINVAL;
    t = co_create(fn, arg, 0);
    if (t == NULL)
        return errno;
    t->owner = l;
    push_ready(l, t);
    return 0;
}

void co_sleep(co *self, double seconds)
{
    struct timespec now;
    double whole;

    if (self == NULL || self != current() || self->owner == NULL) {
        errno = EINVAL;
        return;
    }
    if (!(seconds > 0))
        seconds = 0;
    if (seconds > 1e9)
        seconds = 1e9;
    clock_gettime(CLOCK_MONOTONIC, &now);
    whole = floor(seconds);
    self->wake.tv_sec = now.tv_sec + (time_t)whole;
    self->wake.tv_nsec = now.tv_nsec + (long)((seconds - whole) * 1e9);
    if (self->wake.tv_nsec >= 1000000000L) {
        self->wake.tv_sec++;
        self->wake.tv_nsec -= 1000000000L;
    }
    self->asleep = 1;
    co_yield(self, NULL);
}

static void wait_for(const struct timespec *wake)
{
    struct timespec now, left;

    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!before(&now, wake))
            return;
        left.tv_sec = wake->tv_sec - now.tv_sec;
        left.tv_nsec = wake->tv_nsec - now.tv_nsec;
        if (left.tv_nsec < 0) {
            left.tv_sec--;
            left.tv_nsec += 1000000000L;
        }
        nanosleep(&left, NULL);
    }
}

int co_loop_run(co_loop *l)
{
    co *c = current();

    if (l == NULL || l->running || (c && c->owner))
        return EINVAL;
    l->running = 1;
    while (l->ready_first || l->sleepers) {
        struct timespec now;

        if (!l->ready_first)
            wait_for(&l->sleepers->wake);
        clock_gettime(CLOCK_MONOTONIC, &now);
        while (l->sleepers && !before(&now, &l->sleepers->wake)) {
            co *t = l->sleepers;

            l->sleepers = t->next;
            push_ready(l, t);
        }
        for (co *last = l->ready_last, *t = NULL; t != last;) {
            t = pop_ready(l);
            t->asleep = 0;
            co_resume(t, NULL);
            if (t->finished) {
                co_destroy(t);
                continue;
            }
            if (!t->asleep)         /* co_yield: a sleep of 0 */
                clock_gettime(CLOCK_MONOTONIC, &t->wake);
            add_sleeper(l, t);
        }
    }
    l->running = 0;
    return 0;
}

void co_loop_destroy(co_loop *l)
{
    if (l == NULL)
        return;
    while (l->ready_first)
        co_destroy(pop_ready(l));
    while (l->sleepers) {
        co *t = l->sleepers;

        l->sleepers = t->next;
        co_destroy(t);
    }
    free(l);
}
