/*
 * MUTANT destroy_reads_freed_struct: co_destroy frees the struct first, then reads the stack's
 * address from it: a use after free that usually works.
 * Caught by: the memcheck check (invalid access).
 */
/*
 * coroutines.c - reference solution, with the one bug above.
 *
 * Each coroutine owns a ucontext_t and a stack from mmap (rounded up to
 * whole pages).  co_resume() saves where it was called from in the
 * coroutine (`caller`) and swapcontext()s into it; co_yield() and the end
 * of the body swap back.  One static pointer, `running`, names the
 * coroutine running now (NULL: main); each coroutine remembers the one
 * that resumed it (`resumer`), which is the chain co_resume() checks.
 *
 * The loop keeps a FIFO of tasks ready to run and a binary min-heap of
 * sleepers ordered by (deadline, sequence number): equal deadlines wake in
 * the order the tasks went to sleep.  When nothing is ready, it sleeps in
 * clock_nanosleep() until the earliest deadline.  Both arrays are grown
 * by co_loop_spawn() to hold every task, so running never allocates.
 */
#define _GNU_SOURCE
#include "coroutines.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

enum co_state { CO_SUSPENDED, CO_RUNNING, CO_DONE };

struct co {
    ucontext_t context;         /* where the body is stopped */
    ucontext_t caller;          /* where co_resume() was called */
    co_fn fn;
    void *arg;
    void *transfer;             /* value passed by resume/yield/return */
    enum co_state state;
    co *resumer;                /* the coroutine that resumed it (NULL: main) */
    void *stack;
    size_t stack_bytes;         /* what was mmapped */
    co_loop *loop;              /* the loop of a task, else NULL */
    double deadline;            /* a sleeping task's wake-up time */
    unsigned long seq;          /* when it went to sleep: ties */
    bool sleeping;              /* set by co_sleep for the loop */
};

struct co_loop {
    co **ready;                 /* FIFO ring of tasks that can run */
    size_t ready_head, ready_len;
    co **heap;                  /* min-heap of sleepers */
    size_t heap_len;
    size_t cap;                 /* of both arrays: at least the tasks */
    size_t tasks;               /* spawned and not yet returned */
    unsigned long next_seq;
    bool running;
};

static co *running;             /* the coroutine running now, NULL: main */

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------- coroutines */

static void trampoline(void)
{
    co *self = running;

    self->transfer = self->fn(self, self->arg);
    self->state = CO_DONE;
    swapcontext(&self->context, &self->caller);     /* never resumed again */
}

/*
 * Makes c's context start trampoline() on c's stack.  A function of its
 * own: getcontext returns twice, and the caller's locals must not live
 * across it.
 */
static void prepare_context(co *c)
{
    getcontext(&c->context);
    c->context.uc_stack.ss_sp = c->stack;
    c->context.uc_stack.ss_size = c->stack_bytes;
    c->context.uc_link = NULL;
    makecontext(&c->context, trampoline, 0);
}

co *co_create(co_fn fn, void *arg, size_t stack_size)
{
    long page = sysconf(_SC_PAGESIZE);
    co *c;

    if (!fn || (stack_size && stack_size < CO_MIN_STACK)) {
        errno = EINVAL;
        return NULL;
    }
    if (!stack_size)
        stack_size = CO_DEFAULT_STACK;
    if (stack_size > SIZE_MAX - (size_t)page) {
        errno = ENOMEM;
        return NULL;
    }
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->stack_bytes = (stack_size + (size_t)page - 1) / (size_t)page * (size_t)page;
    c->stack = mmap(NULL, c->stack_bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (c->stack == MAP_FAILED) {
        free(c);
        errno = ENOMEM;
        return NULL;
    }
    c->fn = fn;
    c->arg = arg;
    c->state = CO_SUSPENDED;
    prepare_context(c);
    return c;
}

void *co_resume(co *c, void *value)
{
    if (!c || c->state != CO_SUSPENDED) {
        errno = EINVAL;
        return NULL;
    }
    c->transfer = value;
    c->resumer = running;
    c->state = CO_RUNNING;
    running = c;
    swapcontext(&c->caller, &c->context);
    running = c->resumer;
    c->resumer = NULL;
    if (c->state == CO_RUNNING)
        c->state = CO_SUSPENDED;
    return c->transfer;
}

void *co_yield(co *self, void *value)
{
    if (!self || self != running) {
        errno = EINVAL;
        return NULL;
    }
    self->transfer = value;
    swapcontext(&self->context, &self->caller);
    return self->transfer;
}

bool co_done(const co *c)
{
    return !c || c->state == CO_DONE;
}

void co_destroy(co *c)
{
    if (!c)
        return;
    free(c);
    munmap(c->stack, c->stack_bytes);
}

int co_round_robin(co *const *cos, size_t n)
{
    bool left = true;

    if (!cos && n > 0)
        return EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!cos[i] || cos[i]->state == CO_RUNNING)
            return EINVAL;
    while (left) {
        left = false;
        for (size_t i = 0; i < n; i++) {
            if (co_done(cos[i]))
                continue;
            co_resume(cos[i], NULL);
            left = left || !co_done(cos[i]);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- loop */

static bool earlier(const co *a, const co *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

/* Makes room for one more task in both arrays.  0 or ENOMEM. */
static int reserve(co_loop *l)
{
    size_t cap = l->cap ? 2 * l->cap : 16;
    co **heap, **ready;

    if (l->tasks < l->cap)
        return 0;
    heap = realloc(l->heap, cap * sizeof *heap);
    if (!heap)
        return ENOMEM;
    l->heap = heap;
    ready = malloc(cap * sizeof *ready);
    if (!ready)
        return ENOMEM;
    for (size_t i = 0; i < l->ready_len; i++)
        ready[i] = l->ready[(l->ready_head + i) % l->cap];
    free(l->ready);
    l->ready = ready;
    l->ready_head = 0;
    l->cap = cap;
    return 0;
}

static void heap_push(co_loop *l, co *t)
{
    size_t i = l->heap_len++;

    while (i > 0 && earlier(t, l->heap[(i - 1) / 2])) {
        l->heap[i] = l->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    l->heap[i] = t;
}

static co *heap_pop(co_loop *l)
{
    co *top = l->heap[0], *last = l->heap[--l->heap_len];
    size_t i = 0;

    for (;;) {
        size_t child = 2 * i + 1;

        if (child >= l->heap_len)
            break;
        if (child + 1 < l->heap_len && earlier(l->heap[child + 1], l->heap[child]))
            child++;
        if (!earlier(l->heap[child], last))
            break;
        l->heap[i] = l->heap[child];
        i = child;
    }
    if (l->heap_len)
        l->heap[i] = last;
    return top;
}

static void ready_push(co_loop *l, co *t)
{
    l->ready[(l->ready_head + l->ready_len++) % l->cap] = t;
}

static co *ready_pop(co_loop *l)
{
    co *t = l->ready[l->ready_head];

    l->ready_head = (l->ready_head + 1) % l->cap;
    l->ready_len--;
    return t;
}

co_loop *co_loop_create(void)
{
    return calloc(1, sizeof(co_loop));
}

int co_loop_spawn(co_loop *l, co_fn fn, void *arg)
{
    co *t;

    if (!l || !fn)
        return EINVAL;
    if (reserve(l) != 0)
        return ENOMEM;
    t = co_create(fn, arg, 0);
    if (!t)
        return errno;
    t->loop = l;
    l->tasks++;
    ready_push(l, t);
    return 0;
}

void co_sleep(co *self, double seconds)
{
    if (!self || self != running || !self->loop) {
        errno = EINVAL;
        return;
    }
    if (isnan(seconds) || seconds < 0)
        seconds = 0;
    self->deadline = now() + seconds;
    self->sleeping = true;
    self->transfer = NULL;
    swapcontext(&self->context, &self->caller);
}

/* Sleeps until `deadline` on CLOCK_MONOTONIC. */
static void sleep_until(double deadline)
{
    struct timespec ts;
    double whole = floor(deadline);

    ts.tv_sec = (time_t)whole;
    ts.tv_nsec = (long)fmin((deadline - whole) * 1e9, 999999999.0);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* Runs task t once; files it again as sleeping, or frees it. */
static void run_task(co_loop *l, co *t)
{
    t->sleeping = false;
    co_resume(t, NULL);
    if (co_done(t)) {
        co_destroy(t);
        l->tasks--;
        return;
    }
    if (!t->sleeping)           /* co_yield: a sleep of 0 */
        t->deadline = now();
    t->seq = l->next_seq++;
    heap_push(l, t);
}

int co_loop_run(co_loop *l)
{
    if (!l || l->running || (running && running->loop))
        return EINVAL;
    l->running = true;
    while (l->ready_len || l->heap_len) {
        double t;

        if (!l->ready_len && l->heap[0]->deadline > now())
            sleep_until(l->heap[0]->deadline);
        t = now();
        while (l->heap_len && l->heap[0]->deadline <= t)
            ready_push(l, heap_pop(l));
        for (size_t n = l->ready_len; n > 0; n--)
            run_task(l, ready_pop(l));
    }
    l->running = false;
    return 0;
}

void co_loop_destroy(co_loop *l)
{
    if (!l)
        return;
    while (l->ready_len)        /* sleepers exist only while it runs */
        co_destroy(ready_pop(l));
    free(l->ready);
    free(l->heap);
    free(l);
}
