/*
 * race_watchdog.c - a race driver that is stuck ends at once, and says where;
 * a driver that fails says what, in the same words (see "Race drivers" in
 * racecourse_test.h).
 *
 * Theory of operation: each thread of the driver has a slot (its name, the
 * call of the code under test it is in, since when); RC_CALL fills it and
 * counts progress.  The watchdog thread looks every TICK_S.  When progress
 * stopped, it waits: after RC_STUCK_QUIET_S / 2 without progress it notes
 * how long the other threads have been running or ready to run
 * (rc_runnable_others), and after RC_STUCK_QUIET_S it calls the driver
 * stuck when they ran less than a quarter of that time, i.e. they were
 * blocked, not starved of a CPU.  A driver whose threads keep running
 * without progress (a wait that spins, or a thread of the driver that
 * polls while the others are blocked) is stuck after RC_STUCK_LONG_S
 * without progress, whatever ran: no correct run of a driver goes that
 * long without one call returning, unless the machine is so loaded that
 * the race check's own timeout is at risk too.
 *
 * Everything shared here is read and written with relaxed atomics
 * (ThreadSanitizer sees no race and no ordering) and hidden from Helgrind
 * (which would otherwise report the watchdog's reads, or take a lock of
 * ours for an ordering of the student's data).  The process ends with
 * exit_group, not exit(): the exit guard would take exit() for the
 * student's, and the blocked threads must not run atexit handlers.
 */
#define _GNU_SOURCE
#include "racecourse_test.h"
#include "helgrind_hidden.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SLOTS 64
#define SHOWN 6                 /* threads named in the report */
#define TICK_S 0.1

typedef struct slot {
    const char *name;           /* NULL: "a thread" */
    int number;                 /* < 0: none */
    const char *call;           /* NULL: not in the code under test */
    long since_ms;              /* rc_now() in ms when it entered `call` */
} slot;

static struct {
    slot slots[SLOTS];
    unsigned used;              /* slots handed out */
    unsigned long progress;
    unsigned failures;          /* rc_driver_fail() calls */
} shared;

static __thread int my_slot = -1;

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* The calling thread's slot, or NULL when all are taken. */
static slot *own_slot(void)
{
    if (my_slot < 0) {
        unsigned i = __atomic_fetch_add(&shared.used, 1, __ATOMIC_RELAXED);

        my_slot = i < SLOTS ? (int)i : SLOTS;
        if (i < SLOTS) {
            STORE(shared.slots[i].number, -1);
        }
    }
    return my_slot < SLOTS ? &shared.slots[my_slot] : NULL;
}

void rc_progress(void)
{
    __atomic_fetch_add(&shared.progress, 1, __ATOMIC_RELAXED);
}

void rc_thread_name(const char *name, int number)
{
    slot *s = own_slot();

    if (s) {
        STORE(s->number, number);
        STORE(s->name, name);
    }
}

void rc_calling(const char *call)
{
    slot *s = own_slot();

    if (s) {
        STORE(s->since_ms, (long)(rc_now() * 1000));
        STORE(s->call, call);
    }
}

void rc_called(void)
{
    slot *s = own_slot();

    if (s)
        STORE(s->call, NULL);
    rc_progress();
}

/* Prints "race driver: consumer 2 is still inside bq_get (for 3.1 s)" lines. */
static void print_blocked(double now)
{
    unsigned used = LOAD(shared.used), shown = 0, more = 0;

    for (unsigned i = 0; i < used && i < SLOTS; i++) {
        const slot *s = &shared.slots[i];
        const char *call = LOAD(s->call), *name = LOAD(s->name);
        int number = LOAD(s->number);

        if (!call)
            continue;
        if (shown++ == SHOWN) {
            more++;
            continue;
        }
        fprintf(stderr, "race driver: %s", name ? name : "a thread");
        if (name && number >= 0)
            fprintf(stderr, " %d", number);
        fprintf(stderr, " is still inside %.*s (for %.1f s)\n", (int)strcspn(call, "("), call,
                now - (double)LOAD(s->since_ms) / 1000);
    }
    if (more)
        fprintf(stderr, "race driver: and %u more threads in your code\n", more);
    if (!shown)
        fprintf(stderr, "race driver: the driver's own threads are between calls of your "
                "functions: what waits is a thread your code started, or a callback it runs\n");
}

static void stuck(const char *why, double quiet_s)
{
    fprintf(stderr, "race driver: stuck: nothing progressed for %.1f s %s\n", quiet_s, why);
    print_blocked(rc_now());
    syscall(SYS_exit_group, RC_EXIT_STUCK);
}

static void *watchdog_main(void *arg)
{
    unsigned long seen = LOAD(shared.progress);
    double quiet_from = rc_now();
    double runnable_from = -1;          /* -1: not taken yet, or unknown */
    bool runnable_taken = false;

    (void)arg;
    for (;;) {
        unsigned long progress;
        double quiet;

        rc_sleep(TICK_S);
        progress = LOAD(shared.progress);
        if (progress != seen) {
            seen = progress;
            quiet_from = rc_now();
            runnable_taken = false;
            continue;
        }
        quiet = rc_now() - quiet_from;
        if (quiet >= RC_STUCK_LONG_S)
            stuck("(a deadlock, a wait that is never woken up, or a wait that spins)", quiet);
        if (quiet >= RC_STUCK_QUIET_S / 2 && !runnable_taken) {
            runnable_from = rc_runnable_others();
            runnable_taken = true;
        }
        if (quiet >= RC_STUCK_QUIET_S && runnable_from >= 0 &&
            rc_runnable_others() - runnable_from < (quiet - RC_STUCK_QUIET_S / 2) / 4)
            stuck("while every thread waited (a deadlock, or a wait that is never woken up)",
                  quiet);
    }
    return NULL;
}

int rc_watchdog_start(void)
{
    pthread_t watchdog;
    int err;

    VALGRIND_HG_DISABLE_CHECKING(&shared, sizeof shared);
    err = pthread_create(&watchdog, NULL, watchdog_main, NULL);
    if (err == 0)
        pthread_detach(watchdog);
    return err;
}

int rc_driver_fail(const char *format, ...)
{
    char message[512];
    va_list args;

    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    fprintf(stderr, "race driver: %s\n", message);
    __atomic_fetch_add(&shared.failures, 1, __ATOMIC_RELAXED);
    return 1;
}

int rc_driver_failures(void)
{
    return (int)LOAD(shared.failures);
}
