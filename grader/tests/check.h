/*
 * check.h - the grader's unit tests' tiny checking macros.
 *
 * Each failed CHECK prints "file:line: message"; check_finish() prints
 * "N passed, M failed" and gives the exit status.
 */
#ifndef RACECOURSE_CHECK_H
#define RACECOURSE_CHECK_H

#include <stdio.h>
#include <string.h>

static int checks_passed, checks_failed;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (cond) {                                                         \
            checks_passed++;                                                \
        } else {                                                            \
            checks_failed++;                                                \
            printf("%s:%d: ", __FILE__, __LINE__);                          \
            printf(__VA_ARGS__);                                            \
            printf("\n");                                                   \
        }                                                                   \
    } while (0)

#define CHECK_INT(got, want)                                                \
    CHECK((long)(got) == (long)(want), "%s is %ld, want %ld", #got,         \
          (long)(got), (long)(want))

#define CHECK_STR(got, want)                                                \
    CHECK((got) && strcmp((got), (want)) == 0, "%s is \"%s\", want \"%s\"", \
          #got, (got) ? (got) : "(null)", (want))

#define CHECK_HAS(got, part)                                                \
    CHECK((got) && strstr((got), (part)), "%s is \"%s\", want it to contain \"%s\"", \
          #got, (got) ? (got) : "(null)", (part))

static inline int check_finish(void)
{
    printf("%d passed, %d failed\n", checks_passed, checks_failed);
    return checks_failed ? 1 : 0;
}

#endif
