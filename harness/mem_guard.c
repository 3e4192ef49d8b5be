/*
 * mem_guard.c - the student's mappings and coroutine stacks.
 *
 * The coroutines exercise allows mmap, munmap, mprotect and makecontext
 * (manifest key `allow`).  The grader renames them in the student's object
 * only (objcopy --redefine-sym, grader/build_profiles.c) to
 * rc_guard_NAME, defined here:
 *
 *   - mmap makes anonymous memory only, never executable (a file mapping
 *     needs a descriptor; executable memory would run code the inspection
 *     never saw): anything else fails with EACCES; mprotect likewise;
 *   - under Valgrind, a private anonymous mapping is a page-aligned heap
 *     block instead, and munmap frees it (a shared one, MAP_SHARED, stays
 *     a real mapping: process_pool's counter is shared with the processes
 *     the student's code forks, and its leak is watched by the resource
 *     check, harness/resource_check.h): memcheck's leak check follows malloc,
 *     not mmap, so an mmap'd stack that is never unmapped is then
 *     reported as lost, with the student's line that mapped it (a part of
 *     a mapping unmapped alone stays allocated until the rest is);
 *   - makecontext registers the stack it is given with Valgrind
 *     (VALGRIND_STACK_REGISTER), so that memcheck knows a switch to it is a
 *     stack switch (without it a correct program gets thousands of
 *     errors), and remembers its size for the tests (mem_guard.h).
 *
 * Outside Valgrind the client requests do nothing.
 */
#define _GNU_SOURCE
#include "mem_guard.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <ucontext.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND 1
#endif
#endif
#ifndef HAVE_VALGRIND
#define RUNNING_ON_VALGRIND 0
#define VALGRIND_STACK_REGISTER(s, e) 0u
#define VALGRIND_STACK_DEREGISTER(id) ((void)0)
#endif

/* Mappings and stacks followed at once; more are left to Valgrind alone. */
#define GUARD_BLOCKS 16384

/*
 * [start, end), both stored as hide(address), so that memcheck's leak
 * check does not count the tables as pointers to the blocks (it would
 * call a leaked stack "still reachable"); start 0: a free slot.
 */
typedef struct span {
    uintptr_t start, end;
    unsigned id;                /* Valgrind's stack id */
} span;

#define HIDE_MASK ((uintptr_t)0xa5a5a5a5a5a5a5a5ull)

static uintptr_t hide(uintptr_t address)
{
    return address ^ HIDE_MASK;
}

/*
 * A table of spans.  Only its first `used` slots were ever taken, and
 * every search stops there: the code runs under Valgrind, where a scan
 * of all 16384 slots at each munmap and makecontext cost a coroutine
 * driver more CPU than the rest of its run.
 */
typedef struct table {
    span slot[GUARD_BLOCKS];
    size_t used;
} table;

static table blocks;                /* mappings made from the heap */
static table stacks;                /* stacks registered with Valgrind */
static table shared;                /* shared mappings made under Valgrind */
static size_t last_stack_size;
static unsigned long stacks_made;

static span *free_slot(table *t)
{
    for (size_t i = 0; i < t->used; i++)
        if (!t->slot[i].start)
            return &t->slot[i];
    return t->used < GUARD_BLOCKS ? &t->slot[t->used++] : NULL;
}

static bool overlaps(const span *s, uintptr_t start, uintptr_t end)
{
    return s->start && hide(s->start) < end && start < hide(s->end);
}

/* Forgets the registered stacks that overlap [start, end). */
static void deregister_stacks(uintptr_t start, uintptr_t end)
{
    for (size_t i = 0; i < stacks.used; i++)
        if (overlaps(&stacks.slot[i], start, end)) {
            VALGRIND_STACK_DEREGISTER(stacks.slot[i].id);
            stacks.slot[i].start = 0;
        }
}

static bool refused(int prot)
{
    return prot & PROT_EXEC;
}

/*
 * Under Valgrind an anonymous mapping is made from the heap instead
 * (page-aligned, zeroed, like mmap's): memcheck scans every mapping as a
 * root of its leak check, so an abandoned stack in one, which holds
 * pointers into itself (saved frame pointers), would be "still
 * reachable"; a heap block is leaked when nothing outside it points to it.
 */
static void *heap_mapping(size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t rounded = (len + page - 1) / page * page;
    void *p = NULL;
    span *slot = free_slot(&blocks);

    if (!slot || rounded < len || posix_memalign(&p, page, rounded) != 0) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    memset(p, 0, rounded);
    slot->start = hide((uintptr_t)p);
    slot->end = hide((uintptr_t)p + rounded);
    return p;
}

/* Under Valgrind: a real shared mapping, remembered so that munmap knows it. */
static void *shared_mapping(size_t len, int prot, int flags)
{
    span *slot = free_slot(&shared);
    void *p;

    if (!slot) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    p = mmap(NULL, len, prot, flags, -1, 0);
    if (p != MAP_FAILED) {
        slot->start = hide((uintptr_t)p);
        slot->end = hide((uintptr_t)p + len);
    }
    return p;
}

/* Whether [start, end) is within shared mappings made here; forgets those it covers. */
static bool unmap_shared(uintptr_t start, uintptr_t end)
{
    bool found = false;

    for (size_t i = 0; i < shared.used; i++) {
        span *s = &shared.slot[i];

        if (!overlaps(s, start, end))
            continue;
        found = true;
        if (hide(s->start) >= start && hide(s->end) <= end)
            s->start = 0;
    }
    return found;
}

void *rc_guard_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
    if (refused(prot) || !(flags & MAP_ANONYMOUS) || (flags & MAP_FIXED)) {
        errno = EACCES;
        return MAP_FAILED;
    }
    if (RUNNING_ON_VALGRIND && (flags & MAP_SHARED))
        return shared_mapping(len, prot, flags);
    if (RUNNING_ON_VALGRIND)
        return heap_mapping(len);
    return mmap(addr, len, prot, flags, fd, offset);
}

void *rc_guard_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
    return rc_guard_mmap(addr, len, prot, flags, fd, offset);
}

int rc_guard_munmap(void *addr, size_t len)
{
    uintptr_t start = (uintptr_t)addr, end = start + len;
    bool found = false;

    if (!RUNNING_ON_VALGRIND)
        return munmap(addr, len);
    deregister_stacks(start, end);
    for (size_t i = 0; i < blocks.used; i++) {
        span *b = &blocks.slot[i];
        uintptr_t from = hide(b->start), to = hide(b->end);

        if (b->start && from >= start && to <= end) {
            mprotect((void *)from, to - from, PROT_READ | PROT_WRITE);   /* a guard page */
            free((void *)from);
            b->start = 0;
            found = true;
        } else if (b->start && from < end && start < to) {
            found = true;       /* part of a block: kept whole until it is unmapped */
        }
    }
    if (!found && unmap_shared(start, end))
        return munmap(addr, len);
    if (!found) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int rc_guard_mprotect(void *addr, size_t len, int prot)
{
    if (refused(prot)) {
        errno = EACCES;
        return -1;
    }
    return mprotect(addr, len, prot);
}

void rc_guard_makecontext(ucontext_t *ucp, void (*fn)(void), int argc, ...)
{
    uint64_t a[RC_CONTEXT_ARGS] = { 0 };
    uintptr_t start = (uintptr_t)ucp->uc_stack.ss_sp;
    uintptr_t end = start + ucp->uc_stack.ss_size;
    va_list ap;
    span *slot;

    va_start(ap, argc);
    for (int i = 0; i < argc && i < RC_CONTEXT_ARGS; i++)
        a[i] = va_arg(ap, uint64_t);
    va_end(ap);
    last_stack_size = ucp->uc_stack.ss_size;
    stacks_made++;
    if (RUNNING_ON_VALGRIND && start) {
        deregister_stacks(start, end);
        if ((slot = free_slot(&stacks)) != NULL) {
            slot->start = hide(start);
            slot->end = hide(end);
            slot->id = VALGRIND_STACK_REGISTER(start, end);
        }
    }
    if (argc > RC_CONTEXT_ARGS)
        argc = RC_CONTEXT_ARGS;
    makecontext(ucp, fn, argc, a[0], a[1], a[2], a[3], a[4], a[5]);
}

size_t rc_last_stack_size(void)
{
    return last_stack_size;
}

unsigned long rc_stacks_made(void)
{
    return stacks_made;
}
