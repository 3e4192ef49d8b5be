/*
 * test_print_guard.c - the printing guard (harness/print_guard.c):
 * the student's printing reaches descriptors 1 and 2 as they were at the
 * start, whatever it does to stdout's FILE, and a process that prints
 * more than RC_PRINT_LIMIT bytes ends with RC_EXIT_PRINTED_TOO_MUCH.
 */
#define _GNU_SOURCE
#include "check.h"

#include "../../harness/racecourse_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int rc_guard_printf(const char *format, ...);
int rc_guard_fprintf(FILE *stream, const char *format, ...);
int rc_guard_puts(const char *s);
int rc_guard_fputs(const char *s, FILE *stream);
int rc_guard_putchar(int c);
size_t rc_guard_fwrite(const void *data, size_t size, size_t n, FILE *stream);
/* The guard ends a process with _exit() unwrapped, as in test programs. */
void __real__exit(int status) __attribute__((noreturn));

/*
 * The exit status of a child that prints `total` bytes to stdout, which is
 * /dev/null, in lines of 64 bytes, then exits with 0; -1 when it died
 * of a signal, -2 when it could not be started or waited for.
 */
static int status_after_printing(size_t total)
{
    pid_t pid = fork();
    int status;

    if (pid == 0) {
        char line[65];

        memset(line, 'x', 63);
        line[63] = '\n';
        line[64] = '\0';
        freopen("/dev/null", "w", stdout);
        for (size_t done = 0; done < total; done += 64)
            rc_guard_fputs(line, stdout);
        __real__exit(0);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Bytes waiting in the pipe `fd` (non-blocking). */
static ssize_t waiting(int fd)
{
    char buf[4096];

    return read(fd, buf, sizeof buf);
}

int main(void)
{
    int other[2];
    int saved;
    FILE fake;

    CHECK_INT(rc_guard_printf("%s", ""), 0);
    CHECK_INT(rc_guard_fprintf(stdout, "print guard: %d\n", 42), 16);
    CHECK_INT(pipe2(other, O_NONBLOCK), 0);

    /* stdout's FILE pointed at another descriptor: the text goes to fd 1. */
    fflush(stdout);
    saved = stdout->_fileno;
    stdout->_fileno = other[1];
    CHECK_INT(rc_guard_printf("print guard: %d\n", 2), 15);
    CHECK_INT(rc_guard_puts("print guard: 3"), 1);
    CHECK_INT(rc_guard_fwrite("print guard: 4\n", 1, 15, stdout), 15);
    stdout->_fileno = saved;
    CHECK(waiting(other[0]) < 0, "nothing was written to the other descriptor");

    /* A FILE of its own making, or a replaced console descriptor: refused. */
    fake = *stderr;
    fake._fileno = other[1];
    errno = 0;
    CHECK_INT(rc_guard_fputs("forged", &fake), EOF);
    CHECK_INT(errno, EBADF);
    saved = dup(2);
    dup2(other[1], 2);
    CHECK_INT(rc_guard_fprintf(stderr, "forged\n"), -1);
    dup2(saved, 2);
    close(saved);
    CHECK(waiting(other[0]) < 0, "nothing was written to the other descriptor");
    CHECK_INT(rc_guard_fputs("", stderr), 1);

    /* Printing without end is stopped at the limit, and only there. */
    CHECK_INT(status_after_printing(RC_PRINT_LIMIT - 4096), 0);
    CHECK_INT(status_after_printing(RC_PRINT_LIMIT + 4096), RC_EXIT_PRINTED_TOO_MUCH);
    return check_finish();
}
