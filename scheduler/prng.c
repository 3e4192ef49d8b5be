/*
 * prng.c - the schedule's random numbers: splitmix64, seeded by the
 * schedule's seed, so that a seed determines every choice.
 */
#include "rc_internal.h"

uint64_t rc_random(void)
{
    uint64_t z = (rc->prng += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t rc_below(uint64_t n)
{
    return rc_random() % n;
}
