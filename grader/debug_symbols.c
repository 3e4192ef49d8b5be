/* debug_symbols.c - see debug_symbols.h. */
#define _GNU_SOURCE
#include "debug_symbols.h"
#include "hash.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OBJCOPY "/usr/bin/objcopy"

extern char **environ;

/* The files to copy: "xx/<rest of the build ID>.debug", sorted. */
typedef struct file_list {
    char **names;
    size_t n, cap;
} file_list;

static void list_free(file_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->names[i]);
    free(list->names);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the regular *.debug files one folder below SYSTEM_DEBUG_DIR. */
static void list_files(file_list *list)
{
    DIR *top = opendir(SYSTEM_DEBUG_DIR);
    struct dirent *d;

    if (!top)
        return;
    while ((d = readdir(top))) {
        char *sub_path = xasprintf("%s/%s", SYSTEM_DEBUG_DIR, d->d_name);
        DIR *sub = d->d_name[0] == '.' ? NULL : opendir(sub_path);
        struct dirent *f;

        while (sub && (f = readdir(sub))) {
            char *name = xasprintf("%s/%s", d->d_name, f->d_name);
            char *path = xasprintf("%s/%s", SYSTEM_DEBUG_DIR, name);

            if (f->d_name[0] != '.' && ends_with(f->d_name, ".debug") && is_file(path)) {
                if (list->n == list->cap) {
                    list->cap = list->cap ? 2 * list->cap : 64;
                    list->names = xrealloc(list->names, list->cap * sizeof *list->names);
                }
                list->names[list->n++] = name;
                name = NULL;
            }
            free(path);
            free(name);
        }
        if (sub)
            closedir(sub);
        free(sub_path);
    }
    closedir(top);
    qsort(list->names, list->n, sizeof *list->names, by_name);
}

/* The name of the copy: every file's name, size and change time, hashed. */
static char *copy_name(const char *cache_dir, const file_list *list)
{
    char hex[HASH64_HEX_LEN + 1];
    hash64 h;

    hash64_init(&h);
    hash64_add_str(&h, "racecourse debug symbols 1");
    for (size_t i = 0; i < list->n; i++) {
        char *path = xasprintf("%s/%s", SYSTEM_DEBUG_DIR, list->names[i]);
        struct stat st;

        if (stat(path, &st) == 0) {
            long long facts[] = { st.st_size, st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
                                  (long long)st.st_ino };

            hash64_add_str(&h, list->names[i]);
            hash64_add(&h, facts, sizeof facts);
        }
        free(path);
    }
    hash64_hex(&h, hex);
    return xasprintf("%s/debug-symbols-%s", cache_dir, hex);
}

/* objcopy --strip-debug FROM TO; 0 or an errno (EIO: objcopy failed). */
static int strip_copy(const char *from, const char *to)
{
    char *argv[] = { OBJCOPY, "--strip-debug", (char *)from, (char *)to, NULL };
    posix_spawn_file_actions_t actions;
    pid_t pid;
    int err, wstatus;

    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    err = posix_spawn(&pid, OBJCOPY, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err)
        return err;
    while (waitpid(pid, &wstatus, 0) < 0)
        if (errno != EINTR)
            return errno;
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
        return EIO;
    return chmod(to, 0644) == 0 ? 0 : errno;
}

/* Makes the copy of every listed file in `dir` (which exists); 0 or an errno. */
static int make_copy(const char *dir, const file_list *list)
{
    int err = chmod(dir, 0755) == 0 ? 0 : errno;

    for (size_t i = 0; !err && i < list->n; i++) {
        char *from = xasprintf("%s/%s", SYSTEM_DEBUG_DIR, list->names[i]);
        char *to = xasprintf("%s/%s", dir, list->names[i]);
        char *slash = strrchr(to, '/');

        *slash = '\0';
        if (mkdir(to, 0755) != 0 && errno != EEXIST)
            err = errno;
        *slash = '/';
        if (!err)
            err = strip_copy(from, to);
        free(from);
        free(to);
    }
    return err;
}

char *debug_symbols_dir(const char *cache_dir)
{
    /* One thread of this process makes the copy; the others wait for it. */
    static pthread_mutex_t making = PTHREAD_MUTEX_INITIALIZER;
    file_list list = { 0 };
    char *dir = NULL, *temp;

    if (!cache_dir)
        return NULL;
    list_files(&list);
    if (!list.n)
        goto done;
    dir = copy_name(cache_dir, &list);
    if (is_dir(dir))
        goto done;
    pthread_mutex_lock(&making);
    temp = xasprintf("%s.XXXXXX", dir);
    if (!is_dir(dir) && mkdtemp(temp)) {
        /* Another grader may have renamed its copy into place meanwhile: keep that one. */
        if (make_copy(temp, &list) != 0 || (rename(temp, dir) != 0 && !is_dir(dir))) {
            free(dir);
            dir = NULL;
        }
        remove_tree(temp);
    } else if (!is_dir(dir)) {
        free(dir);
        dir = NULL;
    }
    free(temp);
    pthread_mutex_unlock(&making);
done:
    list_free(&list);
    return dir;
}
