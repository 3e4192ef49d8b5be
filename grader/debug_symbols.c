/* debug_symbols.c - see debug_symbols.h. */
#define _GNU_SOURCE
#include "debug_symbols.h"
#include "hash.h"
#include "util.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OBJCOPY "/usr/bin/objcopy"
/* The suppressions Valgrind reads at every start, on Debian and Ubuntu.
   Without them glibc's copy keeps all its local symbols. */
#define VALGRIND_DEFAULT_SUPP "/usr/libexec/valgrind/default.supp"
/* The local symbols of glibc kept whatever the suppressions say: the
   variants of the string functions that Valgrind replaces by name. */
static const char *const always_kept[] = { "__str*", "__stp*", "__mem*", "__wcs*", "__wmem*",
                                           "__raw*", NULL };

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
    if (list->n)
        qsort(list->names, list->n, sizeof *list->names, by_name);
}

/*
 * Adds `name` and `path`'s size, change time and inode to `h`, never its
 * bytes (max_bytes 0; "absent" when it cannot be seen).
 */
static void add_file_facts(hash64 *h, const char *name, const char *path)
{
    hash64_add_str(h, name);
    if (!path || hash64_add_file(h, path, true, 0) != 0)
        hash64_add_str(h, "absent");
}

/*
 * The name of the copy: the name, size and change time of every file and
 * of the two suppression files, and which file is glibc's, hashed.
 */
static char *copy_name(const char *cache_dir, const file_list *list, const char *libc_file,
                       const char *suppressions)
{
    char hex[HASH64_HEX_LEN + 1];
    hash64 h;

    hash64_init(&h);
    hash64_add_str(&h, "racecourse debug symbols 2");
    for (size_t i = 0; i < list->n; i++) {
        char *path = xasprintf("%s/%s", SYSTEM_DEBUG_DIR, list->names[i]);

        add_file_facts(&h, list->names[i], path);
        free(path);
    }
    hash64_add_str(&h, libc_file ? libc_file : "");
    add_file_facts(&h, "default suppressions", VALGRIND_DEFAULT_SUPP);
    add_file_facts(&h, "kit suppressions", suppressions);
    hash64_hex(&h, hex);
    return xasprintf("%s/debug-symbols-%s", cache_dir, hex);
}

/* Finds the C library among the loaded objects and its GNU build ID note. */
static int find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
    char *out = data;

    (void)size;
    if (!info->dlpi_name || !ends_with(info->dlpi_name, "/libc.so.6"))
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        size_t align = ph->p_align == 8 ? 8 : 4;
        const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;

        if (ph->p_type != PT_NOTE)
            continue;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *note = (const void *)p;
            const char *name = p + sizeof *note;
            const unsigned char *desc =
                (const void *)(name + ((note->n_namesz + align - 1) & ~(align - 1)));

            if ((const char *)desc + note->n_descsz > end)
                break;
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
                !memcmp(name, "GNU", 4) && note->n_descsz >= 2 && note->n_descsz <= 64) {
                /* "xx/<the rest>.debug", as under SYSTEM_DEBUG_DIR */
                char *o = out + sprintf(out, "%02x/", desc[0]);

                for (unsigned k = 1; k < note->n_descsz; k++)
                    o += sprintf(o, "%02x", desc[k]);
                strcpy(o, ".debug");
                return 1;
            }
            p = (const char *)desc + ((note->n_descsz + align - 1) & ~(align - 1));
        }
    }
    return 0;
}

/*
 * The name of the C library's debug file under SYSTEM_DEBUG_DIR
 * ("xx/<rest of its build ID>.debug"), from the library this program
 * runs with, which the race drivers load too; NULL when not found.
 */
static char *libc_debug_file(void)
{
    char name[3 + 2 * 64 + sizeof ".debug"] = "";

    return dl_iterate_phdr(find_libc, name) ? xstrdup(name) : NULL;
}

/* Adds the "fun:" names of the suppression file `path` to `out`, one a line. */
static void add_suppressed_functions(FILE *out, const char *path)
{
    FILE *in = path ? fopen(path, "re") : NULL;
    char line[1024];

    if (!in)
        return;
    while (fgets(line, sizeof line, in)) {
        char *name = line + strspn(line, " \t");

        if (strncmp(name, "fun:", 4) != 0)
            continue;
        name += 4;
        name[strcspn(name, " \t\r\n")] = '\0';
        if (*name && strcmp(name, "*") != 0)
            fprintf(out, "%s\n", name);
    }
    fclose(in);
}

/* Writes the local symbols glibc's copy keeps (see debug_symbols.h) to `path`; 0 or an errno. */
static int write_kept_symbols(const char *path, const char *suppressions)
{
    FILE *out = fopen(path, "we");

    if (!out)
        return errno;
    for (size_t i = 0; always_kept[i]; i++)
        fprintf(out, "%s\n", always_kept[i]);
    add_suppressed_functions(out, VALGRIND_DEFAULT_SUPP);
    add_suppressed_functions(out, suppressions);
    return fclose(out) == 0 ? 0 : errno;
}

/*
 * objcopy --strip-debug FROM TO, which also drops the local symbols not
 * listed in the file `kept` when it is not NULL; 0 or an errno (EIO:
 * objcopy failed).
 */
static int strip_copy(const char *from, const char *to, const char *kept)
{
    char *keep_option = kept ? xasprintf("--keep-symbols=%s", kept) : NULL;
    char *plain[] = { OBJCOPY, "--strip-debug", (char *)from, (char *)to, NULL };
    char *locals_too[] = { OBJCOPY, "--strip-debug", "--discard-all", "--wildcard", keep_option,
                           (char *)from, (char *)to, NULL };
    char **argv = kept ? locals_too : plain;
    posix_spawn_file_actions_t actions;
    pid_t pid;
    int err, wstatus;

    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    err = posix_spawn(&pid, OBJCOPY, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    free(keep_option);
    if (err)
        return err;
    while (waitpid(pid, &wstatus, 0) < 0)
        if (errno != EINTR)
            return errno;
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
        return EIO;
    return chmod(to, 0644) == 0 ? 0 : errno;
}

/*
 * Makes the copy of every listed file in `dir` (which exists), glibc's
 * (`libc_file`, or NULL) with fewer local symbols; 0 or an errno.
 */
static int make_copy(const char *dir, const file_list *list, const char *libc_file,
                     const char *suppressions)
{
    char *kept = xasprintf("%s/.kept-symbols", dir);
    int err = chmod(dir, 0755) == 0 ? 0 : errno;

    if (!err && libc_file)
        err = write_kept_symbols(kept, suppressions);
    for (size_t i = 0; !err && i < list->n; i++) {
        char *from = xasprintf("%s/%s", SYSTEM_DEBUG_DIR, list->names[i]);
        char *to = xasprintf("%s/%s", dir, list->names[i]);
        char *slash = strrchr(to, '/');
        bool libc = libc_file && !strcmp(list->names[i], libc_file);

        *slash = '\0';
        if (mkdir(to, 0755) != 0 && errno != EEXIST)
            err = errno;
        *slash = '/';
        if (!err)
            err = strip_copy(from, to, libc ? kept : NULL);
        free(from);
        free(to);
    }
    unlink(kept);
    free(kept);
    return err;
}

char *debug_symbols_dir(const char *cache_dir, const char *suppressions)
{
    /* One thread of this process makes the copy; the others wait for it. */
    static pthread_mutex_t making = PTHREAD_MUTEX_INITIALIZER;
    file_list list = { 0 };
    char *dir = NULL, *temp, *libc_file = NULL;

    if (!cache_dir)
        return NULL;
    list_files(&list);
    if (!list.n)
        goto done;
    libc_file = is_file(VALGRIND_DEFAULT_SUPP) ? libc_debug_file() : NULL;
    if (libc_file && !bsearch(&libc_file, list.names, list.n, sizeof *list.names, by_name)) {
        free(libc_file);
        libc_file = NULL;
    }
    dir = copy_name(cache_dir, &list, libc_file, suppressions);
    if (is_dir(dir))
        goto done;
    pthread_mutex_lock(&making);
    temp = xasprintf("%s.XXXXXX", dir);
    if (!is_dir(dir) && mkdtemp(temp)) {
        /* Another grader may have renamed its copy into place meanwhile: keep that one. */
        if (make_copy(temp, &list, libc_file, suppressions) != 0 ||
            (rename(temp, dir) != 0 && !is_dir(dir))) {
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
    free(libc_file);
    return dir;
}
