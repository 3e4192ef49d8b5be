/*
 * test_explore_report.c - explore_report_parse(), _print() and
 * _write_json() on hand-written runtime reports: what is refused, what a
 * student sees for a deadlock and for a pass, and the JSON of docs/explore.md.
 *
 * Prints "file:line: message" for each failed check, then "N passed, M
 * failed"; exits 1 when a check failed.
 */
#define _GNU_SOURCE
#include "explore_report.h"
#include "check.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char deadlock[] =
    "{ \"strategy\": \"pct\", \"depth\": 3, \"schedules_run\": 4,"
    "  \"failure\": { \"kind\": \"deadlock\", \"seed\": \"0x5eed0003\", \"schedule\": 4,"
    "    \"message\": \"deadlock: no thread can run\", \"output\": \"one\\ntwo\\n\","
    "    \"steps\": 9, \"time\": 0.5,"
    "    \"threads\": [ {\"thread\": 1, \"state\": \"blocked\", \"call\": \"pthread_join\","
    "                    \"object\": \"thread 2\", \"where\": \"ab.c:40\", \"waits_for\": 2},"
    "                   {\"thread\": 2, \"state\": \"blocked\", \"call\": \"pthread_mutex_lock\","
    "                    \"object\": \"mutex@0x10\", \"where\": \"ab.c:18\", \"waits_for\": 3},"
    "                   {\"thread\": 3, \"state\": \"blocked\", \"call\": \"pthread_mutex_lock\","
    "                    \"object\": \"mutex@0x20\", \"where\": \"ab.c:29\", \"waits_for\": 2} ],"
    "    \"trace\": [ { \"thread\": 2, \"call\": \"pthread_mutex_lock\", \"object\": \"mutex@0x20\","
    "                   \"where\": \"ab.c:17\", \"time\": 0.25 } ] } }";

static const explore_context ctx = { .program = "ab.c", .replay_command = "build/grade explore",
                                     .replay_args = "--strategy pct --depth 3 ab.c" };

/* What explore_report_print() writes for `report`. */
static char *printed(const cJSON *report)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    explore_report_print(report, &ctx, out);
    fclose(out);
    return text;
}

static void test_refused(void)
{
    CHECK(!explore_report_parse(""), "empty text refused");
    CHECK(!explore_report_parse("[1]"), "an array refused");
    CHECK(!explore_report_parse("{\"failure\": null}"), "no schedules_run refused");
    CHECK(!explore_report_parse("{\"schedules_run\": 1}"), "no failure member refused");
    CHECK(!explore_report_parse("{\"schedules_run\": 1, \"failure\": {\"kind\": 3}}"),
          "a kind that is not a string refused");
}

static void test_deadlock(void)
{
    cJSON *report = explore_report_parse(deadlock);
    char *text;

    CHECK(report != NULL, "the deadlock report parses");
    if (!report)
        return;
    CHECK(explore_report_failure(report) != NULL, "it has a failure");
    text = printed(report);
    CHECK_HAS(text, "strategy pct (depth 3), schedule 4 failed");
    CHECK_HAS(text, "FAILED: deadlock: no thread can run");
    CHECK_HAS(text, "seed:     0x5eed0003");
    CHECK_HAS(text, "thread 2: blocked in pthread_mutex_lock (mutex@0x10) at ab.c:18, "
                    "waiting for thread 3");
    CHECK_HAS(text, "Wait-for cycle: thread 2 -> 3 -> 2");
    CHECK_HAS(text, "thread 2   pthread_mutex_lock       mutex@0x20         ab.c:17");
    CHECK_HAS(text, "  | one\n  | two\n");
    CHECK_HAS(text, "build/grade explore --replay 0x5eed0003 --strategy pct --depth 3 ab.c");
    free(text);
    cJSON_Delete(report);
}

static void test_passed(void)
{
    cJSON *report = explore_report_parse("{\"strategy\": \"random\", \"schedules_run\": 1000,"
                                         " \"failure\": null}");
    char *text;

    CHECK(report != NULL, "a passing report parses");
    if (!report)
        return;
    CHECK(explore_report_failure(report) == NULL, "it has no failure");
    text = printed(report);
    CHECK_HAS(text, "strategy random: all 1000 schedules passed");
    CHECK_HAS(text, "make race");
    free(text);
    cJSON_Delete(report);
}

static void test_json(void)
{
    char path[] = "/tmp/test_explore_report.XXXXXX";
    int fd = mkstemp(path);
    cJSON *report = explore_report_parse(deadlock), *json;
    const cJSON *failure, *event;
    char *text;

    CHECK(fd >= 0 && report, "setup");
    if (fd < 0 || !report)
        return;
    close(fd);
    CHECK_INT(explore_report_write_json(report, &ctx, path), 0);
    text = read_file(path, NULL);
    json = cJSON_Parse(text);
    failure = cJSON_GetObjectItem(json, "failure");
    event = cJSON_GetArrayItem(cJSON_GetObjectItem(failure, "trace"), 0);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(json, "program")), "ab.c");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(json, "strategy")), "pct");
    CHECK_INT(cJSON_GetObjectItem(json, "schedules_run")->valueint, 4);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(failure, "kind")), "deadlock");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(failure, "seed")), "0x5eed0003");
    CHECK_INT(cJSON_GetObjectItem(failure, "schedule")->valueint, 4);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(failure, "message")),
              "deadlock: no thread can run");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(event, "where")), "ab.c:17");
    CHECK(cJSON_GetObjectItem(event, "time")->valuedouble == 0.25, "the event's time");
    cJSON_Delete(json);
    free(text);
    cJSON_Delete(report);
    report = explore_report_parse("{\"strategy\": \"random\", \"schedules_run\": 7,"
                                  " \"failure\": null}");
    CHECK_INT(explore_report_write_json(report, &ctx, path), 0);
    text = read_file(path, NULL);
    json = cJSON_Parse(text);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(json, "failure")), "failure is null when none");
    cJSON_Delete(json);
    free(text);
    cJSON_Delete(report);
    unlink(path);
}

int main(void)
{
    test_refused();
    test_deadlock();
    test_passed();
    test_json();
    return check_finish();
}
