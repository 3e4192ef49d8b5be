/*
 * onecpu.c - every thread of a schedule stays on one CPU (core.c,
 * stay_on_this_cpu): the main thread and the threads it starts each
 * check that their affinity allows one CPU, the same one.  Exits 0 when
 * they do, 3 when a thread may run elsewhere.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>

static int cpu_of_main = -1;
static int wrong;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The one CPU the calling thread may run on, or -1 when it may run on several. */
static int only_cpu(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) != 1)
        return -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &set))
            return cpu;
    return -1;
}

static void *check(void *arg)
{
    int cpu = only_cpu();

    (void)arg;
    pthread_mutex_lock(&lock);
    wrong += cpu < 0 || cpu != cpu_of_main;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t threads[3];

    cpu_of_main = only_cpu();
    for (int i = 0; i < 3; i++)
        pthread_create(&threads[i], NULL, check, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(threads[i], NULL);
    return cpu_of_main < 0 || wrong ? 3 : 0;
}
