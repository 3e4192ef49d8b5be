/*
 * strategy.c - which runnable thread goes on: a random walk, or PCT
 * (Burckhardt et al., ASPLOS 2010).
 *
 * PCT: every thread gets a random priority above `depth` when it starts;
 * the highest-priority runnable thread runs; at d-1 change points, steps
 * chosen at random among the first k after the schedule's start (or
 * restart: rc_sched_restart()), the running thread's priority drops to d-i.  PCT's k is the length of a schedule; since a seed alone must
 * replay a schedule, k is not learnt from earlier schedules but drawn per
 * schedule from the seed, log-uniformly in 16..4096.  A thread that polls
 * (yield, failed trylock ...) drops below every other one, so that a spin
 * loop does not starve the thread it waits for.
 */
#include "rc_internal.h"

void rc_strategy_start(void)
{
    uint64_t k = 16ull << rc_below(9);

    rc->pct_low = 0;
    for (int i = 0; i < 8; i++)
        rc->pct_change[i] = i < rc_cfg.depth - 1 ? rc->steps + 1 + rc_below(k) : 0;
}

void rc_strategy_new_thread(struct rc_thread *t)
{
    t->prio = rc_cfg.depth + 1 + (int64_t)(rc_random() >> 4);
}

/* PCT: at a change point, the running thread drops to d-i. */
static void pct_change_point(void)
{
    for (int i = 0; i < rc_cfg.depth - 1; i++) {
        if (rc->pct_change[i] != rc->steps)
            continue;
        for (int j = 0; j < rc->n_slots; j++)
            if (rc->threads[j].id == rc->running)
                rc->threads[j].prio = rc_cfg.depth - 1 - i;
    }
}

struct rc_thread *rc_strategy_choose(struct rc_thread **cand, int n)
{
    struct rc_thread *best;

    rc->choices += n > 1;
    if (!rc_cfg.pct)
        return cand[rc_below((uint64_t)n)];
    pct_change_point();
    best = cand[0];
    for (int i = 1; i < n; i++)
        if (cand[i]->prio > best->prio)
            best = cand[i];
    return best;
}

void rc_strategy_polled(struct rc_thread *t)
{
    t->prio = --rc->pct_low;
}
