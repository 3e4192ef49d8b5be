/*
 * test_object_cache.c - the kit's objects compiled once, and compiled
 * again whenever one of their inputs changed (object_cache.h): the
 * source, the compiler's flags, or a header of any folder the source
 * is compiled against (the work directory, its own folder, a folder
 * named with -I).
 */
#define _GNU_SOURCE
#include "check.h"
#include "object_cache.h"
#include "util.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes `text` to DIR/NAME; false when it cannot. */
static bool put(const char *dir, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    bool ok = write_file(path, text, strlen(text), 0644) == 0;

    free(path);
    return ok;
}

/* The number of objects in the cache folder `dir`. */
static int cached_objects(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    int n = 0;

    while (d && (entry = readdir(d)))
        n += strstr(entry->d_name, ".o") != NULL && entry->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* Compiles work/prog.c with `flags`; the compiler's code, or -1. */
static int compile(const char *cache, const char *work, char *const flags[])
{
    char *log;
    int code = kit_object(cache, work, "prog.c", "prog.o", flags, 0, &log);

    if (code != 0)
        printf("compile: %d: %s\n", code, log);
    free(log);
    return code;
}

static void test_header_of_an_include_folder_is_an_input(void)
{
    char root[] = "/tmp/object-cache.XXXXXX";
    char *work, *cache, *folder;
    char *flags[] = { "-I", "sched", "-O0", NULL };

    if (!mkdtemp(root)) {
        CHECK(0, "cannot make a temporary folder");
        return;
    }
    work = xasprintf("%s/work", root);
    cache = xasprintf("%s/cache", root);
    folder = xasprintf("%s/sched", work);
    mkdir(work, 0755);
    mkdir(cache, 0755);
    mkdir(folder, 0755);
    chmod(root, 0755);
    chmod(work, 0777);          /* the compiler runs as "nobody" when we are root */
    CHECK(put(work, "prog.c", "#include \"value.h\"\nint value(void) { return VALUE; }\n") &&
          put(folder, "value.h", "#define VALUE 1\n"), "cannot write the sources");

    CHECK_INT(compile(cache, work, flags), 0);
    CHECK_INT(cached_objects(cache), 1);
    CHECK_INT(compile(cache, work, flags), 0);
    CHECK_INT(cached_objects(cache), 1);        /* the same inputs: from the cache */

    CHECK(put(folder, "value.h", "#define VALUE 2\n"), "cannot change the header");
    CHECK_INT(compile(cache, work, flags), 0);
    CHECK(cached_objects(cache) == 2,
          "a header of the folder named with -I changed: compiled again (%d objects)",
          cached_objects(cache));

    CHECK(put(work, "prog.c", "#include \"value.h\"\nint value(void) { return -VALUE; }\n"),
          "cannot change the source");
    CHECK_INT(compile(cache, work, flags), 0);
    CHECK_INT(cached_objects(cache), 3);        /* the source changed */

    free(folder);
    free(cache);
    free(work);
    remove_tree(root);
}

int main(void)
{
    test_header_of_an_include_folder_is_an_input();
    return check_finish();
}
