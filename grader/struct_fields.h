/*
 * struct_fields.h - the struct layouts of the student's object, to name a
 * raced-on field ("the field \"count\" of the struct bqueue") instead of
 * "the 4 bytes at offset 160 of a heap block of 176 bytes".
 *
 * The layouts come from the object's DWARF as `readelf --debug-dump=info`
 * prints it (the grader runs readelf in the sandbox, `make tsan` on the
 * student's own build): each structure type's name (or the name of a
 * typedef of it), its size, and its members' names and offsets.  A heap
 * block is taken for a struct only when exactly one struct of the
 * student's has the block's size: the allocation site then almost always
 * is `malloc(sizeof *q)`.  Anything unknown or ambiguous gives no name,
 * and the readers keep the offset.
 */
#ifndef RACECOURSE_STRUCT_FIELDS_H
#define RACECOURSE_STRUCT_FIELDS_H

#include <stddef.h>

typedef struct sf_member {
    char *name;
    unsigned long offset;
} sf_member;

typedef struct sf_struct {
    char *name;                 /* NULL until a typedef names it */
    unsigned long die;          /* its DWARF offset, for typedefs */
    unsigned long size;
    sf_member *members;
    size_t n_members;
} sf_struct;

typedef struct struct_layouts {
    sf_struct *structs;
    size_t n_structs;
} struct_layouts;

/*
 * Parses readelf's text into `out` (zeroed first), keeping the structs of
 * the compilation unit whose source has the base name of `unit` (the
 * student's "bounded_queue.c"; NULL: every unit).  Lines it does not know
 * are skipped; a text cut short gives the structs read so far.  Returns
 * 0 or ENOMEM (then `out` is empty).
 */
int struct_layouts_parse(const char *readelf_text, const char *unit, struct_layouts *out);

/*
 * "the field \"count\" of the struct bqueue" (or "a byte inside the field
 * \"items\" ..." when `offset` is not where a field starts) for the byte
 * at `offset` of a heap block of `size` bytes; NULL when no struct, or
 * more than one, has that size, or on ENOMEM.  `layouts` may be NULL.
 * Free the result.
 */
char *struct_layouts_field(const struct_layouts *layouts, unsigned long size,
                           unsigned long offset);

void struct_layouts_free(struct_layouts *layouts);

#endif
