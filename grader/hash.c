/* hash.c - FNV-1a, 64 bits; see hash.h. */
#define _GNU_SOURCE
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FNV64_OFFSET_BASIS 0xcbf29ce484222325ULL
#define FNV64_PRIME 0x100000001b3ULL

void hash64_init(hash64 *h)
{
    h->state = FNV64_OFFSET_BASIS;
}

void hash64_add(hash64 *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t state = h->state;

    for (size_t i = 0; i < len; i++) {
        state ^= p[i];
        state *= FNV64_PRIME;
    }
    h->state = state;
}

void hash64_add_str(hash64 *h, const char *s)
{
    hash64_add(h, s, strlen(s) + 1);
}

/* Adds "kind size" as text, so that the bytes that follow cannot pass for it. */
static void add_header(hash64 *h, const char *kind, long long size)
{
    char header[64];

    snprintf(header, sizeof header, "%s %lld", kind, size);
    hash64_add_str(h, header);
}

static int add_contents(hash64 *h, const char *path, bool follow_links)
{
    char chunk[65536];
    struct stat st;
    ssize_t got;
    /* O_NONBLOCK: a file swapped for a FIFO since lstat() must not block us. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                  (follow_links ? 0 : O_NOFOLLOW));

    if (fd < 0)
        return errno;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return EINVAL;
    }
    while ((got = read(fd, chunk, sizeof chunk)) != 0) {
        if (got < 0) {
            int err = errno;

            if (err == EINTR)
                continue;
            close(fd);
            return err;
        }
        hash64_add(h, chunk, (size_t)got);
    }
    close(fd);
    return 0;
}

int hash64_add_file(hash64 *h, const char *path, bool follow_links, size_t max_bytes)
{
    struct stat st;
    char target[4096];
    ssize_t len;

    if ((follow_links ? stat(path, &st) : lstat(path, &st)) != 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            return errno;
        hash64_add_str(h, "absent");
        return 0;
    }
    if (S_ISREG(st.st_mode) && (size_t)st.st_size <= max_bytes) {
        add_header(h, "file", (long long)st.st_size);
        return add_contents(h, path, follow_links);
    }
    if (S_ISREG(st.st_mode)) {
        add_header(h, "big file", (long long)st.st_size);
        hash64_add(h, &st.st_ctim, sizeof st.st_ctim);
        hash64_add(h, &st.st_ino, sizeof st.st_ino);
        return 0;
    }
    if (S_ISLNK(st.st_mode)) {
        len = readlink(path, target, sizeof target - 1);
        if (len < 0)
            return errno;
        add_header(h, "link", (long long)len);
        hash64_add(h, target, (size_t)len);
        return 0;
    }
    add_header(h, S_ISDIR(st.st_mode) ? "directory" : "other", (long long)(st.st_mode & S_IFMT));
    return 0;
}

void hash64_hex(const hash64 *h, char out[HASH64_HEX_LEN + 1])
{
    snprintf(out, HASH64_HEX_LEN + 1, "%016llx", (unsigned long long)h->state);
}
