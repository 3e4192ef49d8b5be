/*
 * guard_page_scan.c - an alternative correct design of coroutines.
 *
 * Design: each stack is mmap'd with one extra page below it made
 * inaccessible with mprotect (a guard page: an overflow faults instead of
 * writing over something else).  A finished body does not swap back by
 * hand: the context's uc_link points at the coroutine's `back` context,
 * which every co_resume refills, so returning from the trampoline lands
 * in the latest resumer.  The loop keeps all its tasks in ONE array with
 * a (deadline, sequence) key each; ready tasks have a deadline in the
 * past (new ones: 0).  Every step it scans the array for the smallest
 * key, sleeps with clock_nanosleep until that deadline if it is still to
 * come, and runs that task: no separate ready queue, no heap.
 * Primitives: mmap/mprotect/munmap, getcontext/makecontext/swapcontext
 * with uc_link, clock_nanosleep.
 */
#define _GNU_SOURCE
#include "coroutines.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

struct co {
    ucontext_t here, back;
    co_fn fn;
    void *arg, *slot;
    enum { FRESH, PAUSED, ACTIVE, FINISHED } state;
    co *resumer;
    char *map;                  /* guard page + stack */
    size_t map_size;
    co_loop *loop;
    double key;                 /* deadline */
    unsigned long long seq;
};

struct co_loop {
    co **tasks;
    size_t n, cap;
    unsigned long long seq;
    bool busy;
};

static co *active;

static double clock_now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void body(void)
{
    co *me = active;

    me->slot = me->fn(me, me->arg);
    me->state = FINISHED;
    /* returning continues at uc_link: me->back */
}

co *co_create(co_fn fn, void *arg, size_t stack_size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), usable;
    co *c;

    if (!fn || (stack_size > 0 && stack_size < CO_MIN_STACK)) {
        errno = EINVAL;
        return NULL;
    }
    usable = stack_size ? stack_size : CO_DEFAULT_STACK;
    usable = (usable + page - 1) & ~(page - 1);
    if (usable < stack_size || !(c = calloc(1, sizeof *c))) {
        errno = ENOMEM;
        return NULL;
    }
    c->map_size = usable + page;
    c->map = mmap(NULL, c->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (c->map == MAP_FAILED) {
        free(c);
        errno = ENOMEM;
        return NULL;
    }
    if (mprotect(c->map, page, PROT_NONE) != 0 || getcontext(&c->here) != 0) {
        munmap(c->map, c->map_size);
        free(c);
        errno = ENOMEM;
        return NULL;
    }
    c->fn = fn;
    c->arg = arg;
    c->here.uc_stack.ss_sp = c->map + page;
    c->here.uc_stack.ss_size = usable;
    c->here.uc_link = &c->back;
    makecontext(&c->here, body, 0);
    return c;
}

void *co_resume(co *c, void *value)
{
    if (!c || (c->state != FRESH && c->state != PAUSED)) {
        errno = EINVAL;
        return NULL;
    }
    if (c->state == PAUSED)
        c->slot = value;
    c->state = ACTIVE;
    c->resumer = active;
    active = c;
    swapcontext(&c->back, &c->here);
    active = c->resumer;
    if (c->state == ACTIVE)
        c->state = PAUSED;
    return c->slot;
}

void *co_yield(co *self, void *value)
{
    if (!self || self != active) {
        errno = EINVAL;
        return NULL;
    }
    self->slot = value;
    swapcontext(&self->here, &self->back);
    return self->slot;
}

bool co_done(const co *c)
{
    return !c || c->state == FINISHED;
}

void co_destroy(co *c)
{
    if (c) {
        munmap(c->map, c->map_size);
        free(c);
    }
}

int co_round_robin(co *const *cos, size_t n)
{
    bool again = true;

    if (n && !cos)
        return EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!cos[i] || cos[i]->state == ACTIVE)
            return EINVAL;
    while (again) {
        again = false;
        for (size_t i = 0; i < n; i++) {
            if (cos[i]->state == FINISHED)
                continue;
            co_resume(cos[i], NULL);
            again |= cos[i]->state != FINISHED;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ loop */

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

    if (!l || !fn)
        return EINVAL;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        co **more = realloc(l->tasks, cap * sizeof *more);

        if (!more)
            return ENOMEM;
        l->tasks = more;
        l->cap = cap;
    }
    if (!(t = co_create(fn, arg, 0)))
        return errno;
    t->loop = l;
    t->key = 0;
    t->seq = l->seq++;
    l->tasks[l->n++] = t;
    return 0;
}

void co_sleep(co *self, double seconds)
{
    if (!self || self != active || !self->loop) {
        errno = EINVAL;
        return;
    }
    self->key = clock_now() + (seconds > 0 ? seconds : 0);
    self->seq = self->loop->seq++;
    self->slot = NULL;
    swapcontext(&self->here, &self->back);
}

/* Index of the task with the smallest (deadline, seq). */
static size_t next_task(const co_loop *l)
{
    size_t best = 0;

    for (size_t i = 1; i < l->n; i++) {
        const co *a = l->tasks[i], *b = l->tasks[best];

        if (a->key < b->key || (a->key == b->key && a->seq < b->seq))
            best = i;
    }
    return best;
}

int co_loop_run(co_loop *l)
{
    if (!l || l->busy || (active && active->loop))
        return EINVAL;
    l->busy = true;
    while (l->n) {
        size_t i = next_task(l);
        co *t = l->tasks[i];

        if (t->key > clock_now()) {
            struct timespec until;

            until.tv_sec = (time_t)t->key;
            until.tv_nsec = (long)((t->key - (double)until.tv_sec) * 1e9);
            if (until.tv_nsec >= 1000000000L)
                until.tv_nsec = 999999999L;
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
                ;
            continue;
        }
        double before = t->key;
        unsigned long long seq = t->seq;

        co_resume(t, NULL);
        if (t->state == FINISHED) {
            for (size_t k = 0; k < l->n; k++)
                if (l->tasks[k] == t) {
                    l->tasks[k] = l->tasks[--l->n];
                    break;
                }
            co_destroy(t);
        } else if (t->key == before && t->seq == seq) {
            t->key = clock_now();   /* co_yield: a sleep of 0 */
            t->seq = l->seq++;
        }
    }
    l->busy = false;
    return 0;
}

void co_loop_destroy(co_loop *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        co_destroy(l->tasks[i]);
    free(l->tasks);
    free(l);
}
