/*
 * api.c - rc_sched.h.
 */
#include "rc_sched.h"
#include "rc_internal.h"

bool rc_sched_active(void)
{
    return rc_enter() != NULL;
}

int64_t rc_sched_now_ns(void)
{
    return rc_enter() ? rc->now : 0;
}

int rc_sched_thread(void)
{
    struct rc_thread *self = rc_enter();

    return self ? self->id : 0;
}

uint64_t rc_sched_seed(void)
{
    return rc ? rc->seed : 0;
}

unsigned long rc_sched_steps(void)
{
    return rc ? rc->steps : 0;
}
