/*
 * test_object_cache.c - the kit's objects compiled once, and compiled
 * again whenever one of their inputs changed (object_cache.h): the
 * source, the compiler's flags, or a file it includes (from its own
 * folder, from a folder named with -I, through another header), or a
 * header of a -I folder that shadows a system header; a header that the
 * source does not include (an exercise's SLUG.h) changes nothing.
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

/* A work folder and a cache folder under a new temporary `root`. */
static bool make_folders(char *root, char **work, char **cache)
{
    if (!mkdtemp(root))
        return false;
    *work = xasprintf("%s/work", root);
    *cache = xasprintf("%s/cache", root);
    mkdir(*work, 0755);
    mkdir(*cache, 0755);
    chmod(root, 0755);
    chmod(*work, 0777);         /* the compiler runs as "nobody" when we are root */
    return true;
}

static void test_only_the_included_files_are_inputs(void)
{
    char root[] = "/tmp/object-cache.XXXXXX";
    char *work, *cache, *sub, *path;
    char *flags[] = { "-I", ".", "-I", "sub", "-O0", NULL };

    if (!make_folders(root, &work, &cache)) {
        CHECK(0, "cannot make a temporary folder");
        return;
    }
    sub = xasprintf("%s/sub", work);
    mkdir(sub, 0755);
    CHECK(put(work, "prog.c", "#include <stdio.h>\n#include \"a.h\"\n"
              "#if defined(__has_include)\n#if __has_include(<maybe.h>)\n#endif\n#endif\n"
              "int value(void) { return A + B; }\n") &&
          put(work, "a.h", "#include <b.h>\n#define A 1\n") &&
          put(sub, "b.h", "#define B 1\n") &&
          put(work, "exercise_one.h", "int one;\n"), "cannot write the sources");

    CHECK_INT(compile(cache, work, flags), 0);
    CHECK_INT(cached_objects(cache), 1);

    /* an exercise's header the source never includes: the same object */
    path = xasprintf("%s/exercise_one.h", work);
    unlink(path);
    free(path);
    CHECK(put(work, "exercise_two.h", "int two;\n"), "cannot write a header");
    CHECK_INT(compile(cache, work, flags), 0);
    CHECK(cached_objects(cache) == 1, "a header nothing includes changed: compiled again "
          "(%d objects)", cached_objects(cache));

    /* a header included through another one */
    CHECK(put(sub, "b.h", "#define B 2\n"), "cannot change a header");
    CHECK_INT(compile(cache, work, flags), 0);
    CHECK_INT(cached_objects(cache), 2);

    /* a file that __has_include() asks about, appearing */
    CHECK(put(sub, "maybe.h", "\n"), "cannot write a header");
    CHECK_INT(compile(cache, work, flags), 0);
    CHECK_INT(cached_objects(cache), 3);

    /* a header that shadows a system one (stdio.h includes stddef.h...) */
    CHECK(put(work, "stddef.h", "#include_next <stddef.h>\n"), "cannot write a header");
    CHECK_INT(compile(cache, work, flags), 0);
    CHECK(cached_objects(cache) == 4, "a header shadowing a system header appeared: "
          "compiled again (%d objects)", cached_objects(cache));

    /* the flags */
    flags[4] = "-O1";
    CHECK_INT(compile(cache, work, flags), 0);
    CHECK_INT(cached_objects(cache), 5);

    free(sub);
    free(cache);
    free(work);
    remove_tree(root);
}

static void test_an_include_it_cannot_follow_is_never_cached(void)
{
    char root[] = "/tmp/object-cache.XXXXXX";
    char *work, *cache;
    char *flags[] = { "-I", ".", NULL };

    if (!make_folders(root, &work, &cache)) {
        CHECK(0, "cannot make a temporary folder");
        return;
    }
    CHECK(put(work, "prog.c", "#define HEADER \"a.h\"\n#include HEADER\n"
              "int value(void) { return A; }\n") &&
          put(work, "a.h", "#define A 1\n"), "cannot write the sources");
    CHECK_INT(compile(cache, work, flags), 0);
    CHECK_INT(cached_objects(cache), 0);
    free(cache);
    free(work);
    remove_tree(root);
}

int main(void)
{
    test_header_of_an_include_folder_is_an_input();
    test_only_the_included_files_are_inputs();
    test_an_include_it_cannot_follow_is_never_cached();
    return check_finish();
}
