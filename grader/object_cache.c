/* object_cache.c - see object_cache.h. */
#define _GNU_SOURCE
#include "object_cache.h"
#include "hash.h"
#include "include_deps.h"
#include "toolchain.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COMPILER_OUTPUT_MAX (256u << 10)
/* Part of every key: a new way of making keys never reuses an old object. */
#define CACHE_KEY_VERSION "kit-object 2: flags, source, its includes"

/*
 * The cache key of compiling `source` in `work_dir` with `flags`: the
 * hash of hash.h over the flags, then the source and every file it
 * includes from the work directory (include_deps.h), as hex digits.
 * False when the inputs cannot be told (the object is compiled, not
 * cached).
 */
static bool cache_key(const char *work_dir, const char *source, char *const flags[],
                      char key[HASH64_HEX_LEN + 1])
{
    bool ok;
    hash64 h;

    hash64_init(&h);
    hash64_add_str(&h, CACHE_KEY_VERSION);
    for (size_t i = 0; flags[i]; i++)
        hash64_add_str(&h, flags[i]);
    hash64_add_str(&h, "");
    ok = include_deps_hash(&h, work_dir, source, flags);
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
