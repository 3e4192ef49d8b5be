/*
 * fault_inject_uv.c - the libuv calls of fault_inject.h.
 *
 * Linked, with -Wl,--wrap= for each call below, only into the test
 * binaries of exercises that link libuv (the others have no libuv to
 * call).  A failed call returns the injected error negated, as libuv
 * does, and leaves the handle as it was.
 */
#include "fault_inject.h"

#include <stdint.h>
#include <uv.h>

int __real_uv_loop_init(uv_loop_t *loop);
int __real_uv_timer_init(uv_loop_t *loop, uv_timer_t *timer);
int __real_uv_timer_start(uv_timer_t *timer, uv_timer_cb cb, uint64_t timeout,
                                  uint64_t repeat);
int __real_uv_pipe_init(uv_loop_t *loop, uv_pipe_t *pipe, int ipc);
int __real_uv_pipe_open(uv_pipe_t *pipe, uv_file fd);
int __real_uv_tcp_init(uv_loop_t *loop, uv_tcp_t *tcp);
int __real_uv_tcp_open(uv_tcp_t *tcp, uv_os_sock_t sock);
int __real_uv_poll_init(uv_loop_t *loop, uv_poll_t *poll, int fd);
int __real_uv_poll_start(uv_poll_t *poll, int events, uv_poll_cb cb);
int __real_uv_read_start(uv_stream_t *stream, uv_alloc_cb alloc_cb,
                                 uv_read_cb read_cb);

int __wrap_uv_loop_init(uv_loop_t *loop);
int __wrap_uv_timer_init(uv_loop_t *loop, uv_timer_t *timer);
int __wrap_uv_timer_start(uv_timer_t *timer, uv_timer_cb cb, uint64_t timeout, uint64_t repeat);
int __wrap_uv_pipe_init(uv_loop_t *loop, uv_pipe_t *pipe, int ipc);
int __wrap_uv_pipe_open(uv_pipe_t *pipe, uv_file fd);
int __wrap_uv_tcp_init(uv_loop_t *loop, uv_tcp_t *tcp);
int __wrap_uv_tcp_open(uv_tcp_t *tcp, uv_os_sock_t sock);
int __wrap_uv_poll_init(uv_loop_t *loop, uv_poll_t *poll, int fd);
int __wrap_uv_poll_start(uv_poll_t *poll, int events, uv_poll_cb cb);
int __wrap_uv_read_start(uv_stream_t *stream, uv_alloc_cb alloc_cb, uv_read_cb read_cb);

/* libuv returns errors negated. */
#define UV_FAULT()                                  \
    do {                                            \
        int err_ = rc_fault_should_fail(RC_FAULT_UV);        \
        if (err_)                                   \
            return -err_;                           \
    } while (0)

int __wrap_uv_loop_init(uv_loop_t *loop)
{
    UV_FAULT();
    return __real_uv_loop_init(loop);
}

int __wrap_uv_timer_init(uv_loop_t *loop, uv_timer_t *timer)
{
    UV_FAULT();
    return __real_uv_timer_init(loop, timer);
}

int __wrap_uv_timer_start(uv_timer_t *timer, uv_timer_cb cb, uint64_t timeout, uint64_t repeat)
{
    UV_FAULT();
    return __real_uv_timer_start(timer, cb, timeout, repeat);
}

int __wrap_uv_pipe_init(uv_loop_t *loop, uv_pipe_t *pipe, int ipc)
{
    UV_FAULT();
    return __real_uv_pipe_init(loop, pipe, ipc);
}

int __wrap_uv_pipe_open(uv_pipe_t *pipe, uv_file fd)
{
    UV_FAULT();
    return __real_uv_pipe_open(pipe, fd);
}

int __wrap_uv_tcp_init(uv_loop_t *loop, uv_tcp_t *tcp)
{
    UV_FAULT();
    return __real_uv_tcp_init(loop, tcp);
}

int __wrap_uv_tcp_open(uv_tcp_t *tcp, uv_os_sock_t sock)
{
    UV_FAULT();
    return __real_uv_tcp_open(tcp, sock);
}

int __wrap_uv_poll_init(uv_loop_t *loop, uv_poll_t *poll, int fd)
{
    UV_FAULT();
    return __real_uv_poll_init(loop, poll, fd);
}

int __wrap_uv_poll_start(uv_poll_t *poll, int events, uv_poll_cb cb)
{
    UV_FAULT();
    return __real_uv_poll_start(poll, events, cb);
}

int __wrap_uv_read_start(uv_stream_t *stream, uv_alloc_cb alloc_cb, uv_read_cb read_cb)
{
    UV_FAULT();
    return __real_uv_read_start(stream, alloc_cb, read_cb);
}
