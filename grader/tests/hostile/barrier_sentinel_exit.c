/*
 * barrier_sentinel_exit.c - a hostile barrier submission: every call
 * "succeeds" at once (a dummy event or barrier, 0, index 0), and the
 * creating calls start a thread of their own that ends the process with
 * quick_exit(42), the status of a test body that ran to its end, and
 * wait for it: the forged "passed" always comes before the test's first
 * assertion can fail.  The exit guard fails every such test ("your code
 * called exit()") and the race driver stops early.
 *
 * exercise: barrier
 * expect: barrier 0 100 ok
 * expect-json: your code called exit()
 */
#include "barrier.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

static char dummy[64];

static void *end_as_passed(void *arg)
{
    (void)arg;
    quick_exit(42);
}

static void *forge(void)
{
    pthread_t thread;

    if (pthread_create(&thread, NULL, end_as_passed, NULL) == 0)
        pthread_join(thread, NULL);
    return dummy;
}

event *event_create(void) { return forge(); }
void event_destroy(event *e) { (void)e; }
void event_set(event *e) { (void)e; }
void event_clear(event *e) { (void)e; }
bool event_is_set(event *e) { return e != NULL; }
int event_wait(event *e, double timeout_s) { (void)e; (void)timeout_s; return 0; }

barrier *barrier_create(unsigned parties, barrier_action action, void *arg)
{
    (void)parties; (void)action; (void)arg;
    return forge();
}

int barrier_wait(barrier *b, double timeout_s, unsigned *index)
{
    (void)b; (void)timeout_s;
    if (index)
        *index = 0;
    return 0;
}

void barrier_abort(barrier *b) { (void)b; }
void barrier_reset(barrier *b) { (void)b; }
unsigned barrier_waiting(barrier *b) { (void)b; return 0; }
bool barrier_broken(barrier *b) { (void)b; return false; }
void barrier_destroy(barrier *b) { (void)b; }
