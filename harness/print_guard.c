/*
 * print_guard.c - the student's printing reaches the captured output only.
 *
 * Printing to stdout and stderr is allowed: it is the run's captured
 * output.  But a FILE says itself where it writes (stdout->_fileno), and
 * one assignment would point printf at Criterion's socket or any other
 * descriptor, past the descriptor guard (fd_guard.c).  So the grader
 * renames, in the student's object only (grader/build_profiles.c), the
 * printing calls to rc_guard_NAME, defined here.  Each formats its text and writes
 * it itself, with write(), to descriptor 1 for stdout and 2 for stderr,
 * never through the FILE, and only while that descriptor is still the one
 * the program started with (same device and inode).  Any other stream, or
 * a console descriptor that was replaced, gets EOF with errno EBADF.
 *
 * Text goes out unbuffered, so it may come out before the tests' own
 * buffered printing; nothing is graded from it.
 *
 * In a test of a Criterion binary run with RC_OUTPUT_DIR set (the grader's
 * test runs, grader/test_run.c), the text goes instead to
 * RC_OUTPUT_DIR/output-TEST.txt, one file per test, so that the grader
 * can show a failing test's own printing under it; a file stops growing
 * at RC_OUTPUT_CAP bytes (below the run's file-size limit).
 *
 * Past RC_PRINT_LIMIT bytes printed in one process (16 MB, the run's
 * file-size limit: racecourse_test.h), the process ends with
 * RC_EXIT_PRINTED_TOO_MUCH, which the grader reports as such: a print in
 * a loop that does not end would otherwise keep a core busy until the
 * test's timeout, and be reported as a hang.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "racecourse_test.h"

#define RC_OUTPUT_CAP (256 * 1024)

/* Criterion's test being run in this process; absent from race drivers. */
struct criterion_test;
extern const struct criterion_test *const criterion_current_test __attribute__((weak));

static pthread_once_t output_once = PTHREAD_ONCE_INIT;
static int output_fd = -1;
static size_t output_written;
static size_t printed;          /* by the code under test, in this process */
static bool discarding;         /* rc_print_discard(): a trial's printing goes nowhere */

/* Opens this test's output file, when the grader asked for one. */
static void open_output(void)
{
    const char *dir = getenv("RC_OUTPUT_DIR");
    const char *name;
    char path[4096];

    if (!dir || !&criterion_current_test || !criterion_current_test)
        return;
    /* struct criterion_test starts with its name (criterion/types.h). */
    name = *(const char *const *)criterion_current_test;
    if (!name || strchr(name, '/'))
        return;
    if (snprintf(path, sizeof path, "%s/output-%s.txt", dir, name) >= (int)sizeof path)
        return;
    output_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

/* Writes to the test's output file; 1 when there is one (even if full). */
static int put_output(const char *data, size_t len)
{
    size_t before;

    if (discarding)
        return 1;
    pthread_once(&output_once, open_output);
    if (output_fd < 0)
        return 0;
    before = __atomic_fetch_add(&output_written, len, __ATOMIC_RELAXED);
    if (before >= RC_OUTPUT_CAP)
        len = 0;
    else if (len > RC_OUTPUT_CAP - before)
        len = RC_OUTPUT_CAP - before;
    while (len > 0) {
        ssize_t done = write(output_fd, data, len);

        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            break;
        data += done;
        len -= (size_t)done;
    }
    return 1;
}

/*
 * Appends `len` bytes of `data` to the test's output file (the kit's
 * words, e.g. the controlled scheduler's verdict, exit_guard.c); 1 when
 * there is such a file, 0 when the text was not written.
 */
int rc_print_test_output(const char *data, size_t len)
{
    return put_output(data, len);
}

/* What descriptors 1 and 2 were when the program started. */
static struct stat console[3];
static bool console_open[3];

__attribute__((constructor)) static void remember_console(void)
{
    for (int fd = 1; fd <= 2; fd++)
        console_open[fd] = fstat(fd, &console[fd]) == 0;
}

/*
 * From now on every printing of the program, the student's and the
 * kit's, goes nowhere and succeeds: descriptors 1 and 2 become /dev/null
 * (the console they are from now on) and the test's output file is left
 * alone.  A trial of a test under another schedule calls it
 * (test_schedules.c): only the run Criterion sees may print.
 */
void rc_print_discard(void)
{
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

    discarding = true;
    if (null >= 0) {
        dup2(null, 1);
        dup2(null, 2);
        close(null);
    }
    remember_console();
}

/* The descriptor `stream` may print to (1 or 2), or -1. */
static int console_fd(FILE *stream)
{
    struct stat now;
    int fd = stream == stdout ? 1 : stream == stderr ? 2 : -1;

    if (fd < 0 || !console_open[fd] || fstat(fd, &now) != 0 ||
        now.st_dev != console[fd].st_dev || now.st_ino != console[fd].st_ino)
        return -1;
    return fd;
}

void __real__exit(int status) __attribute__((noreturn));

/*
 * Writes all of `data` to the console descriptor of `stream`; 0 or EOF.
 * Ends the process past RC_PRINT_LIMIT bytes printed in all.
 */
static int put(FILE *stream, const char *data, size_t len)
{
    int fd = console_fd(stream);

    if (__atomic_add_fetch(&printed, len, __ATOMIC_RELAXED) > RC_PRINT_LIMIT)
        __real__exit(RC_EXIT_PRINTED_TOO_MUCH);
    if (fd < 0) {
        errno = EBADF;
        return EOF;
    }
    if (put_output(data, len))
        return 0;
    while (len > 0) {
        ssize_t done = write(fd, data, len);

        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            return EOF;
        data += done;
        len -= (size_t)done;
    }
    return 0;
}

/* printf's work: the number of bytes printed, or -1. */
static int vprint(FILE *stream, const char *format, va_list ap)
{
    char small[1024], *text = small;
    va_list again;
    int len, result;

    va_copy(again, ap);
    len = vsnprintf(small, sizeof small, format, ap);
    if (len >= (int)sizeof small) {
        text = malloc((size_t)len + 1);
        if (text)
            vsnprintf(text, (size_t)len + 1, format, again);
    }
    va_end(again);
    if (len < 0 || !text)
        return -1;
    result = put(stream, text, (size_t)len) == 0 ? len : -1;
    if (text != small)
        free(text);
    return result;
}

/*
 * vprint of the arguments after `format` in a printf-like guard (GNU C
 * statement expression: the value is what vprint returns).
 */
#define VPRINT_ARGS(stream, format)                                         \
    ({                                                                      \
        va_list ap_;                                                        \
        int len_;                                                           \
                                                                            \
        va_start(ap_, format);                                              \
        len_ = vprint(stream, format, ap_);                                 \
        va_end(ap_);                                                        \
        len_;                                                               \
    })

int rc_guard_vfprintf(FILE *stream, const char *format, va_list ap)
{
    return vprint(stream, format, ap);
}

int rc_guard_vprintf(const char *format, va_list ap)
{
    return vprint(stdout, format, ap);
}

int rc_guard_fprintf(FILE *stream, const char *format, ...)
{
    return VPRINT_ARGS(stream, format);
}

int rc_guard_printf(const char *format, ...)
{
    return VPRINT_ARGS(stdout, format);
}

/* The _FORTIFY_SOURCE forms: the flag only asks for checks vsnprintf makes anyway. */
int rc_guard___vfprintf_chk(FILE *stream, int flag, const char *format, va_list ap)
{
    (void)flag;
    return vprint(stream, format, ap);
}

int rc_guard___vprintf_chk(int flag, const char *format, va_list ap)
{
    (void)flag;
    return vprint(stdout, format, ap);
}

int rc_guard___fprintf_chk(FILE *stream, int flag, const char *format, ...)
{
    (void)flag;
    return VPRINT_ARGS(stream, format);
}

int rc_guard___printf_chk(int flag, const char *format, ...)
{
    (void)flag;
    return VPRINT_ARGS(stdout, format);
}

int rc_guard_fputs(const char *s, FILE *stream)
{
    return put(stream, s, strlen(s)) == 0 ? 1 : EOF;
}

int rc_guard_puts(const char *s)
{
    return put(stdout, s, strlen(s)) == 0 && put(stdout, "\n", 1) == 0 ? 1 : EOF;
}

int rc_guard_fputc(int c, FILE *stream)
{
    char byte = (char)c;

    return put(stream, &byte, 1) == 0 ? (unsigned char)c : EOF;
}

int rc_guard_putc(int c, FILE *stream)
{
    return rc_guard_fputc(c, stream);
}

int rc_guard_putchar(int c)
{
    return rc_guard_fputc(c, stdout);
}

size_t rc_guard_fwrite(const void *data, size_t size, size_t n, FILE *stream)
{
    if (size == 0 || n == 0)
        return 0;
    if (n > (size_t)-1 / size)
        return 0;
    return put(stream, data, size * n) == 0 ? n : 0;
}

void rc_guard_perror(const char *s)
{
    int err = errno;

    if (s && *s)
        rc_guard_fprintf(stderr, "%s: %s\n", s, strerror(err));
    else
        rc_guard_fprintf(stderr, "%s\n", strerror(err));
    errno = err;
}
