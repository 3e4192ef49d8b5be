/*
 * trace.c - the events of a schedule, in a ring of RC_TRACE_CAP.
 */
#include "rc_internal.h"

void rc_trace_add(const struct rc_thread *t, const char *call, int obj_kind, int obj_id,
                  uintptr_t where)
{
    struct rc_event *e = &rc->trace[rc->n_events++ % RC_TRACE_CAP];

    e->call = call;
    e->where = where;
    e->time = rc->now;
    e->thread = (uint16_t)t->id;
    e->obj_kind = (uint8_t)obj_kind;
    e->obj_id = (uint32_t)obj_id;
}
