/*
 * uvpipe.c - libuv under the scheduler (linked statically, with the
 * scheduler's wraps: the Makefile's rule for this program).  A writer
 * thread runs its own loop: a uv timer every virtual second writes one
 * message into a pipe with uv_write, five times, then closes its end.
 * The main thread's loop reads the pipe to its end, and a 20 s uv timer
 * ends it: it fires exactly 20 virtual seconds after the start, in a few
 * milliseconds of real time.  $HOW=stuck: nobody writes and nothing is
 * timed, a deadlock in epoll_wait.
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define MESSAGES 5

static uv_pipe_t out;
static uv_timer_t tick;
static int sent;
static char received[64];
static size_t n_received;
static int eof;
static uint64_t start_ms, fired_ms;

static void on_closed(uv_handle_t *handle)
{
    (void)handle;
}

static void on_written(uv_write_t *req, int status)
{
    assert(status == 0);
    free(req);
    if (sent == MESSAGES)
        uv_close((uv_handle_t *)&out, on_closed);
}

static void on_tick(uv_timer_t *timer)
{
    static char text[MESSAGES][2];
    uv_write_t *req = malloc(sizeof(*req));
    uv_buf_t buf;

    assert(req);
    text[sent][0] = (char)('a' + sent);
    buf = uv_buf_init(text[sent], 1);
    sent++;
    assert(uv_write(req, (uv_stream_t *)&out, &buf, 1, on_written) == 0);
    if (sent == MESSAGES)
        uv_close((uv_handle_t *)timer, on_closed);
}

static void writer(void *arg)
{
    uv_loop_t loop;

    assert(uv_loop_init(&loop) == 0);
    assert(uv_pipe_init(&loop, &out, 0) == 0);
    assert(uv_pipe_open(&out, *(int *)arg) == 0);
    assert(uv_timer_init(&loop, &tick) == 0);
    assert(uv_timer_start(&tick, on_tick, 1000, 1000) == 0);
    assert(uv_run(&loop, UV_RUN_DEFAULT) == 0);
    assert(uv_loop_close(&loop) == 0);
}

static void on_alloc(uv_handle_t *handle, size_t size, uv_buf_t *buf)
{
    (void)handle;
    (void)size;
    *buf = uv_buf_init(received + n_received, (unsigned)(sizeof(received) - n_received));
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    if (n == UV_EOF) {
        eof = 1;
        uv_close((uv_handle_t *)stream, on_closed);
        return;
    }
    assert(n >= 0);
    n_received += (size_t)n;
}

static void on_twenty(uv_timer_t *timer)
{
    fired_ms = uv_now(timer->loop);
    uv_close((uv_handle_t *)timer, on_closed);
}

int main(void)
{
    const char *how = getenv("HOW");
    uv_loop_t loop;
    uv_pipe_t in;
    uv_timer_t twenty;
    uv_thread_t thread;
    int fds[2];

    assert(pipe(fds) == 0);
    assert(uv_loop_init(&loop) == 0);
    assert(uv_pipe_init(&loop, &in, 0) == 0);
    assert(uv_pipe_open(&in, fds[0]) == 0);
    assert(uv_read_start((uv_stream_t *)&in, on_alloc, on_read) == 0);
    if (how && strcmp(how, "stuck") == 0)
        return uv_run(&loop, UV_RUN_DEFAULT);
    assert(uv_timer_init(&loop, &twenty) == 0);
    start_ms = uv_now(&loop);
    assert(uv_timer_start(&twenty, on_twenty, 20000, 0) == 0);
    assert(uv_thread_create(&thread, writer, &fds[1]) == 0);
    assert(uv_run(&loop, UV_RUN_DEFAULT) == 0);
    assert(uv_thread_join(&thread) == 0);
    assert(eof && n_received == MESSAGES && memcmp(received, "abcde", MESSAGES) == 0);
    assert(fired_ms - start_ms == 20000);
    assert(uv_loop_close(&loop) == 0);
    printf("uvpipe: ok, the 20 s timer fired at %llu ms\n",
           (unsigned long long)(fired_ms - start_ms));
    return 0;
}
