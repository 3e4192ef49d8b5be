/*
 * race_words.h - what the readers of the tools' reports say alike.
 *
 * helgrind_report.c, tsan_report.c and memcheck_report.c only parse:
 * each turns every problem its tool reported into a race_draft (a label,
 * a sentence, a folding key) and hands it to race_words_fold().  The rest
 * is said once, here: the folding of equal drafts, the order of the
 * findings, the cap and its "not shown: ..." line, and the sentences
 * whose wording must not depend on the tool (lock orders, the advice for
 * a race).
 */
#ifndef RACECOURSE_RACE_WORDS_H
#define RACECOURSE_RACE_WORDS_H

#include "report_stack.h"
#include "result.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/* A finding before folding; its message is "label [(seen N times)]: body". */
typedef struct race_draft {
    const char *kind;               /* static: "race", "lock_order", "misuse", "leak", ... */
    const char *label;              /* static: "data race", "lock order", ... */
    char *file;                     /* the student's file or "" */
    int line;
    char *body;
    char *key;                      /* equal keys are folded */
    long count;
    size_t first;                   /* index of its first problem, for ties */
    char *memory;                   /* a race's memory in words, or NULL */
    char *places[2];                /* a race's two places ("q.c:12"), or NULL */
    bool unnamed_heap;              /* its body names a heap block, not the field in it
                                     * (race_words_heap_block) */
    report_named named;             /* the places its body names, in order: the
                                     * reader's report_places point here while it
                                     * writes the body (report_put_where) */
} race_draft;

/*
 * Empties `out` (no findings, no errors, unnamed_heap false) before a reader fills it; what
 * it held is overwritten, not freed.  Returns EINVAL when `out`, `report`
 * (the reader's input: a path or a text) or `student_file` is NULL, else 0.
 */
int race_words_start(race_result *out, const char *report, const char *student_file);

/*
 * Adds draft `d` to the `*n` drafts of `drafts`, which has room for one
 * more.  When one of them has d's key, d's count is added to its count
 * and d is freed (race_draft_free); else d is moved in as drafts[*n],
 * with `first` set to `index` (the problem's place in the tool's report),
 * and *n grows by one.
 */
void race_words_fold(race_draft *drafts, size_t *n, race_draft *d, size_t index);

/*
 * Sorts `drafts` and moves them into out->findings (malloc'd; NULL when n
 * is 0) and out->n_findings, each with its label and the places its body
 * names (`named`).  Order: lock misuse (misuse of a pthread
 * call, lock order) first, then crashes, data races, the rest (memcheck's
 * labels all rank alike, after those); within a rank the most frequent
 * first, ties in report order.  At most `max` findings: when there are
 * more, the last place goes to a finding of kind "other" that counts what
 * was left out by label and says where to read them all (`full_report`,
 * e.g. "Helgrind's whole report lists them all (`make race`)."):
 * "not shown: 3 more (2 data races, 1 thread leak). <full_report>", and
 * the places before it show each label at least once before a second
 * finding of any label.  out->unnamed_heap tells whether a draft shown
 * had unnamed_heap.  The drafts' file, body and key are taken over
 * or freed; `drafts` itself stays the caller's.  Like every function
 * here, it aborts when memory runs out (util.h).
 */
void race_words_findings(race_draft *drafts, size_t n, size_t max, const char *full_report,
                         race_result *out);

/*
 * Appends the words for raced-on memory in a heap block of `block_size`
 * bytes: `field` (the struct field there, named from the DWARF:
 * struct_fields.h) when it is not NULL, else "a heap block of N bytes",
 * after "the B bytes at offset O of " when `bytes` is not 0.  Returns
 * whether no field was named (the draft's unnamed_heap).
 */
bool race_words_heap_block(strbuf *b, const char *field, unsigned long bytes,
                           unsigned long long offset, unsigned long block_size);

/* Frees what a draft owns. */
void race_draft_free(race_draft *d);

/*
 * The sentence of a lock order, the same whichever tool saw it: the two
 * places that take one lock while holding the other, the one earlier in
 * the student's file first ("takes lock B while holding lock A"), with
 * where the first took A when known, else where the second took B
 * (`held1`/`held2` belong to `place1`/`place2`, NULL when unknown; one is
 * enough, and Helgrind knows only one).  The places are "file:line (fn)" as the readers
 * write them; `line1`/`line2` order them (0 when not in the student's
 * file: last).  Returns a malloc'd sentence.
 */
char *race_words_lock_order(const char *place1, int line1, const char *held1,
                            const char *place2, int line2, const char *held2);

/*
 * Whether race_words_lock_order() names `place2` first: its line in the
 * student's file (`line2`, 0 when not there) is before `line1`, or only
 * it is in the student's file.  A reader notes the two places in that
 * order (report_note_place()).
 */
bool race_words_lock_order_swaps(int line1, int line2);

/*
 * The advice that ends a race's sentence.  `test_side` is true when one
 * of the two accesses is the test's own code, outside any call of the
 * student's: then the test is right as it is, and the advice says what in
 * the student's code must change (a call of theirs returned while their
 * code still used the memory, or ran `callback`, the test's function the
 * student's code was running on the other side, e.g. "job_fn"; NULL when
 * none).  `freed` when one side freed the memory.  Returns a malloc'd
 * sentence.
 */
char *race_words_race_advice(bool test_side, bool freed, const char *callback);

/*
 * The note for a race whose two accesses were both made holding a lock
 * (ThreadSanitizer says so; Helgrind's XML does not), or NULL when
 * `both_locked` is false.  `same_lock` when the tool named the same lock
 * on both sides.  A static string.
 */
const char *race_words_both_locked(bool both_locked, bool same_lock);

#endif
