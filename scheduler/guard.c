/*
 * guard.c - the harness's exit guard (harness/exit_guard.c), when
 * a program links it beside the scheduler (a test binary does).  The
 * guard's wrappers of pthread_exit, pthread_cond_wait/timedwait and
 * pthread_mutex_lock are weak and the scheduler's replace them; these
 * functions ask the guard what its wrappers would have done.  Without
 * exit_guard.c its hooks are NULL and they do nothing.
 *
 * In a Criterion test binary the runner and the test processes are the
 * same program: the runtime stays off in the runner (rc_hook_stay_off),
 * and a verdict in a test process fails that test through the harness
 * (rc_hook_verdict).
 */
#define _GNU_SOURCE
#include "rc_wrap.h"
#include "../harness/exit_guard.h"

#include <stdio.h>

extern void rc_exit_guard_thread_exit(void) __attribute__((weak));
extern bool rc_exit_guard_spurious(void) __attribute__((weak));
extern double rc_exit_guard_late_s(void) __attribute__((weak));
extern double rc_exit_guard_delay_s(void) __attribute__((weak));

/* Virtual ns of `seconds` (0 when not above 0; capped at a day). */
static int64_t to_ns(double seconds)
{
    if (!(seconds > 0))
        return 0;
    if (seconds > 86400)
        seconds = 86400;
    return (int64_t)(seconds * 1e9);
}

void rc_hook_thread_exit(void)
{
    if (rc_exit_guard_thread_exit)
        rc_exit_guard_thread_exit();
}

bool rc_hook_spurious(void)
{
    return rc_exit_guard_spurious && rc_exit_guard_spurious();
}

int64_t rc_hook_late_ns(void)
{
    return rc_exit_guard_late_s ? to_ns(rc_exit_guard_late_s()) : 0;
}

int64_t rc_hook_delay_ns(void)
{
    return rc_exit_guard_delay_s ? to_ns(rc_exit_guard_delay_s()) : 0;
}

void rc_hook_sleep(struct rc_thread *self, int64_t ns, const char *call, uintptr_t where)
{
    if (ns <= 0)
        return;
    self->wait = RC_W_SLEEP;
    self->deadline = rc->now + ns;
    rc_point(self, call, NULL, where);
}

/* ---- the host program: Criterion's runner and its test processes ---- */

extern uintptr_t rc_fd_guard_caller(void) __attribute__((weak));

uintptr_t rc_hook_where(uintptr_t where)
{
    uintptr_t student = rc_fd_guard_caller ? rc_fd_guard_caller() : 0;

    return student ? student : where;
}

extern bool rc_exit_guard_stay_off(void) __attribute__((weak));
extern bool rc_exit_guard_test_process(void) __attribute__((weak));
extern void rc_exit_guard_verdict(const char *where, const char *summary,
                                  const char *details) __attribute__((weak));

bool rc_hook_stay_off(void)
{
    return rc_exit_guard_stay_off && rc_exit_guard_stay_off();
}

bool rc_hook_test_process(void)
{
    return rc_exit_guard_test_process && rc_exit_guard_test_process();
}

/* file:line of the running thread's last call, or "?". */
static const char *running_where(void)
{
    for (int i = 0; i < rc->n_slots; i++)
        if (rc->threads[i].id == rc->running && rc->threads[i].state != RC_T_FREE)
            return rc_where(rc->threads[i].where);
    return "?";
}

bool rc_hook_verdict(const char *kind)
{
    char *details = NULL, *summary = NULL, where[256];
    const char *replay;
    size_t len = 0;
    FILE *out;

    if (!rc_exit_guard_verdict)
        return false;
    snprintf(where, sizeof(where), "%s", running_where());
    out = open_memstream(&details, &len);
    if (!out)
        return false;
    rc_report_write(out, kind, rc->message, true);
    fclose(out);
    replay = rc_report_replay_command();
    if (asprintf(&summary, "%s: %s (the controlled scheduler stopped the test; its report "
                 "is in the test's output%s%s)", kind, rc->message,
                 replay ? "; replay it with every step: " : "", replay ? replay : "") < 0)
        summary = NULL;
    rc_exit_guard_verdict(where, summary ? summary : kind, details ? details : "");
    return true;
}
