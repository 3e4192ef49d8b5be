/*
 * test_outputs.c - the report formats for other programs (Markdown,
 * GitHub Classroom, JUnit, Gradescope) on a grade built by hand.
 *
 * The grade has an exercise with full marks, one where tests failed,
 * crashed, timed out and were skipped (their messages full of quotes,
 * backslashes, <tags>, "]]>", pipes, backticks, newlines, non-ASCII and
 * bytes that are not UTF-8, one of them 300 KiB long) and the race check
 * found errors, one whose build failed, and one worth nothing.  Each
 * format is written to memory and read back the way its consumer reads
 * it: the Classroom runners are base64-decoded and parsed with cJSON and
 * their points added up both ways the reporter does; the JUnit XML is
 * parsed with expat and its elements counted; the Gradescope JSON is
 * parsed and its hidden tests searched for their messages; the Markdown
 * is searched for raw HTML.
 *
 * Prints "file:line: message" for each failed check, then "N passed, M
 * failed"; exits 1 when a check failed.
 */
#define _GNU_SOURCE
#include "check.h"
#include "output.h"
#include "output_student.h"
#include "result_json.h"
#include "utf8.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Student text at its worst. */
#define NASTY "he said \"stop\" \\ <script>alert(1)</script> ]]> a|b `x` ```\n" \
              "second line\n  indented: caf\xC3\xA9 \xE2\x9C\x93 \xFF\xFE bad \x01 & done\n" \
              "::notice title=Autograding complete::Points 100/100\n" \
              "\xC2\xA0\t::error::x ##[error]y\r::warning::z"

/* ---- the grade ---- */

static manifest_test alpha_public[] = { { (char *)"a_works", 100, (char *)"", 0 } };
static manifest_test alpha_hidden[] = {
    { (char *)"a1", 30, (char *)"", 0 }, { (char *)"a2", 50, (char *)"", 0 },
};
static manifest_test beta_public[] = {
    { (char *)"shared", 38, (char *)"", 0 }, { (char *)"b_works", 11, (char *)"", 0 },
};
static manifest_test beta_hidden[] = {
    { (char *)"b_passes", 10, (char *)"", 0 }, { (char *)"b_fails", 7, (char *)"", 0 },
    { (char *)"b_crashes", 5, (char *)"", 0 }, { (char *)"b_hangs", 3, (char *)"", 0 },
    { (char *)"b_skipped", 2, (char *)"", 0 }, { (char *)"b_passes_too", 4, (char *)"", 0 },
    { (char *)"shared", 38, (char *)"", 0 },
};
static char *beta_hints[] = { (char *)"Wait in a `while (n < 1)` loop, not an <if>." };

static manifest_exercise exercises[] = {
    { .slug = (char *)"alpha_one", .title = (char *)"Alpha", .public_tests = alpha_public,
      .n_public = 1, .hidden_tests = alpha_hidden, .n_hidden = 2 },
    { .slug = (char *)"beta_two", .title = (char *)"Beta <b>bold</b>", .hints = beta_hints,
      .n_hints = 1, .public_tests = beta_public, .n_public = 2, .hidden_tests = beta_hidden,
      .n_hidden = 7 },
    { .slug = (char *)"gamma" }, { .slug = (char *)"delta" },
};
static const manifest kit = { .format = 1, .version = (char *)"9.9.9", .exercises = exercises,
                              .n_exercises = 4 };

static void add_test(exercise_result *ex, const char *name, enum test_status status,
                     int score, int max, const char *message, const char *hint)
{
    test_result *t = &ex->tests[ex->n_tests++];

    t->name = xstrdup(name);
    t->status = status;
    t->score = score;
    t->max_score = max;
    t->message = xstrdup(message);
    t->hint = xstrdup(hint);
    t->seconds = 0.25;
}

/* A finding; `label` NULL: none given (the JSON says ""). */
static race_finding *add_finding(race_result *r, const char *label, const char *file, int line,
                                 const char *message)
{
    race_finding *f = &r->findings[r->n_findings++];

    f->kind = xstrdup("race");
    f->label = label ? xstrdup(label) : NULL;
    f->file = xstrdup(file);
    f->line = line;
    f->message = xstrdup(message);
    return f;
}

static void make_grade(grade_result *g)
{
    exercise_result *ex;
    race_finding *f;
    char *huge = xmalloc(300 * 1024 + 1);

    memset(huge, 'x', 300 * 1024);
    huge[300 * 1024] = '\0';
    memcpy(huge, "</pre> ", 7);
    memset(g, 0, sizeof *g);
    g->submission = xstrdup("/tmp/class/<alice>");
    g->containment = xstrdup("own PID namespace");
    g->tests_kind = xstrdup("hidden");
    g->duration_s = 12.5;
    g->n_exercises = 4;
    g->exercises = xcalloc(4, sizeof *g->exercises);

    ex = &g->exercises[0];              /* full marks */
    ex->slug = xstrdup("alpha_one");
    ex->build_log = xstrdup("");
    ex->tests = xcalloc(2, sizeof *ex->tests);
    add_test(ex, "a1", TEST_PASSED, 30, 30, "", "");
    add_test(ex, "a2", TEST_PASSED, 50, 50, "", "");
    ex->race = (race_result){ .status = RACE_CLEAN, .score = 20, .max_score = 20,
                              .message = xstrdup("") };
    ex->score = ex->max_score = 100;

    ex = &g->exercises[1];              /* everything goes wrong */
    ex->slug = xstrdup("beta_two");
    ex->build_log = xstrdup("");
    ex->tests = xcalloc(8, sizeof *ex->tests);
    add_test(ex, "b_passes", TEST_PASSED, 10, 10, "", "");
    add_test(ex, "b_fails", TEST_FAILED, 0, 7, "hidden_tests.c:12: SECRET-EXPECTATION " NASTY,
             "Check n first.");
    add_test(ex, "b_crashes", TEST_CRASHED, 0, 5, "crashed: SIGSEGV SECRET-CRASH " NASTY, "");
    add_test(ex, "b_hangs", TEST_TIMEOUT, 0, 3, "timed out after 5 s (SECRET-HANG)", "");
    /* What the student's code printed in a hidden test can quote its data. */
    ex->tests[ex->n_tests - 1].output = xstrdup("got SECRET-PRINTED-INPUT 42\n");
    ex->tests[ex->n_tests - 1].output_file = xstrdup("/home/s/build/output/b_hangs.txt");
    ex->tests[ex->n_tests - 1].stacks = xstrdup("thread 1: wait_turn (beta.c:9)\n");
    add_test(ex, "b_skipped", TEST_SKIPPED, 0, 2, "", "");
    add_test(ex, "b_passes_too", TEST_PASSED, 4, 4, "", "");
    add_test(ex, "shared", TEST_FAILED, 0, 38, huge, "A public test's hint.");
    add_test(ex, "b_works", TEST_PASSED, 11, 11, "", "");
    ex->race = (race_result){ .status = RACE_FOUND, .score = 0, .max_score = 20,
                              .message = xstrdup("Helgrind reported 3 errors " NASTY),
                              .n_errors = 3, .findings = xcalloc(2, sizeof(race_finding)) };
    f = add_finding(&ex->race, "data race", "beta_two.c", 42, "data race: " NASTY);
    race_places_add(&f->places, &f->n_places, "beta_two.c", 42, "beta_put");
    race_places_add(&f->places, &f->n_places, "race_driver.c", 30, "main");
    add_finding(&ex->race, NULL, "", 0, "1. lock order <violated> (see /home/prof/kit/notes.txt)");
    ex->score = 25;
    ex->max_score = 100;

    ex = &g->exercises[2];              /* does not compile */
    ex->slug = xstrdup("gamma");
    ex->build = BUILD_FAILED;
    ex->build_log = xstrdup("your file does not compile:\n/tmp/racecourse.Ab12/work/gamma.c:3: "
                            "error: <expected> ]]> `;`\nIn file included from "
                            "/home/prof/kit/tests/gamma/hidden_tests.c:7: SECRET-INCLUDE");
    ex->tests = xcalloc(1, sizeof *ex->tests);
    add_test(ex, "g1", TEST_SKIPPED, 0, 90, "", "");
    ex->race = (race_result){ .status = RACE_SKIPPED, .max_score = 10,
                              .message = xstrdup("not run: the build failed") };
    ex->max_score = 100;

    ex = &g->exercises[3];              /* worth nothing (race check off, no tests) */
    ex->slug = xstrdup("delta");
    ex->build_log = xstrdup("");
    ex->race = (race_result){ .status = RACE_SKIPPED, .message = xstrdup("") };

    g->score = 125;
    g->max_score = 300;
    free(huge);
}

/* Writes `result` with `writer` into memory; the text, or NULL. */
static char *render_with(output_writer writer, const grade_result *result, bool show_hidden)
{
    output_context context = { .manifest = &kit, .show_hidden_messages = show_hidden };
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int err;

    if (!out)
        return NULL;
    err = writer(result, &context, out);
    CHECK(err == 0, "the writer returned %d", err);
    fclose(out);
    return text;
}

static char *render(output_writer writer, const grade_result *result)
{
    return render_with(writer, result, false);
}

static bool is_utf8(const char *s)
{
    unsigned code;

    while (*s) {
        size_t len = utf8_char(s, &code);

        if (!len)
            return false;
        s += len;
    }
    return true;
}

static bool is_integer(const cJSON *item)
{
    return cJSON_IsNumber(item) && item->valuedouble == floor(item->valuedouble);
}

/* ---- JSON (docs/json-format.md) ---- */

/* Checks race.reports[] of beta_two: the label and the places of each finding. */
static void check_json_reports(const cJSON *reports)
{
    const cJSON *first = cJSON_GetArrayItem(reports, 0), *second = cJSON_GetArrayItem(reports, 1);
    const cJSON *places = cJSON_GetObjectItem(first, "places");
    const cJSON *main_place = cJSON_GetArrayItem(places, 1);

    CHECK_INT(cJSON_GetArraySize(reports), 2);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(first, "label")), "data race");
    CHECK_INT(cJSON_GetArraySize(places), 2);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(places, 0),
                                                       "function")), "beta_put");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(main_place, "file")), "race_driver.c");
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(main_place, "line")) &&
          cJSON_GetObjectItem(main_place, "line")->valueint == 30, "the place's line is not 30");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(main_place, "function")), "main");
    /* no label, no places: "" and [] */
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(second, "label")), "");
    CHECK(cJSON_IsArray(cJSON_GetObjectItem(second, "places")) &&
          cJSON_GetArraySize(cJSON_GetObjectItem(second, "places")) == 0,
          "a finding without places has no empty \"places\" array");
}

/* The JSON report, and beta_two read back from it as grade batch does
 * (result_json.h), then copied as the memo does (exercise_result_copy). */
static void test_json(const grade_result *g)
{
    char *text = render(output_json, g);
    cJSON *json = text ? cJSON_Parse(text) : NULL;
    const cJSON *beta = cJSON_GetArrayItem(cJSON_GetObjectItem(json, "exercises"), 1);
    exercise_result back, copy;

    CHECK(json != NULL, "the JSON report does not parse");
    check_json_reports(cJSON_GetObjectItem(cJSON_GetObjectItem(beta, "race"), "reports"));
    CHECK_INT(exercise_result_from_json(beta, &back), 0);
    exercise_result_copy(&copy, &back);
    exercise_result_free(&back);
    CHECK_INT(copy.race.n_findings, 2);
    if (copy.race.n_findings == 2) {
        const race_finding *f = &copy.race.findings[0];

        CHECK_STR(f->label, "data race");
        CHECK_INT(f->n_places, 2);
        if (f->n_places == 2) {
            CHECK_STR(f->places[0].file, "beta_two.c");
            CHECK_INT(f->places[0].line, 42);
            CHECK_STR(f->places[1].function, "main");
        }
        CHECK_STR(copy.race.findings[1].label, "");
        CHECK_INT(copy.race.findings[1].n_places, 0);
    }
    exercise_result_free(&copy);
    cJSON_Delete(json);
    free(text);
}

/* ---- GitHub Classroom ---- */

static char *base64_decode(const char *in, size_t len)
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = xmalloc(len / 4 * 3 + 1);
    size_t n = 0;

    if (len % 4)
        goto error;
    for (size_t i = 0; i < len; i += 4) {
        unsigned long v = 0;
        int pad = 0;

        for (int k = 0; k < 4; k++) {
            const char *d = in[i + k] ? strchr(digits, in[i + k]) : NULL;

            if (in[i + k] == '=' && i + 4 == len && k >= 2)
                pad++, d = digits;
            else if (!d || pad)
                goto error;
            v = v << 6 | (unsigned long)(d - digits);
        }
        out[n++] = (char)(v >> 16);
        if (pad < 2)
            out[n++] = (char)(v >> 8 & 255);
        if (pad < 1)
            out[n++] = (char)(v & 255);
    }
    out[n] = '\0';
    if (strlen(out) != n)
        goto error;
    return out;
error:
    free(out);
    return NULL;
}

/* Whether a line of `text` would be a workflow command in a GitHub Actions log. */
static bool has_command(const char *text)
{
    unsigned code;

    if (strstr(text, "##["))
        return true;
    for (const char *line = text; line; line = strpbrk(line, "\n\r"), line = line ? line + 1 : NULL) {
        const char *p = line;
        size_t len;

        /* .NET's TrimStart: ASCII spaces, NEL, no-break and other Unicode spaces. */
        while ((len = utf8_char(p, &code)) &&
               (code == ' ' || code == '\t' || code == 0x85 || code == 0xA0 ||
                (code >= 0x2000 && code <= 0x200A) || code == 0x3000))
            p += len;
        if (!strncmp(p, "::", 2))
            return true;
    }
    return false;
}

/* Checks one runner; adds its points to *score and *max. */
static void check_runner(const char *id, const char *json_text, int *score, int *max)
{
    cJSON *json = cJSON_Parse(json_text), *tests, *test;
    const cJSON *max_score;
    int sum = 0, passed = 0, n = 0;

    CHECK(json != NULL, "runner %s: JSON does not parse", id);
    if (!json)
        return;
    CHECK(is_utf8(json_text), "runner %s: not UTF-8", id);
    CHECK_INT(cJSON_GetObjectItem(json, "version")->valueint, 1);
    max_score = cJSON_GetObjectItem(json, "max_score");
    CHECK(is_integer(max_score) && max_score->valueint > 0, "runner %s: max_score", id);
    tests = cJSON_GetObjectItem(json, "tests");
    CHECK(cJSON_GetArraySize(tests) > 0, "runner %s: no tests", id);
    cJSON_ArrayForEach(test, tests) {
        const cJSON *s = cJSON_GetObjectItem(test, "score");
        const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(test, "status"));

        CHECK(is_integer(s) && s->valueint >= 0, "runner %s: a score is not an integer", id);
        CHECK(status && (!strcmp(status, "pass") || !strcmp(status, "fail") ||
                         !strcmp(status, "error")), "runner %s: a bad status", id);
        CHECK(cJSON_IsString(cJSON_GetObjectItem(test, "name")) &&
              cJSON_IsString(cJSON_GetObjectItem(test, "message")) &&
              cJSON_IsString(cJSON_GetObjectItem(test, "test_code")) &&
              is_integer(cJSON_GetObjectItem(test, "line_no")),
              "runner %s: a field is missing", id);
        CHECK(!has_command(cJSON_GetStringValue(cJSON_GetObjectItem(test, "message"))) &&
              !has_command(cJSON_GetStringValue(cJSON_GetObjectItem(test, "test_code"))),
              "runner %s: a workflow command in the log", id);
        sum += s->valueint;
        passed += status && !strcmp(status, "pass");
        n++;
    }
    /* What Classroom records (the sum) and what the log prints (the fraction). */
    if (n && max_score)
        CHECK(fabs((double)passed / n * max_score->valueint - sum) < 1e-9,
              "runner %s: %d of %d passed x %d is not %d", id, passed, n,
              max_score->valueint, sum);
    *score += sum;
    *max += max_score ? max_score->valueint : 0;
    if (!strcmp(id, "betatwo")) {
        CHECK(!strstr(json_text, "SECRET"), "a hidden test's message reached Classroom");
        CHECK_HAS(json_text, "b_crashes: " OUTPUT_HIDDEN_MESSAGE);    /* a hidden one */
        CHECK_HAS(json_text, "[... cut]");                  /* the huge public one */
        CHECK_HAS(json_text, "beta_two.c");
    }
    if (!strcmp(id, "gamma"))
        CHECK_HAS(json_text, "does not compile");
    cJSON_Delete(json);
}

static void test_classroom(const grade_result *g)
{
    char *text = render(output_classroom, g), *line, *save = NULL;
    int score = 0, max = 0, runners = 0;
    char *listed = NULL;

    CHECK(has_command(NASTY) && has_command("x\r \xC2\xA0::error::y"), "has_command() is blind");
    if (!text)
        return;
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '='), *json;

        CHECK(eq != NULL, "a line without '='");
        if (!eq)
            continue;
        *eq = '\0';
        CHECK(strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789") == strlen(line),
              "output name \"%s\" is not letters and digits", line);
        if (!strcmp(line, "runners")) {
            listed = eq + 1;
            continue;
        }
        runners++;
        CHECK(strlen(eq + 1) < 128 * 1024, "runner %s: %zu bytes", line, strlen(eq + 1));
        json = base64_decode(eq + 1, strlen(eq + 1));
        CHECK(json != NULL, "runner %s: not base64", line);
        if (json)
            check_runner(line, json, &score, &max);
        free(json);
    }
    CHECK_STR(listed, "alphaone,betatwo,gamma");    /* delta is worth nothing: no runner */
    CHECK_INT(runners, 3);
    CHECK_INT(score, g->score);
    CHECK_INT(max, g->max_score);
    free(text);
}

/* Runner ids: letters and digits, never "runners", never twice. */
static void test_runner_ids(void)
{
    static const char *const slugs[] = { "a_b", "ab", "runners", "9-lives", "__" };
    grade_result g = { .tests_kind = xstrdup("public") };
    char *text;

    g.n_exercises = 5;
    g.exercises = xcalloc(5, sizeof *g.exercises);
    for (size_t i = 0; i < 5; i++) {
        exercise_result *ex = &g.exercises[i];

        ex->slug = xstrdup(slugs[i]);
        ex->build_log = xstrdup("");
        ex->tests = xcalloc(1, sizeof *ex->tests);
        add_test(ex, "t", TEST_PASSED, 1, 1, "", "");
        ex->race.message = xstrdup("");
        ex->score = ex->max_score = 1;
    }
    g.score = g.max_score = 5;
    text = render(output_classroom, &g);
    CHECK_HAS(text, "\nrunners=ab,ab2,runners2,ex9lives,ex\n");
    free(text);
    grade_result_free(&g);
}

/* ---- JUnit ---- */

typedef struct xml_counts {
    int suites, cases, failures, errors, skipped;
    int declared_tests, declared_failures, declared_errors, declared_skipped;
    int in_body;
    strbuf body;                /* the text of every failure and error */
} xml_counts;

static const char *attribute(const char **attrs, const char *name)
{
    for (size_t i = 0; attrs[i]; i += 2)
        if (!strcmp(attrs[i], name))
            return attrs[i + 1];
    return NULL;
}

static void XMLCALL xml_start(void *data, const char *name, const char **attrs)
{
    xml_counts *k = data;

    if (!strcmp(name, "testsuites")) {
        k->declared_tests = atoi(attribute(attrs, "tests"));
        k->declared_failures = atoi(attribute(attrs, "failures"));
        k->declared_errors = atoi(attribute(attrs, "errors"));
        k->declared_skipped = atoi(attribute(attrs, "skipped"));
    }
    k->suites += !strcmp(name, "testsuite");
    k->cases += !strcmp(name, "testcase");
    k->failures += !strcmp(name, "failure");
    k->errors += !strcmp(name, "error");
    k->skipped += !strcmp(name, "skipped");
    if (!strcmp(name, "failure") || !strcmp(name, "error")) {
        k->in_body = 1;
        strbuf_addf(&k->body, "[%s]", attribute(attrs, "message"));
    }
}

static void XMLCALL xml_end(void *data, const char *name)
{
    xml_counts *k = data;

    if (!strcmp(name, "failure") || !strcmp(name, "error"))
        k->in_body = 0;
}

static void XMLCALL xml_text(void *data, const char *s, int len)
{
    xml_counts *k = data;

    if (k->in_body)
        strbuf_add(&k->body, s, (size_t)len);
}

static void test_junit(const grade_result *g)
{
    /* With the messages shown (the instructor asked): the escaping at its worst. */
    char *text = render_with(output_junit, g, true);
    XML_Parser parser = XML_ParserCreate(NULL);
    xml_counts k = { .body = STRBUF_INIT };
    int ok;

    if (!text || !parser)
        return;
    XML_SetUserData(parser, &k);
    XML_SetElementHandler(parser, xml_start, xml_end);
    XML_SetCharacterDataHandler(parser, xml_text);
    ok = XML_Parse(parser, text, (int)strlen(text), 1) == XML_STATUS_OK;
    CHECK(ok, "JUnit does not parse: line %lu: %s",
          (unsigned long)XML_GetCurrentLineNumber(parser),
          XML_ErrorString(XML_GetErrorCode(parser)));
    CHECK_INT(k.suites, 4);
    /* 2 + 1 race; 8 + 1 race; build + 1 + race; race */
    CHECK_INT(k.cases, 3 + 9 + 3 + 1);
    CHECK_INT(k.failures, 2 + 1 + 1);       /* b_fails, shared, beta's race; gamma's build */
    CHECK_INT(k.errors, 2);                 /* b_crashes, b_hangs */
    CHECK_INT(k.skipped, 1 + 2 + 1);        /* b_skipped; g1, gamma's race; delta's race */
    CHECK_INT(k.declared_tests, k.cases);
    CHECK_INT(k.declared_failures, k.failures);
    CHECK_INT(k.declared_errors, k.errors);
    CHECK_INT(k.declared_skipped, k.skipped);
    CHECK_HAS(k.body.data, "<script>alert(1)</script> ]]> a|b `x`");    /* read back whole */
    CHECK_HAS(k.body.data, "second line\n  indented: caf\xC3\xA9");
    CHECK_HAS(k.body.data, "beta_two.c:42: data race");
    CHECK_HAS(k.body.data, "[crashed: SIGSEGV SECRET-CRASH he said \"stop\"");
    CHECK(!strstr(text, "<![CDATA["), "JUnit uses CDATA");
    CHECK(!strstr(text, "<script"), "raw <script> in JUnit");
    strbuf_release(&k.body);
    XML_ParserFree(parser);
    free(text);
}

/* ---- Gradescope ---- */

static const cJSON *find_test(const cJSON *tests, const char *name)
{
    const cJSON *test;

    cJSON_ArrayForEach(test, tests)
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(test, "name")), name))
            return test;
    return NULL;
}

static const char *test_output(const cJSON *tests, const char *name)
{
    const cJSON *test = find_test(tests, name);

    CHECK(test != NULL, "no Gradescope test \"%s\"", name);
    return test ? cJSON_GetStringValue(cJSON_GetObjectItem(test, "output")) : NULL;
}

static void test_gradescope(const grade_result *g)
{
    char *text = render(output_gradescope, g);
    cJSON *json = text ? cJSON_Parse(text) : NULL, *tests, *test;
    int max = 0;

    CHECK(json != NULL, "Gradescope JSON does not parse");
    if (!json) {
        free(text);
        return;
    }
    CHECK(is_utf8(text), "Gradescope JSON is not UTF-8");
    CHECK(is_integer(cJSON_GetObjectItem(json, "score")), "score is not an integer");
    CHECK_INT(cJSON_GetObjectItem(json, "score")->valueint, g->score);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(json, "output_format")), "text");
    tests = cJSON_GetObjectItem(json, "tests");
    cJSON_ArrayForEach(test, tests) {
        const char *visibility = cJSON_GetStringValue(cJSON_GetObjectItem(test, "visibility"));

        if (cJSON_GetObjectItem(test, "max_score"))
            max += cJSON_GetObjectItem(test, "max_score")->valueint;
        CHECK(visibility && (!strcmp(visibility, "visible") || !strcmp(visibility, "hidden") ||
                             !strcmp(visibility, "after_due_date") ||
                             !strcmp(visibility, "after_published")), "a bad visibility");
    }
    CHECK_INT(max, g->max_score);
    /* Hidden tests: the status and the hint, nothing of the message. */
    CHECK_STR(test_output(tests, "beta_two: b_fails"),
              "failed: " OUTPUT_HIDDEN_MESSAGE "\nHint: Check n first.");
    CHECK_STR(test_output(tests, "beta_two: b_crashes"), "crashed: " OUTPUT_HIDDEN_MESSAGE);
    CHECK_STR(test_output(tests, "beta_two: b_hangs"), "timed out: " OUTPUT_HIDDEN_MESSAGE);
    CHECK(!strstr(text, "SECRET"), "a hidden test's message reached Gradescope");
    /* A test that is also public shows its message; the race check its findings. */
    CHECK_HAS(test_output(tests, "beta_two: shared"), "</pre> xxx");
    CHECK_HAS(test_output(tests, "beta_two: shared"), "A public test's hint.");
    CHECK_HAS(test_output(tests, "beta_two: race check (Helgrind)"), "beta_two.c:42: data race");
    CHECK_HAS(test_output(tests, "beta_two: race check (Helgrind)"), "make race EX=beta_two");
    CHECK_HAS(test_output(tests, "gamma: build"), "gamma.c:3: error");
    cJSON_Delete(json);
    free(text);
}

/* ---- Markdown ---- */

static void test_markdown(const grade_result *g)
{
    char *text = render(output_markdown, g);
    size_t opened = 0, closed = 0;

    if (!text)
        return;
    CHECK(is_utf8(text), "Markdown is not UTF-8");
    /* The only tags are ours ('<' then a letter, '/', '!' or '?' opens one). */
    for (const char *p = strchr(text, '<'); p; p = strchr(p + 1, '<')) {
        bool ours = !strncmp(p, "<pre>", 5) || !strncmp(p, "</pre>", 6) ||
                    !strncmp(p, "<sub>", 5) || !strncmp(p, "</sub>", 6);

        CHECK(ours || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/!?", p[1]),
              "a tag in the Markdown: \"%.30s\"", p);
        opened += !strncmp(p, "<pre>", 5);
        closed += !strncmp(p, "</pre>", 6);
    }
    CHECK_INT(opened, closed);
    CHECK(!strstr(text, "<script") && !strstr(text, "<b>") && !strstr(text, "<alice>") &&
          !strstr(text, "<expected>") && !strstr(text, "<violated>") &&
          !strstr(text, "</pre> xxx"), "student text reached the Markdown raw");
    CHECK_HAS(text, "## racecourse: 125/300");
    CHECK_HAS(text, "| \xE2\x9D\x8C | beta\\_two | 25/100 | ok | 3/8 | errors found |");
    CHECK_HAS(text, "\xE2\x9C\x85 **alpha\\_one** 100/100");            /* one line */
    CHECK(!strstr(text, "### \xE2\x9C\x85"), "a passing exercise got a section");
    CHECK_HAS(text, "&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; a|b `x` ```\nsecond line");
    CHECK_HAS(text, "&lt;/pre&gt; xxx");
    CHECK_HAS(text, "Hint: Check n first.");
    CHECK_HAS(text, "`while (n < 1)` loop, not an &lt;if&gt;.");    /* a hint's code span */
    CHECK_HAS(text, "- `beta_two.c:42`: data race: he said \"stop\" \\\\ &lt;script&gt;");
    CHECK_HAS(text, "- 1\\. lock order &lt;violated&gt;");        /* not a list */
    CHECK_HAS(text, "- `make check EX=beta_two` runs the public tests");
    CHECK_HAS(text, "- `make race EX=beta_two` shows Helgrind's full report");
    CHECK_HAS(text, "<pre>your file does not compile:\ngamma.c:3: error: &lt;expected&gt; ]]&gt;");
    CHECK_HAS(text, "\xE2\x9C\x85 **delta** 0/0: nothing to grade");
    free(text);
}

/* ---- one policy for every student-facing format (output_student.h) ---- */

static void test_student_policy(const grade_result *g)
{
    static const struct { const char *name; output_writer write; } formats[] = {
        { "Markdown", output_markdown }, { "Classroom", output_classroom },
        { "JUnit", output_junit }, { "Gradescope", output_gradescope },
    };
    char *text, *path;

    for (size_t f = 0; f < sizeof formats / sizeof *formats; f++) {
        text = render(formats[f].write, g);
        if (!text)
            continue;
        if (formats[f].write == output_classroom) {     /* the runners are base64 */
            strbuf all = STRBUF_INIT;

            for (char *line = text; line && *line; line = strchr(line, '\n'),
                 line = line ? line + 1 : NULL) {
                char *eq = strchr(line, '='), *end = strchr(line, '\n'), *json;

                if (!eq || !end || eq > end)
                    continue;
                json = base64_decode(eq + 1, (size_t)(end - eq - 1));
                if (json)
                    strbuf_addstr(&all, json);
                free(json);
            }
            free(text);
            text = strbuf_detach(&all);
        }
        CHECK(!strstr(text, "SECRET"), "%s: a hidden test's message or code was shown",
              formats[f].name);
        CHECK(!strstr(text, "/tmp/") && !strstr(text, "/home/"),
              "%s: a path of the grading machine was shown", formats[f].name);
        CHECK(strstr(text, "Check n first."), "%s: a hidden test's hint is missing",
              formats[f].name);
        free(text);
    }
    /* The instructor may ask for the messages: then they are there, paths still not. */
    text = render_with(output_markdown, g, true);
    CHECK_HAS(text, "SECRET-EXPECTATION");
    CHECK(!strstr(text, "/tmp/") && !strstr(text, "/home/"), "a path with messages shown");
    free(text);

    path = output_private_paths("at /tmp/class/hw1-erin/exercises/joinall/joinall.c:12: "
                                "x (see /home/p/a.c) 1/2 and /dev/null, \"/srv/k/t.c\"");
    CHECK_STR(path, "at joinall.c:12: x (see a.c) 1/2 and /dev/null, \"t.c\"");
    free(path);
}

/* A total of the public tests says it is not a grade, in each report a student reads. */
static void test_public_total(void)
{
    grade_result g = { .tests_kind = xstrdup("public"), .submission = xstrdup("s"),
                       .containment = xstrdup("c"), .n_exercises = 1 };
    exercise_result *ex;
    char *text;

    g.exercises = xcalloc(1, sizeof *g.exercises);
    ex = &g.exercises[0];
    ex->slug = xstrdup("beta_two");
    ex->build_log = xstrdup("");
    ex->tests = xcalloc(2, sizeof *ex->tests);
    add_test(ex, "shared", TEST_PASSED, 38, 38, "", "");
    add_test(ex, "b_works", TEST_PASSED, 11, 11, "", "");
    ex->score = ex->max_score = g.score = g.max_score = 49;
    text = render(output_text, &g);
    CHECK_HAS(text, "Public tests total 49/49");
    CHECK_HAS(text, "public tests: all passed; the hidden tests, worth 69 points, run when "
                    "your instructor grades");
    free(text);
    text = render(output_markdown, &g);
    CHECK_HAS(text, "## racecourse: public tests 49/49");
    CHECK_HAS(text, "**Not a grade:**");
    free(text);
    text = render(output_summary, &g);
    CHECK_HAS(text, "total 49 49 public 69\n");
    free(text);
    free(g.tests_kind);
    g.tests_kind = xstrdup("hidden");           /* a grade: no such words */
    text = render(output_text, &g);
    CHECK(text && !strstr(text, "Public tests total") && strstr(text, "Total 49/49"),
          "a grade with the hidden tests says Total");
    free(text);
    text = render(output_summary, &g);
    CHECK_HAS(text, "total 49 49\n");
    free(text);
    grade_result_free(&g);
}

/* ---- the shared helpers ---- */

static void test_clean(void)
{
    char *s = utf8_clean("ok \xC3\xA9 \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80 \xE2\x82", 100);

    CHECK_STR(s, "ok \xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
                 "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD");
    free(s);
    s = utf8_clean("ab\xC3\xA9", 3);          /* never half a character */
    CHECK_STR(s, "ab\n[... cut]");
    free(s);
    s = utf8_clean(NULL, 10);
    CHECK_STR(s, "");
    free(s);
}

int main(void)
{
    grade_result g;

    test_clean();
    make_grade(&g);
    test_classroom(&g);
    test_runner_ids();
    test_json(&g);
    test_junit(&g);
    test_gradescope(&g);
    test_markdown(&g);
    test_student_policy(&g);
    grade_result_free(&g);
    test_public_total();
    return check_finish();
}
