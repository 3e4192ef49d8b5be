/* test_support.c - the measuring and waiting helpers of racecourse_test.h. */
#define _GNU_SOURCE
#include "racecourse_test.h"
#include "test_schedules.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern void __real_exit(int status) __attribute__((noreturn));

#pragma weak rc_test_schedules_reached_end

void rc_test_reached_end(void)
{
    if (rc_test_schedules_reached_end)
        rc_test_schedules_reached_end();
    __real_exit(RC_EXIT_PASSED);
}

double rc_unit(void)
{
    const char *text = getenv("RC_TIME_SCALE");
    double scale = text ? strtod(text, NULL) : 1.0;

    if (rc_virtual_time() || !(scale >= 0.1 && scale <= 100.0))
        scale = 1.0;
    return 0.02 * scale;
}

double rc_now(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void rc_sleep(double seconds)
{
    struct timespec left;

    if (!(seconds > 0))
        return;
    left.tv_sec = (time_t)seconds;
    left.tv_nsec = (long)((seconds - (double)left.tv_sec) * 1e9);
    while (nanosleep(&left, &left) == -1 && errno == EINTR)
        ;
}

bool rc_wait_flag(atomic_bool *flag, double seconds)
{
    double until = rc_now() + seconds;

    while (!atomic_load(flag)) {
        if (rc_now() > until)
            return false;
        rc_sleep(0.001);
    }
    return true;
}

bool rc_sem_wait_for(sem_t *sem, double seconds)
{
    struct timespec deadline;
    time_t whole = seconds > 0 ? (time_t)seconds : 0;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    if (seconds > 0)
        deadline.tv_nsec += (long)((seconds - (double)whole) * 1e9);
    deadline.tv_sec += whole + deadline.tv_nsec / 1000000000L;
    deadline.tv_nsec %= 1000000000L;
    while (sem_clockwait(sem, CLOCK_MONOTONIC, &deadline) != 0)
        if (errno != EINTR)
            return false;
    return true;
}

bool rc_join_within(pthread_t thread, double seconds)
{
    double until = rc_now() + seconds;

    while (pthread_tryjoin_np(thread, NULL) != 0) {
        if (rc_now() > until)
            return false;
        rc_sleep(0.001);
    }
    return true;
}

/* The controlled scheduler's (scheduler/api.c), when it is linked in. */
extern bool rc_sched_active(void) __attribute__((weak));

bool rc_virtual_time(void)
{
    return rc_sched_active && rc_sched_active();
}

/* The controlled scheduler's count of scheduling points (scheduler/api.c). */
extern unsigned long rc_sched_steps(void) __attribute__((weak));

unsigned long rc_sleep_counting_points(double seconds, double *slept)
{
    unsigned long points = rc_sched_steps ? rc_sched_steps() : 0;
    double from = rc_now();

    rc_sleep(seconds);
    *slept = rc_now() - from;
    return rc_sched_steps ? rc_sched_steps() - points : 0;
}

double rc_process_cpu(void)
{
    struct timespec used;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
    return (double)used.tv_sec + (double)used.tv_nsec / 1e9;
}

int rc_thread_count(void)
{
    char line[256];
    int threads = -1;
    FILE *status = fopen("/proc/self/status", "r");

    if (!status)
        return -1;
    while (fgets(line, sizeof line, status))
        if (sscanf(line, "Threads: %d", &threads) == 1)
            break;
    fclose(status);
    return threads;
}

/* Seconds task `tid` of this process has been on a CPU or waiting for one, or -1. */
static double task_runnable(const char *tid)
{
    char path[300];
    unsigned long long on_cpu, waiting;
    FILE *stat;
    int got;

    snprintf(path, sizeof path, "/proc/self/task/%s/schedstat", tid);
    stat = fopen(path, "r");
    if (!stat)
        return -1;
    got = fscanf(stat, "%llu %llu", &on_cpu, &waiting);
    fclose(stat);
    return got == 2 ? (double)(on_cpu + waiting) / 1e9 : -1;
}

double rc_runnable_others(void)
{
    char self[32];
    struct dirent *entry;
    double total = 0;
    bool known = false;
    DIR *tasks = opendir("/proc/self/task");

    if (!tasks)
        return -1;
    snprintf(self, sizeof self, "%d", (int)gettid());
    while ((entry = readdir(tasks)) != NULL) {
        double seconds;

        if (entry->d_name[0] == '.' || !strcmp(entry->d_name, self))
            continue;
        seconds = task_runnable(entry->d_name);
        if (seconds >= 0) {
            total += seconds;
            known = true;
        }
    }
    closedir(tasks);
    return known ? total : -1;
}

static void *watch_main(void *arg)
{
    rc_watch *w = arg;
    double from;

    rc_sleep(w->after_s);
    from = rc_now();
    w->runnable = rc_runnable_others();
    rc_sleep(w->for_s);
    if (w->runnable >= 0)
        w->runnable = rc_runnable_others() - w->runnable;
    w->span = rc_now() - from;
    return NULL;
}

int rc_watch_start(rc_watch *w, double after_s, double for_s)
{
    w->after_s = after_s;
    w->for_s = for_s;
    w->runnable = -1;
    w->span = 0;
    return pthread_create(&w->thread, NULL, watch_main, w);
}

void rc_watch_finish(rc_watch *w)
{
    pthread_join(w->thread, NULL);
}
