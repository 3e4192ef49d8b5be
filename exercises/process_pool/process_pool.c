/*
 * process_pool.c - your pool of worker processes.
 *
 * Read README.md and process_pool.h first: the header says exactly what
 * each function must do and return.  Every function below is a stub that
 * answers "not done yet" (ENOSYS), so this file compiles and the grader
 * gives 0 points until you fill it in.
 *
 * Check your work with:   make check EX=process_pool
 */
#include "process_pool.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * TODO: decide what the pool holds.  You will need at least:
 *   - fn and the number of workers;
 *   - per worker: its pid, the parent's end of each pipe, and the index of
 *     the item it runs now (or none);
 *   - a pointer to the shared memory (mmap, MAP_SHARED | MAP_ANONYMOUS)
 *     that holds the counter and its PTHREAD_PROCESS_SHARED mutex.
 */
struct pool {
    unsigned workers;   /* TODO: replace with your own fields */
};

pool *pool_create(unsigned workers, pool_fn fn)
{
    /*
     * TODO: EINVAL for 0 or more than 64 workers or a NULL fn; map the
     * shared counter and init its mutex (process-shared); fork each
     * worker with its own pipes.  A worker closes the parent's ends (and
     * those of the workers forked before it), loops on read item ->
     * fn -> lock, count, unlock -> write result, and _exit()s at end of
     * file.  On any failure undo everything done so far.
     */
    (void)workers;
    (void)fn;
    errno = ENOSYS;
    return NULL;
}

int pool_map(pool *p, const long *in, size_t n, long *out, int *status)
{
    /*
     * TODO: n == 0 -> 0; NULL pointers -> EINVAL.  Give item 0, 1, ... to
     * each free worker; then poll every worker's result pipe at once;
     * store each result at its item's index and give that worker the
     * next item.  End of file on a pipe: the worker died; waitpid it,
     * set the item's status (signal number, or -1), start a new worker.
     * Read and write whole messages (loop), and retry after EINTR.
     */
    (void)p;
    (void)in;
    (void)n;
    (void)out;
    (void)status;
    return ENOSYS;
}

long pool_done(pool *p)
{
    /* TODO: -1 for NULL; else read the shared counter under its mutex. */
    (void)p;
    return -1;
}

void pool_destroy(pool *p)
{
    /*
     * TODO: close the pipes to the workers (they see end of file), wait
     * for each one (waitpid), close the rest, destroy the mutex, munmap
     * the shared memory, free the pool.  NULL: nothing.
     */
    (void)p;
}
