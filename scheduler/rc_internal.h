/*
 * rc_internal.h - the controlled scheduler's internals, shared by its files.
 *
 * Theory of operation.  Every wrapped call (wrapped-calls.txt) is a
 * scheduling point: the calling thread describes what it waits for (a
 * mutex free, a semaphore above 0, a thread finished, a deadline ...),
 * then rc_point() lets the strategy choose which of the threads that can
 * run goes on.  Exactly one thread runs at a time; the others park on a
 * futex word of their own.  The program's mutexes, condition variables,
 * semaphores and rwlocks are modelled here (owner, count, waiters), keyed
 * by their address; the real primitives are never used for them.
 *
 * All of the state lives in one mapping (struct rc_state).  In fork-server
 * mode it is MAP_SHARED, so that the parent reads a child's trace, thread
 * table and verdict after the child ended, however it ended.
 */
#ifndef RACECOURSE_RC_INTERNAL_H
#define RACECOURSE_RC_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define RC_MAX_THREADS 256
#define RC_MAX_OBJECTS 4096
#define RC_BUCKETS 1024
#define RC_TRACE_CAP 65536
#define RC_NO_DEADLINE INT64_MAX
#define RC_MAX_SPURIOUS 16

enum rc_wait {
    RC_W_NONE,      /* runnable: only a preemption point */
    RC_W_MUTEX,     /* obj: owner == NULL (or self, recursive) */
    RC_W_COND,      /* obj: signalled */
    RC_W_SEM,       /* obj: count > 0 */
    RC_W_JOIN,      /* target finished */
    RC_W_SLEEP,     /* deadline only */
    RC_W_RDLOCK,    /* obj: no writer */
    RC_W_WRLOCK,    /* obj: no writer, no reader */
    RC_W_IO,        /* epoll_wait, poll, read, write: a step by another thread since io_mark */
    RC_W_BARRIER,   /* obj: the round it arrived in is over (signalled) */
    RC_W_FREE,      /* obj: owner == NULL (a spin lock, a pthread_once running) */
};

enum rc_kind {
    RC_O_NONE, RC_O_MUTEX, RC_O_COND, RC_O_SEM, RC_O_RWLOCK, RC_O_BARRIER, RC_O_SPIN,
    RC_O_ONCE, RC_O_THREAD
};

enum rc_tstate { RC_T_FREE, RC_T_ALIVE, RC_T_FINISHED };

enum rc_verdict { RC_V_NONE, RC_V_DEADLOCK, RC_V_BUSY, RC_V_LIMIT };

struct rc_thread;

/* A modelled synchronisation object. */
struct rc_object {
    const void *addr;           /* the program's object */
    struct rc_object *next;     /* hash chain */
    int kind;                   /* enum rc_kind */
    int id;                     /* 1, 2 ... per kind, in order of first use */
    struct rc_thread *owner;    /* mutex: holder; rwlock: writer */
    int depth;                  /* recursive mutex: times locked */
    int type;                   /* mutex: PTHREAD_MUTEX_*; barrier: its count */
    long count;                 /* semaphore value; rwlock readers; barrier: arrived;
                                   once: 0 not run, 1 running, 2 done */
};

struct rc_thread {
    int id;                     /* 1: main, then in order of creation */
    int state;                  /* enum rc_tstate */
    atomic_int go;              /* futex word: 1 = your turn */
    pthread_t real;
    void *(*fn)(void *);
    void *arg;
    void *retval;
    bool detached;
    int wait;                   /* enum rc_wait */
    struct rc_object *obj;      /* what it waits for */
    struct rc_thread *target;   /* RC_W_JOIN */
    int64_t deadline;           /* virtual ns, RC_NO_DEADLINE: none */
    bool signalled;             /* RC_W_COND, RC_W_BARRIER: woken */
    const char *call;           /* its current (or last) wrapped call */
    uintptr_t where;            /* return address of that call */
    int obj_kind, obj_id;       /* the object of that call, for reports */
    unsigned long polls;        /* consecutive polls without a change */
    unsigned long poll_epoch;   /* rc->epoch - own_changes at its last poll */
    unsigned long own_changes;  /* changes it made itself taking or letting go
                                 * of a mutex: they do not end its polls */
    int polled_for;             /* id of the thread its last poll waited for, or 0 */
    int64_t prio;               /* PCT priority: highest runs */
    unsigned long io_mark;      /* RC_W_IO: rc->activity when it blocked */
    bool quiet;                 /* its next point is not a step of activity */
    bool cancel_pending;        /* pthread_cancel() asked, not acted on yet */
    bool cancel_off;            /* pthread_setcancelstate(PTHREAD_CANCEL_DISABLE) */
    void *exit_value;           /* pthread_exit()'s value, while it unwinds */
    uintptr_t exit_where;       /* and the place of that call */
};

/* One trace event. */
struct rc_event {
    const char *call;
    uintptr_t where;
    int64_t time;
    uint16_t thread;
    uint8_t obj_kind;
    uint32_t obj_id;
};

struct rc_config {
    uint64_t seed;
    unsigned long runs;
    bool pct;
    int depth;
    unsigned long max_steps;
    int64_t max_time;           /* virtual ns */
    double wall_s;
    bool trace_all;
    const char *report;         /* NULL: none */
    unsigned long max_polls;
    bool inprocess;             /* RC_SCHED_INPROCESS: schedules in a worker (inprocess.c) */
};

struct rc_state {
    /* ---- the current schedule ---- */
    uint64_t seed;
    uint64_t prng;
    unsigned long steps;
    int64_t now;                /* virtual ns since the epoch */
    unsigned long epoch;        /* bumped by every observable change */
    unsigned long activity;     /* steps, but for epoll waits that found nothing */
    int running;                /* id of the thread running */
    int next_id;
    int n_slots;                /* threads[0..n_slots) in use or free */
    int spurious;               /* spurious wakeups so far */
    unsigned long choices;      /* decisions the seed made since the (re)start:
                                   a thread among two or more, a waiter among
                                   two or more, a spurious wake-up or not */
    int64_t pct_low;            /* next priority of a thread that polls */
    unsigned long pct_change[8];/* PCT change points (steps) */
    int obj_ids[RC_O_THREAD + 1];
    int n_objects;
    unsigned long n_events;     /* ever recorded; ring index = n % CAP */
    /* ---- the verdict (runtime kinds only) ---- */
    int verdict;                /* enum rc_verdict */
    char message[1024];
    /* ---- tables ---- */
    struct rc_thread threads[RC_MAX_THREADS];
    struct rc_object *buckets[RC_BUCKETS];
    struct rc_object objects[RC_MAX_OBJECTS];
    struct rc_event trace[RC_TRACE_CAP];
};

extern struct rc_config rc_cfg;
extern struct rc_state *rc;
extern _Thread_local struct rc_thread *rc_self;
extern bool rc_on;              /* the runtime controls the threads */

/* ---- config.c ---- */

/*
 * Reads the RC_SCHED_* environment into rc_cfg.  Returns 0, or -1 after
 * printing on stderr which variable is wrong.
 */
int rc_config_read(void);

/* ---- prng.c ---- */

/* Next 64 random bits of the schedule's generator (splitmix64). */
uint64_t rc_random(void);

/* A random number in [0, n), n > 0. */
uint64_t rc_below(uint64_t n);

/* ---- core.c ---- */

/* Starts schedule `seed` with the calling thread as thread 1. */
void rc_schedule_start(uint64_t seed);

/*
 * The wrapped calls' entry: returns the calling thread's record, or NULL
 * when the runtime is off or the thread is not one it controls (then the
 * caller passes the call to the C library).
 */
struct rc_thread *rc_enter(void);

/*
 * A scheduling point of `self`, which has set self->wait (and obj, target,
 * deadline) to what it waits for: records the event, lets the strategy
 * choose the next thread among those that can run and returns when
 * `self` runs again, its wait then over: met, or its deadline passed (the
 * caller checks which).  self->wait is RC_W_NONE and self->deadline none
 * again on return.  Never returns when the schedule ends here (deadlock,
 * limit).
 */
void rc_point(struct rc_thread *self, const char *call, struct rc_object *obj, uintptr_t where);

/* rc_point() without a wait: a preemption point. */
void rc_yield_point(struct rc_thread *self, const char *call, struct rc_object *obj,
                    uintptr_t where);

/*
 * Blocks `self` in an event wait (epoll_wait, wrap_epoll.c; poll, wrap_poll.c;
 * a read or a write, wrap_io.c) until virtual ns `deadline` (RC_NO_DEADLINE: none) or
 * until another thread has made a step; this point itself is not one.  The
 * caller asks the kernel again.
 */
void rc_io_wait(struct rc_thread *self, int64_t deadline, const char *call, uintptr_t where);

/* Notes an observable change (a lock released, a count changed ...). */
void rc_changed(void);

/*
 * Notes that `self` took or let go of a mutex: a change for every other
 * thread, not for its own polls (a loop of unlock, yield, lock, look
 * again changes nothing it could see).
 */
void rc_changed_by_lock(struct rc_thread *self);

/*
 * Notes a poll of `self` (trylock failed, yield, clock read ...) while
 * other threads are alive; past rc_cfg.max_polls polls with no change by
 * anyone (rc_changed(), virtual time moving; its own mutex locks and
 * unlocks do not count) in between, ends the
 * schedule with a busy-wait verdict.
 */
void rc_poll(struct rc_thread *self);

/* rc_poll() of a poll that waits for thread `owner` (a lock's holder, a
 * thread to join; NULL: none known), named in reports. */
void rc_poll_for(struct rc_thread *self, const struct rc_thread *owner);

/*
 * A new thread record for `fn(arg)`, alive and runnable, or NULL when the
 * table is full.
 */
struct rc_thread *rc_thread_new(void *(*fn)(void *), void *arg);

/* The record of the thread `real` (alive or finished, not joined), or NULL. */
struct rc_thread *rc_thread_find(pthread_t real);

/* Frees the slot of a thread joined (or finished and detached). */
void rc_thread_release(struct rc_thread *t);

/*
 * `self` ends with `retval`: hands the turn to the next thread, if any.
 * Returns in the ending thread, which must then end really.
 */
void rc_thread_finish(struct rc_thread *self, void *retval, uintptr_t where);

/*
 * The thread function of every thread created under the runtime.  The
 * thread's cleanup handlers (pthread_cleanup_push) run under the
 * scheduler when it exits or is cancelled: it finishes after them.
 */
void *rc_thread_main(void *record);

/*
 * `self` (a thread created under the runtime, not main) exits with
 * `value`: its cleanup handlers run, still under the scheduler, then it
 * finishes.  Never returns.
 */
void rc_thread_exit(struct rc_thread *self, void *value, uintptr_t where)
    __attribute__((noreturn));

/*
 * A cancellation point of `self` (wrap_cancel.c): when a cancellation is
 * pending and enabled, the thread exits with PTHREAD_CANCELED here.
 */
void rc_cancel_point(struct rc_thread *self, uintptr_t where);

/* Ends the schedule now with `verdict` and a message (printf format). */
void rc_fail(int verdict, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

/* ---- strategy.c ---- */

/* Sets up the strategy for a new schedule (PCT change points). */
void rc_strategy_start(void);

/* Gives a new thread its priority. */
void rc_strategy_new_thread(struct rc_thread *t);

/* Chooses among `n` (>0) runnable threads `cand`. */
struct rc_thread *rc_strategy_choose(struct rc_thread **cand, int n);

/* A thread polled: PCT lowers it below every other thread. */
void rc_strategy_polled(struct rc_thread *t);

/* ---- objects.c ---- */

/*
 * The model of the program's object at `addr` of `kind`, made at first
 * use (so static initializers work).  Ends the
 * schedule with a limit verdict when the table is full.
 */
struct rc_object *rc_object_get(const void *addr, int kind);

/* Forgets the model of `addr` (destroy). */
void rc_object_forget(const void *addr);

/* "mutex", "cond" ... */
const char *rc_kind_name(int kind);

/* ---- vtime.c ---- */

/* Whether `clock` reads virtual time (false: a CPU-time clock, passed through). */
bool rc_clock_virtual(clockid_t clock);

/* The absolute time `at` on `clock` as virtual ns (at most rc->now: passed). */
int64_t rc_deadline_abs(clockid_t clock, const struct timespec *at);

/* Virtual ns as a time of `clock`. */
struct timespec rc_clock_read(clockid_t clock);

/* ---- trace.c ---- */

/* Records one event of `t`. */
void rc_trace_add(const struct rc_thread *t, const char *call, int obj_kind, int obj_id,
                  uintptr_t where);

/* ---- where.c ---- */

/*
 * Writes "file:line" of the program's code at return address `ra` into
 * buf (or "?"), resolving with addr2line.  rc_where_batch() resolves many
 * at once first (one addr2line run); both may be called outside a
 * schedule only.
 */
void rc_where_batch(const uintptr_t *ra, int n);
const char *rc_where(uintptr_t ra);

/*
 * The name of the program's static variable at `addr` ("lock", or
 * "queue+40" inside one) into buf; false when `addr` is in none (heap,
 * stack).  Runs nm on /proc/self/exe once; outside a schedule only.
 */
bool rc_symbol(const void *addr, char *buf, size_t size);

/* ---- report.c ---- */

/*
 * Prints the verdict `kind` and `message` of the schedule in plain words
 * on stderr, with its threads (`threads`) and the trace's tail (in-process
 * mode).
 */
void rc_report_text(const char *kind, const char *message, bool threads);

/* rc_report_text()'s words, written to `out`. */
void rc_report_write(FILE *out, const char *kind, const char *message, bool threads);
/*
 * The command that replays the running schedule ("make replay EX=slug
 * TEST=name SEED=0x..."), when the test harness names the running test
 * and the strategy is the tests' own (random); NULL otherwise.  Static.
 */
const char *rc_report_replay_command(void);

/* ---- guard.c: the host program (a Criterion test binary) ---- */

/*
 * Whether the runtime is to stay off in this process: Criterion's
 * runner, which only starts the test processes (the harness says so,
 * harness/exit_guard.h).  False in every other program.
 */
bool rc_hook_stay_off(void);

/*
 * Whether this process is one of a Criterion binary's test processes (the
 * harness says so): RC_SCHED_RUNS then counts the schedules of its test,
 * run one after another from the test's start (harness/test_schedules.c),
 * and the process itself runs one schedule, not a fork server.
 */
bool rc_hook_test_process(void);

/*
 * Hands the in-process verdict (`kind`, rc->message) to the harness,
 * which fails the running test with it and ends the process; returns
 * false (and does nothing) when no harness takes it: the caller then
 * prints it on stderr.
 */
bool rc_hook_verdict(const char *kind);

/*
 * Appends to rc->message the wait-for cycle of a deadlock, if there is
 * one ("; wait-for cycle: thread 2 -> thread 3 -> thread 2").
 */
void rc_report_cycle(void);

/* The name of a runtime verdict: "deadlock", "busy-wait", "limit". */
const char *rc_verdict_name(int verdict);

/* A JSON value of the failure, per the contract (see forkserver.c). */
struct rc_failure {
    const char *kind;
    uint64_t seed;
    unsigned long schedule;
    const char *message;
    const char *output;
    size_t output_len;
    bool threads;               /* include the thread table */
};

/* Writes the whole report object to `path`; returns 0 or -1 (errno). */
int rc_report_json(const char *path, unsigned long schedules_run, const struct rc_failure *f);

/* ---- forkserver.c ---- */

/* Marks this process as a schedule's (a worker's): verdicts end it quietly. */
void rc_as_child(void);

/*
 * One schedule in the process: its real-time limit (RC_SCHED_WALL_S,
 * an alarm) starts again from now (rc_sched_restart()); otherwise nothing.
 */
void rc_wall_limit_restart(void);

/* ---- inprocess.c ---- */

/*
 * Whether schedules may run in a worker process, many in one: more than
 * one schedule, main in the executable itself, no libuv, and not
 * RC_SCHED_INPROCESS=0.
 */
bool rc_inprocess_usable(void);

/*
 * Runs schedules *next, *next + 1 ... in worker processes (fresh ones as
 * each retires).  Returns true when every schedule up to rc_cfg.runs
 * passed; false when schedule *next is to run in a child of its own (it
 * failed in the worker, or cannot run there), or no worker could start.
 * `argc`, `argv`, `envp` are main's; `self` is the runtime's constructor
 * (the constructors after it run before each schedule).
 */
bool rc_inprocess_run(unsigned long *next, int argc, char **argv, char **envp,
                      void (*self)(int, char **, char **));

/*
 * pthread_exit() of `self`: in a worker, main's ends the worker (the fork
 * server runs that schedule in a child of its own); otherwise returns.
 */
void rc_inprocess_thread_exit(const struct rc_thread *self);

#endif
