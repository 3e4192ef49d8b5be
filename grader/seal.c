/* seal.c - see seal.h. */
#define _GNU_SOURCE
#include "seal.h"
#include "sandbox.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEAL_FILE_MAX (256u << 20)  /* larger files are fingerprinted by size and inode */

/* The mode a sealed file gets: programs run, kit text is read, the rest is private. */
static mode_t sealed_mode(const char *name, mode_t mode)
{
    size_t len = strlen(name);

    if (mode & S_IXUSR)
        return 0555;
    if (len > 5 && !strcmp(name + len - 5, ".supp"))
        return 0444;
    return 0400;
}

static int not_dots(const struct dirent *entry)
{
    return strcmp(entry->d_name, ".") && strcmp(entry->d_name, "..") &&
           strcmp(entry->d_name, SEAL_SCRATCH);
}

/* The directory's entries (scratch aside) in name order; NULL with errno. */
static struct dirent **entries(const char *dir, int *n)
{
    struct dirent **list;

    *n = scandir(dir, &list, not_dots, dirent_by_name);
    return *n < 0 ? NULL : list;
}

static void free_entries(struct dirent **list, int n)
{
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* Makes every entry of `dir` root's (when root) and read-only. */
static int lock_files(const char *dir)
{
    int n, err = 0;
    struct dirent **list = entries(dir, &n);

    if (!list)
        return errno;
    for (int i = 0; !err && i < n; i++) {
        char *path = xasprintf("%s/%s", dir, list[i]->d_name);
        struct stat st;

        if (lstat(path, &st) != 0)
            err = errno;
        else if (geteuid() == 0 && lchown(path, 0, 0) != 0)
            err = errno;
        else if (S_ISREG(st.st_mode) && chmod(path, sealed_mode(list[i]->d_name, st.st_mode)))
            err = errno;
        else if (S_ISDIR(st.st_mode) && chmod(path, 0711) != 0)
            err = errno;
        free(path);
    }
    free_entries(list, n);
    return err;
}

/* The fingerprint of every entry of `dir`, names included; 0 or an errno. */
static int fingerprint(const char *dir, char out[HASH64_HEX_LEN + 1])
{
    int n, err = 0;
    struct dirent **list = entries(dir, &n);
    hash64 h;

    if (!list)
        return errno;
    hash64_init(&h);
    for (int i = 0; !err && i < n; i++) {
        char *path = xasprintf("%s/%s", dir, list[i]->d_name);

        hash64_add_str(&h, list[i]->d_name);
        err = hash64_add_file(&h, path, false, SEAL_FILE_MAX);
        free(path);
    }
    free_entries(list, n);
    hash64_hex(&h, out);
    return err;
}

int seal_work_dir(const char *dir, unsigned run_as, seal *s)
{
    uid_t user = run_as ? run_as : SANDBOX_NOBODY;
    bool root = geteuid() == 0;
    int err;

    memset(s, 0, sizeof *s);
    s->dir = xstrdup(dir);
    s->scratch = xasprintf("%s/%s", dir, SEAL_SCRATCH);
    if ((err = lock_files(dir)) != 0)
        goto error;
    if ((root && chown(dir, 0, 0) != 0) || chmod(dir, 0711) != 0)
        goto errno_error;
    if (mkdir(s->scratch, 0700) != 0 || (root && chown(s->scratch, user, user) != 0))
        goto errno_error;
    if ((err = fingerprint(dir, s->fingerprint)) != 0)
        goto error;
    return 0;
errno_error:
    err = errno;
error:
    seal_free(s);
    return err;
}

bool seal_intact(const seal *s)
{
    char now[HASH64_HEX_LEN + 1];

    return fingerprint(s->dir, now) == 0 && !strcmp(now, s->fingerprint);
}

void seal_free(seal *s)
{
    free(s->dir);
    free(s->scratch);
    memset(s, 0, sizeof *s);
}
