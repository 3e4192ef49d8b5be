/*
 * helgrind_hidden.h - VALGRIND_HG_DISABLE_CHECKING(start, len), to hide
 * the harness's own shared counters from Helgrind.
 *
 * The harness keeps a few counters that threads read and write with
 * relaxed atomics and no lock (the watchdog's progress, the late waiters'
 * waits).  Helgrind does not model atomics and would report them; worse,
 * a lock of ours around them would order the student's data for Helgrind
 * and hide real races.  So these counters are left out of its checks.
 * Where Valgrind's headers are not installed the macro does nothing (the
 * race check needs them; the other builds do not).
 */
#ifndef RACECOURSE_HELGRIND_HIDDEN_H
#define RACECOURSE_HELGRIND_HIDDEN_H

#if defined(__has_include)
#if __has_include(<valgrind/helgrind.h>)
#include <valgrind/helgrind.h>
#endif
#endif
#ifndef VALGRIND_HG_DISABLE_CHECKING
#define VALGRIND_HG_DISABLE_CHECKING(start, len) ((void)(start), (void)(len))
#endif

#endif /* RACECOURSE_HELGRIND_HIDDEN_H */
