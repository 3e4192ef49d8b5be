/* object_cache.c - see object_cache.h. */
#define _GNU_SOURCE
#include "object_cache.h"
#include "hash.h"
#include "toolchain.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COMPILER_OUTPUT_MAX (256u << 10)

/* Hashes a file's name and contents; false when it cannot be read. */
static bool hash_file(hash64 *hash, const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    size_t len;
    char *data = read_file(path, &len);

    free(path);
    if (!data)
        return false;
    hash64_add_str(hash, name);
    hash64_add(hash, data, len);
    free(data);
    return true;
}

static int is_header(const struct dirent *entry)
{
    return ends_with(entry->d_name, ".h");
}

/*
 * Hashes the name and contents of every header of `dir` (relative to
 * work_dir, "" for work_dir itself) in name order; false when one cannot
 * be read.
 */
static bool hash_headers(hash64 *hash, const char *work_dir, const char *dir)
{
    char *path = *dir ? xasprintf("%s/%s", work_dir, dir) : xstrdup(work_dir);
    struct dirent **headers;
    int n = scandir(path, &headers, is_header, dirent_by_name);
    bool ok = n >= 0;

    for (int i = 0; i < n; i++) {
        char *name = *dir ? xasprintf("%s/%s", dir, headers[i]->d_name)
                          : xstrdup(headers[i]->d_name);

        ok = ok && hash_file(hash, work_dir, name);
        free(name);
        free(headers[i]);
    }
    if (n >= 0)
        free(headers);
    free(path);
    return ok;
}

/*
 * The cache key of compiling `source` in `work_dir` with `flags`: the
 * hash of hash.h over the flags, the source, every header of the work
 * directory, of every other folder of it that `flags` name with "-I"
 * and, for a source in a folder of it (scheduler/core.c), of that
 * folder, as hex digits (object_cache.h: the inputs that make the
 * object).
 */
static bool cache_key(const char *work_dir, const char *source, char *const flags[],
                      char key[HASH64_HEX_LEN + 1])
{
    const char *slash = strrchr(source, '/');
    bool ok;
    hash64 h;

    hash64_init(&h);
    for (size_t i = 0; flags[i]; i++)
        hash64_add_str(&h, flags[i]);
    ok = hash_file(&h, work_dir, source) && hash_headers(&h, work_dir, "");
    for (size_t i = 0; ok && flags[i] && flags[i + 1]; i++)
        if (!strcmp(flags[i], "-I") && strcmp(flags[i + 1], "."))
            ok = hash_headers(&h, work_dir, flags[i + 1]);
    if (ok && slash) {
        char *dir = xasprintf("%.*s", (int)(slash - source), source);

        ok = hash_headers(&h, work_dir, dir);
        free(dir);
    }
    hash64_hex(&h, key);
    return ok;
}

/* Stores the new object in the cache: a temporary name, then rename(). */
static void remember(const char *cache_dir, const char *cached, const char *object_path)
{
    char *temporary = xasprintf("%s/.object.XXXXXX", cache_dir);
    int fd = mkstemp(temporary);

    if (fd >= 0) {
        close(fd);
        if (copy_file(object_path, temporary, 0644) != 0 || rename(temporary, cached) != 0)
            unlink(temporary);
    }
    free(temporary);
}

int kit_object(const char *cache_dir, const char *work_dir, const char *source,
               const char *object, char *const flags[], unsigned run_as, char **log)
{
    char *object_path = xasprintf("%s/%s", work_dir, object);
    char *cached = NULL, **argv;
    size_t n_flags = 0;
    char key[HASH64_HEX_LEN + 1];
    int code;

    *log = NULL;
    if (cache_dir && cache_key(work_dir, source, flags, key)) {
        cached = xasprintf("%s/%s.o", cache_dir, key);
        if (copy_file(cached, object_path, 0644) == 0) {
            *log = xstrdup("");
            free(cached);
            free(object_path);
            return 0;
        }
    }
    while (flags[n_flags])
        n_flags++;
    argv = xcalloc(n_flags + 6, sizeof *argv);
    argv[0] = "gcc";
    memcpy(argv + 1, flags, n_flags * sizeof *argv);
    argv[n_flags + 1] = "-c";
    argv[n_flags + 2] = (char *)source;
    argv[n_flags + 3] = "-o";
    argv[n_flags + 4] = (char *)object;
    code = tool_run(argv, work_dir, run_as, COMPILER_OUTPUT_MAX, log);
    if (code < 0)
        *log = xstrdup("");
    else if (code == 0 && cached)
        remember(cache_dir, cached, object_path);
    free(argv);
    free(cached);
    free(object_path);
    return code;
}
