/*
 * exit_guard.c - keeps code under test from ending a test "successfully".
 *
 * Test binaries and race drivers are linked with
 *     -Wl,--wrap=exit,--wrap=_exit,--wrap=_Exit,--wrap=quick_exit,--wrap=pthread_exit
 * (the list: harness/wraps/exit.txt, read by grader/build_profiles.c)
 * so that every call of these functions from the objects being linked
 * (the student's file among them) lands here.  exit() and its relatives
 * end the process with RC_EXIT_CALLED, which the grader reports as "your
 * code called exit()": an exit(0) can never pass for a test that ran to
 * its end.  pthread_exit() is left alone on the threads the code started,
 * but on the test's own thread it would end the test silently (and leave
 * the test process waiting for nothing), so there it counts as exit().
 *
 * A crash is the other way a test ends early.  rc_catch_crashes() makes
 * a test that crashes in the kit's own code (the test file, or a library
 * function the test file called) end with RC_EXIT_KIT_CRASH + the signal,
 * which the grader reports as a bug of the kit, never of the student's
 * code; any other crash goes on to kill the test as before.  The kit's
 * code is told from the student's by where the linker put it: the test
 * file, test_support.o and this file come first (grader/build_profiles.c), the
 * student's object after them, so the kit's code ends at
 * rc_kit_code_end(), near the end of this file (-O0 keeps source order).
 *
 * The wrappers at the end of this file give the code under test a
 * spurious wake-up or a late lock when a test asks for one
 * (rc_spurious_wakeups, rc_delay_locks), or locks that never sleep in the
 * mutex (rc_locks_never_sleep).
 */
#define _GNU_SOURCE
#include "racecourse_test.h"
#include "exit_guard.h"
#include "helgrind_hidden.h"

#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <linux/futex.h>

extern void __real__exit(int status) __attribute__((noreturn));
extern void __real_pthread_exit(void *value) __attribute__((noreturn));

void __wrap_exit(int status) __attribute__((noreturn));
void __wrap__exit(int status) __attribute__((noreturn));
void __wrap__Exit(int status) __attribute__((noreturn));
void __wrap_quick_exit(int status) __attribute__((noreturn));
void __wrap_pthread_exit(void *value) __attribute__((noreturn, weak));

static pthread_t guarded_thread;    /* the thread that runs the test */

__attribute__((constructor)) static void guard_main_thread(void)
{
    guarded_thread = pthread_self();
}

void rc_guard_this_thread(void)
{
    guarded_thread = pthread_self();
}

void __wrap_exit(int status)
{
    (void)status;
    __real__exit(RC_EXIT_CALLED);
}

void __wrap__exit(int status)
{
    (void)status;
    __real__exit(RC_EXIT_CALLED);
}

void __wrap__Exit(int status)
{
    (void)status;
    __real__exit(RC_EXIT_CALLED);
}

void __wrap_quick_exit(int status)
{
    (void)status;
    __real__exit(RC_EXIT_CALLED);
}

void rc_exit_guard_thread_exit(void)
{
    if (pthread_equal(pthread_self(), guarded_thread))
        __real__exit(RC_EXIT_CALLED);
}

/*
 * Weak, like the condition and lock wrappers below: in a program that
 * links the controlled scheduler too, its wrapper replaces this one and
 * calls rc_exit_guard_thread_exit() itself (exit_guard.h).
 */
void __wrap_pthread_exit(void *value)
{
    rc_exit_guard_thread_exit();
    __real_pthread_exit(value);
}

/* ---- the controlled scheduler's host (scheduler/guard.c) --------------- */

/*
 * Weak: race drivers and the student's coverage build link this file
 * without Criterion or without print_guard.c.
 */
#pragma weak criterion_current_test
#pragma weak criterion_send_assert
extern int rc_print_test_output(const char *data, size_t len) __attribute__((weak));

const char *rc_exit_guard_replay_command(void)
{
    static const char public_suffix[] = "_public";
    static char command[256];
    const char *suite;
    size_t len;

    if (&criterion_current_test == NULL || !criterion_current_test)
        return NULL;
    /* The hidden tests' suite is the exercise's slug, the public tests' SLUG_public. */
    suite = criterion_current_test->category;
    len = strlen(suite);
    if (len > sizeof public_suffix - 1 &&
        !strcmp(suite + len - (sizeof public_suffix - 1), public_suffix))
        len -= sizeof public_suffix - 1;
    snprintf(command, sizeof command, "make replay EX=%.*s TEST=%s", (int)len, suite,
             criterion_current_test->name);
    return command;
}

bool rc_exit_guard_stay_off(void)
{
    return &criterion_current_test != NULL && !getenv("BXFI_MAP");
}

bool rc_exit_guard_test_process(void)
{
    return &criterion_current_test != NULL && getenv("BXFI_MAP");
}

void rc_exit_guard_verdict(const char *where, const char *summary, const char *details)
{
    static char file[256];
    const char *colon = strrchr(where, ':');
    struct criterion_assert_stats failure = { .message = summary, .passed = false,
                                              .file = "scheduler" };

    if (colon && colon > where && atoi(colon + 1) > 0) {
        snprintf(file, sizeof file, "%.*s", (int)(colon - where), where);
        failure.file = file;
        failure.line = (unsigned)atoi(colon + 1);
    }
    if (!rc_print_test_output || !rc_print_test_output(details, strlen(details)))
        fputs(details, stderr);
    if (criterion_send_assert && &criterion_current_test && criterion_current_test)
        criterion_send_assert(&failure);
    fflush(stderr);
    __real__exit(1);
}

/* ---- crashes ----------------------------------------------------------- */

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static struct sigaction previous[sizeof crash_signals / sizeof crash_signals[0]];

extern const char __executable_start[], etext[];
void rc_kit_code_end(void);

static bool in_program(uintptr_t pc)
{
    return pc >= (uintptr_t)__executable_start && pc < (uintptr_t)etext;
}

/* The faulting instruction's address, 0 when this machine is not known. */
static uintptr_t fault_pc(const void *context)
{
    const ucontext_t *uc = context;

#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
}

/*
 * The innermost code of the program itself (not of a library) on the
 * crashed thread's stack: the faulting instruction, or when that is in a
 * library (a NULL passed to free(), abort()), the program's code that
 * called it.  0 when none is found.
 */
static uintptr_t innermost_program_code(const void *context)
{
    void *frames[64];
    uintptr_t pc = fault_pc(context);
    int n, i = 0;

    if (pc == 0 || in_program(pc))
        return pc;
    n = backtrace(frames, 64);
    while (i < n && (uintptr_t)frames[i] != pc)    /* this handler's own frames */
        i++;
    for (; i < n; i++)
        if (in_program((uintptr_t)frames[i]))
            return (uintptr_t)frames[i];
    return 0;
}

static void on_crash(int sig, siginfo_t *info, void *context)
{
    uintptr_t pc = innermost_program_code(context);

    if (pc && pc < (uintptr_t)rc_kit_code_end)
        __real__exit(RC_EXIT_KIT_CRASH + sig);
    for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++) {
        if (crash_signals[i] != sig)
            continue;
        if (previous[i].sa_flags & SA_SIGINFO)
            previous[i].sa_sigaction(sig, info, context);
        else if (previous[i].sa_handler != SIG_DFL && previous[i].sa_handler != SIG_IGN)
            previous[i].sa_handler(sig);
    }
    raise(sig);     /* the default action again (SA_RESETHAND) */
}

void rc_catch_crashes(void)
{
    struct sigaction action;
    void *frame;

    backtrace(&frame, 1);       /* loads the unwinder now, not in the handler */
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_crash;
    action.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
        sigaction(crash_signals[i], &action, &previous[i]);
}

/* The end of the kit's code (see the top of this file): only wrappers follow. */
void rc_kit_code_end(void)
{
}

/*
 * ---- spurious wake-ups and late locks on demand, after the kit's code ---
 *
 * Below rc_kit_code_end() on purpose: these wrappers only pass the code
 * under test's calls on, and a crash under them (a bad mutex, say) is that
 * code's, not the kit's.  The grader links test programs and race drivers
 * with --wrap for pthread_cond_wait, pthread_cond_timedwait and
 * pthread_mutex_lock (harness/wraps/tests.txt), so those calls of the code
 * under test come here.  The weak references keep programs linked without
 * those options (the student's coverage build) linking: there nothing calls
 * the wrappers.  The wrappers
 * are weak too: a program that links the controlled scheduler as well gets
 * the scheduler's, which ask rc_exit_guard_spurious(),
 * rc_exit_guard_late_s() and rc_exit_guard_delay_s() (exit_guard.h).
 */
extern int __real_pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex)
    __attribute__((weak));
extern int __real_pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                                         const struct timespec *abstime) __attribute__((weak));
extern int __real_pthread_mutex_lock(pthread_mutex_t *mutex) __attribute__((weak));
int __wrap_pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex)
    __attribute__((weak));
int __wrap_pthread_mutex_lock(pthread_mutex_t *mutex) __attribute__((weak));
int __wrap_pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                                  const struct timespec *abstime) __attribute__((weak));

static _Thread_local int spurious_left;     /* this thread's waits to cut short */
static _Thread_local double lock_delay_s;   /* this thread's sleep before each lock */
static _Thread_local double late_wakeup_s;  /* this thread's pause after each wake-up */
static _Thread_local double lock_hold_s;    /* this thread's sleep after each lock */
static _Thread_local bool hold_until_waited;    /* lock_hold_s is then the longest hold */
static bool locks_never_sleep;              /* every thread's, inherited by fork */
static unsigned long late_waits;            /* waits begun by threads with late_wakeup_s */

void rc_spurious_wakeups(int n)
{
    spurious_left = n > 0 ? n : 0;
}

/*
 * Whether this wait wakes up at once, with no signal.  The mutex stays
 * held (as if let go and taken again with nobody in between), so the
 * condition the caller saw false is still false when the wait returns.
 */
bool rc_exit_guard_spurious(void)
{
    if (spurious_left == 0)
        return false;
    spurious_left--;
    return true;
}

void rc_late_wakeups(double seconds)
{
    late_wakeup_s = seconds > 0 ? seconds : 0;
    VALGRIND_HG_DISABLE_CHECKING(&late_waits, sizeof late_waits);
}

unsigned long rc_late_waits_begun(void)
{
    VALGRIND_HG_DISABLE_CHECKING(&late_waits, sizeof late_waits);
    return __atomic_load_n(&late_waits, __ATOMIC_RELAXED);
}

/* Counts a wait about to begin, when the calling thread's wake-ups are late. */
static void count_late_wait(void)
{
    if (late_wakeup_s > 0)
        __atomic_fetch_add(&late_waits, 1, __ATOMIC_RELAXED);
}

double rc_exit_guard_late_s(void)
{
    return late_wakeup_s;
}

/*
 * A woken thread that gets its mutex back late: it lets the mutex go,
 * sleeps, and takes it again, which POSIX allows (any thread may take the
 * mutex between the wake-up and the waiter's return).  Returns `rc`.
 */
static int wake_up_late(pthread_mutex_t *mutex, int rc)
{
    if (late_wakeup_s > 0) {
        pthread_mutex_unlock(mutex);
        rc_sleep(late_wakeup_s);
        __real_pthread_mutex_lock(mutex);
    }
    return rc;
}

int __wrap_pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex)
{
    if (rc_exit_guard_spurious())
        return 0;
    count_late_wait();
    return wake_up_late(mutex, __real_pthread_cond_wait(cond, mutex));
}

int __wrap_pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                                  const struct timespec *abstime)
{
    if (rc_exit_guard_spurious())
        return 0;
    count_late_wait();
    return wake_up_late(mutex, __real_pthread_cond_timedwait(cond, mutex, abstime));
}

void rc_delay_locks(double seconds)
{
    lock_delay_s = seconds > 0 ? seconds : 0;
}

double rc_exit_guard_delay_s(void)
{
    return lock_delay_s;
}

void rc_hold_locks(double seconds)
{
    lock_hold_s = seconds > 0 ? seconds : 0;
    hold_until_waited = false;
}

void rc_hold_locks_until_waited(double most_s)
{
    rc_hold_locks(most_s);
    hold_until_waited = true;
}

void rc_locks_never_sleep(bool on)
{
    locks_never_sleep = on;
}

/*
 * Takes `mutex` with trylock, pausing between tries while another thread
 * holds it: nobody ever sleeps on the mutex's futex, so nobody needs its
 * holder to wake them.  A mutex the caller holds itself is locked as
 * usual (EDEADLK for an error-checking one, a deadlock for a normal one).
 * Returns the first answer that is not "taken" (0, EOWNERDEAD ...).
 */
static int lock_by_trying(pthread_mutex_t *mutex)
{
    int rc;

    while ((rc = pthread_mutex_trylock(mutex)) == EBUSY) {
        if (mutex->__data.__owner == gettid())
            return __real_pthread_mutex_lock(mutex);
        rc_sleep(0.00005);
    }
    return rc;
}

/* glibc's kinds of mutex whose lock word holds the owner's thread id. */
#define MUTEX_KIND_ROBUST 16            /* PTHREAD_MUTEX_ROBUST_NORMAL_NP */
#define MUTEX_KIND_PRIO_INHERIT 32      /* PTHREAD_MUTEX_PRIO_INHERIT_NP */

/*
 * Whether `mutex` is marked as waited for: glibc marks it in its lock
 * word before a thread or process sleeps on it, as 2 for a normal,
 * error-checking or recursive mutex, as the FUTEX_WAITERS bit beside the
 * holder's thread id for a robust or priority-inheriting one.  The mark
 * stays until the mutex is next free, so a holder that was itself woken
 * finds it too.
 */
static bool has_waiter(pthread_mutex_t *mutex)
{
    unsigned word = (unsigned)__atomic_load_n(&mutex->__data.__lock, __ATOMIC_RELAXED);

    if (mutex->__data.__kind & (MUTEX_KIND_ROBUST | MUTEX_KIND_PRIO_INHERIT))
        return word & FUTEX_WAITERS;
    return word == 2;
}

/* After a lock: holds the mutex as rc_hold_locks() or rc_hold_locks_until_waited() said. */
static void hold(pthread_mutex_t *mutex)
{
    double until;

    if (!hold_until_waited) {
        rc_sleep(lock_hold_s);
        return;
    }
    until = rc_now() + lock_hold_s;
    while (!has_waiter(mutex) && rc_now() < until)
        rc_sleep(0.001);
}

int __wrap_pthread_mutex_lock(pthread_mutex_t *mutex)
{
    int rc;

    rc_sleep(lock_delay_s);
    if (locks_never_sleep)
        rc = lock_by_trying(mutex);
    else
        rc = __real_pthread_mutex_lock(mutex);
    if (rc == 0 && lock_hold_s > 0)
        hold(mutex);
    return rc;
}
