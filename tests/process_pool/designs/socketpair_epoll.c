/*
 * socketpair_epoll.c - a correct process_pool of another design: one
 * stream socketpair per worker, an epoll instance that watches them all,
 * and a queue of idle workers.
 *
 * send() with MSG_NOSIGNAL never raises SIGPIPE, so nothing touches the
 * caller's signal mask.  A worker's death is EPOLLHUP / end of file on
 * its socket.  Idle workers wait in a FIFO: an item goes to the worker
 * that has been idle the longest.
 */
#define _GNU_SOURCE
#include "process_pool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 64

typedef struct counter {
    pthread_mutex_t lock;
    long done;
} counter;

typedef struct slot {
    pid_t pid;                  /* 0: empty */
    int sock;                   /* parent's end */
    long item;                  /* index of the item it runs, -1 idle */
} slot;

struct pool {
    pool_fn fn;
    unsigned n;
    int ep;
    counter *shared;
    slot s[MAX_WORKERS];
    unsigned idle[MAX_WORKERS]; /* FIFO of idle slots */
    unsigned idle_head, idle_count;
};

static int send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t k = send(fd, p, len, MSG_NOSIGNAL);

        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

/* 0: whole; 1: end of file; -1: error. */
static int recv_all(int fd, void *buf, size_t len)
{
    char *p = buf;

    while (len) {
        ssize_t k = recv(fd, p, len, 0);

        if (k < 0 && errno == EINTR)
            continue;
        if (k == 0)
            return 1;
        if (k < 0)
            return errno == ECONNRESET ? 1 : -1;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

static void idle_push(pool *p, unsigned i)
{
    p->idle[(p->idle_head + p->idle_count++) % MAX_WORKERS] = i;
}

static unsigned idle_pop(pool *p)
{
    unsigned i = p->idle[p->idle_head];

    p->idle_head = (p->idle_head + 1) % MAX_WORKERS;
    p->idle_count--;
    return i;
}

/* Removes slot i from the idle FIFO if it is there. */
static void idle_remove(pool *p, unsigned i)
{
    unsigned kept = 0, n = p->idle_count;

    for (unsigned k = 0; k < n; k++) {
        unsigned v = p->idle[(p->idle_head + k) % MAX_WORKERS];

        if (v != i)
            p->idle[(p->idle_head + kept++) % MAX_WORKERS] = v;
    }
    p->idle_count = kept;
}

static void serve(pool_fn fn, counter *c, int sock)
{
    long x, y;

    while (recv_all(sock, &x, sizeof x) == 0) {
        y = fn(x);
        pthread_mutex_lock(&c->lock);
        c->done++;
        pthread_mutex_unlock(&c->lock);
        if (send_all(sock, &y, sizeof y) != 0)
            break;
    }
    _exit(0);
}

static int spawn(pool *p, unsigned i)
{
    int sv[2];
    struct epoll_event ev = { .events = EPOLLIN };
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return errno;
    pid = fork();
    if (pid < 0) {
        int err = errno;

        close(sv[0]);
        close(sv[1]);
        return err;
    }
    if (pid == 0) {
        close(p->ep);
        for (unsigned k = 0; k < p->n; k++)
            if (p->s[k].pid > 0)
                close(p->s[k].sock);
        close(sv[0]);
        serve(p->fn, p->shared, sv[1]);
    }
    close(sv[1]);
    p->s[i] = (slot){ .pid = pid, .sock = sv[0], .item = -1 };
    ev.data.u32 = i;
    if (epoll_ctl(p->ep, EPOLL_CTL_ADD, sv[0], &ev) != 0) {
        int err = errno;

        close(sv[0]);
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        p->s[i].pid = 0;
        return err;
    }
    idle_push(p, i);
    return 0;
}

/* Reaps slot i's dead worker; returns its item's status. */
static int bury(pool *p, unsigned i)
{
    int ws = 0;

    epoll_ctl(p->ep, EPOLL_CTL_DEL, p->s[i].sock, NULL);
    close(p->s[i].sock);
    while (waitpid(p->s[i].pid, &ws, 0) < 0 && errno == EINTR)
        ;
    p->s[i].pid = 0;
    return WIFSIGNALED(ws) ? WTERMSIG(ws) : -1;
}

static void teardown(pool *p)
{
    for (unsigned i = 0; i < p->n; i++) {
        if (p->s[i].pid > 0) {
            close(p->s[i].sock);
            kill(p->s[i].pid, SIGKILL);
            while (waitpid(p->s[i].pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
    }
    if (p->ep >= 0)
        close(p->ep);
    if (p->shared != MAP_FAILED) {
        pthread_mutex_destroy(&p->shared->lock);
        munmap(p->shared, sizeof *p->shared);
    }
    free(p);
}

pool *pool_create(unsigned workers, pool_fn fn)
{
    pthread_mutexattr_t a;
    pool *p;
    int err = 0;

    if (!fn || workers == 0 || workers > MAX_WORKERS) {
        errno = EINVAL;
        return NULL;
    }
    if (!(p = calloc(1, sizeof *p)))
        return NULL;
    p->fn = fn;
    p->n = workers;
    p->ep = -1;
    p->shared = mmap(NULL, sizeof *p->shared, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p->shared == MAP_FAILED) {
        err = errno;
        free(p);
        errno = err;
        return NULL;
    }
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    err = pthread_mutex_init(&p->shared->lock, &a);
    pthread_mutexattr_destroy(&a);
    if (err) {
        munmap(p->shared, sizeof *p->shared);
        free(p);
        errno = err;
        return NULL;
    }
    p->ep = epoll_create1(EPOLL_CLOEXEC);
    if (p->ep < 0)
        err = errno;
    fflush(NULL);
    for (unsigned i = 0; !err && i < workers; i++)
        err = spawn(p, i);
    if (err) {
        teardown(p);
        errno = err;
        return NULL;
    }
    return p;
}

int pool_map(pool *p, const long *in, size_t n, long *out, int *status)
{
    size_t next = 0, left = n;
    struct epoll_event evs[MAX_WORKERS];

    if (n == 0)
        return 0;
    if (!p || !in || !out || !status)
        return EINVAL;
    while (left > 0) {
        int k;

        while (next < n && p->idle_count > 0) {
            unsigned i = idle_pop(p);

            if (send_all(p->s[i].sock, &in[next], sizeof in[next]) != 0) {
                int err;

                bury(p, i);                 /* died idle: the item waits */
                if ((err = spawn(p, i)) != 0)
                    return err;
                continue;
            }
            p->s[i].item = (long)next++;
        }
        k = epoll_wait(p->ep, evs, MAX_WORKERS, -1);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        for (int e = 0; e < k; e++) {
            unsigned i = evs[e].data.u32;
            long y, item = p->s[i].item;
            int rc;

            if (p->s[i].pid <= 0)
                continue;
            rc = recv_all(p->s[i].sock, &y, sizeof y);
            if (rc < 0)
                return errno;
            if (rc == 0 && item >= 0) {
                out[item] = y;
                status[item] = 0;
                left--;
                p->s[i].item = -1;
                idle_push(p, i);
                continue;
            }
            if (rc == 0)
                continue;                   /* unasked: ignore */
            if (item < 0)
                idle_remove(p, i);          /* died idle: no item touched */
            rc = bury(p, i);
            if (item >= 0) {
                out[item] = 0;
                status[item] = rc;
                left--;
            }
            rc = spawn(p, i);
            if (rc)
                return rc;
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
        teardown(p);
}
