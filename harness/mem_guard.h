/*
 * mem_guard.h - what the tests may ask the memory guard (mem_guard.c).
 *
 * The student's makecontext, mmap, munmap and mprotect go through
 * mem_guard.c (renamed in the student's object only,
 * grader/build_profiles.c).
 */
#ifndef RACECOURSE_MEM_GUARD_H
#define RACECOURSE_MEM_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/* Arguments of makecontext passed on (ints or pointers, x86-64 style). */
#define RC_CONTEXT_ARGS 6

/* ss_size of the stack the student's code last gave to makecontext; 0: none yet. */
size_t rc_last_stack_size(void);

/* How many times the student's code called makecontext. */
unsigned long rc_stacks_made(void);

#endif
