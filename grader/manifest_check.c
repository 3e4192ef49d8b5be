/* manifest_check.c - `grade --check-manifest`; see manifest_check.h. */
#define _GNU_SOURCE
#include "manifest_check.h"
#include "manifest.h"
#include "util.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The names of the RC_TEST(suite, name) lines of `text`, one malloc'd string each. */
static size_t test_names(const char *text, char ***names)
{
    size_t n = 0, cap = 0;

    *names = NULL;
    for (const char *p = text; p && (p = strstr(p, "RC_TEST(")) != NULL; p++) {
        const char *comma, *name, *end;

        if (p != text && p[-1] != '\n')
            continue;           /* a mention, not a definition at the line start */
        comma = strchr(p, ',');
        if (!comma || memchr(p, '\n', (size_t)(comma - p)))
            continue;
        for (name = comma + 1; *name == ' ' || *name == '\t'; name++)
            ;
        for (end = name; isalnum((unsigned char)*end) || *end == '_'; end++)
            ;
        if (end == name)
            continue;
        if (n == cap)
            *names = xrealloc(*names, (cap = cap ? 2 * cap : 16) * sizeof **names);
        (*names)[n++] = xasprintf("%.*s", (int)(end - name), name);
    }
    return n;
}

static bool listed(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return true;
    return false;
}

/* Compares the tests listed with those of `path`; counts the problems. */
static int check_tests(const char *slug, const char *kind, const manifest_test *tests, size_t n,
                       const char *path, FILE *err)
{
    char *text = read_file(path, NULL), **names;
    size_t found;
    int problems = 0;

    if (!text) {
        fprintf(err, "%s: %s lists %zu %s tests, but \"%s\" cannot be read\n", slug,
                "manifest.ini", n, kind, path);
        return 1;
    }
    found = test_names(text, &names);
    for (size_t t = 0; t < n; t++) {
        if (!listed(names, found, tests[t].name)) {
            fprintf(err, "%s: %s.%s is in manifest.ini but not in %s (it would count as "
                    "failed)\n", slug, kind, tests[t].name, path);
            problems++;
        }
    }
    for (size_t i = 0; i < found; i++) {
        if (!manifest_find_test(tests, n, names[i])) {
            fprintf(err, "%s: %s has RC_TEST(..., %s) but manifest.ini has no %s.%s = "
                    "POINTS\n", slug, path, names[i], kind, names[i]);
            problems++;
        }
        free(names[i]);
    }
    free(names);
    free(text);
    return problems;
}

static int points(const manifest_test *tests, size_t n)
{
    int sum = 0;

    for (size_t t = 0; t < n; t++)
        sum += tests[t].points;
    return sum;
}

/* Checks one exercise's files and tests; returns how many problems. */
static int check_exercise(const char *kit, const char *tests_dir, const manifest_exercise *ex,
                          FILE *out, FILE *err)
{
    static const char *const own[] = { "%s/exercises/%s/%s.h", "%s/exercises/%s/%s.c",
                                       "%s/exercises/%s/README.md" };
    int race = ex->race ? ex->race_points : 0, problems = 0;
    char *path;

    for (size_t f = 0; f < sizeof own / sizeof *own; f++) {
        path = xasprintf(own[f], kit, ex->slug, ex->slug);
        if (!is_file(path)) {
            fprintf(err, "%s: \"%s\" is missing\n", ex->slug, path);
            problems++;
        }
        free(path);
    }
    path = xasprintf("%s/exercises/%s/public_tests.c", kit, ex->slug);
    problems += check_tests(ex->slug, "public", ex->public_tests, ex->n_public, path, err);
    free(path);
    if (ex->n_hidden) {
        path = xasprintf("%s/%s/hidden_tests.c", tests_dir, ex->slug);
        problems += check_tests(ex->slug, "hidden", ex->hidden_tests, ex->n_hidden, path, err);
        free(path);
    }
    if (ex->race) {
        path = xasprintf("%s/%s/%s", tests_dir, ex->slug, manifest_driver(ex));
        if (!is_file(path)) {
            fprintf(err, "%s: race = on but \"%s\" is missing\n", ex->slug, path);
            problems++;
        }
        free(path);
    }
    fprintf(out, "  %-15s public %3d + race %2d = %d, hidden %3d + race %2d = %d "
            "(%zu public, %zu hidden tests)%s\n", ex->slug, points(ex->public_tests, ex->n_public),
            race, points(ex->public_tests, ex->n_public) + race,
            points(ex->hidden_tests, ex->n_hidden), race,
            ex->n_hidden ? points(ex->hidden_tests, ex->n_hidden) + race : 0,
            ex->n_public, ex->n_hidden, problems ? "  <- see above" : "");
    return problems;
}

int manifest_check(const char *kit_dir, const char *tests_dir, FILE *out, FILE *err)
{
    char *path = xasprintf("%s/manifest.ini", kit_dir), *error = NULL;
    int problems = 0, total = 0;
    manifest m;

    if (manifest_load(path, &m, &error) != 0) {
        fprintf(err, "grade --check-manifest: %s\n", error);
        free(error);
        free(path);
        return 2;
    }
    fprintf(out, "manifest.ini (kit %s): %zu exercises\n", m.version, m.n_exercises);
    for (size_t i = 0; i < m.n_exercises; i++) {
        problems += check_exercise(kit_dir, tests_dir, &m.exercises[i], out, err);
        total += 100;
    }
    if (problems)
        fprintf(out, "grade --check-manifest: %d problem%s (above); fix them before `make "
                "release` or grading\n", problems, problems == 1 ? "" : "s");
    else
        fprintf(out, "grade --check-manifest: ok, %d points in all; next: `make test` for the "
                "full proof, `make release` for the template\n", total);
    manifest_free(&m);
    free(path);
    return problems ? 1 : 0;
}
