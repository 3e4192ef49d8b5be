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

unsigned long rc_sched_choices(void)
{
    return rc ? rc->choices : 0;
}

unsigned long rc_sched_runs(void)
{
    return rc_enter() ? rc_cfg.runs : 1;
}

int rc_sched_restart(uint64_t seed)
{
    struct rc_thread *self = rc_enter();

    if (!self)
        return -1;
    for (int i = 0; i < rc->n_slots; i++)
        if (rc->threads[i].state == RC_T_ALIVE && &rc->threads[i] != self)
            return -1;
    rc->seed = seed;
    rc->prng = seed;
    rc->choices = 0;
    rc_strategy_start();
    rc_strategy_new_thread(self);
    rc_wall_limit_restart();
    return 0;
}
