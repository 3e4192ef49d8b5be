/*
 * shared_pipe_sigchld.c - a correct process_pool of another design: one
 * item pipe per worker, but ONE result pipe shared by all the workers
 * (each result tagged with the worker's slot), and worker deaths learnt
 * from SIGCHLD through a self-pipe.
 *
 * A shared pipe never reaches end of file while any worker lives, so
 * deaths come from a SIGCHLD handler that writes a byte to a self-pipe,
 * which the parent polls with the result pipe.  A tagged result is 16
 * bytes, below PIPE_BUF: two workers' results never interleave.  Before
 * settling a death the parent reads every result already in the pipe,
 * since a worker writes its whole result before it can die idle.
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
#include <unistd.h>

#define MAX_WORKERS 64

typedef struct tagged {
    long slot;
    long value;
} tagged;

typedef struct shm {
    pthread_mutex_t lock;
    long done;
} shm;

typedef struct wk {
    pid_t pid;                  /* 0: none */
    int to;
    long item;                  /* -1: idle */
} wk;

struct pool {
    pool_fn fn;
    unsigned n;
    int results[2];             /* shared by every worker */
    shm *shared;
    wk w[MAX_WORKERS];
};

/* The self-pipe of SIGCHLD, shared by every pool of the process. */
static int chld_pipe[2] = { -1, -1 };
static int pools_alive;
static struct sigaction old_chld;

static void on_chld(int sig)
{
    int saved = errno;
    char c = 0;

    (void)sig;
    if (write(chld_pipe[1], &c, 1) < 0) {
        /* full: a byte is already waiting, that is enough */
    }
    errno = saved;
}

static int chld_start(void)
{
    struct sigaction sa;

    if (pools_alive++ > 0)
        return 0;
    if (pipe2(chld_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        pools_alive--;
        return errno;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, &old_chld);
    return 0;
}

static void chld_stop(void)
{
    if (--pools_alive > 0)
        return;
    sigaction(SIGCHLD, &old_chld, NULL);
    close(chld_pipe[0]);
    close(chld_pipe[1]);
    chld_pipe[0] = chld_pipe[1] = -1;
}

static int rd(int fd, void *buf, size_t len)
{
    char *p = buf;

    while (len) {
        ssize_t k = read(fd, p, len);

        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

static int wr(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t k = write(fd, p, len);

        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

static void work(pool *p, unsigned slot, int from)
{
    tagged t = { .slot = slot };
    long x;

    while (rd(from, &x, sizeof x) == 0) {
        t.value = p->fn(x);
        pthread_mutex_lock(&p->shared->lock);
        p->shared->done++;
        pthread_mutex_unlock(&p->shared->lock);
        if (wr(p->results[1], &t, sizeof t) != 0)
            break;
    }
    _exit(0);
}

static int start(pool *p, unsigned slot)
{
    int items[2];
    pid_t pid;

    if (pipe2(items, O_CLOEXEC) != 0)
        return errno;
    pid = fork();
    if (pid < 0) {
        int err = errno;

        close(items[0]);
        close(items[1]);
        return err;
    }
    if (pid == 0) {
        for (unsigned i = 0; i < p->n; i++)
            if (p->w[i].pid > 0)
                close(p->w[i].to);
        close(items[1]);
        close(p->results[0]);
        close(chld_pipe[0]);
        work(p, slot, items[0]);
    }
    close(items[0]);
    p->w[slot] = (wk){ .pid = pid, .to = items[1], .item = -1 };
    return 0;
}

static void stop_all(pool *p)
{
    for (unsigned i = 0; i < p->n; i++) {
        if (p->w[i].pid > 0) {
            close(p->w[i].to);
            kill(p->w[i].pid, SIGKILL);
            while (waitpid(p->w[i].pid, NULL, 0) < 0 && errno == EINTR)
                ;
            p->w[i].pid = 0;
        }
    }
}

static void release(pool *p)
{
    stop_all(p);
    if (p->results[0] >= 0) {
        close(p->results[0]);
        close(p->results[1]);
    }
    if (p->shared != MAP_FAILED) {
        pthread_mutex_destroy(&p->shared->lock);
        munmap(p->shared, sizeof *p->shared);
    }
    chld_stop();
    free(p);
}

pool *pool_create(unsigned workers, pool_fn fn)
{
    pthread_mutexattr_t a;
    pool *p;
    int err;

    if (!fn || !workers || workers > MAX_WORKERS) {
        errno = EINVAL;
        return NULL;
    }
    if (!(p = calloc(1, sizeof *p)))
        return NULL;
    p->fn = fn;
    p->n = workers;
    p->results[0] = p->results[1] = -1;
    p->shared = MAP_FAILED;
    if ((err = chld_start()) != 0) {
        free(p);
        errno = err;
        return NULL;
    }
    p->shared = mmap(NULL, sizeof *p->shared, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p->shared == MAP_FAILED) {
        err = errno;
        release(p);
        errno = err;
        return NULL;
    }
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&p->shared->lock, &a);
    pthread_mutexattr_destroy(&a);
    if (pipe2(p->results, O_CLOEXEC) != 0) {
        err = errno;
        p->results[0] = p->results[1] = -1;
        release(p);
        errno = err;
        return NULL;
    }
    fflush(NULL);
    for (unsigned i = 0; i < workers; i++) {
        if ((err = start(p, i)) != 0) {
            release(p);
            errno = err;
            return NULL;
        }
    }
    return p;
}

typedef struct run {
    const long *in;
    long *out;
    int *status;
    size_t n, next, left;
} run;

/* Reads every whole result the pipe holds now (poll says when). */
static int drain_results(pool *p, run *r)
{
    for (;;) {
        struct pollfd pf = { .fd = p->results[0], .events = POLLIN };
        int k = poll(&pf, 1, 0);
        tagged t;
        wk *w;

        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return errno;
        if (k == 0 || !(pf.revents & POLLIN))
            return 0;
        if (rd(p->results[0], &t, sizeof t) != 0)
            return EIO;
        if (t.slot < 0 || t.slot >= (long)p->n)
            return EPROTO;
        w = &p->w[t.slot];
        if (w->item >= 0) {
            r->out[w->item] = t.value;
            r->status[w->item] = 0;
            r->left--;
            w->item = -1;
        }
    }
}

/* Reaps the workers that died (results drained first) and replaces them. */
static int reap_dead(pool *p, run *r)
{
    int err = drain_results(p, r);

    for (unsigned i = 0; !err && i < p->n; i++) {
        int ws = 0;
        pid_t got;

        if (p->w[i].pid <= 0)
            continue;
        do
            got = waitpid(p->w[i].pid, &ws, WNOHANG);
        while (got < 0 && errno == EINTR);
        if (got != p->w[i].pid)
            continue;
        close(p->w[i].to);
        if (p->w[i].item >= 0) {
            r->out[p->w[i].item] = 0;
            r->status[p->w[i].item] = WIFSIGNALED(ws) ? WTERMSIG(ws) : -1;
            r->left--;
        }
        p->w[i].pid = 0;
        err = start(p, i);
    }
    return err;
}

static int hand_out(pool *p, run *r)
{
    sigset_t pipe_only, old;
    int err = 0;

    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    for (unsigned i = 0; i < p->n && r->next < r->n; i++) {
        if (p->w[i].pid <= 0 || p->w[i].item >= 0)
            continue;
        if (wr(p->w[i].to, &r->in[r->next], sizeof(long)) != 0) {
            int ws = 0;

            if (errno != EPIPE) {
                err = errno;
                break;
            }
            close(p->w[i].to);          /* died idle: reap and replace */
            while (waitpid(p->w[i].pid, &ws, 0) < 0 && errno == EINTR)
                ;
            p->w[i].pid = 0;
            if ((err = start(p, i)) != 0)
                break;
            i--;
            continue;
        }
        p->w[i].item = (long)r->next++;
    }
    {
        sigset_t pending;
        struct timespec zero = { 0, 0 };

        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE) && !sigismember(&old, SIGPIPE))
            sigtimedwait(&pipe_only, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return err;
}

int pool_map(pool *p, const long *in, size_t n, long *out, int *status)
{
    run r = { .in = in, .out = out, .status = status, .n = n, .left = n };
    int err;

    if (n == 0)
        return 0;
    if (!p || !in || !out || !status)
        return EINVAL;
    if ((err = reap_dead(p, &r)) != 0)
        return err;
    while (r.left > 0) {
        struct pollfd pf[2] = {
            { .fd = p->results[0], .events = POLLIN },
            { .fd = chld_pipe[0], .events = POLLIN },
        };

        if ((err = hand_out(p, &r)) != 0)
            return err;
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if ((err = drain_results(p, &r)) != 0)
            return err;
        if (pf[1].revents & POLLIN) {
            char buf[64];

            while (read(chld_pipe[0], buf, sizeof buf) > 0)
                ;
            if ((err = reap_dead(p, &r)) != 0)
                return err;
        }
    }
    return 0;
}

long pool_done(pool *p)
{
    long v;

    if (!p)
        return -1;
    pthread_mutex_lock(&p->shared->lock);
    v = p->shared->done;
    pthread_mutex_unlock(&p->shared->lock);
    return v;
}

void pool_destroy(pool *p)
{
    if (p)
        release(p);
}
