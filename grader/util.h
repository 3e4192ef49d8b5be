/*
 * util.h - small helpers every grader module uses: growing strings,
 * formatted allocation, files and time.
 *
 * Functions that allocate abort() when memory runs out: the grader cannot
 * do anything useful without memory, and an out-of-memory error path in
 * every caller would hide the real logic.
 */
#ifndef RACECOURSE_UTIL_H
#define RACECOURSE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* A growing, always NUL-terminated byte string. */
typedef struct strbuf {
    char *data;     /* NULL until something is added */
    size_t len;
    size_t cap;
} strbuf;

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_add(strbuf *sb, const void *bytes, size_t len);
void strbuf_addstr(strbuf *sb, const char *s);
void strbuf_addf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Gives the string to the caller ("" when empty) and resets `sb`. */
char *strbuf_detach(strbuf *sb);
void strbuf_release(strbuf *sb);

/* malloc/strdup/asprintf that abort() on failure. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parses `text` as a whole decimal number from `low` to `high` into *out.
 * Returns false (leaving *out alone) for anything else.
 */
bool parse_count(const char *text, int low, int high, int *out);

/* Whether `s` (NULL: no) starts with `prefix`. */
bool starts_with(const char *s, const char *prefix);

/* Whether `s` ends with `suffix` and is longer than it ("x.c", not ".c"). */
bool ends_with(const char *s, const char *suffix);

struct dirent;
/*
 * scandir()'s order of names, byte by byte (alphasort() would follow the
 * locale's collation).
 */
int dirent_by_name(const struct dirent **a, const struct dirent **b);

/* The part of `path` after its last '/' (all of it when it has none). */
const char *base_name(const char *path);

/* Seconds on CLOCK_MONOTONIC. */
double now_seconds(void);

/* Whether `path` is an existing regular file / directory. */
bool is_file(const char *path);
bool is_dir(const char *path);

/*
 * Reads a whole file into a NUL-terminated string (*len without the NUL
 * when len is not NULL).  Returns NULL with errno set on failure.
 */
char *read_file(const char *path, size_t *len);

/* Writes `len` bytes to `path` (created or truncated).  0 or an errno. */
int write_file(const char *path, const void *data, size_t len, int mode);

/* Copies the file `from` to `to` with permission bits `mode`.  0 or errno. */
int copy_file(const char *from, const char *to, int mode);

/* Removes a directory tree (like rm -rf).  0 or the first errno. */
int remove_tree(const char *path);

/*
 * Keeps the first `max_lines` lines of `text` (and at most `max_bytes`),
 * appending "..." when anything was cut.  Returns a new string.
 */
char *first_lines(const char *text, size_t max_lines, size_t max_bytes);

#endif
