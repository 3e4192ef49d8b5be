/*
 * process_pool.c - the reference solution of process_pool: forked
 * workers, two pipes each, and a parent that polls every result pipe.
 *
 * Each worker reads one item (a long) from its own pipe, computes fn,
 * counts the item in the shared counter under the process-shared mutex,
 * and writes the result (a long) back on its own result pipe.  The parent
 * knows which item each worker runs, so results need no tag: it polls the
 * result pipes of all the workers at once, stores each result at the
 * index of that worker's item and hands the worker the next item.  End of
 * file on a result pipe means the worker died: the parent reaps it, sets
 * the item's status from the wait status, and forks a replacement in the
 * same slot.
 *
 * Every read and write loops until the whole long went through and
 * retries after EINTR.  Writes to a worker's pipe run with SIGPIPE
 * blocked: a worker that died since the last poll gives EPIPE, not a
 * signal that would kill the caller's program.
 */
#define _GNU_SOURCE
#include "process_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX_WORKERS 64
#define NO_ITEM ((size_t)-1)

/* What the parent and the workers share (multiprocessing's Value). */
typedef struct shared {
    pthread_mutex_t lock;       /* process-shared; guards done */
    long done;                  /* items the workers finished */
} shared;

typedef struct worker {
    pid_t pid;                  /* -1: no process in this slot */
    int to;                     /* parent's end of the item pipe */
    int from;                   /* parent's end of the result pipe */
    size_t item;                /* index of the item it runs, or NO_ITEM */
} worker;

struct pool {
    pool_fn fn;
    unsigned count;
    shared *shm;
    worker w[POOL_MAX_WORKERS];
};

/* ---- whole reads and writes ------------------------------------------- */

/* Reads exactly len bytes: 0, 1 at end of file (even mid-way), -1 on error. */
static int read_full(int fd, void *buf, size_t len)
{
    char *at = buf;

    while (len > 0) {
        ssize_t got = read(fd, at, len);

        if (got == 0)
            return 1;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        at += got;
        len -= (size_t)got;
    }
    return 0;
}

/* Writes exactly len bytes: 0, or -1 with errno. */
static int write_full(int fd, const void *buf, size_t len)
{
    const char *at = buf;

    while (len > 0) {
        ssize_t put = write(fd, at, len);

        if (put < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        at += put;
        len -= (size_t)put;
    }
    return 0;
}

/* ---- workers ------------------------------------------------------------ */

static void worker_main(pool_fn fn, shared *shm, int in, int out)
{
    long x, y;

    while (read_full(in, &x, sizeof x) == 0) {
        y = fn(x);
        pthread_mutex_lock(&shm->lock);
        shm->done++;
        pthread_mutex_unlock(&shm->lock);
        if (write_full(out, &y, sizeof y) != 0)
            break;
    }
    _exit(0);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Waits for pid, retrying after EINTR; the wait status, or 0 if none. */
static int reap(pid_t pid)
{
    int wstatus = 0;

    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    return wstatus;
}

/*
 * Forks the worker of slot `slot` with two new pipes.  The child closes
 * the parent's ends of every other worker's pipes, so that only the
 * parent holds them (a worker's death then shows as end of file, and so
 * does the parent's close).  Returns 0 or an errno value.
 */
static int worker_start(pool *p, unsigned slot)
{
    worker *w = &p->w[slot];
    int items[2], results[2];
    pid_t pid;

    if (pipe2(items, O_CLOEXEC) != 0)
        return errno;
    if (pipe2(results, O_CLOEXEC) != 0) {
        int err = errno;

        close(items[0]);
        close(items[1]);
        return err;
    }
    pid = fork();
    if (pid < 0) {
        int err = errno;

        close(items[0]);
        close(items[1]);
        close(results[0]);
        close(results[1]);
        return err;
    }
    if (pid == 0) {
        for (unsigned i = 0; i < p->count; i++) {
            if (i != slot && p->w[i].pid > 0) {
                close(p->w[i].to);
                close(p->w[i].from);
            }
        }
        close(items[1]);
        close(results[0]);
        worker_main(p->fn, p->shm, items[0], results[1]);
    }
    close(items[0]);
    close(results[1]);
    w->pid = pid;
    w->to = items[1];
    w->from = results[0];
    w->item = NO_ITEM;
    return 0;
}

/* Stops the worker of one slot (if any) and waits for it. */
static void worker_stop(worker *w)
{
    close_fd(&w->to);
    close_fd(&w->from);
    if (w->pid > 0) {
        kill(w->pid, SIGKILL);
        reap(w->pid);
    }
    w->pid = -1;
    w->item = NO_ITEM;
}

/* ---- the pool ------------------------------------------------------------ */

static int shared_init(shared *shm)
{
    pthread_mutexattr_t attr;
    int err;

    err = pthread_mutexattr_init(&attr);
    if (err)
        return err;
    err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (!err)
        err = pthread_mutex_init(&shm->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    shm->done = 0;
    return err;
}

static void pool_free(pool *p, bool mutex_made)
{
    for (unsigned i = 0; i < p->count; i++)
        worker_stop(&p->w[i]);
    if (p->shm != MAP_FAILED) {
        if (mutex_made)
            pthread_mutex_destroy(&p->shm->lock);
        munmap(p->shm, sizeof *p->shm);
    }
    free(p);
}

pool *pool_create(unsigned workers, pool_fn fn)
{
    pool *p;
    int err;

    if (workers == 0 || workers > POOL_MAX_WORKERS || fn == NULL) {
        errno = EINVAL;
        return NULL;
    }
    p = calloc(1, sizeof *p);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    p->fn = fn;
    p->count = workers;
    for (unsigned i = 0; i < workers; i++)
        p->w[i] = (worker){ .pid = -1, .to = -1, .from = -1, .item = NO_ITEM };
    p->shm = mmap(NULL, sizeof *p->shm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                  -1, 0);
    if (p->shm == MAP_FAILED) {
        err = errno;
        pool_free(p, false);
        errno = err;
        return NULL;
    }
    err = shared_init(p->shm);
    if (err) {
        pool_free(p, false);
        errno = err;
        return NULL;
    }
    fflush(NULL);
    for (unsigned i = 0; i < workers; i++) {
        err = worker_start(p, i);
        if (err) {
            pool_free(p, true);
            errno = err;
            return NULL;
        }
    }
    return p;
}

/* ---- one map -------------------------------------------------------------- */

/* What one pool_map call keeps between its steps. */
typedef struct map_state {
    const long *in;
    long *out;
    int *status;
    size_t n, next;             /* items; the next item to hand out */
    size_t left;                /* items not finished yet */
} map_state;

/*
 * The slot's worker died: reap it, settle its item (if any) from the wait
 * status, and start a replacement.  Returns 0 or the error of the
 * replacement.
 */
static int worker_died(pool *p, unsigned slot, map_state *m)
{
    worker *w = &p->w[slot];
    size_t item = w->item;
    int wstatus;

    close_fd(&w->to);
    close_fd(&w->from);
    wstatus = reap(w->pid);
    w->pid = -1;
    w->item = NO_ITEM;
    if (item != NO_ITEM) {
        m->out[item] = 0;
        m->status[item] = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : -1;
        m->left--;
    }
    return worker_start(p, slot);
}

/* Hands the next item to the idle worker of `slot`.  0 or an errno value. */
static int hand_out(pool *p, unsigned slot, map_state *m)
{
    worker *w = &p->w[slot];
    size_t item = m->next;

    if (write_full(w->to, &m->in[item], sizeof m->in[item]) != 0) {
        if (errno != EPIPE)
            return errno;
        return worker_died(p, slot, m);     /* died idle: item not touched */
    }
    w->item = item;
    m->next++;
    return 0;
}

/* Hands out items to idle workers, lowest slot first.  0 or an errno value. */
static int hand_out_all(pool *p, map_state *m)
{
    for (unsigned i = 0; i < p->count && m->next < m->n; i++) {
        while (p->w[i].pid > 0 && p->w[i].item == NO_ITEM && m->next < m->n) {
            int err = hand_out(p, i, m);

            if (err)
                return err;
        }
    }
    return 0;
}

/* Reads the result the worker of `slot` has ready (or learns it died). */
static int collect(pool *p, unsigned slot, map_state *m)
{
    worker *w = &p->w[slot];
    long result;
    int rc = read_full(w->from, &result, sizeof result);

    if (rc < 0)
        return errno;
    if (rc > 0)
        return worker_died(p, slot, m);
    if (w->item == NO_ITEM)
        return EPROTO;              /* a worker never answers unasked */
    m->out[w->item] = result;
    m->status[w->item] = 0;
    w->item = NO_ITEM;
    m->left--;
    return 0;
}

/* Waits until some worker has a result (or died) and collects it. */
static int wait_and_collect(pool *p, map_state *m)
{
    struct pollfd fds[POOL_MAX_WORKERS];
    unsigned slots[POOL_MAX_WORKERS], nfds = 0;
    int ready;

    for (unsigned i = 0; i < p->count; i++) {
        if (p->w[i].pid > 0) {
            fds[nfds] = (struct pollfd){ .fd = p->w[i].from, .events = POLLIN };
            slots[nfds++] = i;
        }
    }
    ready = poll(fds, nfds, -1);
    if (ready < 0)
        return errno == EINTR ? 0 : errno;
    for (unsigned k = 0; k < nfds; k++) {
        if (fds[k].revents) {
            int err = collect(p, slots[k], m);

            if (err)
                return err;
        }
    }
    return 0;
}

/* pool_map's work with SIGPIPE blocked in the calling thread. */
static int map_items(pool *p, map_state *m)
{
    int err = 0;

    while (!err && m->left > 0) {
        err = hand_out_all(p, m);
        if (!err && m->left > 0)
            err = wait_and_collect(p, m);
    }
    return err;
}

int pool_map(pool *p, const long *in, size_t n, long *out, int *status)
{
    map_state m = { .in = in, .out = out, .status = status, .n = n, .left = n };
    sigset_t pipe_only, old, pending;
    bool was_pending;
    int err;

    if (n == 0)
        return 0;
    if (!p || !in || !out || !status)
        return EINVAL;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    err = map_items(p, &m);
    sigpending(&pending);
    if (!was_pending && sigismember(&pending, SIGPIPE)) {
        struct timespec zero = { 0, 0 };

        while (sigtimedwait(&pipe_only, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return err;
}

long pool_done(pool *p)
{
    long done;

    if (!p)
        return -1;
    pthread_mutex_lock(&p->shm->lock);
    done = p->shm->done;
    pthread_mutex_unlock(&p->shm->lock);
    return done;
}

void pool_destroy(pool *p)
{
    if (p)
        pool_free(p, true);
}
