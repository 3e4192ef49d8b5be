/* manifest_query.c - one value of the manifest; see manifest_query.h. */
#define _GNU_SOURCE
#include "manifest_query.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define EXERCISE_KEYS "title, libs, allow, test_timeout_s, run_timeout_s, race, check, driver, " \
                      "processes, schedules, race_points, race_timeout_s, coverage_lines, " \
                      "coverage_branches, hint, " \
                      "public, hidden, public_points, hidden_points, public.NAME, " \
                      "hidden.NAME, hint.NAME"
#define RACECOURSE_KEYS "format, version, hidden_messages, exercises"

static int unknown_key(const char *slug, const char *key, const char *keys, char **error)
{
    *error = xasprintf("manifest.ini: no key \"%s\" in [%s] (the keys: %s)", key, slug, keys);
    return EINVAL;
}

static int query_racecourse(const manifest *m, const char *key, FILE *out, char **error)
{
    if (!strcmp(key, "format"))
        fprintf(out, "%d\n", m->format);
    else if (!strcmp(key, "version"))
        fprintf(out, "%s\n", m->version);
    else if (!strcmp(key, "hidden_messages"))
        fprintf(out, "%s\n", m->show_hidden_messages ? "show" : "hide");
    else if (!strcmp(key, "exercises"))
        for (size_t i = 0; i < m->n_exercises; i++)
            fprintf(out, "%s\n", m->exercises[i].slug);
    else
        return unknown_key("racecourse", key, RACECOURSE_KEYS, error);
    return 0;
}

static void print_names(const manifest_test *tests, size_t n, FILE *out)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s\n", tests[i].name);
}

static int points_sum(const manifest_test *tests, size_t n)
{
    int sum = 0;

    for (size_t i = 0; i < n; i++)
        sum += tests[i].points;
    return sum;
}

/* public.NAME, hidden.NAME (points) and hint.NAME (the test's hint). */
static int query_test(const manifest_exercise *ex, const char *key, FILE *out, char **error)
{
    const char *name = strchr(key, '.') + 1;
    size_t kind_len = (size_t)(name - 1 - key);
    const manifest_test *pub = manifest_find_test(ex->public_tests, ex->n_public, name);
    const manifest_test *hid = manifest_find_test(ex->hidden_tests, ex->n_hidden, name);
    const manifest_test *t;
    bool hint = false;

    if (kind_len == 6 && !strncmp(key, "public", 6)) {
        t = pub;
    } else if (kind_len == 6 && !strncmp(key, "hidden", 6)) {
        t = hid;
    } else if (kind_len == 4 && !strncmp(key, "hint", 4)) {
        t = pub ? pub : hid;
        hint = true;
    } else {
        return unknown_key(ex->slug, key, EXERCISE_KEYS, error);
    }
    if (!t) {
        *error = xasprintf("manifest.ini: [%s] has no key \"%s\": no such test", ex->slug, key);
        return ENOENT;
    }
    if (!hint)
        fprintf(out, "%d\n", t->points);
    else if (*t->hint)
        fprintf(out, "%s\n", t->hint);
    return 0;
}

static int query_exercise(const manifest_exercise *ex, const char *key, FILE *out,
                          char **error)
{
    if (strchr(key, '.'))
        return query_test(ex, key, out, error);
    if (!strcmp(key, "title"))
        fprintf(out, "%s\n", ex->title);
    else if (!strcmp(key, "libs"))
        fprintf(out, "%s\n", ex->libs);
    else if (!strcmp(key, "allow"))
        fprintf(out, "%s\n", ex->allow);
    else if (!strcmp(key, "test_timeout_s"))
        fprintf(out, "%g\n", ex->test_timeout_s);
    else if (!strcmp(key, "run_timeout_s"))
        fprintf(out, "%g\n", ex->run_timeout_s);
    else if (!strcmp(key, "race"))
        fprintf(out, "%s\n", ex->race ? "on" : "off");
    else if (!strcmp(key, "check"))
        fprintf(out, "%s\n", ex->check == CHECK_MEMCHECK    ? "memcheck"
                            : ex->check == CHECK_RESOURCES ? "resources"
                                                           : "helgrind");
    else if (!strcmp(key, "driver"))
        fprintf(out, "%s\n", manifest_driver(ex));
    else if (!strcmp(key, "processes"))
        fprintf(out, "%zu\n", ex->processes);
    else if (!strcmp(key, "schedules"))
        fprintf(out, "%d\n", ex->schedules);
    else if (!strcmp(key, "race_points"))
        fprintf(out, "%d\n", ex->race_points);
    else if (!strcmp(key, "race_timeout_s"))
        fprintf(out, "%g\n", ex->race_timeout_s);
    else if (!strcmp(key, "coverage_lines"))
        fprintf(out, "%d\n", ex->coverage_lines);
    else if (!strcmp(key, "coverage_branches"))
        fprintf(out, "%d\n", ex->coverage_branches);
    else if (!strcmp(key, "hint"))
        for (size_t i = 0; i < ex->n_hints; i++)
            fprintf(out, "%s\n", ex->hints[i]);
    else if (!strcmp(key, "public"))
        print_names(ex->public_tests, ex->n_public, out);
    else if (!strcmp(key, "hidden"))
        print_names(ex->hidden_tests, ex->n_hidden, out);
    else if (!strcmp(key, "public_points"))
        fprintf(out, "%d\n", points_sum(ex->public_tests, ex->n_public));
    else if (!strcmp(key, "hidden_points"))
        fprintf(out, "%d\n", points_sum(ex->hidden_tests, ex->n_hidden));
    else
        return unknown_key(ex->slug, key, EXERCISE_KEYS, error);
    return 0;
}

int manifest_query(const manifest *m, const char *slug, const char *key, FILE *out,
                   char **error)
{
    const manifest_exercise *ex;

    if (!strcmp(slug, "racecourse"))
        return query_racecourse(m, key, out, error);
    ex = manifest_find(m, slug);
    if (!ex) {
        strbuf list = STRBUF_INIT;

        for (size_t i = 0; i < m->n_exercises; i++)
            strbuf_addf(&list, "%s%s", i ? " " : "", m->exercises[i].slug);
        *error = xasprintf("manifest.ini: no exercise \"%s\" (the exercises: %s)", slug,
                           list.data ? list.data : "");
        strbuf_release(&list);
        return ENOENT;
    }
    return query_exercise(ex, key, out, error);
}
