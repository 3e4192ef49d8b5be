/*
 * timerfd.c - poll, ppoll and timerfds in virtual time (wrap_poll.c,
 * wrap_timerfd.c); exits 0 when every time read is exact.
 *
 * HOW unset: a thread sleeps in poll() on a periodic timerfd (absolute,
 * CLOCK_MONOTONIC) and an eventfd, as a cron-like scheduler does, and
 * wakes at exactly t0 + k * interval, each read giving 1; main wakes it
 * through the eventfd at a virtual instant of its own.  Then, on one
 * thread: missed expirations add up, timerfd_gettime, a relative one-shot
 * timer read by a blocking read(), ppoll's and poll's timeouts, epoll_wait
 * on a timerfd, the fortified __poll_chk, a non-blocking read with nothing
 * to read, disarming, and close forgetting the timer.
 * HOW=stuck: poll(-1) on a disarmed timerfd alone: a deadlock.
 * HOW=readstuck: a blocking read of a disarmed timerfd: a deadlock.
 * HOW=spin: poll(0) on a timerfd armed an hour ahead, in a loop: a busy-wait.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SEC 1000000000ll

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);

static int timer_fd, wake_fd;
static long long t0;

static long long now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * SEC + t.tv_nsec;
}

static struct timespec ts(long long ns)
{
    return (struct timespec){ .tv_sec = ns / SEC, .tv_nsec = ns % SEC };
}

static uint64_t read_count(int fd)
{
    uint64_t count = 0;

    assert(read(fd, &count, sizeof(count)) == sizeof(count));
    return count;
}

/* Five expiries at t0 + k * 1.5 s, then the eventfd written at t0 + 8.2 s. */
static void *ticker(void *arg)
{
    struct pollfd fds[2] = { { .fd = timer_fd, .events = POLLIN },
                             { .fd = wake_fd, .events = POLLIN } };
    int ticks = 0;

    (void)arg;
    for (;;) {
        assert(poll(fds, 2, -1) >= 1);
        if (fds[0].revents & POLLIN) {
            ticks++;
            assert(now_ns() == t0 + ticks * 3 * SEC / 2);
            assert(read_count(timer_fd) == 1);
        }
        if (fds[1].revents & POLLIN) {
            assert(now_ns() == t0 + 82 * SEC / 10);
            assert(read_count(wake_fd) == 1);
            assert(ticks == 5);
            return NULL;
        }
    }
}

static void periodic(void)
{
    struct itimerspec spec = { .it_interval = ts(3 * SEC / 2) };
    pthread_t t;

    timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    assert(timer_fd >= 0 && wake_fd >= 0);
    t0 = now_ns();
    spec.it_value = ts(t0 + 3 * SEC / 2);
    assert(timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &spec, NULL) == 0);
    pthread_create(&t, NULL, ticker, NULL);
    usleep(8200000);
    assert(eventfd_write(wake_fd, 1) == 0);
    pthread_join(t, NULL);
}

/* The calls one at a time, on the main thread. */
static void one_by_one(void)
{
    struct itimerspec spec = { .it_value = ts(SEC), .it_interval = ts(SEC) }, got;
    struct pollfd p = { .fd = timer_fd, .events = POLLIN };
    struct epoll_event ev = { .events = EPOLLIN };
    struct timespec quarter = ts(SEC / 4);
    long long start = now_ns();
    uint64_t count;
    int ep, fd;

    /* Missed expirations add up: 3 in 3.5 s; 0.5 s left to the next. */
    assert(timerfd_settime(timer_fd, 0, &spec, NULL) == 0);
    usleep(3500000);
    assert(timerfd_gettime(timer_fd, &got) == 0);
    assert(got.it_value.tv_sec == 0 && got.it_value.tv_nsec == SEC / 2);
    assert(got.it_interval.tv_sec == 1 && got.it_interval.tv_nsec == 0);
    assert(read_count(timer_fd) == 3);
    /* Nothing to read yet, non-blocking: EAGAIN, no time passes. */
    assert(read(timer_fd, &count, sizeof(count)) == -1 && errno == EAGAIN);
    assert(now_ns() == start + 3500000000ll);
    /* ppoll's timeout comes before the timer's expiry; poll waits for it. */
    assert(ppoll(&p, 1, &quarter, NULL) == 0);
    assert(now_ns() == start + 3750000000ll);
    assert(poll(&p, 1, 5000) == 1 && now_ns() == start + 4 * SEC);
    /* Re-arming resets the count: a one-shot timer, 2 s from now. */
    spec = (struct itimerspec){ .it_value = ts(2 * SEC) };
    assert(timerfd_settime(timer_fd, 0, &spec, &got) == 0);
    assert(got.it_value.tv_sec == 1 && got.it_interval.tv_sec == 1);
    assert(poll(&p, 1, 0) == 0);
    assert(__poll_chk(&p, 1, -1, sizeof(p)) == 1 && now_ns() == start + 6 * SEC);
    assert(read_count(timer_fd) == 1);
    assert(timerfd_gettime(timer_fd, &got) == 0 && got.it_value.tv_sec == 0 &&
           got.it_value.tv_nsec == 0);
    /* A blocking timerfd, read without poll: returns at its expiry. */
    fd = timerfd_create(CLOCK_REALTIME, 0);
    assert(fd >= 0);
    spec.it_value = ts(SEC / 10);
    assert(timerfd_settime(fd, 0, &spec, NULL) == 0);
    assert(read_count(fd) == 1 && now_ns() == start + 61 * SEC / 10);
    /* epoll_wait on a timerfd: woken at its expiry. */
    ep = epoll_create1(EPOLL_CLOEXEC);
    ev.data.fd = fd;
    assert(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
    spec.it_value = ts(SEC);
    assert(timerfd_settime(fd, 0, &spec, NULL) == 0);
    assert(epoll_wait(ep, &ev, 1, -1) == 1 && now_ns() == start + 71 * SEC / 10);
    assert(read_count(fd) == 1);
    close(ep);
    /* Closed, the timer is forgotten: a descriptor of the same number is fresh. */
    assert(close(fd) == 0);
    fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    assert(fd >= 0);
    assert(timerfd_gettime(fd, &got) == 0 && got.it_value.tv_sec == 0 &&
           got.it_value.tv_nsec == 0);
    /* Disarmed: poll with a timeout only waits for the timeout. */
    assert(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 250) == 0);
    assert(now_ns() == start + 7350000000ll);
    assert(timerfd_settime(fd, 0, &(struct itimerspec){ .it_value = { 0, -1 } }, NULL) == -1 &&
           errno == EINVAL);
    close(fd);
}

int main(void)
{
    const char *how = getenv("HOW");
    struct pollfd p;
    uint64_t count;

    if (!how) {
        periodic();
        one_by_one();
        printf("timerfd ok\n");
        return 0;
    }
    timer_fd = timerfd_create(CLOCK_MONOTONIC, 0);
    p = (struct pollfd){ .fd = timer_fd, .events = POLLIN };
    if (strcmp(how, "stuck") == 0)
        poll(&p, 1, -1);
    if (strcmp(how, "readstuck") == 0)
        (void)!read(timer_fd, &count, sizeof(count));
    if (strcmp(how, "spin") == 0) {
        struct itimerspec hour = { .it_value = { 3600, 0 } };

        timerfd_settime(timer_fd, 0, &hour, NULL);
        while (poll(&p, 1, 0) == 0)
            ;
    }
    return 0;
}
