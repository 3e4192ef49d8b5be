/*
 * test_util.c - first_lines(), which trims a build log or a driver's
 * printing to what a report shows.
 */
#define _GNU_SOURCE
#include "check.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Checks first_lines(text, lines, bytes) against `want`. */
static void check_first_lines(const char *text, size_t lines, size_t bytes, const char *want)
{
    char *got = first_lines(text, lines, bytes);

    CHECK(strcmp(got, want) == 0, "first_lines(\"%s\", %zu, %zu) is \"%s\", want \"%s\"",
          text, lines, bytes, got, want);
    free(got);
}

static void test_nothing_cut(void)
{
    check_first_lines("", 3, 100, "");
    check_first_lines("one\ntwo\n", 3, 100, "one\ntwo\n");
    check_first_lines("one\ntwo", 2, 100, "one\ntwo");
    /* exactly the limits: nothing left out, so no "..." */
    check_first_lines("one\ntwo\n", 2, 100, "one\ntwo\n");
    check_first_lines("abcdef", 3, 6, "abcdef");
}

static void test_cut_by_lines(void)
{
    check_first_lines("one\ntwo\nthree\n", 2, 100, "one\ntwo\n...\n");
    check_first_lines("one\n\n\nfour", 1, 100, "one\n...\n");
}

static void test_cut_by_bytes(void)
{
    check_first_lines("abcdefgh", 3, 5, "abcde...\n");
    check_first_lines("one\ntwo\nthree\n", 10, 6, "one\ntw...\n");
    check_first_lines("abc", 3, 0, "...\n");
}

int main(void)
{
    test_nothing_cut();
    test_cut_by_lines();
    test_cut_by_bytes();
    return check_finish();
}
