/*
 * exit_guard.c - keeps code under test from ending a test "successfully".
 *
 * Test binaries and race drivers are linked with
 *     -Wl,--wrap=exit,--wrap=_exit,--wrap=_Exit,--wrap=quick_exit,--wrap=pthread_exit
 * so that every call of these functions from the objects being linked
 * (the student's file among them) lands here.  exit() and its relatives
 * end the process with RC_EXIT_CALLED, which the grader reports as "your
 * code called exit()": an exit(0) can never pass for a test that ran to
 * its end.  pthread_exit() is left alone on the threads the code started,
 * but on the test's own thread it would end the test silently (and leave
 * the test process waiting for nothing), so there it counts as exit().
 */
#include "racecourse_test.h"

#include <pthread.h>
#include <stdbool.h>

extern void __real__exit(int status) __attribute__((noreturn));
extern void __real_pthread_exit(void *value) __attribute__((noreturn));

void __wrap_exit(int status) __attribute__((noreturn));
void __wrap__exit(int status) __attribute__((noreturn));
void __wrap__Exit(int status) __attribute__((noreturn));
void __wrap_quick_exit(int status) __attribute__((noreturn));
void __wrap_pthread_exit(void *value) __attribute__((noreturn));

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

void __wrap_pthread_exit(void *value)
{
    if (pthread_equal(pthread_self(), guarded_thread))
        __real__exit(RC_EXIT_CALLED);
    __real_pthread_exit(value);
}
