/*
 * resource_driver.c - the resource check of process_pool (manifest:
 * check = resources).
 *
 * The exercise's concurrency is between processes, so Helgrind has nothing
 * to watch.  What a pool can get wrong that no result shows is what it
 * leaves behind: a worker never waited for (a zombie) or never stopped, a
 * pipe end never closed, the shared counter never unmapped.  So the driver
 * creates, uses and destroys pools, round after round, and after each
 * pool_destroy compares the process with a snapshot taken before
 * pool_create (harness/resource_check.h): no child left, the same
 * descriptors, no new shared mapping.  Each difference is reported as a
 * record that the grader reads from Valgrind's XML report
 * (grader/resource_report.c) and words for the student.
 *
 * The rounds vary what a pool goes through: 1 to 5 workers, maps of 0 to
 * 80 items, items that end their worker (SIGSEGV, SIGKILL, exit()), a
 * pool destroyed right after pool_create, one destroyed while a worker
 * that was replaced had died idle, several maps on one pool; first, a
 * pool whose workers always contend on the counter's mutex.
 *
 * The driver runs under memcheck: the parent must make no invalid access
 * and leak no block.  The workers are forked under Valgrind and stay under
 * it, but with --child-silent-after-fork=yes: a worker is a copy of the
 * parent that ends with _exit, its "leaks" are the parent's live blocks,
 * so only the parent's errors count (and the workers skip memcheck's leak
 * search: rc_children_skip_leak_search).
 *
 * A pool that hangs (a worker's death never noticed, a worker asleep on a
 * mutex that is not PTHREAD_PROCESS_SHARED, a message never sent whole)
 * ends the driver within seconds, not at the check's time limit: a thread
 * of the driver (watch_main) stops it once no call of the pool returned
 * and no worker finished an item for STALL_S, and says which call hangs.
 * Not the harness's watchdog (rc_watchdog_start): it calls a driver stuck
 * from how long the driver's own threads were runnable, while here the
 * work is done in other processes, and its thread never ends, which
 * memcheck would report as a leak of the parent.
 *
 * The driver checks the results too (a stub or a wrong pool fails here as
 * it fails the tests).  Exits with RC_EXIT_PASSED after the record
 * kind=done when every round ran with right results, 1 otherwise (with a
 * message on stderr).
 */
#define _GNU_SOURCE
#include "process_pool.h"
#include "racecourse_test.h"
#include "resource_check.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The rounds, by number: round r's pool is variant r % 6 of run_round's
 * tables, destroyed unused when r % 4 == 1, given a second map when
 * r % 3 == 2; its items' values start at r, and which way a crashing item
 * ends its worker turns with r.  Rounds 6, 8 and 10 are left out: each
 * would repeat round 0, 2 or 4 (the same pool, maps and crashes), only
 * with other values.  CREATE_FAILS numbers the last pool, which
 * pool_create refuses: the number after the last round's.
 */
static const unsigned rounds[] = { 0, 1, 2, 3, 4, 5, 7, 9, 11 };
#define ROUNDS (sizeof rounds / sizeof rounds[0])
#define CREATE_FAILS (rounds[ROUNDS - 1] + 1)
#define MAX_ITEMS 80

/* Items that end the worker which runs them. */
#define ITEM_SEGV (-1000)
#define ITEM_KILL (-2000)
#define ITEM_EXIT (-3000)

/*
 * No progress for this long is a hang.  The reference's longest quiet
 * time is in the contended round, whose items each hold the mutex 0.1 s:
 * 4 s is forty such holds, room for a loaded machine under memcheck.
 */
#define STALL_S 4.0
#define WATCH_TICK_S 0.05

static int failures;

/* What the watch sees of the driver's progress. */
static struct {
    atomic_ulong *items;            /* items the workers finished: shared memory */
    atomic_ulong calls;             /* calls of the pool that returned */
    _Atomic(const char *) call;     /* the call main is in (its source text), or NULL */
    atomic_bool over;
    pthread_t thread;
} watch;

/* A call of the pool, watched: POOL_CALL for a value, POOL_DO for any call. */
#define POOL_CALL(expr)                                                   \
    __extension__ ({                                                      \
        atomic_store(&watch.call, #expr);                                 \
        __typeof__(expr) pool_value_ = (expr);                            \
        atomic_store(&watch.call, NULL);                                  \
        atomic_fetch_add(&watch.calls, 1);                                \
        pool_value_;                                                      \
    })
#define POOL_DO(expr)                                                     \
    do {                                                                  \
        atomic_store(&watch.call, #expr);                                 \
        (expr);                                                           \
        atomic_store(&watch.call, NULL);                                  \
        atomic_fetch_add(&watch.calls, 1);                                \
    } while (0)

static void expect(int ok, unsigned round, const char *what)
{
    if (!ok) {
        fprintf(stderr, "resource driver: round %u: %s\n", round, what);
        failures++;
    }
}

/*
 * Runs in the workers.  The crashing items put back the default action
 * first: the harness's crash handler (exit_guard.c) would otherwise turn
 * a crash in the kit's code into an exit.
 */
static long work(long x)
{
    if (x == ITEM_SEGV) {
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
    }
    if (x == ITEM_KILL)
        raise(SIGKILL);
    if (x == ITEM_EXIT)
        exit(3);
    atomic_fetch_add(watch.items, 1);
    return 3 * x + 1;
}

/*
 * Ends the driver as the harness's watchdog does (race_watchdog.c): the
 * grader reports exit status RC_EXIT_STUCK as a timeout, with these words.
 */
static void stuck(double quiet_s)
{
    const char *call = atomic_load(&watch.call);

    if (call)
        fprintf(stderr, "race driver: stuck: nothing progressed for %.1f s: %s has not "
                "returned, and no worker finished an item meanwhile (a worker's death never "
                "noticed, a worker asleep on a mutex that is not PTHREAD_PROCESS_SHARED, or a "
                "message never sent whole?)\n", quiet_s, call);
    else
        fprintf(stderr, "race driver: stuck: nothing progressed for %.1f s between calls of "
                "the pool\n", quiet_s);
    rc_skip_leak_search();      /* what the pool still uses is no leak */
    syscall(SYS_exit_group, RC_EXIT_STUCK);
}

static void *watch_main(void *arg)
{
    unsigned long seen = 0;
    double quiet_from = rc_now();

    (void)arg;
    while (!atomic_load(&watch.over)) {
        unsigned long now = atomic_load(watch.items) + atomic_load(&watch.calls);

        if (now != seen) {
            seen = now;
            quiet_from = rc_now();
        } else if (rc_now() - quiet_from >= STALL_S) {
            stuck(rc_now() - quiet_from);
        }
        rc_sleep(WATCH_TICK_S);
    }
    return NULL;
}

/* Maps the item counter the workers share and starts the watch; 0 or an errno value. */
static int watch_start(void)
{
    watch.items = mmap(NULL, sizeof *watch.items, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (watch.items == MAP_FAILED)
        return errno;
    atomic_init(watch.items, 0);
    return pthread_create(&watch.thread, NULL, watch_main, NULL);
}

/* Ends the watch (a thread still running at the end would be a leak for memcheck). */
static void watch_stop(void)
{
    atomic_store(&watch.over, true);
    pthread_join(watch.thread, NULL);
}

static int expected_status(long x)
{
    return x == ITEM_SEGV ? SIGSEGV : x == ITEM_KILL ? SIGKILL : x == ITEM_EXIT ? -1 : 0;
}

/* One map of `n` items on `p`; every `crash_every`th item (0: none) ends its worker. */
static void map_once(pool *p, unsigned round, size_t n, size_t crash_every)
{
    static const long crashes[] = { ITEM_SEGV, ITEM_KILL, ITEM_EXIT };
    static long in[MAX_ITEMS], out[MAX_ITEMS];
    static int status[MAX_ITEMS];
    const long *items = n ? in : NULL;     /* n == 0: pool_map(p, NULL, 0, NULL, NULL) */
    long *results = n ? out : NULL;
    int *statuses = n ? status : NULL, err;

    for (size_t i = 0; i < n; i++) {
        in[i] = (long)(i + round);
        if (crash_every && i % crash_every == crash_every - 1)
            in[i] = crashes[(i / crash_every + round) % 3];
        out[i] = -1;
        status[i] = 12345;
    }
    err = POOL_CALL(pool_map(p, items, n, results, statuses));
    expect(err == 0, round, "pool_map did not return 0");
    if (err)
        return;
    for (size_t i = 0; i < n; i++) {
        int want = expected_status(in[i]);

        expect(status[i] == want, round, "an item's status is wrong");
        expect(out[i] == (want ? 0 : 3 * in[i] + 1), round, "an item's result is wrong");
    }
}

/* One round; -1 when /proc could not be read. */
static int run_round(unsigned round)
{
    static const unsigned workers[] = { 1, 2, 3, 4, 5, 2 };
    static const size_t items[] = { 0, 1, 17, 40, 80, 23 };
    static const size_t crash_every[] = { 0, 7, 0, 11, 29, 9 };
    rc_resources before;
    unsigned variant = round % 6;
    pool *p;

    if (rc_resources_snapshot(&before) != 0)
        return -1;
    p = POOL_CALL(pool_create(workers[variant], work));
    expect(p != NULL, round, "pool_create returned NULL");
    if (p) {
        if (round % 4 != 1)             /* 1 in 4: destroyed unused */
            map_once(p, round, items[variant], crash_every[variant]);
        if (round % 3 == 2)             /* a second map on the same pool */
            map_once(p, round, items[(variant + 2) % 6], crash_every[(variant + 1) % 6]);
        POOL_DO(pool_destroy(p));
    }
    return rc_resources_compare(&before, round) < 0 ? -1 : 0;
}

/*
 * A first pool whose two workers hold the counter's mutex after each lock
 * until the other waits for it, 0.1 s at most (rc_hold_locks_until_waited,
 * inherited by the workers): they contend on it in every run, not only
 * when the scheduler happens to run them at the same instant.  Each of
 * the six items holds it until then, so until the other worker waits it
 * is taken for most of 0.6 s, and a worker's first lock, even a late one,
 * finds it taken.  A mutex made without PTHREAD_PROCESS_SHARED then hangs
 * the driver on every run (its waiter is never woken), so the check's
 * verdict does not depend on luck; a shared one lets the round end as
 * soon as the workers met.
 */
static void contended_round(void)
{
    pool *p;

    rc_hold_locks_until_waited(0.1);
    p = POOL_CALL(pool_create(2, work));
    expect(p != NULL, 0, "pool_create returned NULL");
    if (p) {
        map_once(p, 0, 6, 0);
        POOL_DO(pool_destroy(p));
    }
    rc_hold_locks(0);
}

int main(void)
{
    int err;

    /* What the workers inherit must not be printed twice. */
    setvbuf(stdout, NULL, _IONBF, 0);
    if ((err = rc_children_skip_leak_search()) != 0) {
        fprintf(stderr, "resource driver: pthread_atfork: %s\n", strerror(err));
        return 2;
    }
    if ((err = watch_start()) != 0) {
        fprintf(stderr, "resource driver: cannot start the watch: %s\n", strerror(err));
        return 2;
    }
    contended_round();
    for (size_t i = 0; i < ROUNDS; i++)
        if (run_round(rounds[i]) != 0) {
            fprintf(stderr, "resource driver: /proc could not be read: %s\n", strerror(errno));
            return 2;
        }
    /* A failed pool_create leaves nothing either. */
    {
        rc_resources before;

        if (rc_resources_snapshot(&before) == 0) {
            errno = 0;
            expect(pool_create(0, work) == NULL && errno == EINVAL, CREATE_FAILS,
                   "pool_create(0, fn) did not fail with EINVAL");
            expect(pool_create(2, NULL) == NULL, CREATE_FAILS, "pool_create(2, NULL) did not fail");
            rc_resources_compare(&before, CREATE_FAILS);
        }
    }
    watch_stop();
    if (failures) {
        fprintf(stderr, "resource driver: %d wrong result%s\n", failures,
                failures == 1 ? "" : "s");
        return 1;
    }
    rc_resource_report("kind=done rounds=%zu", ROUNDS + 1);
    return RC_EXIT_PASSED;
}
