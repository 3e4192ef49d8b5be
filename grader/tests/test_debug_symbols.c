/*
 * test_debug_symbols.c - the symbols-only copy of the system's debug
 * information (grader/debug_symbols.c): no DWARF left; glibc's file keeps
 * every global symbol and the local ones a suppression names, and drops
 * most other locals; the copy is made once, and again when a suppression
 * file changes.
 */
#define _GNU_SOURCE
#include "check.h"
#include "debug_symbols.h"
#include "util.h"

#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <unistd.h>

/* What readelf says of one debug file's function symbols. */
typedef struct symbols {
    int global;                 /* global and weak functions */
    int local;                  /* local functions */
    bool debug_info;            /* a .debug_info section */
    char *text;                 /* readelf's listing */
} symbols;

/* `command`'s output (free it), or NULL. */
static char *output_of(const char *command)
{
    FILE *p = popen(command, "r");
    strbuf out = STRBUF_INIT;
    char chunk[4096];
    size_t got;

    if (!p)
        return NULL;
    while ((got = fread(chunk, 1, sizeof chunk, p)) > 0)
        strbuf_add(&out, chunk, got);
    pclose(p);
    return out.data ? out.data : xstrdup("");
}

static symbols read_symbols(const char *file)
{
    char *command = xasprintf("readelf -SsW '%s' 2>/dev/null", file);
    symbols s = { .text = output_of(command) };
    char *line, *save = NULL, *copy = xstrdup(s.text ? s.text : "");

    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char type[16], bind[16];

        if (strstr(line, " .debug_info "))
            s.debug_info = true;
        if (sscanf(line, "%*s %*s %*s %15s %15s", type, bind) != 2 ||
            (strcmp(type, "FUNC") != 0 && strcmp(type, "IFUNC") != 0))
            continue;
        if (!strcmp(bind, "LOCAL"))
            s.local++;
        else
            s.global++;
    }
    free(copy);
    free(command);
    return s;
}

/* Whether readelf's listing has a symbol named exactly `name`. */
static bool has_symbol(const symbols *s, const char *name)
{
    char *needle = xasprintf(" %s\n", name);
    bool found = s->text && strstr(s->text, needle);

    free(needle);
    return found;
}

static int find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    if (info->dlpi_name && ends_with(info->dlpi_name, "/libc.so.6")) {
        *(char **)data = xstrdup(info->dlpi_name);
        return 1;
    }
    return 0;
}

/* glibc's debug file under SYSTEM_DEBUG_DIR, "xx/<rest>.debug", from its build ID. */
static char *libc_debug_name(void)
{
    char *libc = NULL, *command, *notes, *id;

    dl_iterate_phdr(find_libc, &libc);
    if (!libc)
        return NULL;
    command = xasprintf("readelf -n '%s'", libc);
    notes = output_of(command);
    id = notes ? strstr(notes, "Build ID: ") : NULL;
    free(command);
    free(libc);
    if (!id || strlen(id + 10) < 4) {
        free(notes);
        return NULL;
    }
    id += 10;
    id[strcspn(id, " \n")] = '\0';
    command = xasprintf("%.2s/%s.debug", id, id + 2);
    free(notes);
    return command;
}

static void write_suppressions(const char *path, const char *function)
{
    char *text = xasprintf("{\n   kept-by-name\n   Helgrind:Race\n   fun:%s\n}\n", function);

    CHECK_INT(write_file(path, text, strlen(text), 0644), 0);
    free(text);
}

int main(void)
{
    char cache[] = "/var/tmp/test_debug_symbols.XXXXXX";
    char *name = libc_debug_name(), *supp, *dir, *again, *changed, *original, *copied;
    symbols before, after;

    if (!name || !is_dir(SYSTEM_DEBUG_DIR)) {
        printf("test_debug_symbols: no separate debug information for glibc here "
               "(libc6-dbg, a dependency of valgrind on Debian)\n");
        CHECK(false, "glibc's debug file not found under %s", SYSTEM_DEBUG_DIR);
        return check_finish();
    }
    CHECK(mkdtemp(cache) != NULL, "mkdtemp: %s", strerror(errno));
    supp = xasprintf("%s/test.supp", cache);
    /* A local function of glibc that only this file names. */
    write_suppressions(supp, "__libc_start_call_main");

    dir = debug_symbols_dir(cache, supp);
    CHECK(dir != NULL, "no copy made in %s", cache);
    original = xasprintf("%s/%s", SYSTEM_DEBUG_DIR, name);
    copied = xasprintf("%s/%s", dir ? dir : "", name);
    before = read_symbols(original);
    after = read_symbols(copied);
    CHECK(before.global > 1000 && before.local > 1000,
          "glibc's debug file has %d global and %d local functions", before.global,
          before.local);
    CHECK_INT(after.global, before.global);
    CHECK(after.local > 0 && after.local < before.local / 2,
          "the copy keeps %d of %d local functions", after.local, before.local);
    CHECK(!after.debug_info, "the copy of %s still has DWARF", name);
    CHECK(has_symbol(&before, "__libc_start_call_main") &&
          has_symbol(&after, "__libc_start_call_main"),
          "a local named by the kit's suppressions was dropped");
    CHECK(has_symbol(&after, "start_thread"),
          "a local named by Valgrind's default suppressions was dropped");

    again = debug_symbols_dir(cache, supp);
    CHECK(again && dir && !strcmp(again, dir), "a second call made another copy: %s, %s",
          again ? again : "(null)", dir ? dir : "(null)");
    sleep(1);                   /* a new change time, even on a coarse clock */
    write_suppressions(supp, "__libc_start_call_main");
    changed = debug_symbols_dir(cache, supp);
    CHECK(changed && dir && strcmp(changed, dir) != 0,
          "a changed suppression file kept the copy %s", dir ? dir : "(null)");

    remove_tree(cache);
    free(before.text);
    free(after.text);
    free(original);
    free(copied);
    free(dir);
    free(again);
    free(changed);
    free(supp);
    free(name);
    return check_finish();
}
