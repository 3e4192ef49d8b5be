/* util.c - see util.h. */
#define _GNU_SOURCE
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void out_of_memory(void)
{
    fputs("grade: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);

    if (!p)
        out_of_memory();
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);

    if (!p)
        out_of_memory();
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);

    if (!p)
        out_of_memory();
    return p;
}

char *xstrdup(const char *s)
{
    char *copy = strdup(s);

    if (!copy)
        out_of_memory();
    return copy;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        out_of_memory();
    va_end(ap);
    return s;
}

void strbuf_add(strbuf *sb, const void *bytes, size_t len)
{
    if (sb->len + len + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 64;

        while (cap < sb->len + len + 1)
            cap *= 2;
        sb->data = xrealloc(sb->data, cap);
        sb->cap = cap;
    }
    memcpy(sb->data + sb->len, bytes, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
}

void strbuf_addstr(strbuf *sb, const char *s)
{
    strbuf_add(sb, s, strlen(s));
}

void strbuf_addf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int len;

    va_start(ap, fmt);
    len = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (len < 0)
        out_of_memory();
    strbuf_add(sb, s, (size_t)len);
    free(s);
}

char *strbuf_detach(strbuf *sb)
{
    char *s = sb->data ? sb->data : xstrdup("");

    sb->data = NULL;
    sb->len = sb->cap = 0;
    return s;
}

void strbuf_release(strbuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}

bool starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool ends_with(const char *s, const char *suffix)
{
    size_t len = strlen(s), n = strlen(suffix);

    return len > n && !strcmp(s + len - n, suffix);
}

int dirent_by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

bool parse_count(const char *text, int low, int high, int *out)
{
    char *end;
    long value;

    errno = 0;
    value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < low || value > high)
        return false;
    *out = (int)value;
    return true;
}

double now_seconds(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

bool is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *read_file(const char *path, size_t *len)
{
    strbuf sb = STRBUF_INIT;
    char chunk[65536];
    ssize_t got;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    while ((got = read(fd, chunk, sizeof chunk)) != 0) {
        if (got < 0) {
            int saved = errno;

            if (saved == EINTR)
                continue;
            close(fd);
            strbuf_release(&sb);
            errno = saved;
            return NULL;
        }
        strbuf_add(&sb, chunk, (size_t)got);
    }
    close(fd);
    if (len)
        *len = sb.len;
    return strbuf_detach(&sb);
}

int write_file(const char *path, const void *data, size_t len, int mode)
{
    const char *p = data;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

    if (fd < 0)
        return errno;
    while (len > 0) {
        ssize_t put = write(fd, p, len);

        if (put < 0) {
            int saved = errno;

            if (saved == EINTR)
                continue;
            close(fd);
            return saved;
        }
        p += put;
        len -= (size_t)put;
    }
    if (fchmod(fd, (mode_t)mode) != 0 || close(fd) != 0)
        return errno;
    return 0;
}

int copy_file(const char *from, const char *to, int mode)
{
    size_t len;
    char *data = read_file(from, &len);
    int err;

    if (!data)
        return errno;
    err = write_file(to, data, len, mode);
    free(data);
    return err;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : errno;
}

int remove_tree(const char *path)
{
    int err = nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);

    return err < 0 ? (errno == ENOENT ? 0 : errno) : err;
}

char *first_lines(const char *text, size_t max_lines, size_t max_bytes)
{
    size_t lines = 0, len = 0;

    while (len < max_bytes && text[len]) {
        if (text[len] == '\n' && ++lines == max_lines) {
            len++;
            break;
        }
        len++;
    }
    if (!text[len])
        return xstrdup(text);
    return xasprintf("%.*s...\n", (int)len, text);
}
