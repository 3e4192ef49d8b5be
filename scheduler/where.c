/*
 * where.c - "file:line" of return addresses in the program, by one run of
 * addr2line on /proc/self/exe, at report time (never during a schedule);
 * "function()" where the code has no debug information (libuv_a.a).
 */
#define _GNU_SOURCE
#include "rc_internal.h"

#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define WHERE_CACHE 1024

/*
 * The tables below are mapped at first use, not static: the worker that
 * runs schedules in-process (inprocess.c) copies the program's .data and
 * .bss back before each schedule, and these would be most of it.
 */
static struct {
    uintptr_t ra;
    char text[96];
} *cache;
static int n_cache;

/* A zeroed table of `size` bytes (NULL when there is no memory). */
static void *table(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    return p == MAP_FAILED ? NULL : p;
}

/* dl_iterate_phdr: the first object is the program; its load address. */
static int first_base(struct dl_phdr_info *info, size_t size, void *out)
{
    (void)size;
    *(uintptr_t *)out = info->dlpi_addr;
    return 1;
}

/*
 * The program's path, for addr2line and nm, into buf ("" when unknown).
 * Not /proc/PID/exe: in a PID namespace whose /proc is the parent's
 * (grade explore's sandbox), getpid() names another process there.
 */
static const char *program_path(char *buf, size_t size)
{
    ssize_t len = readlink("/proc/self/exe", buf, size - 1);

    if (len <= 0 || memchr(buf, '\'', (size_t)len))
        len = 0;
    buf[len] = '\0';
    return buf;
}

static const char *cached(uintptr_t ra)
{
    for (int i = 0; i < n_cache; i++)
        if (cache[i].ra == ra)
            return cache[i].text;
    return NULL;
}

/*
 * "file:line", basename, discriminator dropped; without a line (code with
 * no debug information: libuv_a.a), "function()" from the symbol table
 * (`func`, addr2line -f's first line); "?" when neither is known.
 */
static void store(uintptr_t ra, char *line, char *func)
{
    char *slash, *end;
    size_t len;

    if (!cache)
        cache = table(WHERE_CACHE * sizeof(*cache));
    if (!cache || n_cache == WHERE_CACHE)
        return;
    line[strcspn(line, "\n")] = '\0';
    func[strcspn(func, "\n")] = '\0';
    if ((end = strstr(line, " (discriminator")))
        *end = '\0';
    slash = strrchr(line, '/');
    if (slash)
        line = slash + 1;
    len = strlen(line);
    cache[n_cache].ra = ra;
    if (line[0] == '?' || len < 3 || strcmp(line + len - 2, ":?") == 0 ||
        strcmp(line + len - 2, ":0") == 0) {
        if (func[0] && func[0] != '?' && strlen(func) < sizeof(cache[n_cache].text) - 2)
            snprintf(cache[n_cache].text, sizeof(cache[n_cache].text), "%s()", func);
        else
            strcpy(cache[n_cache].text, "?");
    } else {
        snprintf(cache[n_cache].text, sizeof(cache[n_cache].text), "%s", line);
    }
    n_cache++;
}

void rc_where_batch(const uintptr_t *ra, int n)
{
    uintptr_t base = 0, todo[256];
    int n_todo = 0;
    char cmd[256 * 20 + 4224], line[4096], func[512], exe[4096];
    size_t len;
    FILE *out;

    for (int i = 0; i < n && n_todo < 256; i++) {
        bool seen = ra[i] == 0 || cached(ra[i]);

        for (int j = 0; j < n_todo && !seen; j++)
            seen = todo[j] == ra[i];
        if (!seen)
            todo[n_todo++] = ra[i];
    }
    if (n_todo == 0)
        return;
    dl_iterate_phdr(first_base, &base);
    len = (size_t)snprintf(cmd, sizeof(cmd), "addr2line -f -e '%s'", program_path(exe, sizeof(exe)));
    for (int i = 0; i < n_todo; i++)
        len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, " %#lx",
                                (unsigned long)(todo[i] - 1 - base));
    snprintf(cmd + len, sizeof(cmd) - len, " 2>/dev/null");
    out = popen(cmd, "r");
    for (int i = 0; i < n_todo; i++) {
        char unknown[] = "?";

        /* two lines an address: the function, then file:line */
        if (out && fgets(func, sizeof(func), out) && fgets(line, sizeof(line), out))
            store(todo[i], line, func);
        else
            store(todo[i], unknown, unknown);
    }
    if (out)
        pclose(out);
}

/* The program's data symbols (nm -S), loaded at the first rc_symbol(). */
#define SYMBOLS_MAX 8192

static struct {
    uintptr_t start, size;
    char name[48];
} *symbols;
static int n_symbols = -1;

static void load_symbols(void)
{
    uintptr_t base = 0;
    char cmd[4224], line[512], type, name[256], exe[4096];
    unsigned long start, size;
    FILE *out;

    n_symbols = 0;
    if (!(symbols = table(SYMBOLS_MAX * sizeof(*symbols))))
        return;
    dl_iterate_phdr(first_base, &base);
    snprintf(cmd, sizeof(cmd), "nm -S --defined-only '%s' 2>/dev/null",
             program_path(exe, sizeof(exe)));
    if (!(out = popen(cmd, "r")))
        return;
    while (fgets(line, sizeof(line), out) && n_symbols < SYMBOLS_MAX) {
        if (sscanf(line, "%lx %lx %c %255s", &start, &size, &type, name) != 4 ||
            !strchr("bBdD", type))
            continue;
        symbols[n_symbols].start = base + start;
        symbols[n_symbols].size = size;
        snprintf(symbols[n_symbols].name, sizeof(symbols[n_symbols].name), "%.47s", name);
        n_symbols++;
    }
    pclose(out);
}

bool rc_symbol(const void *addr, char *buf, size_t size)
{
    uintptr_t at = (uintptr_t)addr;

    if (n_symbols < 0)
        load_symbols();
    for (int i = 0; i < n_symbols; i++) {
        if (at < symbols[i].start || at >= symbols[i].start + symbols[i].size)
            continue;
        if (at == symbols[i].start)
            snprintf(buf, size, "%s", symbols[i].name);
        else
            snprintf(buf, size, "%s+%lu", symbols[i].name, (unsigned long)(at - symbols[i].start));
        return true;
    }
    return false;
}

const char *rc_where(uintptr_t ra)
{
    const char *text;

    if (ra == 0)
        return "?";
    if (!(text = cached(ra))) {
        rc_where_batch(&ra, 1);
        text = cached(ra);
    }
    return text ? text : "?";
}
