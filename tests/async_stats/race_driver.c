/*
 * race_driver.c - runs async_stats under Helgrind.
 *
 * Four writer threads feed three pipes and a socketpair at the same time,
 * in small pieces that cut numbers in two, with short sleeps in between,
 * while the main thread reads them all with async_stats.  The intended
 * solution has one thread and nothing to race on; a solution that reads
 * with threads of its own and shares results between them without a lock
 * is reported by Helgrind.  The driver also checks the results, so that
 * a stub or a wrong solution does not pass the race check.
 *
 * Exits with RC_EXIT_PASSED when everything ran and the results were
 * right, 1 otherwise (with a message on stderr); RC_EXIT_STUCK when
 * async_stats does not return once the writers are done
 * (rc_watchdog_start).
 */
#define _GNU_SOURCE
#include "async_stats.h"
#include "racecourse_test.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SOURCES 4
#define NUMBERS 40

typedef struct writer {
    int fd;              /* write end, closed at the end */
    char text[NUMBERS * 12];
    size_t chunk;        /* bytes per write */
    long pause_us;       /* sleep between writes */
    int failed;          /* errno of a failed write */
} writer;

static writer writers[SOURCES];

static void *writer_main(void *arg)
{
    writer *w = arg;
    size_t len = strlen(w->text);

    for (size_t off = 0; off < len && !w->failed;) {
        size_t part = len - off < w->chunk ? len - off : w->chunk;
        ssize_t sent = write(w->fd, w->text + off, part);

        if (sent < 0 && errno != EINTR)
            w->failed = errno;
        if (sent > 0)
            off += (size_t)sent;
        rc_progress();
        rc_sleep(w->pause_us * 1e-6);
    }
    close(w->fd);
    return NULL;
}

int main(void)
{
    pthread_t threads[SOURCES];
    int fds[SOURCES], ends[2];
    summary per[SOURCES], all;
    uv_loop_t loop;
    int rc;

    signal(SIGPIPE, SIG_IGN);
    rc_thread_name("main", -1);
    if (rc_watchdog_start() != 0)
        return rc_driver_fail("cannot start the watchdog thread");
    for (int i = 0; i < SOURCES; i++) {
        writer *w = &writers[i];
        size_t len = 0;

        if (i == SOURCES - 1 ? socketpair(AF_UNIX, SOCK_STREAM, 0, ends) : pipe(ends))
            return rc_driver_fail("cannot create a pipe or a socketpair");
        fds[i] = ends[0];
        w->fd = ends[1];
        w->chunk = 3 + 2 * (size_t)i;        /* 3, 5, 7, 9 bytes */
        w->pause_us = 300 + 400 * i;
        for (int k = 0; k < NUMBERS; k++)
            len += (size_t)sprintf(w->text + len, "%d.%d%c", 10 * i + k % 10, k % 4,
                                   k % 8 == 7 ? '\n' : ' ');
        if (i == 1)
            memcpy(w->text + len / 2, "x", 1);      /* source 1 has a bad token */
    }
    for (int i = 0; i < SOURCES; i++)
        if (pthread_create(&threads[i], NULL, writer_main, &writers[i]) != 0)
            return rc_driver_fail("cannot start a writer thread");

    if (uv_loop_init(&loop) != 0)
        return rc_driver_fail("uv_loop_init failed");
    rc = RC_CALL(async_stats(&loop, fds, SOURCES, per, &all));
    /* a solution that returned early must not leave the writers blocked */
    for (int i = 0; i < SOURCES; i++)
        close(fds[i]);
    for (int i = 0; i < SOURCES; i++)
        pthread_join(threads[i], NULL);
    uv_loop_close(&loop);

    if (rc != EINVAL)
        return rc_driver_fail("async_stats did not return EINVAL for the source with a bad token");
    if (per[1].error != EINVAL)
        return rc_driver_fail("per_source[1] (bad token) does not have error EINVAL");
    for (int i = 0; i < SOURCES; i++)
        if (i != 1 && (per[i].error != 0 || per[i].count != NUMBERS))
            return rc_driver_fail("a good source does not have 40 numbers and error 0");
    if (all.count != (SOURCES - 1) * NUMBERS)
        return rc_driver_fail("overall does not have the numbers of the three good sources");
    return RC_EXIT_PASSED;
}
