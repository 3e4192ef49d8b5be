/*
 * inproc.c - what a schedule run in the worker (scheduler/inprocess.c)
 * must find: its globals, static and thread-local, as a fresh process has
 * them; threads of earlier schedules joined, or parked (a bounded number);
 * thread numbers, virtual time and steps from the start; a heap that does
 * not grow without bound.
 *
 * HOW (environment) adds an end: "exit" (exit(0) deep in a call, every
 * schedule), "crash" (SIGSEGV in schedule 7), "exit3" (exit(3) in
 * schedule 7), "deadlock" (in schedule 7), "stuck" (a thread left blocked
 * for good, every schedule), "leak" (16 MiB never freed, every schedule).
 * PIDS=FILE: each schedule appends its process id there.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rc_sched.h"

static int counter;
static int initialised = 7;
static _Thread_local int per_thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t never;

/* This process's threads (/proc/self/stat). */
static int threads(void)
{
    FILE *in = fopen("/proc/self/stat", "r");
    char text[1024], *p;
    int n = -1;

    if (in && fgets(text, sizeof(text), in) && (p = strrchr(text, ')')))
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %d",
               &n);
    if (in)
        fclose(in);
    return n;
}

static void *worker(void *arg)
{
    assert(rc_sched_thread() >= 2);
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
    if (arg)
        sem_wait(&never);
    return NULL;
}

static void *take_lock(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void __attribute__((noinline)) inner_exit(int status)
{
    exit(status);
}

static void __attribute__((noinline)) deep_exit(int status)
{
    inner_exit(status);
    printf("inproc: not reached\n");
}

int main(void)
{
    const char *how = getenv("HOW") ? getenv("HOW") : "", *pids = getenv("PIDS");
    unsigned long schedule = (unsigned long)(rc_sched_seed() - 0x5eed0000u);
    struct timespec now;
    pthread_t t[3];
    char *block;

    /* as a fresh process has them */
    assert(counter == 0 && initialised == 7 && per_thread == 0);
    assert(rc_sched_thread() == 1 && rc_sched_steps() == 0);
    clock_gettime(CLOCK_MONOTONIC, &now);
    assert(now.tv_sec == 1000 && now.tv_nsec == 0);
    /* threads still alive when main ended stay parked, at most 33 a worker */
    assert(threads() <= 1 + 33 + 3);
    if (pids) {
        FILE *out = fopen(pids, "a");

        if (out) {
            fprintf(out, "%d\n", (int)getpid());
            fclose(out);
        }
    }
    counter = 100;
    initialised = 8;
    per_thread = 1;
    counter = 0;
    printf("inproc: schedule %lu\n", schedule + 1);
    sem_init(&never, 0, 0);
    pthread_create(&t[0], NULL, worker, NULL);
    pthread_create(&t[1], NULL, worker, strcmp(how, "stuck") == 0 ? "stuck" : NULL);
    pthread_create(&t[2], NULL, worker, NULL);
    pthread_detach(t[2]);
    pthread_join(t[0], NULL);       /* t[1] is never joined */
    block = malloc(1000);
    assert(block);
    if (strcmp(how, "leak") == 0) {
        struct mallinfo2 m = mallinfo2();

        assert(m.uordblks + m.hblkhd < (512ul << 20));
        block = malloc(16u << 20);
        block[0] = 1;           /* mapped, hardly touched */
    }
    if (strcmp(how, "exit") == 0)
        deep_exit(0);
    if (schedule == 6 && strcmp(how, "exit3") == 0)
        deep_exit(3);
    if (schedule == 6 && strcmp(how, "crash") == 0) {
        printf("inproc: crash\n");
        fflush(stdout);
        *(volatile int *)block = 0;
        *(volatile int *)(uintptr_t)rc_sched_steps() = 1;
    }
    if (schedule == 6 && strcmp(how, "deadlock") == 0) {
        pthread_t u;

        pthread_mutex_lock(&lock);
        pthread_create(&u, NULL, take_lock, NULL);
        pthread_join(u, NULL);
    }
    return 0;
}
