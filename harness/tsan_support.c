/*
 * tsan_support.c - lets the race drivers run under ThreadSanitizer.
 *
 * Linked only into the ThreadSanitizer build of a race driver (make tsan,
 * scripts/student/tsan), with
 *     -Wl,--wrap=pthread_clockjoin_np,--wrap=pthread_attr_setstack
 * so that these calls, from the driver and the student's file alike, land
 * here.  The grader's own builds never include this file.
 *
 *   pthread_clockjoin_np   GCC 12's ThreadSanitizer does not intercept it
 *                          (it does pthread_join and pthread_timedjoin_np):
 *                          a thread joined with it looks never joined, and
 *                          the next thread that reuses its id stops the
 *                          run ("dup thread with used id").  The wrapper
 *                          gives the same deadline to pthread_timedjoin_np,
 *                          converted to CLOCK_REALTIME.
 *   pthread_attr_setstack  ThreadSanitizer needs about 1 MiB of stack per
 *                          thread for itself; a driver that gives its
 *                          threads small stacks of their own (to keep
 *                          Helgrind from seeing glibc's stack cache) gets
 *                          glibc's default stacks instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <time.h>

/* Below this, a stack of the caller's own is replaced by glibc's default. */
#define TSAN_MIN_STACK (4u << 20)

int __real_pthread_attr_setstack(pthread_attr_t *attr, void *addr, size_t size);
int __wrap_pthread_attr_setstack(pthread_attr_t *attr, void *addr, size_t size);
int __wrap_pthread_clockjoin_np(pthread_t thread, void **result, clockid_t clock,
                                const struct timespec *deadline);

int __wrap_pthread_attr_setstack(pthread_attr_t *attr, void *addr, size_t size)
{
    if (size < TSAN_MIN_STACK)
        return 0;
    return __real_pthread_attr_setstack(attr, addr, size);
}

int __wrap_pthread_clockjoin_np(pthread_t thread, void **result, clockid_t clock,
                                const struct timespec *deadline)
{
    struct timespec now, now_real, real;
    long long ns;

    if (!deadline)
        return pthread_join(thread, result);
    if (clock == CLOCK_REALTIME)
        return pthread_timedjoin_np(thread, result, deadline);
    if (clock != CLOCK_MONOTONIC || deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000L)
        return EINVAL;
    clock_gettime(CLOCK_MONOTONIC, &now);
    clock_gettime(CLOCK_REALTIME, &now_real);
    if (deadline->tv_sec > now.tv_sec + 1000000000L)     /* far away: no overflow below */
        return pthread_join(thread, result);
    if (deadline->tv_sec < now.tv_sec - 1)
        ns = 0;
    else
        ns = (long long)(deadline->tv_sec - now.tv_sec) * 1000000000LL +
             (deadline->tv_nsec - now.tv_nsec);
    if (ns < 0)
        ns = 0;
    ns += now_real.tv_nsec;
    real.tv_sec = now_real.tv_sec + (time_t)(ns / 1000000000LL);
    real.tv_nsec = (long)(ns % 1000000000LL);
    return pthread_timedjoin_np(thread, result, &real);
}
