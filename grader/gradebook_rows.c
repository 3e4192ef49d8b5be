/*
 * gradebook_rows.c - the statuses' names and the helpers that read a
 * report and write a CSV field; see gradebook.h and gradebook_rows.h.
 *
 * A CSV field follows RFC 4180: in double quotes (quotes doubled) when it
 * holds a comma, a quote, a line break or space at either end.  Text is
 * made valid UTF-8 first.
 */
#include "gradebook_rows.h"
#include "utf8.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {
    [GB_S_ERROR] = "error", [GB_S_TIMED_OUT] = "timed out",
    [GB_S_BUILD_FAILED] = "build failed", [GB_S_MISSING] = "missing",
    [GB_S_NOT_ATTEMPTED] = "not attempted", [GB_S_OK] = "ok",
    [GB_S_NOT_GRADED] = "not graded",
};

const char *gb_status_name(enum gb_status status)
{
    return status_names[status];
}

enum gb_status gb_status_from_name(const char *word)
{
    size_t s = 0;

    while (word && s < GB_N_STATUSES && strcmp(word, status_names[s]) != 0)
        s++;
    return word ? (enum gb_status)s : GB_N_STATUSES;
}

const cJSON *gb_member(const cJSON *object, const char *key)
{
    return cJSON_IsObject(object) ? cJSON_GetObjectItemCaseSensitive(object, key) : NULL;
}

const char *gb_string(const cJSON *object, const char *key)
{
    const cJSON *item = gb_member(object, key);

    return cJSON_IsString(item) ? item->valuestring : NULL;
}

int gb_int(const cJSON *object, const char *key)
{
    const cJSON *item = gb_member(object, key);

    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) ||
        fabs(item->valuedouble) > INT32_MAX)
        return 0;
    return (int)lround(item->valuedouble);
}

void gb_csv_field(strbuf *sb, const char *text)
{
    char *clean = utf8_clean(text, SIZE_MAX);
    size_t len = strlen(clean);
    bool quote = strpbrk(clean, ",\"\r\n") || (len && (clean[0] == ' ' || clean[len - 1] == ' '));

    if (!quote) {
        strbuf_add(sb, clean, len);
    } else {
        strbuf_addstr(sb, "\"");
        for (const char *p = clean; *p; p++)
            strbuf_add(sb, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
        strbuf_addstr(sb, "\"");
    }
    free(clean);
}

int gb_row_by_id(const void *a, const void *b)
{
    return strcmp(((const gb_row *)a)->id, ((const gb_row *)b)->id);
}

const gb_row *gb_find_row(const gb_row *rows, size_t n, const char *id)
{
    gb_row key = { .id = id };

    return bsearch(&key, rows, n, sizeof *rows, gb_row_by_id);
}
