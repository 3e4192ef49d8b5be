/*
 * output_md.h - student text escaped for GitHub-flavoured Markdown: the
 * one escaper of the student's Markdown report (output_markdown.c) and
 * the class summary (gradebook_summary.c).
 *
 * Student text never reaches the page raw.  Multi-line text goes into a
 * top-level <pre> block with &, < and > as entities (an HTML block of
 * that kind ends only at "</pre>", which escaped text cannot contain).
 * One-line text is backslash-escaped: every mark that means something
 * anywhere in a line (and GitHub's $math$ and @mentions), and those that
 * do at the start of a block (a list item's text, a heading) where the
 * text starts one; <, > and & become entities, a line break a space, any
 * other control character U+FFFD.
 *
 * Each function first makes the text valid UTF-8 and cuts it at `max`
 * bytes (utf8.h), then writes it to `out`; write errors show in ferror().
 */
#ifndef RACECOURSE_OUTPUT_MD_H
#define RACECOURSE_OUTPUT_MD_H

#include <stddef.h>
#include <stdio.h>

/* Writes `text` as inline Markdown: every character literal, on one line. */
void md_inline(FILE *out, const char *text, size_t max);

/*
 * Writes `text` as a `code span` when that is safe and simple (no
 * backtick, line break, |, <, > or &: slugs, file names, commands), else
 * as md_inline() does.
 */
void md_code(FILE *out, const char *text, size_t max);

/*
 * Writes `text` (the manifest's own hints, trusted) inline, keeping its
 * `code spans`: a span is copied as it is (Markdown shows it literally,
 * HTML and all); everything else is escaped as md_inline() does.
 */
void md_inline_code(FILE *out, const char *text, size_t max);

/* Writes `text` as a top-level <pre> block, at most `max` bytes of it. */
void md_pre(FILE *out, const char *text, size_t max);

#endif
