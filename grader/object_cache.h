/*
 * object_cache.h - compiling the kit's own sources once.
 *
 * Every grading of an exercise links the same test file, harness and race
 * driver; only the student's object differs.  kit_object() compiles one
 * kit source of the work directory into an object beside it, or copies
 * the object from the cache folder when an earlier compile had exactly
 * the same inputs: the compiler's arguments, the source and every file
 * it includes from the work directory or a -I folder, followed through
 * (include_deps.h).  The cached object's name is a hash of them.  The
 * harness and the scheduler never include an exercise's own headers, so
 * their objects are shared by every exercise (and by every grading);
 * `grade explore` takes the scheduler's from the same cache.
 *
 * The cache folder is <kit>/build/cache; objects are written to a
 * temporary name and renamed, so concurrent graders never see half an
 * object.  One grader at a time compiles a given object (a lock per
 * key): graders that start together on a cold cache (grade --jobs 2)
 * share the compiles instead of each doing all of them.  Without a cache
 * folder every source is compiled.
 */
#ifndef RACECOURSE_OBJECT_CACHE_H
#define RACECOURSE_OBJECT_CACHE_H

#include <stdbool.h>

/*
 * Makes `object` from `source` (both names in `work_dir`) with `gcc
 * flags... -c source -o object`, run as `run_as` (see sandbox.h), or from
 * `cache_dir` (NULL: no cache).  Returns 0; the compiler's exit status
 * (above 0) with its output in *log when it failed; or -1 with errno set
 * when it could not be run.  *log is always set (free it).
 */
int kit_object(const char *cache_dir, const char *work_dir, const char *source,
               const char *object, char *const flags[], unsigned run_as, char **log);

/*
 * The kit's cache folder, <kit_dir>/build/cache, made if need be (free
 * it); NULL when it cannot be made or written (then compile everything).
 */
char *object_cache_dir(const char *kit_dir);

/* kit_object_try()'s answer when another grader is compiling that object. */
#define KIT_OBJECT_BUSY (-2)

/*
 * kit_object(), which waits while another grader compiles the same
 * object and then takes it from the cache; with `wait` false it returns
 * KIT_OBJECT_BUSY at once instead (*log set, empty), so that the caller
 * can compile its other objects first and call kit_object() for this one
 * last.
 */
int kit_object_try(const char *cache_dir, const char *work_dir, const char *source,
                   const char *object, char *const flags[], unsigned run_as, bool wait,
                   char **log);

#endif
