/* struct_fields.c - see struct_fields.h. */
#define _GNU_SOURCE
#include "struct_fields.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One DIE header line: " <1><70>: Abbrev Number: 13 (DW_TAG_structure_type)". */
static bool die_header(const char *line, int *depth, unsigned long *die, const char **tag)
{
    char *end;
    long d;
    unsigned long offset;

    line += strspn(line, " ");
    if (line[0] != '<')
        return false;
    d = strtol(line + 1, &end, 10);
    if (end == line + 1 || strncmp(end, "><", 2) != 0)
        return false;
    offset = strtoul(end + 2, &end, 16);
    if (*end != '>' || end[1] != ':')
        return false;
    *depth = (int)d;
    *die = offset;
    *tag = strstr(end, "(DW_TAG_");
    *tag = *tag ? *tag + 1 : "";
    return true;
}

/* The value of attribute line `line` when it is `attr`, or NULL. */
static const char *attribute(const char *line, const char *attr)
{
    const char *at = strstr(line, attr), *value;

    if (!at || (at[strlen(attr)] != ' ' && at[strlen(attr)] != ':'))
        return NULL;
    value = strchr(at, ':');
    if (!value)
        return NULL;
    value += 1 + strspn(value + 1, " \t");
    if (strncmp(value, "(indirect", 9) == 0 || strncmp(value, "(strp)", 6) == 0) {
        const char *close = strstr(value, "): ");
        return close ? close + 3 : NULL;
    }
    return value;
}

static char *copy_line_value(const char *value)
{
    return strdup(value);
}

static int add_struct(struct_layouts *l, unsigned long die)
{
    sf_struct *grown = realloc(l->structs, (l->n_structs + 1) * sizeof *grown);

    if (!grown)
        return ENOMEM;
    l->structs = grown;
    memset(&l->structs[l->n_structs], 0, sizeof *grown);
    l->structs[l->n_structs++].die = die;
    return 0;
}

static int add_member(sf_struct *s)
{
    sf_member *grown = realloc(s->members, (s->n_members + 1) * sizeof *grown);

    if (!grown)
        return ENOMEM;
    s->members = grown;
    memset(&s->members[s->n_members++], 0, sizeof *grown);
    return 0;
}

/* A typedef's name and the DIE it names; resolved once all structs are read
 * (a typedef often comes before its struct). */
typedef struct sf_typedef {
    char *name;
    unsigned long die;
} sf_typedef;

static int add_typedef(sf_typedef **list, size_t *n, const char *name, unsigned long die)
{
    sf_typedef *grown = realloc(*list, (*n + 1) * sizeof *grown);

    if (!grown)
        return ENOMEM;
    *list = grown;
    grown[*n].die = die;
    if (!(grown[*n].name = strdup(name)))
        return ENOMEM;
    (*n)++;
    return 0;
}

/* Names the unnamed structs after the typedefs of them. */
static int name_by_typedefs(struct_layouts *l, const sf_typedef *list, size_t n)
{
    for (size_t i = 0; i < l->n_structs; i++)
        for (size_t j = 0; j < n && !l->structs[i].name; j++)
            if (list[j].die == l->structs[i].die &&
                !(l->structs[i].name = strdup(list[j].name)))
                return ENOMEM;
    return 0;
}

int struct_layouts_parse(const char *text, const char *unit, struct_layouts *out)
{
    int depth = 0, struct_depth = -1, err = 0;
    bool in_member = false, in_typedef = false, in_cu_header = false, in_unit = !unit;
    char *typedef_name = NULL;
    sf_typedef *typedefs = NULL;
    size_t n_typedefs = 0;
    const char *tag = "";
    unsigned long die = 0;

    memset(out, 0, sizeof *out);
    for (const char *next = text; next && *next && !err;) {
        sf_struct *s = struct_depth >= 0 ? &out->structs[out->n_structs - 1] : NULL;
        size_t len = strcspn(next, "\n");
        char line[512];
        const char *v;

        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1),
                 next);
        next += len + (next[len] == '\n');

        if (die_header(line, &depth, &die, &tag)) {
            in_member = in_typedef = in_cu_header = false;
            if (struct_depth >= 0 && depth <= struct_depth)
                struct_depth = -1;
            if (strncmp(tag, "DW_TAG_compile_unit", 19) == 0) {
                in_cu_header = true;
                in_unit = !unit;
            } else if (!in_unit) {
                continue;
            } else if (strncmp(tag, "DW_TAG_structure_type", 21) == 0) {
                err = add_struct(out, die);
                struct_depth = depth;
            } else if (struct_depth >= 0 && depth == struct_depth + 1 &&
                       strncmp(tag, "DW_TAG_member", 13) == 0) {
                err = add_member(s);
                in_member = true;
            } else if (strncmp(tag, "DW_TAG_typedef", 14) == 0) {
                in_typedef = true;
                free(typedef_name);
                typedef_name = NULL;
            }
            continue;
        }
        if (in_cu_header && unit && (v = attribute(line, "DW_AT_name"))) {
            in_unit = strcmp(base_name(v), base_name(unit)) == 0;
        } else if (!in_unit) {
            continue;
        } else if (in_typedef && (v = attribute(line, "DW_AT_name"))) {
            free(typedef_name);
            if (!(typedef_name = copy_line_value(v)))
                err = ENOMEM;
        } else if (in_typedef && typedef_name && (v = attribute(line, "DW_AT_type"))) {
            const char *hex = strstr(v, "<0x");
            if (hex)
                err = add_typedef(&typedefs, &n_typedefs, typedef_name,
                                  strtoul(hex + 1, NULL, 16));
        } else if (s && in_member && (v = attribute(line, "DW_AT_name"))) {
            if (!(s->members[s->n_members - 1].name = copy_line_value(v)))
                err = ENOMEM;
        } else if (s && in_member && (v = attribute(line, "DW_AT_data_member_location"))) {
            s->members[s->n_members - 1].offset = strtoul(v, NULL, 10);
        } else if (s && !in_member && depth == struct_depth) {
            if ((v = attribute(line, "DW_AT_name")) && !s->name) {
                if (!(s->name = copy_line_value(v)))
                    err = ENOMEM;
            } else if ((v = attribute(line, "DW_AT_byte_size"))) {
                s->size = strtoul(v, NULL, 10);
            }
        }
    }
    if (!err)
        err = name_by_typedefs(out, typedefs, n_typedefs);
    for (size_t i = 0; i < n_typedefs; i++)
        free(typedefs[i].name);
    free(typedefs);
    free(typedef_name);
    if (err)
        struct_layouts_free(out);
    return err;
}

/* Whether `a` and `b` are the same struct (one header seen by two files). */
static bool same_struct(const sf_struct *a, const sf_struct *b)
{
    if (!a->name || !b->name || strcmp(a->name, b->name) || a->n_members != b->n_members)
        return false;
    for (size_t i = 0; i < a->n_members; i++)
        if (a->members[i].offset != b->members[i].offset ||
            !a->members[i].name != !b->members[i].name ||
            (a->members[i].name && strcmp(a->members[i].name, b->members[i].name)))
            return false;
    return true;
}

char *struct_layouts_field(const struct_layouts *l, unsigned long size, unsigned long offset)
{
    const sf_struct *found = NULL;
    const sf_member *member = NULL;
    char *text;

    if (!l || !size)
        return NULL;
    for (size_t i = 0; i < l->n_structs; i++) {
        const sf_struct *s = &l->structs[i];

        if (s->size != size || !s->n_members)
            continue;
        if (found && !same_struct(found, s))
            return NULL;            /* two structs of that size: which one? */
        found = s;
    }
    if (!found || !found->name || offset >= size)
        return NULL;
    for (size_t i = 0; i < found->n_members; i++)
        if (found->members[i].offset <= offset && found->members[i].name &&
            (!member || found->members[i].offset >= member->offset))
            member = &found->members[i];
    if (!member)
        return NULL;
    if (asprintf(&text, "%sthe field \"%s\" of the struct %s",
                 member->offset == offset ? "" : "a byte inside ", member->name,
                 found->name) < 0)
        return NULL;
    return text;
}

void struct_layouts_free(struct_layouts *l)
{
    for (size_t i = 0; l && i < l->n_structs; i++) {
        for (size_t j = 0; j < l->structs[i].n_members; j++)
            free(l->structs[i].members[j].name);
        free(l->structs[i].members);
        free(l->structs[i].name);
    }
    if (l) {
        free(l->structs);
        l->structs = NULL;
        l->n_structs = 0;
    }
}
