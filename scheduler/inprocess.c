/*
 * inprocess.c - many schedules in one process: the fork server's fast
 * path (docs/scheduler.md, "In-process schedules").
 *
 * One fork per schedule runs only as fast as the machine forks (some 200
 * a second here).  Instead the fork server forks one *worker*, which runs
 * schedule after schedule itself.  Before each it puts back the program's
 * writable data (.data and .bss of the executable, and the main thread's
 * block of thread-local variables) as they were when the worker started,
 * closes the descriptors the last schedule opened, runs the program's
 * constructors that come after the runtime's, then main.  A schedule ends
 * when main returns or calls exit() (a longjmp back here); its threads
 * are then all really joined, or, still blocked in the scheduler, left
 * parked for good on a state block of their own.
 *
 * The worker never reports a failure itself: at the first sign of one (a
 * non-zero status, a runtime verdict, a fatal signal, exit() from another
 * thread, one schedule past RC_SCHED_WALL_S) it ends or is killed, and
 * the fork server runs that schedule again from its seed in a fresh child,
 * as without the worker: the report, its output and trace, are the fork
 * server's own, and the replay reproduces them.  If that child passes,
 * the in-process run differed from a fresh process, and the rest of the
 * schedules run one child each.  A worker retires (a fresh one goes on)
 * after RETIRE_AFTER schedules, when too many threads were left parked,
 * or when the heap grew past HEAP_LIMIT: what a schedule leaves in the C
 * library (blocks it did not free, keys, FILEs) stays bounded.
 */
#define _GNU_SOURCE
#include "rc_wrap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define RETIRE_AFTER 256                /* schedules per worker */
#define MAX_PARKED 32                   /* threads left parked per worker */
#define HEAP_LIMIT (256ul << 20)        /* bytes in use by malloc */
#define MAX_FDS 1024                    /* descriptors kept track of */

enum worker_state { W_RUNNING, W_DONE, W_RETIRED, W_FORK };

/* What the worker tells the fork server (a MAP_SHARED page). */
struct rc_link {
    _Atomic unsigned long index;        /* the schedule it runs, or where to go on */
    _Atomic int state;                  /* enum worker_state */
};

/* The worker's own state: on its stack, outside the data it restores. */
struct worker {
    int argc;
    char **argv, **envp;
    void (**ctors)(int, char **, char **);      /* constructors after the runtime's */
    size_t n_ctors;
    char *data_copy;                    /* [__data_start, _end) at the start */
    void *tls, *tls_copy;               /* the executable's TLS block of this thread */
    size_t tls_size;
    struct rc_state *state;             /* the runtime's state block now */
    int parked;                         /* threads left parked for good */
    int null_fd;
    unsigned char fds[MAX_FDS / 8];     /* descriptors open at the start */
    bool in_main;
    int exit_status;
    jmp_buf exit_jump;
};

extern char __data_start[], _end[], __executable_start[], etext[];
extern void (*__init_array_start[])(int, char **, char **) __attribute__((visibility("hidden")));
extern void (*__init_array_end[])(int, char **, char **) __attribute__((visibility("hidden")));
extern int main(int, char **, char **);
extern int uv_loop_init(void *) __attribute__((weak));

void __real_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status) __attribute__((noreturn, weak));
int __real_pthread_join(pthread_t thread, void **result);

static struct rc_link *shared;
static struct worker *worker;           /* set again after each restore */

/* _exit() by the system call (see forkserver.c). */
static void end_now(int status) __attribute__((noreturn));

static void end_now(int status)
{
    for (;;)
        syscall(SYS_exit_group, status);
}

static double now_s(void)
{
    struct timespec t;

    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

bool rc_inprocess_usable(void)
{
    /* main in the executable itself (not a test framework's library), no libuv. */
    return rc_cfg.inprocess && rc_cfg.runs > 1 && (char *)main >= __executable_start && (char *)main < etext &&
           !uv_loop_init;
}

/* ---- the worker --------------------------------------------------------- */

/* dl_iterate_phdr: the executable's TLS block of the calling thread. */
static int find_tls(struct dl_phdr_info *info, size_t size, void *out)
{
    struct worker *w = out;

    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_TLS && info->dlpi_tls_data) {
            w->tls = info->dlpi_tls_data;
            w->tls_size = info->dlpi_phdr[i].p_memsz;
        }
    return 1;
}

/* Memory of the worker's own, never the program's (its allocator may be failing). */
static void *block(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        end_now(1);
    return p;
}

/* The descriptors open now, and /dev/null on 1 and 2 (output not shown). */
static void setup_fds(struct worker *w)
{
    DIR *dir;
    struct dirent *e;

    w->null_fd = open("/dev/null", O_RDWR);
    if (w->null_fd < 0 || dup2(w->null_fd, 1) < 0 || dup2(w->null_fd, 2) < 0)
        end_now(1);
    if (!(dir = opendir("/proc/self/fd")))
        end_now(1);
    while ((e = readdir(dir))) {
        int fd = atoi(e->d_name);

        if (e->d_name[0] != '.' && fd != dirfd(dir) && fd < MAX_FDS)
            w->fds[fd / 8] |= (unsigned char)(1u << (fd % 8));
        else if (e->d_name[0] != '.' && fd != dirfd(dir))
            end_now(1);
    }
    closedir(dir);
}

/* Closes what the last schedule opened; puts 1 and 2 back on /dev/null. */
static void reset_fds(struct worker *w)
{
    int fd = 0;

    /* one close_range() per run of descriptors that were not open at the start */
    while (fd < MAX_FDS) {
        int end;

        while (fd < MAX_FDS && (w->fds[fd / 8] & (1u << (fd % 8))))
            fd++;
        for (end = fd; end < MAX_FDS && !(w->fds[end / 8] & (1u << (end % 8))); end++)
            continue;
        if (fd < MAX_FDS)
            syscall(SYS_close_range, (unsigned)fd, end == MAX_FDS ? ~0u : (unsigned)end - 1, 0);
        fd = end;
    }
    dup2(w->null_fd, 1);
    dup2(w->null_fd, 2);
}

/* Takes the copies the schedules start from. */
static void snapshot(struct worker *w, void (*self)(int, char **, char **))
{
    size_t n = (size_t)(__init_array_end - __init_array_start), k = 0;

    while (k < n && __init_array_start[k] != self)
        k++;
    w->ctors = k < n ? __init_array_start + k + 1 : __init_array_end;
    w->n_ctors = k < n ? n - k - 1 : 0;
    dl_iterate_phdr(find_tls, w);
    if (w->tls) {
        w->tls_copy = block(w->tls_size);
        memcpy(w->tls_copy, w->tls, w->tls_size);
    }
    w->data_copy = block((size_t)(_end - __data_start));
    memcpy(w->data_copy, __data_start, (size_t)(_end - __data_start));
}

/* Puts back the program's data; the worker's own pointers after it. */
static void restore(struct worker *w)
{
    memcpy(__data_start, w->data_copy, (size_t)(_end - __data_start));
    if (w->tls)
        memcpy(w->tls, w->tls_copy, w->tls_size);
    worker = w;
    rc = w->state;
}

/* Runs schedule `seed`: constructors, then main.  Its exit status. */
static int run_schedule(struct worker *w, uint64_t seed)
{
    restore(w);
    reset_fds(w);
    rc_schedule_start(seed);
    if (setjmp(w->exit_jump) == 0) {
        w->in_main = true;
        for (size_t i = 0; i < w->n_ctors; i++)
            w->ctors[i](w->argc, w->argv, w->envp);
        w->exit_status = main(w->argc, w->argv, w->envp);
    }
    w->in_main = false;
    rc_on = false;
    return w->exit_status & 0xff;
}

/* The number of threads of this process, from /proc/self/stat (-1: unknown). */
static int thread_count(void)
{
    char text[1024], *p;
    int fd = open("/proc/self/stat", O_RDONLY), count = -1;
    ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;

    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    p = strrchr(text, ')');
    /* after ")": state ppid pgrp session tty_nr tpgid flags minflt cminflt
     * majflt cmajflt utime stime cutime cstime priority nice num_threads */
    if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
                    "%*d %*d %d", &count) != 1)
        count = -1;
    return count;
}

/*
 * After a schedule: joins the threads that finished, leaves those still
 * blocked parked on the old state block (a fresh one for the next), and
 * waits until every other thread has really ended (a detached one runs
 * its key destructors after its last scheduling point).
 */
static void settle_threads(struct worker *w)
{
    int left = 0;

    for (int i = 0; i < rc->n_slots; i++) {
        struct rc_thread *t = &rc->threads[i];

        if (t->id == 1 || t->state == RC_T_FREE)
            continue;
        if (t->state == RC_T_FINISHED && !t->detached)
            __real_pthread_join(t->real, NULL);
        else if (t->state == RC_T_ALIVE)
            left++;
    }
    if (left) {
        w->parked += left;
        w->state = block(sizeof(*rc));
        rc = w->state;
    }
    if (rc->next_id <= 2 && !left)
        return;
    for (int tries = 0; thread_count() > 1 + w->parked && tries < 100000; tries++) {
        struct timespec pause = { 0, 20000 };

        syscall(SYS_nanosleep, &pause, NULL);
    }
}

static bool heap_full(void)
{
    struct mallinfo2 m = mallinfo2();

    return m.uordblks + m.hblkhd > HEAP_LIMIT;
}

/* The worker: runs schedules first .. runs-1, then ends. */
static void worker_main(unsigned long first, int argc, char **argv, char **envp,
                        void (*self)(int, char **, char **)) __attribute__((noreturn));

static void worker_main(unsigned long first, int argc, char **argv, char **envp,
                        void (*self)(int, char **, char **))
{
    static struct worker *w;

    w = block(sizeof(*w));
    rc_as_child();
    w->argc = argc;
    w->argv = argv;
    w->envp = envp;
    w->state = rc = block(sizeof(*rc));
    setup_fds(w);
    setvbuf(stdout, NULL, _IOLBF, 0);
    worker = w;
    snapshot(w, self);
    for (unsigned long i = first, done = 0; i < rc_cfg.runs; i++, done++) {
        shared->index = i;
        if (done == RETIRE_AFTER || w->parked > MAX_PARKED || heap_full()) {
            shared->state = W_RETIRED;
            end_now(0);
        }
        if (run_schedule(w, rc_cfg.seed + i) != 0)
            end_now(1);
        settle_threads(w);
    }
    shared->index = rc_cfg.runs;
    shared->state = W_DONE;
    end_now(0);
}

void __wrap_exit(int status)
{
    if (worker && worker->in_main) {
        if (rc_self && rc_self->id == 1) {
            worker->exit_status = status;
            longjmp(worker->exit_jump, 1);
        }
        end_now(1);             /* from another thread: the fork server runs it again */
    }
    __real_exit(status);
}

void rc_inprocess_thread_exit(const struct rc_thread *self)
{
    if (worker && worker->in_main && self->id == 1) {
        shared->state = W_FORK;   /* main's pthread_exit(): not in-process */
        end_now(0);
    }
}

/* ---- the fork server's side ---------------------------------------------- */

/*
 * Waits for worker `pid`; kills it when one schedule has run past
 * RC_SCHED_WALL_S of real time.
 */
static void watch(pid_t pid)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0), status;
    unsigned long seen = shared->index;
    double since = now_s();

    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        struct timespec pause = { 0, 100000000 };

        if (fd >= 0 ? poll(&p, 1, 100) > 0 : waitpid(pid, &status, WNOHANG) == pid)
            break;
        if (fd < 0)
            syscall(SYS_nanosleep, &pause, NULL);
        if (shared->index != seen) {
            seen = shared->index;
            since = now_s();
        } else if (now_s() - since > rc_cfg.wall_s) {
            kill(pid, SIGKILL);
            break;
        }
    }
    if (fd >= 0)
        close(fd);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
}

bool rc_inprocess_run(unsigned long *next, int argc, char **argv, char **envp,
                      void (*self)(int, char **, char **))
{
    if (!shared) {
        shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                    -1, 0);
        if (shared == MAP_FAILED) {
            shared = NULL;
            return false;
        }
    }
    for (;;) {
        pid_t pid;

        shared->index = *next;
        shared->state = W_RUNNING;
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0)
            return false;
        if (pid == 0)
            worker_main(*next, argc, argv, envp, self);
        watch(pid);
        *next = shared->index;
        if (shared->state == W_DONE)
            return true;
        if (shared->state != W_RETIRED)
            return false;
    }
}
