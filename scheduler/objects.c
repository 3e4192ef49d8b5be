/*
 * objects.c - the models of the program's synchronisation objects, in a
 * hash table keyed by the object's address, made at first use so that
 * static initializers (PTHREAD_MUTEX_INITIALIZER ...) need no init call.
 */
#include "rc_internal.h"

#include <stddef.h>

static const char *const kind_names[] = { "",     "mutex",  "cond", "sem",
                                            "rwlock", "barrier", "spin", "once",
                                            "thread" };

const char *rc_kind_name(int kind)
{
    return kind >= 0 && kind <= RC_O_THREAD ? kind_names[kind] : "?";
}

static unsigned bucket(const void *addr)
{
    uint64_t h = (uint64_t)(uintptr_t)addr * 0x9e3779b97f4a7c15ull;

    return (unsigned)(h >> 54) % RC_BUCKETS;
}

/* The mutex type a static initializer or pthread_mutex_init() left in `m`. */
static int mutex_type(const void *addr)
{
    const pthread_mutex_t *m = addr;

    switch (m->__data.__kind & 3) {
    case PTHREAD_MUTEX_RECURSIVE:
        return PTHREAD_MUTEX_RECURSIVE;
    case PTHREAD_MUTEX_ERRORCHECK:
        return PTHREAD_MUTEX_ERRORCHECK;
    default:
        return PTHREAD_MUTEX_NORMAL;
    }
}

struct rc_object *rc_object_get(const void *addr, int kind)
{
    struct rc_object **head = &rc->buckets[bucket(addr)];
    struct rc_object *o;

    for (o = *head; o; o = o->next)
        if (o->addr == addr && o->kind == kind)
            return o;
    if (rc->n_objects == RC_MAX_OBJECTS)
        rc_fail(RC_V_LIMIT, "more than %d mutexes, condition variables, semaphores and "
                "rwlocks in use", RC_MAX_OBJECTS);
    o = &rc->objects[rc->n_objects++];
    *o = (struct rc_object){ .addr = addr, .next = *head, .kind = kind,
                             .id = ++rc->obj_ids[kind] };
    if (kind == RC_O_MUTEX)
        o->type = mutex_type(addr);
    *head = o;
    return o;
}

void rc_object_forget(const void *addr)
{
    for (struct rc_object **p = &rc->buckets[bucket(addr)]; *p; p = &(*p)->next) {
        if ((*p)->addr == addr) {
            *p = (*p)->next;
            return;
        }
    }
}
