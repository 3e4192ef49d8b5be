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
 * their objects are shared by every exercise (and by every grading).
 *
 * The cache folder is <kit>/build/cache; objects are written to a
 * temporary name and renamed, so concurrent graders never see half an
 * object.  Without a cache folder every source is compiled.
 */
#ifndef RACECOURSE_OBJECT_CACHE_H
#define RACECOURSE_OBJECT_CACHE_H

/*
 * Makes `object` from `source` (both names in `work_dir`) with `gcc
 * flags... -c source -o object`, run as `run_as` (see sandbox.h), or from
 * `cache_dir` (NULL: no cache).  Returns 0; the compiler's exit status
 * (above 0) with its output in *log when it failed; or -1 with errno set
 * when it could not be run.  *log is always set (free it).
 */
int kit_object(const char *cache_dir, const char *work_dir, const char *source,
               const char *object, char *const flags[], unsigned run_as, char **log);

#endif
