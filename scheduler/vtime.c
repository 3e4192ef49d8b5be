/*
 * vtime.c - virtual time: CLOCK_REALTIME reads RC_EPOCH_REALTIME + now,
 * the monotonic clocks RC_EPOCH_MONOTONIC + now.  CPU-time clocks are
 * passed through to the C library.
 */
#include "rc_internal.h"

#define RC_EPOCH_REALTIME 1700000000ll   /* 2023-11-14 22:13:20 UTC */
#define RC_EPOCH_MONOTONIC 1000ll

bool rc_clock_virtual(clockid_t clock)
{
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_TAI:
        return true;
    default:
        return false;
    }
}

/* The clock's reading at virtual ns 0, in seconds. */
static int64_t epoch_of(clockid_t clock)
{
    return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_TAI
               ? RC_EPOCH_REALTIME : RC_EPOCH_MONOTONIC;
}

int64_t rc_deadline_abs(clockid_t clock, const struct timespec *at)
{
    int64_t sec = (int64_t)at->tv_sec - epoch_of(clock);

    if (sec < -1000000)
        return 0;
    if (sec > 1000000000)
        return RC_NO_DEADLINE - 1;
    return sec * 1000000000 + at->tv_nsec;
}

struct timespec rc_clock_read(clockid_t clock)
{
    return (struct timespec){ .tv_sec = (time_t)(epoch_of(clock) + rc->now / 1000000000),
                              .tv_nsec = (long)(rc->now % 1000000000) };
}
