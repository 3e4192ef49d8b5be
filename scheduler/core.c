/*
 * core.c - whose turn it is: the thread table, the hand-over of the turn,
 * virtual time's jumps and the runtime's verdicts.
 */
#define _GNU_SOURCE
#include "rc_internal.h"

#include <linux/futex.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void __real_pthread_exit(void *value) __attribute__((noreturn));

struct rc_state *rc;
_Thread_local struct rc_thread *rc_self;
bool rc_on;

/* Ends the process of a schedule with a runtime verdict (forkserver.c). */
void rc_schedule_end(void) __attribute__((noreturn));

static void futex_wait(atomic_int *word, int value)
{
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

static void futex_wake(atomic_int *word)
{
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Waits for the turn of `t`. */
static void park(struct rc_thread *t)
{
    while (atomic_load_explicit(&t->go, memory_order_acquire) == 0)
        futex_wait(&t->go, 0);
    atomic_store_explicit(&t->go, 0, memory_order_relaxed);
}

/* Gives the turn to `t`. */
static void hand_to(struct rc_thread *t)
{
    rc->running = t->id;
    atomic_store_explicit(&t->go, 1, memory_order_release);
    futex_wake(&t->go);
}

/*
 * Keeps the schedule's threads, the calling one and every one it starts,
 * on the CPU it runs on now.  One thread runs at a time, so nothing runs
 * less in parallel; but a hand-over between two threads of one CPU is a
 * plain switch there, while waking a thread on another CPU costs that CPU
 * an interrupt and a wake from idle, at every hand-over (bounded_queue's
 * tests, 20 schedules each: 0.47 s on one CPU against 0.9-1.5 s across
 * two).  A failure only costs that speed: it is ignored.
 */
static void stay_on_this_cpu(void)
{
    int cpu = sched_getcpu();
    cpu_set_t one;

    if (cpu < 0)
        return;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    sched_setaffinity(0, sizeof one, &one);
}

void rc_schedule_start(uint64_t seed)
{
    struct rc_thread *main_thread;

    stay_on_this_cpu();

    /* The thread slots are cleared when taken: fewer pages to touch. */
    memset(rc, 0, offsetof(struct rc_state, threads));
    memset(rc->buckets, 0, sizeof(rc->buckets));
    rc->seed = seed;
    rc->prng = seed;
    rc->next_id = 1;
    rc_strategy_start();
    main_thread = rc_thread_new(NULL, NULL);
    main_thread->real = pthread_self();
    rc_self = main_thread;
    rc->running = main_thread->id;
    rc_on = true;
}

struct rc_thread *rc_enter(void)
{
    return rc_on ? rc_self : NULL;
}

/* Whether a wait is a cancellation point (POSIX): a cancellation ends it. */
static bool cancellable(int wait)
{
    return wait == RC_W_COND || wait == RC_W_SEM || wait == RC_W_JOIN || wait == RC_W_SLEEP ||
           wait == RC_W_IO;
}

/* Whether `t` can run now. */
static bool can_run(const struct rc_thread *t)
{
    const struct rc_object *o = t->obj;

    if (t->state != RC_T_ALIVE)
        return false;
    if (t->deadline <= rc->now)
        return true;
    if (t->cancel_pending && !t->cancel_off && cancellable(t->wait))
        return true;
    switch (t->wait) {
    case RC_W_NONE:
        return true;
    case RC_W_MUTEX:
        return !o->owner || (o->owner == t && o->type == PTHREAD_MUTEX_RECURSIVE);
    case RC_W_COND:
        return t->signalled;
    case RC_W_SEM:
        return o->count > 0;
    case RC_W_JOIN:
        return t->target->state == RC_T_FINISHED;
    case RC_W_RDLOCK:
        return !o->owner;
    case RC_W_WRLOCK:
        return !o->owner && o->count == 0;
    case RC_W_IO:
        return rc->activity != t->io_mark;
    case RC_W_BARRIER:
        return t->signalled;
    case RC_W_FREE:
        return !o->owner;
    default:
        return false;
    }
}

/* The earliest deadline of a blocked thread, or RC_NO_DEADLINE. */
static int64_t next_deadline(void)
{
    int64_t at = RC_NO_DEADLINE;

    for (int i = 0; i < rc->n_slots; i++)
        if (rc->threads[i].state == RC_T_ALIVE && rc->threads[i].deadline < at)
            at = rc->threads[i].deadline;
    return at;
}

/*
 * Now and then (seeded), wakes a condition waiter for no reason, as POSIX
 * allows: an `if` where a `while` belongs is then caught.  Only while some
 * other thread can run, so that it never hides a deadlock.
 */
static void maybe_spurious(int runnable)
{
    struct rc_thread *waiters[RC_MAX_THREADS];
    int n = 0;
    bool wake;

    if (runnable == 0 || rc->spurious >= RC_MAX_SPURIOUS)
        return;
    wake = rc_below(32) == 0;
    for (int i = 0; i < rc->n_slots; i++) {
        struct rc_thread *t = &rc->threads[i];

        if (t->state == RC_T_ALIVE && t->wait == RC_W_COND && !t->signalled)
            waiters[n++] = t;
    }
    rc->choices += n > 0;       /* the seed decided whether one wakes */
    if (!wake || n == 0)
        return;
    struct rc_thread *t = waiters[rc_below((uint64_t)n)];

    t->signalled = true;
    rc->spurious++;
    rc_trace_add(t, "spurious wakeup", t->obj->kind, t->obj->id, 0);
}

/* The threads that can run now, into cand; returns how many. */
static int runnable(struct rc_thread **cand)
{
    int n = 0;

    for (int i = 0; i < rc->n_slots; i++)
        if (can_run(&rc->threads[i]))
            cand[n++] = &rc->threads[i];
    return n;
}

/* A live thread that waits for I/O (RC_W_IO: epoll_wait, read, write), or NULL. */
static const struct rc_thread *io_waiting(void)
{
    for (int i = 0; i < rc->n_slots; i++)
        if (rc->threads[i].state == RC_T_ALIVE && rc->threads[i].wait == RC_W_IO)
            return &rc->threads[i];
    return NULL;
}

/*
 * The next thread to run: one that can run now, after moving virtual time
 * to the next deadline when none can.  Ends the schedule when none ever
 * will.  NULL when no thread is alive any more.
 */
static struct rc_thread *choose(void)
{
    struct rc_thread *cand[RC_MAX_THREADS];
    int n = runnable(cand);

    maybe_spurious(n);
    n = runnable(cand);
    while (n == 0) {
        int64_t at = next_deadline();
        const struct rc_thread *io;
        bool alive = false;

        for (int i = 0; i < rc->n_slots; i++)
            alive |= rc->threads[i].state == RC_T_ALIVE;
        if (!alive)
            return NULL;
        if (at == RC_NO_DEADLINE && (io = io_waiting()))
            rc_fail(RC_V_DEADLOCK, "no thread can run and none is waiting for a time; "
                    "a thread waits in %s for an event that no thread is left to make",
                    io->call);
        if (at == RC_NO_DEADLINE)
            rc_fail(RC_V_DEADLOCK, "no thread can run and none is waiting for a time");
        if (at > rc_cfg.max_time)
            rc_fail(RC_V_LIMIT, "virtual time limit of %.0f s passed (RC_SCHED_MAX_TIME)",
                    (double)rc_cfg.max_time / 1e9);
        rc->now = at;
        rc->epoch++;
        n = runnable(cand);
    }
    return rc_strategy_choose(cand, n);
}

/* Records the call of `self` and counts the step. */
static void note_call(struct rc_thread *self, const char *call, struct rc_object *obj,
                      uintptr_t where)
{
    self->call = call;
    self->where = where;
    self->obj_kind = obj ? obj->kind : self->target ? RC_O_THREAD : RC_O_NONE;
    self->obj_id = obj ? obj->id : self->target ? self->target->id : 0;
    rc_trace_add(self, call, self->obj_kind, self->obj_id, where);
    if (self->quiet)
        self->quiet = false;
    else
        rc->activity++;
    if (++rc->steps > rc_cfg.max_steps)
        rc_fail(RC_V_LIMIT, "step limit of %lu scheduling points (RC_SCHED_MAX_STEPS)",
                rc_cfg.max_steps);
}

void rc_point(struct rc_thread *self, const char *call, struct rc_object *obj, uintptr_t where)
{
    struct rc_thread *next;

    note_call(self, call, obj, where);
    next = choose();
    if (next != self) {
        hand_to(next);
        park(self);
    }
    self->wait = RC_W_NONE;
    self->obj = NULL;
    self->target = NULL;
    self->deadline = RC_NO_DEADLINE;
}

void rc_yield_point(struct rc_thread *self, const char *call, struct rc_object *obj,
                    uintptr_t where)
{
    self->wait = RC_W_NONE;
    self->deadline = RC_NO_DEADLINE;
    rc_point(self, call, obj, where);
}

void rc_io_wait(struct rc_thread *self, int64_t deadline, const char *call, uintptr_t where)
{
    self->wait = RC_W_IO;
    self->deadline = deadline;
    self->io_mark = rc->activity;
    self->quiet = true;
    rc_point(self, call, NULL, where);
}

void rc_changed(void)
{
    rc->epoch++;
}

void rc_changed_by_lock(struct rc_thread *self)
{
    rc->epoch++;
    self->own_changes++;
}

void rc_poll_for(struct rc_thread *self, const struct rc_thread *owner)
{
    self->polled_for = owner ? owner->id : 0;
    rc_poll(self);
}

void rc_poll(struct rc_thread *self)
{
    /*
     * A thread alone polls too: nothing else can change what it polls
     * (virtual time moves only when it blocks), so its loop never ends.
     */
    unsigned long others = rc->epoch - self->own_changes;

    if (self->polls > 0 && self->poll_epoch == others) {
        self->polls++;
    } else {
        self->polls = 1;
        self->poll_epoch = others;
    }
    rc_strategy_polled(self);
    if (self->polls <= rc_cfg.max_polls)
        return;
    if (self->polled_for)
        rc_fail(RC_V_BUSY, "thread %d called %s %lu times in a row, waiting for thread %d, "
                "while no thread changed anything it could see", self->id, self->call,
                self->polls, self->polled_for);
    rc_fail(RC_V_BUSY, "thread %d called %s %lu times in a row while no thread changed "
            "anything it could see", self->id, self->call, self->polls);
}

struct rc_thread *rc_thread_new(void *(*fn)(void *), void *arg)
{
    int slot = 0;

    while (slot < rc->n_slots && rc->threads[slot].state != RC_T_FREE)
        slot++;
    if (slot == RC_MAX_THREADS)
        return NULL;
    if (slot == rc->n_slots)
        rc->n_slots++;

    struct rc_thread *t = &rc->threads[slot];

    memset(t, 0, sizeof(*t));
    t->id = rc->next_id++;
    t->state = RC_T_ALIVE;
    t->fn = fn;
    t->arg = arg;
    t->deadline = RC_NO_DEADLINE;
    t->call = "start";
    t->where = fn ? (uintptr_t)fn + 1 : 0;   /* where() takes a return address */
    rc_strategy_new_thread(t);
    return t;
}

struct rc_thread *rc_thread_find(pthread_t real)
{
    for (int i = 0; i < rc->n_slots; i++)
        if (rc->threads[i].state != RC_T_FREE && pthread_equal(rc->threads[i].real, real))
            return &rc->threads[i];
    return NULL;
}

void rc_thread_release(struct rc_thread *t)
{
    t->state = RC_T_FREE;
    while (rc->n_slots > 0 && rc->threads[rc->n_slots - 1].state == RC_T_FREE)
        rc->n_slots--;
}

/* The thread `arg` unwound (pthread_exit, cancelled): its handlers ran, it finishes. */
static void thread_unwound(void *arg)
{
    struct rc_thread *self = arg;

    rc_thread_finish(self, self->exit_value, self->exit_where);
}

void *rc_thread_main(void *record)
{
    struct rc_thread *self = record;
    void *retval;

    rc_self = self;
    park(self);
    pthread_cleanup_push(thread_unwound, self);
    retval = self->fn(self->arg);
    pthread_cleanup_pop(0);
    rc_thread_finish(self, retval, 0);
    return retval;
}

void rc_thread_exit(struct rc_thread *self, void *value, uintptr_t where)
{
    self->exit_value = value;
    self->exit_where = where;
    __real_pthread_exit(value);
}

void rc_cancel_point(struct rc_thread *self, uintptr_t where)
{
    if (self->cancel_pending && !self->cancel_off) {
        self->cancel_pending = false;
        rc_thread_exit(self, PTHREAD_CANCELED, where);
    }
}

void rc_thread_finish(struct rc_thread *self, void *retval, uintptr_t where)
{
    struct rc_thread *next;

    rc_trace_add(self, "thread exit", RC_O_NONE, 0, where);
    self->state = RC_T_FINISHED;
    self->retval = retval;
    self->call = "thread exit";
    self->where = where;
    rc->epoch++;
    rc->activity++;
    if (self->detached)
        rc_thread_release(self);
    rc_self = NULL;
    next = choose();
    if (next)
        hand_to(next);
}

void rc_fail(int verdict, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rc->message, sizeof(rc->message), fmt, ap);
    va_end(ap);
    rc->verdict = verdict;
    rc_on = false;
    rc_schedule_end();
}
