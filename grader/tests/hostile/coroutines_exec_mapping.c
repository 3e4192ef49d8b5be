/*
 * coroutines_exec_mapping.c - a hostile coroutines submission: the stub,
 * except that co_create (which every test calls first) tries to run
 * machine code of its own with the mmap and mprotect this exercise is
 * allowed for its stacks.  The code is `exit_group(42)`: 42 is the status
 * a test body that ran to its end exits with, so each test would be
 * reported passed without checking anything, and the inspection of the
 * object (no system-call instruction in its code) never sees the bytes,
 * which sit in read-only data.  The memory guard (harness/
 * mem_guard.c) refuses executable mappings (mmap with PROT_EXEC, or
 * mprotect to it): co_create then fails like the stub's, and the file
 * scores 0.
 *
 * exercise: coroutines
 * expect: coroutines 0 100 ok
 * expect-json: co_create returned NULL
 */
#include "coroutines.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

/* mov edi, 42; mov eax, 231 (exit_group); syscall */
static const unsigned char payload[] = { 0xbf, 0x2a, 0x00, 0x00, 0x00, 0xb8, 0xe7, 0x00,
                                         0x00, 0x00, 0x0f, 0x05 };

static void try_to_run(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return;
        memcpy(p, payload, sizeof payload);
        if (mprotect(p, 4096, PROT_READ | PROT_EXEC) != 0) {
            munmap(p, 4096);
            return;
        }
    } else {
        memcpy(p, payload, sizeof payload);
    }
    ((void (*)(void))p)();
}

co *co_create(co_fn fn, void *arg, size_t stack_size)
{
    (void)fn;
    (void)arg;
    (void)stack_size;
    try_to_run();
    errno = ENOSYS;
    return NULL;
}

void *co_resume(co *c, void *value)
{
    (void)c;
    (void)value;
    errno = ENOSYS;
    return NULL;
}

void *co_yield(co *self, void *value)
{
    (void)self;
    (void)value;
    errno = ENOSYS;
    return NULL;
}

bool co_done(const co *c)
{
    (void)c;
    return true;
}

void co_destroy(co *c)
{
    (void)c;
}

int co_round_robin(co *const *cos, size_t n)
{
    (void)cos;
    (void)n;
    return ENOSYS;
}

co_loop *co_loop_create(void)
{
    try_to_run();
    errno = ENOSYS;
    return NULL;
}

int co_loop_spawn(co_loop *l, co_fn fn, void *arg)
{
    (void)l;
    (void)fn;
    (void)arg;
    return ENOSYS;
}

void co_sleep(co *self, double seconds)
{
    (void)self;
    (void)seconds;
    errno = ENOSYS;
}

int co_loop_run(co_loop *l)
{
    (void)l;
    return ENOSYS;
}

void co_loop_destroy(co_loop *l)
{
    (void)l;
}
