/* object_cache.c - see object_cache.h. */
#define _GNU_SOURCE
#include "object_cache.h"
#include "hash.h"
#include "include_deps.h"
#include "toolchain.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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

/* Runs `gcc flags... -c source -o object` in work_dir; see kit_object(). */
static int compile_object(const char *work_dir, const char *source, const char *object,
                          char *const flags[], unsigned run_as, char **log)
{
    size_t n_flags = 0;
    char **argv;
    int code;

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
    free(argv);
    return code;
}

/*
 * Takes the lock of `key` in the cache folder: an flock() of the empty
 * file .KEY.lock, which the kernel drops when its holder ends, however it
 * ends (the files stay; they are empty).  With `wait` false, returns -2
 * at once when another grader holds it.  Returns the locked descriptor
 * (close it to unlock), -2, or -1 when there is no lock to take (then
 * compile without one: at worst two graders compile the same object).
 */
static int lock_key(const char *cache_dir, const char *key, bool wait)
{
    char *path = xasprintf("%s/.%s.lock", cache_dir, key);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

    free(path);
    if (fd < 0)
        return -1;
    while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
        if (errno == EINTR)
            continue;
        close(fd);
        return errno == EWOULDBLOCK && !wait ? KIT_OBJECT_BUSY : -1;
    }
    return fd;
}

int kit_object_try(const char *cache_dir, const char *work_dir, const char *source,
                   const char *object, char *const flags[], unsigned run_as, bool wait,
                   char **log)
{
    char *object_path = xasprintf("%s/%s", work_dir, object), *cached = NULL;
    char key[HASH64_HEX_LEN + 1];
    int code, lock = -1;

    *log = NULL;
    if (cache_dir && cache_key(work_dir, source, flags, key)) {
        cached = xasprintf("%s/%s.o", cache_dir, key);
        if (copy_file(cached, object_path, 0644) == 0)
            goto from_cache;
        lock = lock_key(cache_dir, key, wait);
        if (lock == KIT_OBJECT_BUSY) {
            code = KIT_OBJECT_BUSY;
            *log = xstrdup("");
            goto done;
        }
        /* the grader that held the lock may have just stored it */
        if (lock >= 0 && copy_file(cached, object_path, 0644) == 0)
            goto from_cache;
    }
    code = compile_object(work_dir, source, object, flags, run_as, log);
    if (code == 0 && cached)
        remember(cache_dir, cached, object_path);
    goto done;
from_cache:
    code = 0;
    *log = xstrdup("");
done:
    if (lock >= 0)
        close(lock);
    free(cached);
    free(object_path);
    return code;
}

int kit_object(const char *cache_dir, const char *work_dir, const char *source,
               const char *object, char *const flags[], unsigned run_as, char **log)
{
    return kit_object_try(cache_dir, work_dir, source, object, flags, run_as, true, log);
}

char *object_cache_dir(const char *kit_dir)
{
    char *dir = xasprintf("%s/build/cache", kit_dir);

    if ((mkdir(dir, 0755) != 0 && errno != EEXIST) || access(dir, W_OK) != 0) {
        free(dir);
        return NULL;
    }
    return dir;
}
