/*
 * test_manifest.c - the manifest reader: a good manifest, and each way a
 * manifest can be wrong, with the message that names the problem; and
 * `grade --manifest-get`'s answers (manifest_query.h).
 */
#define _GNU_SOURCE
#include "check.h"
#include "manifest.h"
#include "manifest_query.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static const char *const good =
    "; a comment\n"
    "[racecourse]\nformat = 1\nversion = 9.9.9\n\n"
    "[alpha]\ntitle = The first\nlibs = pthread uv\ntest_timeout_s = 2.5\n"
    "allow = poll eventfd\nallow = write\n"
    "race = on\nrace_points = 20\nhint = think first\nhint = then type\n"
    "public.one = 50\npublic.two = 30\nhidden.h1 = 80\nhint.h1 = look at h1 ; inline comment\n\n"
    "[beta]\nrace = off\npublic.only = 100\n"
    "[gamma]\ncheck = memcheck\nschedules = 20\nrace_points = 15\npublic.t = 85\n"
    "schedules.t = 3\n"
    "[epsilon]\ncheck = resources\nprocesses = 256\npublic.t = 80\n";

/* Loads `text` as a manifest; the error message (or NULL) in *error. */
static int load(const char *text, manifest *m, char **error)
{
    char path[] = "/tmp/test_manifest.XXXXXX";
    int fd = mkstemp(path), err;

    if (fd < 0 || write_file(path, text, strlen(text), 0600) != 0) {
        perror("test_manifest");
        exit(2);
    }
    close(fd);
    err = manifest_load(path, m, error);
    unlink(path);
    return err;
}

/* Expects `text` to be refused with a message containing `because`. */
static void refused(const char *text, const char *because)
{
    manifest m;
    char *error = NULL;

    CHECK_INT(load(text, &m, &error), EINVAL);
    CHECK_HAS(error, because);
    free(error);
}

static void test_good_manifest(void)
{
    manifest m;
    char *error = NULL;
    const manifest_exercise *alpha, *beta;

    CHECK_INT(load(good, &m, &error), 0);
    CHECK(error == NULL, "no error message");
    CHECK_STR(m.version, "9.9.9");
    CHECK_INT(m.n_exercises, 4);
    alpha = manifest_find(&m, "alpha");
    beta = manifest_find(&m, "beta");
    CHECK(alpha && beta && alpha == &m.exercises[0], "exercises in file order");
    if (!alpha || !beta)
        return;
    CHECK_STR(alpha->title, "The first");
    CHECK_STR(alpha->libs, "pthread uv");
    CHECK_STR(alpha->allow, "poll eventfd write");
    CHECK(alpha->test_timeout_s == 2.5, "test_timeout_s is %g", alpha->test_timeout_s);
    CHECK_INT(alpha->n_hints, 2);
    CHECK_INT(alpha->n_public, 2);
    CHECK_INT(alpha->public_tests[1].points, 30);
    CHECK_STR(alpha->hidden_tests[0].hint, "look at h1");
    CHECK_STR(alpha->public_tests[0].hint, "");
    CHECK(manifest_find_test(alpha->hidden_tests, alpha->n_hidden, "h1") != NULL, "h1 found");
    CHECK(manifest_find_test(alpha->hidden_tests, alpha->n_hidden, "one") == NULL,
          "a public test is not a hidden one");
    CHECK(!beta->race && beta->n_hidden == 0, "beta: race off, no hidden tests");
    CHECK_STR(beta->allow, "");
    CHECK_INT(alpha->check, CHECK_HELGRIND);
    CHECK(manifest_find(&m, "gamma") && manifest_find(&m, "gamma")->check == CHECK_MEMCHECK,
          "gamma: check = memcheck");
    CHECK(manifest_find(&m, "epsilon") && manifest_find(&m, "epsilon")->check == CHECK_RESOURCES,
          "epsilon: check = resources");
    CHECK(manifest_find(&m, "epsilon") && manifest_find(&m, "epsilon")->processes == 256,
          "epsilon: processes = 256");
    CHECK_INT(alpha->processes, MANIFEST_DEFAULT_PROCESSES);
    CHECK_INT(alpha->schedules, 0);
    CHECK(manifest_find(&m, "gamma") && manifest_find(&m, "gamma")->schedules == 20,
          "gamma: schedules = 20");
    CHECK(manifest_find(&m, "gamma") && manifest_find(&m, "gamma")->public_tests[0].schedules == 3,
          "gamma: schedules.t = 3");
    CHECK_INT(alpha->public_tests[0].schedules, 0);
    CHECK(manifest_find(&m, "delta") == NULL, "no delta");
    manifest_free(&m);
}

static void test_refusals(void)
{
    manifest m;
    char *error = NULL;

    CHECK_INT(manifest_load("/nonexistent/manifest.ini", &m, &error), ENOENT);
    CHECK_HAS(error, "cannot read manifest");
    free(error);
    refused("[racecourse]\nformat = 2\n[a]\npublic.t = 80\n", "format must be 1");
    refused("[racecourse]\nformat = 1\n", "lists no exercise");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 70\n",
            "public tests and race check add up to 90 points, not 100");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\nhidden.u = 10\n",
            "hidden tests and race check add up to 30 points");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\nhint.u = why\n",
            "hint for \"u\", which no earlier line lists");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\ncolour = red\n",
            "unknown key \"colour\" in [a]");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\npublic.t = 80\n",
            "test \"t\" is listed twice");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\n[b]\npublic.t = 80\n[a]\n"
            "race = on\n", "exercise [a] appears twice");
    refused("[racecourse]\nformat = 1\n[Bad-Name]\npublic.t = 80\n", "is not an exercise name");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = lots\n", "whole number from 0 to 100");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\ntest_timeout_s = -1\n",
            "seconds above 0");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\nrace = maybe\n", "on or off");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\nlibs = pthread ssl\n",
            "libs may name pthread, uv and m");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\nallow = uv_fs_*\n",
            "allow lists function names");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\ncheck = drd\n",
            "check must be helgrind, memcheck or resources, not \"drd\"");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\nprocesses = 1\n",
            "processes must be a whole number from 16 to 4096");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\nschedules = 101\n",
            "schedules must be 0 (tests on real time) or the number of schedules each test "
            "must pass under the controlled scheduler, 1 to 100, not \"101\"");
    refused("[racecourse]\nformat = 1\n[a]\nschedules = 5\npublic.t = 80\nschedules.t = 0\n",
            "schedules of \"t\" must be a number from 1 to 100, not \"0\"");
    refused("[racecourse]\nformat = 1\n[a]\nschedules = 5\nschedules.t = 2\npublic.t = 80\n",
            "schedules for \"t\", which no earlier line lists as a test");
    refused("[racecourse]\nformat = 1\n[a]\npublic.t = 80\nschedules.t = 2\n",
            "[a] test \"t\" has schedules, but the exercise's tests run on real time");
    refused("[racecourse]\nformat = 1\n[a]\nthis line has no equals sign\n", "syntax error");
    {
        strbuf long_line = STRBUF_INIT;

        strbuf_addstr(&long_line, "[racecourse]\nformat = 1\n[a]\npublic.t = 80\nhint = ");
        for (int i = 0; i < 40; i++)
            strbuf_addstr(&long_line, "words ");
        strbuf_addstr(&long_line, "\n");
        refused(long_line.data, ":5: line is longer than 198 characters");
        strbuf_release(&long_line);
    }
}

/* What manifest_query() prints for slug, key (its status in *err), malloc'd. */
static char *query(const manifest *m, const char *slug, const char *key, int *err)
{
    char *text = NULL, *error = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    *err = manifest_query(m, slug, key, out, &error);
    fclose(out);
    CHECK(!*err == !error, "an error message exactly when it fails (%s %s)", slug, key);
    free(error);
    return text;
}

static void expect_query(const manifest *m, const char *slug, const char *key,
                         const char *want, int want_err)
{
    int err;
    char *got = query(m, slug, key, &err);

    CHECK_INT(err, want_err);
    CHECK_STR(got, want);
    free(got);
}

static void test_query(void)
{
    manifest m;
    char *error = NULL;

    CHECK_INT(load(good, &m, &error), 0);
    expect_query(&m, "racecourse", "version", "9.9.9\n", 0);
    expect_query(&m, "racecourse", "exercises", "alpha\nbeta\ngamma\nepsilon\n", 0);
    expect_query(&m, "racecourse", "hidden_messages", "hide\n", 0);
    expect_query(&m, "alpha", "title", "The first\n", 0);
    expect_query(&m, "alpha", "allow", "poll eventfd write\n", 0);
    expect_query(&m, "alpha", "test_timeout_s", "2.5\n", 0);
    expect_query(&m, "alpha", "hint", "think first\nthen type\n", 0);
    expect_query(&m, "alpha", "public", "one\ntwo\n", 0);
    expect_query(&m, "alpha", "public_points", "80\n", 0);
    expect_query(&m, "alpha", "hidden_points", "80\n", 0);
    expect_query(&m, "alpha", "public.two", "30\n", 0);
    expect_query(&m, "alpha", "hint.h1", "look at h1\n", 0);
    expect_query(&m, "alpha", "hint.one", "", 0);
    expect_query(&m, "beta", "race", "off\n", 0);
    expect_query(&m, "beta", "race_timeout_s", "60\n", 0);      /* the default */
    expect_query(&m, "beta", "hint", "", 0);
    expect_query(&m, "gamma", "check", "memcheck\n", 0);
    expect_query(&m, "alpha", "hidden.one", "", ENOENT);
    expect_query(&m, "alpha", "colour", "", EINVAL);
    expect_query(&m, "alpha", "points.one", "", EINVAL);
    expect_query(&m, "delta", "title", "", ENOENT);
    manifest_free(&m);
}

int main(void)
{
    test_good_manifest();
    test_refusals();
    test_query();
    return check_finish();
}
