/* manifest.c - reads manifest.ini with inih; see manifest.h. */
#define _GNU_SOURCE
#include "manifest.h"
#include "util.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* inih reads at most INI_MAX_LINE (200) bytes of a line, newline included. */
#define LONGEST_LINE 198

typedef struct loader {
    manifest *m;
    char *error;                /* first error, with its line */
    const char *path;
    int line;                   /* line of the error when known, else 0 */
} loader;

static int fail(loader *ld, const char *fmt, const char *a, const char *b)
{
    if (!ld->error) {
        char *what = xasprintf(fmt, a, b);

        if (ld->line > 0)
            ld->error = xasprintf("%s:%d: %s", ld->path, ld->line, what);
        else
            ld->error = xasprintf("%s: %s", ld->path, what);
        free(what);
    }
    return 0;
}

static bool parse_seconds(const char *text, double *out)
{
    char *end;
    double value = strtod(text, &end);

    if (end == text || *end || !isfinite(value) || value <= 0 || value > 3600)
        return false;
    *out = value;
    return true;
}

static bool parse_switch(const char *text, bool *out)
{
    if (!strcmp(text, "on") || !strcmp(text, "yes")) {
        *out = true;
        return true;
    }
    if (!strcmp(text, "off") || !strcmp(text, "no")) {
        *out = false;
        return true;
    }
    return false;
}

/* The test `name` in the list, added with 0 points when absent. */
static manifest_test *test_entry(manifest_test **tests, size_t *n, const char *name)
{
    manifest_test *t;

    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*tests)[i].name, name))
            return &(*tests)[i];
    *tests = xrealloc(*tests, (*n + 1) * sizeof **tests);
    t = &(*tests)[(*n)++];
    t->name = xstrdup(name);
    t->points = -1;
    t->schedules = 0;
    t->hint = xstrdup("");
    return t;
}

static manifest_exercise *add_exercise(manifest *m, const char *slug)
{
    manifest_exercise *ex;

    m->exercises = xrealloc(m->exercises, (m->n_exercises + 1) * sizeof *ex);
    ex = &m->exercises[m->n_exercises++];
    memset(ex, 0, sizeof *ex);
    ex->slug = xstrdup(slug);
    ex->title = xstrdup(slug);
    ex->libs = xstrdup("pthread");
    ex->allow = xstrdup("");
    ex->test_timeout_s = 5;
    ex->run_timeout_s = 120;
    ex->race = true;
    ex->race_points = 20;
    ex->race_timeout_s = 60;
    ex->processes = MANIFEST_DEFAULT_PROCESSES;
    return ex;
}

/* Sets test `t`'s hint to `value` (`hint`) or its schedules; NULL: nothing. */
static void set_per_test(manifest_test *t, bool hint, const char *value, int schedules)
{
    if (!t)
        return;
    if (hint) {
        free(t->hint);
        t->hint = xstrdup(value);
    } else {
        t->schedules = schedules;
    }
}

static int set_test_key(loader *ld, manifest_exercise *ex, const char *key, const char *value)
{
    const char *dot = strchr(key, '.');
    const char *name = dot + 1;
    size_t kind_len = (size_t)(dot - key);
    manifest_test *t;

    if (!*name)
        return fail(ld, "key \"%s\" names no test", key, NULL);
    if ((kind_len == 4 && !strncmp(key, "hint", 4)) ||
        (kind_len == 9 && !strncmp(key, "schedules", 9))) {
        manifest_test *pub = NULL, *hid = NULL;
        bool hint = kind_len == 4;
        int schedules = 0;

        for (size_t i = 0; i < ex->n_public; i++)
            if (!strcmp(ex->public_tests[i].name, name))
                pub = &ex->public_tests[i];
        for (size_t i = 0; i < ex->n_hidden; i++)
            if (!strcmp(ex->hidden_tests[i].name, name))
                hid = &ex->hidden_tests[i];
        if (!pub && !hid)
            return fail(ld, hint ? "hint for \"%s\", which no earlier line lists as a test"
                                 : "schedules for \"%s\", which no earlier line lists as a test",
                        name, NULL);
        if (!hint && !parse_count(value, 1, MANIFEST_MAX_SCHEDULES, &schedules))
            return fail(ld, "schedules of \"%s\" must be a number from 1 to 100, not \"%s\"",
                        name, value);
        set_per_test(pub, hint, value, schedules);
        set_per_test(hid, hint, value, schedules);
        return 1;
    }
    if (kind_len == 6 && !strncmp(key, "public", 6))
        t = test_entry(&ex->public_tests, &ex->n_public, name);
    else if (kind_len == 6 && !strncmp(key, "hidden", 6))
        t = test_entry(&ex->hidden_tests, &ex->n_hidden, name);
    else
        return fail(ld, "unknown key \"%s\" in [%s] (expected public.NAME, hidden.NAME, "
                    "hint.NAME or schedules.NAME)", key, ex->slug);
    if (t->points >= 0)
        return fail(ld, "test \"%s\" is listed twice", name, NULL);
    if (!parse_count(value, 0, 100, &t->points))
        return fail(ld, "points of \"%s\" must be a whole number from 0 to 100", name, NULL);
    return 1;
}

/* Whether `libs` names only libraries the kit links: pthread, uv, m. */
static bool known_libs(const char *libs)
{
    char *copy = xstrdup(libs), *save = NULL;
    bool known = true;

    for (char *lib = strtok_r(copy, " \t", &save); lib && known; lib = strtok_r(NULL, " \t", &save))
        known = !strcmp(lib, "pthread") || !strcmp(lib, "uv") || !strcmp(lib, "m");
    free(copy);
    return known;
}

/* Whether `names` is a space-separated list of C identifiers (no patterns). */
static bool identifiers(const char *names)
{
    for (const char *c = names; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '_' || *c == ' ' || *c == '\t'))
            return false;
    return true;
}

/* Appends `names` to the exercise's allowance. */
static void add_allowance(manifest_exercise *ex, const char *names)
{
    char *joined = xasprintf("%s%s%s", ex->allow, *ex->allow ? " " : "", names);

    free(ex->allow);
    ex->allow = joined;
}

static int set_exercise_key(loader *ld, manifest_exercise *ex, const char *key, const char *value)
{
    if (strchr(key, '.'))
        return set_test_key(ld, ex, key, value);
    if (!strcmp(key, "title")) {
        free(ex->title);
        ex->title = xstrdup(value);
    } else if (!strcmp(key, "libs")) {
        if (!known_libs(value))
            return fail(ld, "libs may name pthread, uv and m, not \"%s\"%s", value, "");
        free(ex->libs);
        ex->libs = xstrdup(value);
    } else if (!strcmp(key, "allow")) {   /* repeatable: the lines add up */
        if (!identifiers(value))
            return fail(ld, "allow lists function names separated by spaces, not \"%s\"%s",
                        value, "");
        add_allowance(ex, value);
    } else if (!strcmp(key, "hint")) {
        ex->hints = xrealloc(ex->hints, (ex->n_hints + 1) * sizeof *ex->hints);
        ex->hints[ex->n_hints++] = xstrdup(value);
    } else if (!strcmp(key, "test_timeout_s")) {
        if (!parse_seconds(value, &ex->test_timeout_s))
            return fail(ld, "%s must be a number of seconds above 0", key, NULL);
    } else if (!strcmp(key, "run_timeout_s")) {
        if (!parse_seconds(value, &ex->run_timeout_s))
            return fail(ld, "%s must be a number of seconds above 0", key, NULL);
    } else if (!strcmp(key, "race_timeout_s")) {
        if (!parse_seconds(value, &ex->race_timeout_s))
            return fail(ld, "%s must be a number of seconds above 0", key, NULL);
    } else if (!strcmp(key, "race")) {
        if (!parse_switch(value, &ex->race))
            return fail(ld, "race must be on or off", NULL, NULL);
    } else if (!strcmp(key, "check")) {
        if (!strcmp(value, "helgrind"))
            ex->check = CHECK_HELGRIND;
        else if (!strcmp(value, "memcheck"))
            ex->check = CHECK_MEMCHECK;
        else if (!strcmp(value, "resources"))
            ex->check = CHECK_RESOURCES;
        else
            return fail(ld, "check must be helgrind, memcheck or resources, not \"%s\"%s",
                        value, "");
    } else if (!strcmp(key, "processes")) {
        int processes;

        if (!parse_count(value, 16, 4096, &processes))
            return fail(ld, "processes must be a whole number from 16 to 4096", NULL, NULL);
        ex->processes = (size_t)processes;
    } else if (!strcmp(key, "schedules")) {
        if (!parse_count(value, 0, MANIFEST_MAX_SCHEDULES, &ex->schedules))
            return fail(ld, "schedules must be 0 (tests on real time) or the number of "
                        "schedules each test must pass under the controlled scheduler, 1 to "
                        "100, not \"%s\"%s", value, "");
    } else if (!strcmp(key, "race_points")) {
        if (!parse_count(value, 0, 100, &ex->race_points))
            return fail(ld, "race_points must be a whole number from 0 to 100", NULL, NULL);
    } else if (!strcmp(key, "coverage_lines")) {
        if (!parse_count(value, 0, 100, &ex->coverage_lines))
            return fail(ld, "coverage_lines must be a percentage", NULL, NULL);
    } else if (!strcmp(key, "coverage_branches")) {
        if (!parse_count(value, 0, 100, &ex->coverage_branches))
            return fail(ld, "coverage_branches must be a percentage", NULL, NULL);
    } else {
        return fail(ld, "unknown key \"%s\" in [%s]", key, ex->slug);
    }
    return 1;
}

static bool valid_slug(const char *slug)
{
    if (!*slug)
        return false;
    for (const char *c = slug; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return false;
    return true;
}

static int on_line(void *user, const char *section, const char *key,
                   const char *value)
{
    loader *ld = user;
    manifest *m = ld->m;
    manifest_exercise *ex;

    if (ld->error)
        return 0;
    if (!strcmp(section, "racecourse")) {
        if (!strcmp(key, "format")) {
            if (!parse_count(value, 1, 1000, &m->format))
                return fail(ld, "format must be a whole number", NULL, NULL);
        } else if (!strcmp(key, "version")) {
            free(m->version);
            m->version = xstrdup(value);
        } else if (!strcmp(key, "hidden_messages")) {
            if (strcmp(value, "hide") != 0 && strcmp(value, "show") != 0)
                return fail(ld, "hidden_messages must be hide or show", NULL, NULL);
            m->show_hidden_messages = !strcmp(value, "show");
        } else {
            return fail(ld, "unknown key \"%s\" in [racecourse]", key, NULL);
        }
        return 1;
    }
    if (!valid_slug(section))
        return fail(ld, "\"%s\" is not an exercise name (lower-case letters, digits, _)", section, NULL);
    ex = m->n_exercises ? &m->exercises[m->n_exercises - 1] : NULL;
    if (!ex || strcmp(ex->slug, section)) {
        if (manifest_find(m, section))
            return fail(ld, "exercise [%s] appears twice", section, NULL);
        ex = add_exercise(m, section);
    }
    return set_exercise_key(ld, ex, key, value);
}

static int test_points(const manifest_test *tests, size_t n)
{
    int sum = 0;

    for (size_t i = 0; i < n; i++)
        sum += tests[i].points;
    return sum;
}

/* The checks that need the whole file: points, format. */
static void check_totals(loader *ld)
{
    const manifest *m = ld->m;

    ld->line = 0;
    if (m->format != MANIFEST_FORMAT) {
        char want[16];

        snprintf(want, sizeof want, "%d", MANIFEST_FORMAT);
        fail(ld, "[racecourse] format must be %s (this grader's format)%s", want, "");
        return;
    }
    if (!m->n_exercises)
        fail(ld, "lists no exercise%s%s", "", "");
    for (size_t i = 0; i < m->n_exercises && !ld->error; i++) {
        const manifest_exercise *ex = &m->exercises[i];
        int race = ex->race ? ex->race_points : 0;
        char sum[64];

        for (size_t k = 0; k < ex->n_public + ex->n_hidden; k++) {
            const manifest_test *t = k < ex->n_public ? &ex->public_tests[k]
                                                      : &ex->hidden_tests[k - ex->n_public];
            if (t->points < 0)
                fail(ld, "[%s] test \"%s\" has a hint but no points", ex->slug, t->name);
            if (t->schedules && !ex->schedules)
                fail(ld, "[%s] test \"%s\" has schedules, but the exercise's tests run on "
                     "real time (schedules = 0)", ex->slug, t->name);
        }
        if (!ex->n_public)
            fail(ld, "[%s] lists no public test%s", ex->slug, "");
        snprintf(sum, sizeof sum, "%d", test_points(ex->public_tests, ex->n_public) + race);
        if (test_points(ex->public_tests, ex->n_public) + race != 100)
            fail(ld, "[%s] public tests and race check add up to %s points, not 100", ex->slug, sum);
        snprintf(sum, sizeof sum, "%d", test_points(ex->hidden_tests, ex->n_hidden) + race);
        if (ex->n_hidden && test_points(ex->hidden_tests, ex->n_hidden) + race != 100)
            fail(ld, "[%s] hidden tests and race check add up to %s points, not 100", ex->slug, sum);
    }
}

/* inih silently splits lines longer than its buffer: refuse them first. */
static int check_line_lengths(loader *ld, const char *text)
{
    int line = 1;
    size_t len = 0;

    for (const char *c = text; *c; c++, len++) {
        if (*c == '\n') {
            line++;
            len = 0;
            continue;
        }
        if (len >= LONGEST_LINE) {
            char limit[16];

            ld->line = line;
            snprintf(limit, sizeof limit, "%d", LONGEST_LINE);
            return fail(ld, "line is longer than %s characters%s", limit, "");
        }
    }
    return 1;
}

int manifest_load(const char *path, manifest *m, char **error)
{
    loader ld = { .m = m, .path = path };
    char *text;
    int err;

    memset(m, 0, sizeof *m);
    *error = NULL;
    text = read_file(path, NULL);
    if (!text) {
        err = errno;
        *error = xasprintf("cannot read manifest \"%s\": %s", path, strerror(err));
        return err;
    }
    if (check_line_lengths(&ld, text)) {
        err = ini_parse_string(text, on_line, &ld);
        if (err > 0 && !ld.error) {
            ld.line = err;
            fail(&ld, "syntax error (expected [section] or key = value)%s%s", "", "");
        }
    }
    free(text);
    if (!ld.error)
        check_totals(&ld);
    if (ld.error) {
        *error = ld.error;
        manifest_free(m);
        return EINVAL;
    }
    return 0;
}

const manifest_exercise *manifest_find(const manifest *m, const char *slug)
{
    for (size_t i = 0; i < m->n_exercises; i++)
        if (!strcmp(m->exercises[i].slug, slug))
            return &m->exercises[i];
    return NULL;
}

const manifest_test *manifest_find_test(const manifest_test *tests, size_t n,
                                        const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(tests[i].name, name))
            return &tests[i];
    return NULL;
}

static void free_tests(manifest_test *tests, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(tests[i].name);
        free(tests[i].hint);
    }
    free(tests);
}

const char *manifest_driver(const manifest_exercise *ex)
{
    return ex->check == CHECK_RESOURCES ? "resource_driver.c" : "race_driver.c";
}

void manifest_free(manifest *m)
{
    for (size_t i = 0; i < m->n_exercises; i++) {
        manifest_exercise *ex = &m->exercises[i];

        free(ex->slug);
        free(ex->title);
        free(ex->libs);
        free(ex->allow);
        for (size_t k = 0; k < ex->n_hints; k++)
            free(ex->hints[k]);
        free(ex->hints);
        free_tests(ex->public_tests, ex->n_public);
        free_tests(ex->hidden_tests, ex->n_hidden);
    }
    free(m->exercises);
    free(m->version);
    memset(m, 0, sizeof *m);
}
