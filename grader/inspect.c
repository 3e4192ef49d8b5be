/* inspect.c - see inspect.h. */
#define _GNU_SOURCE
#include "inspect.h"
#include "toolchain.h"
#include "util.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * nm, told the object format (the machine's own: the grader and the
 * student's code are built on it).  Without it nm first loads every
 * plugin of /usr/lib/bfd-plugins, LLVM's among them: 0.1 s of CPU and
 * more of wall time per run, most of an inspection.
 */
#if defined(__x86_64__)
#define NM "nm", "--target=elf64-x86-64"
#elif defined(__aarch64__)
#define NM "nm", "--target=elf64-littleaarch64"
#else
#define NM "nm"
#endif

#define TOOL_OUTPUT_MAX (8u << 20)

/* Sections a compiled C file may have; anything else is refused. */
static const char *const ordinary_sections[] = {
    "", ".text", ".text.*", ".data", ".data.*", ".bss", ".bss.*", ".rodata",
    ".rodata.*", ".tdata", ".tdata.*", ".tbss", ".tbss.*", ".comment",
    ".note.GNU-stack", ".note.gnu.property", ".eh_frame", ".rela.*", ".rel.*",
    ".symtab", ".strtab", ".shstrtab", ".group", ".debug_*", ".rela.debug_*",
    ".data.rel.ro", ".data.rel.ro.*", ".data.rel.local", ".data.rel.local.*",
    NULL,
};

/* Names the student's file may not define. */
static const char *const reserved_names[] = {
    "main", "_start", "__*", "cr_*", "criterion_*", "rc_*", "_init", "_fini", NULL,
};

static bool matches_any(const char *const *patterns, const char *name)
{
    for (size_t i = 0; patterns[i]; i++)
        if (fnmatch(patterns[i], name, 0) == 0)
            return true;
    return false;
}

/* Adds each space-separated word of `words` to the list `*patterns` of `*n`. */
static void add_words(char ***patterns, size_t *n, const char *words)
{
    char *copy = xstrdup(words), *word, *save = NULL;

    for (word = strtok_r(copy, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
        *patterns = xrealloc(*patterns, (*n + 2) * sizeof **patterns);
        (*patterns)[(*n)++] = xstrdup(word);
        (*patterns)[*n] = NULL;
    }
    free(copy);
}

/*
 * Reads allowed-calls.txt (one pattern a line, # starts a comment) and
 * adds the exercise's own allowance.
 */
static char **load_allowlist(const char *path, const char *also_allowed)
{
    char *text = read_file(path, NULL), *line, *save = NULL;
    char **patterns = NULL;
    size_t n = 0;

    if (!text)
        return NULL;
    add_words(&patterns, &n, also_allowed ? also_allowed : "");
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line[strcspn(line, "# \t\r")] = '\0';
        if (!*line)
            continue;
        patterns = xrealloc(patterns, (n + 2) * sizeof *patterns);
        patterns[n++] = xstrdup(line);
        patterns[n] = NULL;
    }
    free(text);
    if (!patterns)
        patterns = xcalloc(1, sizeof *patterns);
    return patterns;
}

static void free_list(char **list)
{
    for (size_t i = 0; list && list[i]; i++)
        free(list[i]);
    free(list);
}

/* Runs a tool that must succeed; its output, or NULL with *err set. */
static char *tool_output(char *const argv[], const char *dir, unsigned run_as, int *err)
{
    char *output = NULL;
    int code = tool_run(argv, dir, run_as, TOOL_OUTPUT_MAX, &output);

    if (code != 0) {
        *err = code < 0 ? errno : EIO;
        free(output);
        return NULL;
    }
    return output;
}

/* Adds `name` to `list` ("a, b, c") unless it is there already. */
static void add_name(strbuf *list, const char *name)
{
    char *quoted = xasprintf("%s()", name);
    bool seen = list->data && strstr(list->data, quoted);

    if (!seen) {
        if (list->len)
            strbuf_addstr(list, ", ");
        strbuf_addstr(list, quoted);
    }
    free(quoted);
}

/* Symbols: "name type value size" per line (nm -P). */
static char *check_symbols(const char *dir, const char *object, char **allowed, unsigned run_as,
                           int *err)
{
    char *const argv[] = { NM, "-P", "--no-sort", (char *)object, NULL };
    char *output = tool_output(argv, dir, run_as, err), *line, *save = NULL;
    strbuf refused = STRBUF_INIT, reserved = STRBUF_INIT;
    char *message = NULL;

    if (!output)
        return NULL;
    for (line = strtok_r(output, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[512], type;
        char *at;

        if (sscanf(line, "%511s %c", name, &type) != 2)
            continue;
        if ((at = strchr(name, '@')))
            *at = '\0';
        if (type == 'U' && !matches_any((const char *const *)allowed, name))
            add_name(&refused, name);
        else if (type != 'U' && type >= 'A' && type <= 'Z' &&
                 matches_any(reserved_names, name))
            add_name(&reserved, name);
    }
    free(output);
    if (refused.len)
        message = xasprintf("your file calls %s, which the exercises do not allow "
                            "(the grader forbids them so that no submission can tamper "
                            "with the tests). Use only threads, time, memory, string and "
                            "printing functions; see grader/allowed-calls.txt.",
                            refused.data);
    else if (reserved.len)
        message = xasprintf("your file defines %s, a name reserved for the test "
                            "harness or the C library. Rename it, or make it static.",
                            reserved.data);
    strbuf_release(&refused);
    strbuf_release(&reserved);
    return message;
}

/* Sections: "  [ N] name type ..." per line (readelf -SW). */
static char *check_sections(const char *dir, const char *object, unsigned run_as, int *err)
{
    char *const argv[] = { "readelf", "-SW", (char *)object, NULL };
    char *output = tool_output(argv, dir, run_as, err), *line, *save = NULL;
    char *message = NULL;

    if (!output)
        return NULL;
    for (line = strtok_r(output, "\n", &save); line && !message;
         line = strtok_r(NULL, "\n", &save)) {
        char name[256] = "";
        char *open = strchr(line, '['), *close = strchr(line, ']');
        int index;

        if (!open || !close || sscanf(open + 1, "%d", &index) != 1)
            continue;
        if (sscanf(close + 1, "%255s", name) != 1 || !strcmp(name, "NULL"))
            continue;
        if (!matches_any(ordinary_sections, name)) {
            bool startup = strstr(name, "init") || strstr(name, "ctors") ||
                           strstr(name, "fini") || strstr(name, "dtors");

            message = xasprintf("your file has a section \"%s\"%s; the grader only "
                                "links ordinary code and data. Remove "
                                "__attribute__((constructor)), destructors and test "
                                "macros from your file.",
                                name, startup ? " (code that runs before or after main)" : "");
        }
    }
    free(output);
    return message;
}

/* System-call instructions in the disassembly. */
static char *check_instructions(const char *dir, const char *object, unsigned run_as, int *err)
{
    char *const argv[] = { "objdump", "-d", "--no-show-raw-insn", (char *)object, NULL };
    char *output = tool_output(argv, dir, run_as, err), *line, *save = NULL;
    char *message = NULL;

    if (!output)
        return NULL;
    for (line = strtok_r(output, "\n", &save); line && !message;
         line = strtok_r(NULL, "\n", &save)) {
        char *tab = strrchr(line, '\t');
        const char *insn = tab ? tab + 1 : "";

        if (!strncmp(insn, "syscall", 7) || !strncmp(insn, "sysenter", 8) ||
            (!strncmp(insn, "int ", 4) && strstr(insn, "$0x80")))
            message = xstrdup("your file makes a system call directly (inline "
                              "assembly); the exercises only need the C library's "
                              "thread functions. Remove the asm statement.");
    }
    free(output);
    return message;
}

char *inspect_object(const char *dir, const char *object, const char *allowlist_path,
                     const char *also_allowed, unsigned run_as, int *err)
{
    char **allowed = load_allowlist(allowlist_path, also_allowed);
    char *message;

    *err = 0;
    if (!allowed) {
        *err = errno;
        return NULL;
    }
    message = check_symbols(dir, object, allowed, run_as, err);
    if (!message && !*err)
        message = check_sections(dir, object, run_as, err);
    if (!message && !*err)
        message = check_instructions(dir, object, run_as, err);
    free_list(allowed);
    return message;
}

/* Global symbols that `object` defines, as a NULL-terminated list. */
static char **defined_globals(const char *dir, const char *object, unsigned run_as, int *err)
{
    char *const argv[] = { NM, "-P", "--defined-only", "--extern-only", (char *)object, NULL };
    char *output = tool_output(argv, dir, run_as, err), *line, *save = NULL;
    char **names = xcalloc(1, sizeof *names);
    size_t n = 0;

    if (!output) {
        free(names);
        return NULL;
    }
    for (line = strtok_r(output, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[512];

        if (sscanf(line, "%511s", name) != 1)
            continue;
        names = xrealloc(names, (n + 2) * sizeof *names);
        names[n++] = xstrdup(name);
        names[n] = NULL;
    }
    free(output);
    return names;
}

/* The message for a student's file that defines library functions (a list "a(), b()"). */
static char *replaces_message(const char *names)
{
    return xasprintf("your file defines %s, which replaces the library's own "
                     "function of that name for the whole program. Give your "
                     "function another name, or make it static.", names);
}

char *inspect_defines(const char *dir, const char *object, const char *const *names,
                      unsigned run_as, int *err)
{
    char **student;
    strbuf found = STRBUF_INIT;
    char *message = NULL;

    *err = 0;
    student = defined_globals(dir, object, run_as, err);
    if (!student)
        return NULL;
    for (size_t i = 0; student[i]; i++)
        for (size_t k = 0; names[k]; k++)
            if (!strcmp(student[i], names[k]))
                add_name(&found, names[k]);
    if (found.len)
        message = replaces_message(found.data);
    strbuf_release(&found);
    free_list(student);
    return message;
}

char *inspect_binary(const char *dir, const char *binary, const char *object, unsigned run_as,
                     int *err)
{
    char *const argv[] = { NM, "-D", "-P", "--defined-only", (char *)binary, NULL };
    char **student = defined_globals(dir, object, run_as, err);
    char *output, *line, *save = NULL;
    strbuf replaced = STRBUF_INIT;
    char *message = NULL;

    *err = 0;
    if (!student)
        return NULL;
    output = tool_output(argv, dir, run_as, err);
    for (line = output ? strtok_r(output, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        char name[512];
        char *at;

        if (sscanf(line, "%511s", name) != 1)
            continue;
        if ((at = strchr(name, '@')))
            *at = '\0';
        for (size_t i = 0; student[i]; i++)
            if (!strcmp(student[i], name))
                add_name(&replaced, name);
    }
    if (replaced.len)
        message = replaces_message(replaced.data);
    strbuf_release(&replaced);
    free(output);
    free_list(student);
    return message;
}
