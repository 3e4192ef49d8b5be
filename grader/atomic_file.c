/* atomic_file.c - see atomic_file.h. */
#define _GNU_SOURCE
#include "atomic_file.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t put = write(fd, p, len);

        if (put < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += put;
        len -= (size_t)put;
    }
    return 0;
}

int atomic_write_file(const char *path, const void *data, size_t len)
{
    char *copy_dir = xstrdup(path), *copy_base = xstrdup(path);
    char *temp = xasprintf("%s/." ATOMIC_FILE_TEMP_PREFIX "%s.XXXXXX", dirname(copy_dir),
                           basename(copy_base));
    int fd = mkostemp(temp, O_CLOEXEC), err = 0;

    if (fd < 0) {
        err = errno;
        goto done;
    }
    err = write_all(fd, data, len);
    if (!err && fchmod(fd, 0644) != 0)
        err = errno;
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(temp, path) != 0)
        err = errno;
    if (err)
        unlink(temp);
done:
    free(copy_dir);
    free(copy_base);
    free(temp);
    return err;
}

int atomic_file_cleanup(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d)
        return errno;
    while ((e = readdir(d)) != NULL) {
        if (!strncmp(e->d_name, "." ATOMIC_FILE_TEMP_PREFIX, strlen("." ATOMIC_FILE_TEMP_PREFIX)))
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
    return 0;
}
