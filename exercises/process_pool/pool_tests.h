/*
 * pool_tests.h - what the public and the hidden tests of process_pool
 * share: the items a test hands to the pool (a command and its argument in
 * one long), the function the workers run, the board in shared memory
 * where workers tell the test what happened, a look at the test's
 * children, descriptors and shared mappings, and a map run on a thread of
 * its own with a deadline, so that a bug fails a test instead of hanging it.
 *
 * Included once, by the file of tests (public_tests.c, or the hidden
 * tests when your instructor grades); nothing here is for your code.
 */
#ifndef POOL_TESTS_H
#define POOL_TESTS_H

#include "process_pool.h"
#include "racecourse_test.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITEMS 1024
#define BACKSTOP 75             /* units a WAIT item waits at most (1.5 s) */
/*
 * Units a map is given before the test calls it hung (2.5 s): five times
 * the longest map of a right pool, more than a WAIT item's backstop.
 */
#define MAP_LIMIT 125
#define WAITED 1000001L         /* a WAIT item's result: the others finished */
#define GAVE_UP 2000002L        /* a WAIT item's result: the backstop ran out */

static inline double unit(double n)
{
    return n * rc_unit();
}

/* ---- items and the function the workers run ----------------------------- */

enum command {
    PLAIN,          /* returns arg * 3 + 1 */
    SLEEP,          /* sleeps arg units / 10, returns arg * 3 + 1 */
    WAIT,           /* waits until arg other items finished: WAITED or GAVE_UP */
    KILL,           /* the worker kills itself with signal arg */
    EXIT,           /* the worker calls exit(arg) */
    PID,            /* returns the worker's pid */
    RECORD,         /* notes arg in the board's order, returns arg * 3 + 1 */
    BIG,            /* returns ~item: all eight bytes matter */
};

/* What the workers tell the test: shared memory, mapped before the pool. */
typedef struct board {
    atomic_long finished;       /* items whose fn returned */
    atomic_int recorded;
    atomic_long order[MAX_ITEMS];
} board;

static board *the_board;

static inline long item(enum command cmd, long arg)
{
    return (long)((unsigned long)cmd << 32 | (unsigned long)(arg & 0xffffffffL));
}

static inline long plain_result(long arg)
{
    return arg * 3 + 1;
}

static inline long wait_for_others(long others)
{
    double until = rc_now() + unit(BACKSTOP);

    while (atomic_load(&the_board->finished) < others)
        if (rc_now() > until)
            return GAVE_UP;
        else
            rc_sleep(0.001);
    return WAITED;
}

static inline long run_command(long x)
{
    long arg = (long)(int)(x & 0xffffffffL);

    switch ((enum command)((unsigned long)x >> 32)) {
    case PLAIN:
        return plain_result(arg);
    case SLEEP:
        rc_sleep(unit((double)arg / 10));
        return plain_result(arg);
    case WAIT:
        return wait_for_others(arg);
    case KILL:
        kill(getpid(), (int)arg);
        rc_sleep(10);
        return -1;
    case EXIT:
        exit((int)arg);
    case PID:
        return (long)getpid();
    case RECORD:
        atomic_store(&the_board->order[atomic_fetch_add(&the_board->recorded, 1) % MAX_ITEMS],
                     arg);
        return plain_result(arg);
    case BIG:
        return (long)~(unsigned long)x;
    }
    return -1;
}

static inline long fn(long x)
{
    long y = run_command(x);

    atomic_fetch_add(&the_board->finished, 1);
    return y;
}

/* A fresh board for one test. */
static inline void board_init(void)
{
    if (!the_board) {
        the_board = mmap(NULL, sizeof *the_board, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        cr_assert(the_board != MAP_FAILED, "test setup: cannot map the board");
    }
    memset(the_board, 0, sizeof *the_board);
}

/* ---- processes, descriptors, mappings ----------------------------------- */

/* The state and the pid (as this process sees it) of process `proc_pid` of /proc. */
static inline bool process_info(const char *proc_pid, char *state, pid_t *pid)
{
    char path[300], line[256];
    FILE *f;

    snprintf(path, sizeof path, "/proc/%s/status", proc_pid);
    if (!(f = fopen(path, "r")))
        return false;
    *state = '?';
    *pid = (pid_t)atoi(proc_pid);
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "State:", 6))
            sscanf(line + 6, " %c", state);
        if (!strncmp(line, "NSpid:", 6)) {
            char *last = strrchr(line, '\t');    /* the innermost namespace's */

            *pid = (pid_t)atoi(last ? last + 1 : line + 6);
        }
    }
    fclose(f);
    return true;
}

/*
 * Children of this process (zombies too), from every thread's
 * /proc/self/task/TID/children (the grader may run the tests in a PID
 * namespace of their own, with /proc showing other numbers than getpid).
 * *zombies: how many are zombies; list: their pids, as kill() wants them.
 */
static inline int count_children(int *zombies, pid_t *list, int max)
{
    DIR *tasks = opendir("/proc/self/task");
    struct dirent *d;
    int n = 0, z = 0;

    cr_assert(tasks != NULL, "test setup: cannot read /proc/self/task");
    while ((d = readdir(tasks))) {
        char path[300], word[32];
        FILE *f;

        if (d->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/children", d->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        while (fscanf(f, "%31s", word) == 1) {
            char state;
            pid_t pid;

            if (!process_info(word, &state, &pid))
                continue;
            if (list && n < max)
                list[n] = pid;
            n++;
            z += state == 'Z';
        }
        fclose(f);
    }
    closedir(tasks);
    if (zombies)
        *zombies = z;
    return n;
}

static inline int children(void)
{
    return count_children(NULL, NULL, 0);
}

/* Kills and reaps every child: a failing test leaves no worker behind. */
static inline void kill_children(void)
{
    pid_t list[256];

    for (int round = 0; round < 3; round++) {
        int n = count_children(NULL, list, 256);

        for (int i = 0; i < n && i < 256; i++)
            kill(list[i], SIGKILL);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        rc_sleep(0.01);
    }
}

static inline int open_descriptors(void)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *d;
    int n = 0;

    cr_assert(dir != NULL, "test setup: cannot read /proc/self/fd");
    while ((d = readdir(dir)))
        n += d->d_name[0] != '.';
    closedir(dir);
    return n - 1;       /* the directory's own descriptor */
}

/* Mappings of this process shared with others (rw-s in /proc/self/maps). */
static inline int shared_mappings(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512], perms[8];
    int n = 0;

    cr_assert(f != NULL, "test setup: cannot read /proc/self/maps");
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%*s %7s", perms) == 1 && perms[3] == 's')
            n++;
    fclose(f);
    return n;
}

/* ---- pools and maps -------------------------------------------------------- */

static inline pool *new_pool(unsigned workers)
{
    pool *p = pool_create(workers, fn);

    cr_assert(p != NULL, "pool_create(%u, fn) returned NULL (errno %d): it must start the pool",
              workers, errno);
    return p;
}

/* One pool_map on a thread of its own (static storage: see map_within). */
typedef struct map_call {
    pool *p;
    const long *in;
    size_t n;
    long *out;
    int *status;
    int rc;
    sem_t over;
    atomic_bool done;
    pthread_t thread;
} map_call;

static map_call the_call;

static inline void *map_main(void *arg)
{
    map_call *c = arg;

    c->rc = pool_map(c->p, c->in, c->n, c->out, c->status);
    atomic_store(&c->done, true);
    sem_post(&c->over);
    return NULL;
}

/* Waits on `sem` at most `seconds`; false when the time ran out. */
static inline bool sem_wait_for(sem_t *sem, double seconds)
{
    struct timespec deadline;
    double whole;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += (long)(modf(seconds, &whole) * 1e9);
    deadline.tv_sec += (time_t)whole + deadline.tv_nsec / 1000000000L;
    deadline.tv_nsec %= 1000000000L;
    while (sem_clockwait(sem, CLOCK_MONOTONIC, &deadline) != 0)
        if (errno != EINTR)
            return false;
    return true;
}

static inline void start_map(pool *p, const long *in, size_t n, long *out, int *status)
{
    map_call *c = &the_call;

    c->p = p;
    c->in = in;
    c->n = n;
    c->out = out;
    c->status = status;
    c->rc = -12345;
    atomic_init(&c->done, false);
    sem_init(&c->over, 0, 0);
    for (size_t i = 0; i < n; i++) {
        out[i] = -777;
        status[i] = -777;
    }
    cr_assert(pthread_create(&c->thread, NULL, map_main, c) == 0,
              "test setup: cannot start a thread");
}

/*
 * Waits at most MAP_LIMIT units for the map started by start_map; returns
 * its result.  When it does not return in time, kills the workers and
 * fails the test with `why`.
 */
static inline int finish_map(const char *why)
{
    double seconds = unit(MAP_LIMIT);

    if (!sem_wait_for(&the_call.over, seconds)) {
        kill_children();
        cr_assert(false, "pool_map did not return within %.1f s: %s", seconds, why);
    }
    pthread_join(the_call.thread, NULL);
    return the_call.rc;
}

/* pool_map(p, in, n, out, status) on a thread of its own, within MAP_LIMIT units (finish_map). */
static inline int map_within(pool *p, const long *in, size_t n, long *out, int *status,
                             const char *why)
{
    start_map(p, in, n, out, status);
    return finish_map(why);
}

#define NOT_HANG "it hangs (a worker's death or an item never handled?)"

/* Checks every item's result and status against what fn must give. */
static inline void expect_results(const long *in, size_t n, const long *out, const int *status)
{
    for (size_t i = 0; i < n; i++) {
        long x = in[i], arg = (long)(int)(x & 0xffffffffL);
        enum command cmd = (enum command)((unsigned long)x >> 32);

        if (cmd == WAIT) {
            cr_assert(status[i] == 0 && out[i] == WAITED, "item %zu waited for every other item "
                      "to finish, but they did not (out[%zu] %ld, status %d): while one worker is "
                      "busy the free ones must take the next items, and each result goes to "
                      "its item's index", i, i, out[i], status[i]);
        } else if (cmd == KILL) {
            cr_assert(status[i] == (int)arg && out[i] == 0,
                      "item %zu killed its worker with signal %ld: status[%zu] must be %ld and "
                      "out[%zu] 0, not %d and %ld", i, arg, i, arg, i, status[i], out[i]);
        } else if (cmd == EXIT) {
            cr_assert(status[i] == -1 && out[i] == 0,
                      "item %zu called exit(): status[%zu] must be -1 and out[%zu] 0, "
                      "not %d and %ld", i, i, i, status[i], out[i]);
        } else if (cmd == PLAIN || cmd == SLEEP || cmd == RECORD || cmd == BIG) {
            long want = cmd == BIG ? (long)~(unsigned long)x : plain_result(arg);

            cr_assert(status[i] == 0, "status[%zu] is %d: item %zu did not crash, it must be 0",
                      i, status[i], i);
            cr_assert(out[i] == want, "out[%zu] is %ld, not fn(in[%zu]) = %ld: results go by "
                      "index, whole", i, out[i], i, want);
        }
    }
}

/*
 * Makes item 0 wait until every other item that does not crash has
 * finished.  Its result then arrives last: results stored in arrival
 * order, a fixed split or a parent blocked on one worker fail every run,
 * not when the scheduler happens to reorder the results.  Needs at least
 * two workers.
 */
static inline void wait_first(long *in, size_t n)
{
    long others = 0;

    for (size_t i = 1; i < n; i++) {
        enum command cmd = (enum command)((unsigned long)in[i] >> 32);

        others += cmd != KILL && cmd != EXIT;
    }
    in[0] = item(WAIT, others);
}

static inline void fill(long *in, size_t n, enum command cmd)
{
    for (size_t i = 0; i < n; i++)
        in[i] = item(cmd, (long)i + 1);
}

#endif /* POOL_TESTS_H */
