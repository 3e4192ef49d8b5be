/* include_deps.c - see include_deps.h. */
#define _GNU_SOURCE
#include "include_deps.h"
#include "util.h"

#include <dirent.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A growing list of strings. */
typedef struct names {
    char **items;
    size_t n;
} names;

/* One scan: where it searches, what it has read. */
typedef struct scan {
    const char *work_dir;
    hash64 *hash;
    names search;               /* the -I folders, in order */
    names seen;                 /* real paths of the files read */
} scan;

static void names_push(names *v, char *item)
{
    v->items = xrealloc(v->items, (v->n + 1) * sizeof *v->items);
    v->items[v->n++] = item;
}

static bool names_has(const names *v, const char *item)
{
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->items[i], item))
            return true;
    return false;
}

static void names_free(names *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->items[i]);
    free(v->items);
}

/* ---- the system's header folders (gcc's default search, Debian layout) ---- */

static names system_dirs;
static pthread_once_t system_dirs_once = PTHREAD_ONCE_INIT;

static void find_system_dirs(void)
{
    static const char *const patterns[] = {
        "/usr/local/include", "/usr/include", "/usr/include/*-linux-gnu*",
        "/usr/lib/gcc/*/*/include", "/usr/lib/gcc/*/*/include-fixed", NULL,
    };

    for (size_t i = 0; patterns[i]; i++) {
        glob_t g;

        if (glob(patterns[i], GLOB_ONLYDIR, NULL, &g) != 0)
            continue;
        for (size_t k = 0; k < g.gl_pathc; k++)
            names_push(&system_dirs, xstrdup(g.gl_pathv[k]));
        globfree(&g);
    }
}

/* Whether a system header folder has a file called `name` ("sys/time.h"). */
static bool is_system_header(const char *name)
{
    bool found = false;

    pthread_once(&system_dirs_once, find_system_dirs);
    for (size_t i = 0; !found && i < system_dirs.n; i++) {
        char *path = xasprintf("%s/%s", system_dirs.items[i], name);

        found = is_file(path);
        free(path);
    }
    return found;
}

/* ---- reading files ---- */

/* `path` (relative to the work directory, or absolute) as a full path. */
static char *full_path(const scan *s, const char *path)
{
    return path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", s->work_dir, path);
}

/* "dir" + "name", where "" and "." are the work directory itself. */
static char *join(const char *dir, const char *name)
{
    if (!*dir || !strcmp(dir, "."))
        return xstrdup(name);
    return xasprintf("%s/%s", dir, name);
}

/* Adds "name", then the bytes of the file at `path` (work-relative). */
static bool hash_file(scan *s, const char *name, const char *path)
{
    char *full = full_path(s, path);
    size_t len;
    char *data = read_file(full, &len);

    free(full);
    if (!data)
        return false;
    hash64_add_str(s->hash, name);
    hash64_add(s->hash, data, len);
    free(data);
    return true;
}

static bool scan_file(scan *s, const char *path);

/*
 * Finds the file an include of `name` reaches: in `from_dir` first when
 * it is not NULL (#include "name"), then in each -I folder.  Reads it and
 * what it includes unless read already.  Not found: a system header.
 */
static bool follow(scan *s, const char *from_dir, const char *name)
{
    char *path = NULL, *full, real[PATH_MAX];
    bool ok = true;

    if (name[0] == '/' || !*name)
        return false;
    if (from_dir) {
        path = join(from_dir, name);
        full = full_path(s, path);
        if (!is_file(full)) {
            free(path);
            path = NULL;
        }
        free(full);
    }
    for (size_t i = 0; !path && i < s->search.n; i++) {
        path = join(s->search.items[i], name);
        full = full_path(s, path);
        if (!is_file(full)) {
            free(path);
            path = NULL;
        }
        free(full);
    }
    if (!path)
        return true;
    full = full_path(s, path);
    if (!realpath(full, real)) {
        ok = false;
    } else if (!names_has(&s->seen, real)) {
        names_push(&s->seen, xstrdup(real));
        hash64_add_str(s->hash, name);
        ok = scan_file(s, path);
    }
    free(full);
    free(path);
    return ok;
}

/*
 * Reads the name of an include at `p` ("name" or <name>) into *name;
 * *quoted says which.  False when it is neither (a macro).
 */
static bool include_name(const char *p, char **name, bool *quoted)
{
    const char *end;

    p += strspn(p, " \t");
    if (*p != '"' && *p != '<')
        return false;
    *quoted = *p == '"';
    end = strchr(p + 1, *quoted ? '"' : '>');
    if (!end || memchr(p + 1, '\n', end - p - 1))
        return false;
    *name = xasprintf("%.*s", (int)(end - p - 1), p + 1);
    return true;
}

/* Follows an include or a __has_include() operand at `p`, from `dir`. */
static bool follow_at(scan *s, const char *dir, const char *p)
{
    char *name;
    bool quoted, ok;

    if (!include_name(p, &name, &quoted))
        return false;
    ok = follow(s, quoted ? dir : NULL, name);
    free(name);
    return ok;
}

/* The folder of `path` ("" for the work directory). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? xasprintf("%.*s", (int)(slash - path), path) : xstrdup("");
}

/* Follows every __has_include() of `line` (up to its end). */
static bool follow_has_include(scan *s, const char *dir, const char *line, const char *end)
{
    static const char word[] = "__has_include";
    bool ok = true;

    for (const char *p = memmem(line, end - line, word, sizeof word - 1); ok && p;
         p = memmem(p, end - p, word, sizeof word - 1)) {
        p += sizeof word - 1;
        if (starts_with(p, "_next"))
            return false;
        p += strspn(p, " \t");
        if (*p != '(')
            continue;           /* "defined(__has_include)" */
        ok = follow_at(s, dir, p + 1);
    }
    return ok;
}

/* One line of a file in `dir`: its #include and __has_include(). */
static bool scan_line(scan *s, const char *dir, const char *line, const char *end)
{
    const char *p = line + strspn(line, " \t");

    if (!follow_has_include(s, dir, line, end))
        return false;
    if (*p != '#')
        return true;
    p += 1 + strspn(p + 1, " \t");
    if (starts_with(p, "import") || starts_with(p, "include_next"))
        return false;
    if (!starts_with(p, "include"))
        return true;
    return follow_at(s, dir, p + strlen("include"));
}

/* Hashes the file at `path` (work-relative) and follows its includes. */
static bool scan_file(scan *s, const char *path)
{
    char *full = full_path(s, path), *dir = dir_of(path);
    size_t len;
    char *text = read_file(full, &len);
    bool ok = text && !memchr(text, '\0', len);       /* a NUL would end the scan early */

    if (ok) {
        hash64_add_str(s->hash, path);
        hash64_add(s->hash, text, len);
    }

    for (char *line = text; ok && line && *line;) {
        char *end = strchr(line, '\n');

        if (!end)
            end = line + strlen(line);
        ok = scan_line(s, dir, line, end);
        line = *end ? end + 1 : end;
    }
    free(text);
    free(dir);
    free(full);
    return ok;
}

/* ---- flags ---- */

/* Reads the -I folders of `flags`; false on a flag that changes the search otherwise. */
static bool read_flags(scan *s, char *const flags[])
{
    for (size_t i = 0; flags[i]; i++) {
        const char *f = flags[i];

        if (!strcmp(f, "-I")) {
            if (!flags[i + 1] || !strcmp(flags[i + 1], "-"))
                return false;
            names_push(&s->search, xstrdup(flags[++i]));
        } else if (starts_with(f, "-I")) {
            if (!strcmp(f, "-I-"))
                return false;
            names_push(&s->search, xstrdup(f + 2));
        } else if (starts_with(f, "-i") || starts_with(f, "--sysroot") ||
                   starts_with(f, "-nostdinc") || f[0] == '@' || starts_with(f, "--include")) {
            return false;
        }
    }
    return true;
}

/* ---- headers that could shadow a system header ---- */

static int not_hidden(const struct dirent *entry)
{
    return entry->d_name[0] != '.';
}

/*
 * Adds each header of `dir` (a -I folder; `prefix` names a subfolder of
 * it, "" for itself) that has a system header's name, and with `depth`
 * those of its subfolders too.
 */
static bool hash_shadows(scan *s, const char *dir, const char *prefix, int depth)
{
    char *sub = join(dir, prefix), *full = full_path(s, sub);
    struct dirent **entries;
    int n = scandir(full, &entries, not_hidden, dirent_by_name);
    bool ok = true;

    for (int i = 0; i < n; i++) {
        char *name = *prefix ? xasprintf("%s/%s", prefix, entries[i]->d_name)
                             : xstrdup(entries[i]->d_name);
        char *path = join(dir, name), *path_full = full_path(s, path);

        if (ends_with(name, ".h") && is_system_header(name))
            ok = ok && hash_file(s, name, path);
        else if (depth > 0 && is_dir(path_full))
            ok = ok && hash_shadows(s, dir, name, depth - 1);
        free(path_full);
        free(path);
        free(name);
        free(entries[i]);
    }
    if (n >= 0)
        free(entries);
    free(full);
    free(sub);
    return ok;
}

bool include_deps_hash(hash64 *hash, const char *work_dir, const char *source,
                       char *const flags[])
{
    scan s = { .work_dir = work_dir, .hash = hash };
    char *full = full_path(&s, source), real[PATH_MAX];
    bool ok = read_flags(&s, flags) && realpath(full, real);

    if (ok) {
        names_push(&s.seen, xstrdup(real));
        ok = scan_file(&s, source);
    }
    free(full);
    for (size_t i = 0; ok && i < s.search.n; i++)
        ok = hash_shadows(&s, s.search.items[i], "", 1);
    names_free(&s.search);
    names_free(&s.seen);
    return ok;
}
