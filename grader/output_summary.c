/*
 * output_summary.c - one line per exercise, for scripts:
 *
 *   <slug> <score> <max_score> <build status> <race status> <tests passed>/<tests>
 *   total <score> <max_score> [public <hidden points>]
 *
 * "public N" ends the total line when the public tests were run while the
 * manifest has hidden tests worth N points for these exercises: the total
 * is not a grade (output_hidden_points()).
 */
#include "output.h"

#include <errno.h>

int output_summary(const grade_result *result, const output_context *context, FILE *out)
{
    for (size_t i = 0; i < result->n_exercises; i++) {
        const exercise_result *ex = &result->exercises[i];
        size_t passed = 0;

        for (size_t t = 0; t < ex->n_tests; t++)
            passed += ex->tests[t].status == TEST_PASSED;
        fprintf(out, "%s %d %d %s %s %zu/%zu\n", ex->slug, ex->score, ex->max_score,
                build_status_name(ex->build), race_status_name(ex->race.status), passed,
                ex->n_tests);
    }
    int hidden = output_hidden_points(result, context);

    fprintf(out, "total %d %d", result->score, result->max_score);
    if (hidden)
        fprintf(out, " public %d", hidden);
    fprintf(out, "\n");
    return ferror(out) ? EIO : 0;
}
