/*
 * output_junit.c - the grade as JUnit XML, for CI test dashboards
 * (GitLab, Jenkins, GitHub test-report actions):
 *
 *   <testsuites name="racecourse" tests= failures= errors= skipped= time=>
 *     <testsuite name="SLUG" tests= failures= errors= skipped= time=>
 *       <properties> score, max_score, build, race, kit_version, tests </properties>
 *       <testcase classname="racecourse.SLUG" name="build">    only when it failed
 *       <testcase classname="racecourse.SLUG" name="TEST" time=>   one per test
 *       <testcase classname="racecourse.SLUG" name="race_check" time=>
 *     </testsuite>
 *   </testsuites>
 *
 * Outcomes are never folded: a test that failed has a <failure>, one that
 * crashed or timed out an <error type="crashed|timeout">, one not run a
 * <skipped>; the race check has a <failure type="race"> for errors found,
 * an <error> when it timed out or stopped early, a <skipped> when not run.
 *
 * Every string goes through xml_escape(): & < > " ' become entities, tab,
 * newline and carriage return character references (in attributes too,
 * where a parser would otherwise turn them into spaces), characters XML
 * 1.0 forbids (other controls, U+FFFE, U+FFFF) and bytes that are not
 * UTF-8 become U+FFFD.  No CDATA sections, so "]]>" is only text.
 */
#include "output.h"
#include "output_student.h"
#include "util.h"
#include "utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX 16000          /* bytes of one failure body */
#define ATTR_MAX 200            /* bytes of a failure's message attribute */

enum case_kind { CASE_PASSED, CASE_FAILURE, CASE_ERROR, CASE_SKIPPED };

/* One <testcase>, built before anything is written so that suites can be counted. */
typedef struct junit_case {
    const char *name;
    enum case_kind kind;
    const char *type;           /* the type attribute of failure/error: our status */
    char *message;              /* one line, for the message attribute */
    char *body;                 /* the whole story */
    double seconds;
} junit_case;

typedef struct counts {
    size_t tests, failures, errors, skipped;
} counts;

/* Writes `text` escaped for XML content or an attribute value (both the same). */
static void xml_escape(FILE *out, const char *text, size_t max)
{
    char *clean = utf8_clean(text, max);
    unsigned code = 0;

    for (const char *p = clean; *p;) {
        size_t len = utf8_char(p, &code);

        if (!len)
            break;              /* cannot happen after utf8_clean() */
        switch (code) {
        case '&':  fputs("&amp;", out); break;
        case '<':  fputs("&lt;", out); break;
        case '>':  fputs("&gt;", out); break;
        case '"':  fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        case '\t': fputs("&#9;", out); break;
        case '\n': fputs("&#10;", out); break;
        case '\r': fputs("&#13;", out); break;
        default:
            if (code < 0x20 || code == 0xFFFE || code == 0xFFFF)
                fputs("\xEF\xBF\xBD", out);
            else
                fwrite(p, 1, len, out);
        }
        p += len;
    }
    free(clean);
}

/* The first line of `text`, at most ATTR_MAX bytes of it (malloc'd). */
static char *first_line(const char *text)
{
    size_t len = strcspn(text ? text : "", "\n");
    char *line = xasprintf("%.*s", (int)len, text ? text : "");
    char *clean = utf8_clean(line, ATTR_MAX), *cut = strchr(clean, '\n');

    if (cut)
        *cut = ' ';             /* output_clean's "\n[... cut]" stays on the line */
    free(line);
    return clean;
}

static void set_outcome(junit_case *c, enum case_kind kind, const char *type,
                        const char *message, char *body)
{
    c->kind = kind;
    c->type = type;
    c->message = first_line(message);
    c->body = body;
}

static void test_case(junit_case *c, const exercise_result *ex, const test_result *t)
{
    const char *reason = t->message && *t->message ? t->message : "not run";
    const char *hint = t->hint ? t->hint : "";
    char *message;
    enum case_kind kind = t->status == TEST_FAILED ? CASE_FAILURE :
                          t->status == TEST_SKIPPED ? CASE_SKIPPED : CASE_ERROR;

    c->name = t->name;
    c->seconds = t->seconds;
    if (t->status == TEST_PASSED)
        return;
    if (kind == CASE_SKIPPED && ex->build != BUILD_OK)
        reason = "not run: the build failed";
    message = utf8_clean(reason, TEXT_MAX - 1000);           /* room for the rest */
    set_outcome(c, kind, test_status_name(t->status), reason,
                xasprintf("%s%s%s%s\nnext: make check EX=%s", message, *hint ? "\n" : "",
                          *hint ? "hint: " : "", hint, ex->slug));
    free(message);
}

static void race_case(junit_case *c, const exercise_result *ex)
{
    const race_result *r = &ex->race;
    const char *reason = r->message && *r->message ? r->message :
                         r->status == RACE_SKIPPED && r->max_score == 0 ?
                         "the race check is off for this exercise" : race_status_name(r->status);
    strbuf body = STRBUF_INIT;

    c->name = "race_check";
    c->seconds = ex->race_s;
    if (r->status == RACE_CLEAN)
        return;
    strbuf_addstr(&body, reason);
    for (size_t i = 0; i < r->n_findings; i++) {
        const race_finding *f = &r->findings[i];

        strbuf_addstr(&body, "\n");
        if (f->file && *f->file)
            strbuf_addf(&body, "%s:%d: ", f->file, f->line);
        strbuf_addstr(&body, f->message);
    }
    if (r->status != RACE_SKIPPED)
        strbuf_addf(&body, "\nnext: make race EX=%s", ex->slug);
    set_outcome(c, r->status == RACE_FOUND ? CASE_FAILURE :
                   r->status == RACE_SKIPPED ? CASE_SKIPPED : CASE_ERROR,
                race_status_name(r->status), reason, strbuf_detach(&body));
}

/* The cases of `ex` in *cases (caller frees with cases_free); returns how many. */
static size_t exercise_cases(const exercise_result *ex, junit_case **cases)
{
    junit_case *c = xcalloc(ex->n_tests + 2, sizeof *c);
    size_t n = 0;

    if (ex->build != BUILD_OK) {
        c[n].name = "build";
        c[n].seconds = ex->build_s;
        set_outcome(&c[n], CASE_FAILURE, build_status_name(ex->build),
                    ex->build == BUILD_MISSING ? "not submitted" : ex->build_log,
                    xasprintf("%s\nnext: %s", ex->build_log ? ex->build_log : "",
                              ex->build == BUILD_MISSING ? "write the exercise's file" :
                              "fix the first error, then grade again"));
        n++;
    }
    for (size_t i = 0; i < ex->n_tests; i++)
        test_case(&c[n++], ex, &ex->tests[i]);
    race_case(&c[n++], ex);
    *cases = c;
    return n;
}

static void cases_free(junit_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(cases[i].message);
        free(cases[i].body);
    }
    free(cases);
}

static counts count_cases(const junit_case *cases, size_t n)
{
    counts k = { .tests = n };

    for (size_t i = 0; i < n; i++) {
        k.failures += cases[i].kind == CASE_FAILURE;
        k.errors += cases[i].kind == CASE_ERROR;
        k.skipped += cases[i].kind == CASE_SKIPPED;
    }
    return k;
}

static void print_counts(FILE *out, counts k, double seconds)
{
    fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\"",
            k.tests, k.failures, k.errors, k.skipped, seconds);
}

static void print_property(FILE *out, const char *name, const char *value)
{
    fprintf(out, "      <property name=\"%s\" value=\"", name);
    xml_escape(out, value, ATTR_MAX);
    fputs("\"/>\n", out);
}

static void print_case(FILE *out, const char *slug, const junit_case *c)
{
    static const char *const element[] = {
        [CASE_FAILURE] = "failure", [CASE_ERROR] = "error", [CASE_SKIPPED] = "skipped",
    };

    fputs("    <testcase classname=\"racecourse.", out);
    xml_escape(out, slug, ATTR_MAX);
    fputs("\" name=\"", out);
    xml_escape(out, c->name, ATTR_MAX);
    fprintf(out, "\" time=\"%.3f\"", c->seconds);
    if (c->kind == CASE_PASSED) {
        fputs("/>\n", out);
        return;
    }
    fprintf(out, ">\n      <%s", element[c->kind]);
    if (c->kind != CASE_SKIPPED)
        fprintf(out, " type=\"%s\"", c->type);
    fputs(" message=\"", out);
    xml_escape(out, c->message, 2 * ATTR_MAX);     /* cut already */
    if (c->kind == CASE_SKIPPED) {
        fputs("\"/>\n    </testcase>\n", out);
        return;
    }
    fputs("\">", out);
    xml_escape(out, c->body, TEXT_MAX);
    fprintf(out, "</%s>\n    </testcase>\n", element[c->kind]);
}

static void print_suite(FILE *out, const exercise_result *ex, const junit_case *cases,
                        size_t n, const grade_result *result, const output_context *context)
{
    char number[32];

    fputs("  <testsuite name=\"", out);
    xml_escape(out, ex->slug, ATTR_MAX);
    fputs("\"", out);
    print_counts(out, count_cases(cases, n), ex->seconds);
    fputs(">\n    <properties>\n", out);
    snprintf(number, sizeof number, "%d", ex->score);
    print_property(out, "score", number);
    snprintf(number, sizeof number, "%d", ex->max_score);
    print_property(out, "max_score", number);
    print_property(out, "build", build_status_name(ex->build));
    print_property(out, "race", race_status_name(ex->race.status));
    if (context->manifest)
        print_property(out, "kit_version", context->manifest->version);
    print_property(out, "tests", result->tests_kind ? result->tests_kind : "");
    fputs("    </properties>\n", out);
    for (size_t i = 0; i < n; i++)
        print_case(out, ex->slug, &cases[i]);
    fputs("  </testsuite>\n", out);
}

static int write_junit(const grade_result *result, const output_context *context, FILE *out)
{
    junit_case **cases = xcalloc(result->n_exercises + 1, sizeof *cases);
    size_t *n = xcalloc(result->n_exercises + 1, sizeof *n);
    counts total = { 0 };

    for (size_t i = 0; i < result->n_exercises; i++) {
        counts k;

        n[i] = exercise_cases(&result->exercises[i], &cases[i]);
        k = count_cases(cases[i], n[i]);
        total.tests += k.tests;
        total.failures += k.failures;
        total.errors += k.errors;
        total.skipped += k.skipped;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"racecourse\"", out);
    print_counts(out, total, result->duration_s);
    fputs(">\n", out);
    for (size_t i = 0; i < result->n_exercises; i++) {
        print_suite(out, &result->exercises[i], cases[i], n[i], result, context);
        cases_free(cases[i], n[i]);
    }
    fputs("</testsuites>\n", out);
    free(cases);
    free(n);
    return ferror(out) ? EIO : 0;
}

int output_junit(const grade_result *result, const output_context *context, FILE *out)
{
    grade_result view;
    int err;

    output_student_view(result, context, &view);
    err = write_junit(&view, context, out);
    grade_result_free(&view);
    return err;
}
