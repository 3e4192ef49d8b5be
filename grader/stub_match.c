/* stub_match.c - is a file the untouched stub?  See stub_match.h. */
#include "stub_match.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

char *stub_match_normalize(const char *s, size_t len)
{
    strbuf sb = STRBUF_INIT;
    size_t i = 0;

    while (i < len) {
        if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
            const char *end = i + 2 < len ? strstr(s + i + 2, "*/") : NULL;

            i = end && (size_t)(end - s) < len ? (size_t)(end - s) + 2 : len;
        } else if (s[i] == '/' && i + 1 < len && s[i + 1] == '/') {
            while (i < len && s[i] != '\n')
                i++;
        } else if (s[i] == '"' || s[i] == '\'') {
            char quote = s[i];
            size_t start = i++;

            while (i < len && s[i] != quote && s[i] != '\n')
                i += s[i] == '\\' && i + 1 < len ? 2 : 1;
            i = i < len ? i + 1 : len;
            strbuf_add(&sb, s + start, i - start);
        } else if (isspace((unsigned char)s[i])) {
            i++;
        } else {
            strbuf_add(&sb, s + i++, 1);
        }
    }
    return strbuf_detach(&sb);
}

bool stub_match_untouched(const char *student, const char *stub)
{
    size_t student_len, stub_len;
    char *a = read_file(student, &student_len), *b = read_file(stub, &stub_len);
    char *na, *nb;
    bool same = false;

    if (a && b) {
        na = stub_match_normalize(a, student_len);
        nb = stub_match_normalize(b, stub_len);
        same = !strcmp(na, nb);
        free(na);
        free(nb);
    }
    free(a);
    free(b);
    return same;
}
