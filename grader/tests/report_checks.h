/*
 * report_checks.h - what the golden tests of the report readers
 * (test_helgrind_report.c, test_tsan_report.c, test_memcheck_report.c,
 * test_resource_report.c) share: reading a fixture by name from the
 * fixture folder, and checking where a finding points.
 */
#ifndef RACECOURSE_REPORT_CHECKS_H
#define RACECOURSE_REPORT_CHECKS_H

#include "check.h"
#include "result.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A report reader: helgrind_report_read, tsan_report_read, memcheck_report_read. */
typedef int (*report_reader)(const char *path, const char *student_file, size_t max_findings,
                             race_result *out);

/* "dir/name", newly allocated (free it); exits 2 when out of memory. */
static inline char *fixture_path(const char *dir, const char *name)
{
    char *path;

    if (asprintf(&path, "%s/%s", dir, name) < 0) {
        fprintf(stderr, "test: out of memory\n");
        exit(2);
    }
    return path;
}

/* How many "file.c:N (name)" a message holds: the places a reader of the
   words would find in it (what summary.md counted before the JSON had
   places). */
static inline size_t places_in_words(const char *message)
{
    size_t n = 0;

    for (const char *p = strstr(message, ".c:"); p; p = strstr(p + 1, ".c:")) {
        const char *q = p + 3;
        size_t len;

        q += strspn(q, "0123456789");
        if (q == p + 3 || strncmp(q, " (", 2) != 0)
            continue;
        q += 2;
        len = strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
        n += len && len <= 64 && q[len] == ')';
    }
    return n;
}

/*
 * Checks what the JSON says of finding `f` beside its message: the message
 * starts with its label, and its places are the "file:line (fn)" the
 * message names, in its order (no more: as many as a reader of the words
 * would find).
 */
static inline void check_structure(const race_finding *f)
{
    const char *at = f->message;
    size_t with_function = 0;

    if (f->label && *f->label)
        CHECK(!strncmp(f->message, f->label, strlen(f->label)) &&
              strchr(":(", f->message[strlen(f->label) + (f->message[strlen(f->label)] == ' ')]),
              "the message \"%s\" does not start with its label \"%s\"", f->message, f->label);
    for (size_t i = 0; i < f->n_places; i++) {
        const race_place *p = &f->places[i];
        char *words = *p->function ? xasprintf("%s:%d (%s)", p->file, p->line, p->function)
                                   : xasprintf("%s:%d", p->file, p->line);
        const char *found = at ? strstr(at, words) : NULL;

        CHECK(found != NULL, "place %zu \"%s\" is not in the rest of \"%s\"", i, words,
              f->message);
        at = found ? found + strlen(words) : NULL;
        with_function += *p->function && strlen(p->file) > 2 &&
                         !strcmp(p->file + strlen(p->file) - 2, ".c");
        free(words);
    }
    CHECK(places_in_words(f->message) == with_function,
          "the message \"%s\" names %zu places, the finding has %zu", f->message,
          places_in_words(f->message), with_function);
}

/*
 * Reads fixture `name` of folder `dir` with `read` into `r` (cleared
 * first), as if `student` were the student's file; returns what `read`
 * returns.  Checks each finding's label and places (check_structure()).
 */
static inline int fixture_read(report_reader read, const char *dir, const char *name,
                               const char *student, size_t max, race_result *r)
{
    char *path = fixture_path(dir, name);
    int err;

    memset(r, 0, sizeof *r);
    err = read(path, student, max, r);
    free(path);
    for (size_t i = 0; !err && i < r->n_findings; i++)
        check_structure(&r->findings[i]);
    return err;
}

/*
 * Reads fixture `name` of folder `dir` with `read` as if `student`, a file
 * the fixture's report does not name, were the student's: its one
 * finding has no file:line, and its sentence names `place` as the test's
 * code ("q.c:12 (put) in the test's code").
 */
static inline void check_not_students(report_reader read, const char *dir, const char *name,
                                      const char *student, const char *place)
{
    race_result r;
    char *words;

    CHECK_INT(fixture_read(read, dir, name, student, 5, &r), 0);
    CHECK_INT(r.n_findings, 1);
    if (r.n_findings == 1 && asprintf(&words, "%s in the test's code", place) >= 0) {
        CHECK_STR(r.findings[0].file, "");
        CHECK_INT(r.findings[0].line, 0);
        CHECK_HAS(r.findings[0].message, words);
        free(words);
    }
    race_findings_free(&r);
}

/* Checks a finding's kind, file and line (each failure at the caller's line). */
#define CHECK_FINDING(finding, want_kind, want_file, want_line)             \
    do {                                                                    \
        CHECK_STR((finding).kind, (want_kind));                             \
        CHECK_STR((finding).file, (want_file));                             \
        CHECK_INT((finding).line, (want_line));                             \
    } while (0)

#endif
