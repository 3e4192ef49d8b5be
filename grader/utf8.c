/* utf8.c - see utf8.h. */
#include "utf8.h"
#include "util.h"

size_t utf8_char(const char *s, unsigned *code)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned c, min;
    size_t len;

    if (u[0] < 0x80) {
        *code = u[0];
        return u[0] ? 1 : 0;
    }
    if (u[0] >= 0xC2 && u[0] <= 0xDF)
        len = 2, c = u[0] & 0x1Fu, min = 0x80;
    else if (u[0] >= 0xE0 && u[0] <= 0xEF)
        len = 3, c = u[0] & 0x0Fu, min = 0x800;
    else if (u[0] >= 0xF0 && u[0] <= 0xF4)
        len = 4, c = u[0] & 0x07u, min = 0x10000;
    else
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80)      /* also stops at a NUL */
            return 0;
        c = c << 6 | (u[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *code = c;
    return len;
}

char *utf8_clean(const char *text, size_t max_bytes)
{
    static const char replacement[] = "\xEF\xBF\xBD", cut[] = "\n[... cut]";
    strbuf sb = STRBUF_INIT;
    unsigned code;

    for (const char *p = text ? text : ""; *p;) {
        size_t len = utf8_char(p, &code);
        const char *bytes = len ? p : replacement;
        size_t n = len ? len : sizeof replacement - 1;

        if (sb.len + n > max_bytes) {
            strbuf_addstr(&sb, cut);
            break;
        }
        strbuf_add(&sb, bytes, n);
        p += len ? len : 1;
    }
    return strbuf_detach(&sb);
}
