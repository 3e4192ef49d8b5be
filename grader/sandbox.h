/*
 * sandbox.h - running untrusted code under limits, leaving nothing behind.
 *
 * Theory of operation.  sandbox_run() forks a keeper process, which starts
 * a new session (so the run has a process group of its own) and, where the
 * system allows it, a new PID namespace with its own /tmp and /dev/shm.
 * The keeper forks a reaper, the namespace's first process, which forks
 * the target; the target sets resource limits, drops root privileges (to
 * the user claimed with sandbox_claim_user, or nobody) when the grader
 * runs as root, and executes the program.  When the target ends, the
 * reaper ends, and the kernel kills every process left in the namespace,
 * setsid() escapees included; the keeper's death takes both with it.
 * Where namespaces are refused (some CI runners), the run falls back to
 * its process group alone, and sandbox_containment() says so.
 *
 * In its own mount namespace a run does not see the system's CA
 * certificates (an empty /etc/ssl/certs): Criterion's libgit2 decodes them
 * all at every test process's start, and no run needs them.
 *
 * In its own mount namespace a run may also get a read-only view of a
 * folder (sandbox_job.sealed_dir: the exercise's programs and kit files)
 * with only its working directory inside writable: even code running as
 * the grader's own user cannot change what the grader runs next.
 *
 * The grader holds the hard wall-clock limit: at the deadline it sends
 * SIGTERM to the group, waits a short grace period, then SIGKILL.  Output
 * (stdout and stderr together) is captured through a pipe and capped: the
 * head and the tail are kept, the middle is dropped.
 *
 * Two kinds of failure are kept apart, as in DOMjudge's runguard: a fault
 * of the sandbox (it could not fork, the program could not be executed)
 * is sandbox_run()'s return value; anything the program does is in the
 * sandbox_result.
 *
 * sandbox_run() may be called from several threads at once.
 */
#ifndef RACECOURSE_SANDBOX_H
#define RACECOURSE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/* The user and group "nobody": runs are theirs when no user was claimed (run_as 0). */
#define SANDBOX_NOBODY 65534

typedef struct sandbox_limits {
    double wall_s;              /* hard wall-clock limit of the whole run */
    double cpu_s;               /* RLIMIT_CPU of each process */
    size_t memory_mb;           /* RLIMIT_AS of each process, 0 = none */
    size_t processes;           /* RLIMIT_NPROC (threads count too) */
    size_t file_mb;             /* RLIMIT_FSIZE */
    size_t open_files;          /* RLIMIT_NOFILE */
    size_t output_bytes;        /* output kept: half head, half tail */
} sandbox_limits;

/* Limits for student code; callers adjust wall_s and cpu_s. */
extern const sandbox_limits SANDBOX_DEFAULT_LIMITS;

typedef struct sandbox_job {
    char *const *argv;          /* argv[0] is a path, not looked up in PATH */
    char *const *envp;          /* the whole environment of the program */
    const char *workdir;        /* its working directory */
    int report_fd;              /* given to the program as fd 3, or -1 */
    unsigned run_as;            /* user and group when the grader is root
                                   (from sandbox_claim_user); 0: nobody */
    const char *sealed_dir;     /* when the run has a mount namespace of its
                                   own, sealed_dir is read-only in it except
                                   for workdir, which lies inside (NULL: no
                                   such folder); see grader/seal.h */
    const char *cover_dir;      /* when the run has a mount namespace of its */
    const char *cover_with;     /* own, cover_with is bound read-only over
                                   cover_dir (NULL: nothing is); a failure
                                   leaves cover_dir as it is */
    bool one_cpu;               /* the run stays on the CPU it starts on
                                   (where the system lets it choose) */
    sandbox_limits limits;
} sandbox_job;

typedef struct sandbox_result {
    bool exited;                /* ended by exit(): exit_code is valid */
    int exit_code;
    int signal;                 /* the signal that ended it, 0 if none */
    bool timed_out;             /* killed at the wall-clock limit */
    double wall_s;
    char *output;               /* captured output, NUL-terminated */
    size_t output_total;        /* bytes it wrote, kept or not */
} sandbox_result;

/*
 * Probes what containment this system allows; called once before any
 * sandbox_run() (later calls do nothing).  Never fails: the weakest mode
 * is a process group.
 */
void sandbox_init(void);

/*
 * One line describing the containment in use, e.g. "own PID namespace
 * and process group, as an unprivileged user of its own".
 */
const char *sandbox_containment(void);

/*
 * A user id of its own for the runs of one exercise, when the grader is
 * root: the process limit counts tasks per user, so runs that share a
 * user could starve each other (a thread bomb in one exercise would make
 * another's pthread_create fail).  Ids are 200000 and up, in a block
 * chosen by the grader's PID, with no account behind them.  Returns 0
 * (meaning nobody) when the grader is not root or every id is in use.
 */
unsigned sandbox_claim_user(void);

/* Gives back an id from sandbox_claim_user(); 0 is ignored. */
void sandbox_release_user(unsigned uid);

/*
 * Runs `job` to completion or to its wall-clock limit and fills `result`
 * (free result->output with free()).  Returns 0; or an errno value when
 * the sandbox itself failed: EAGAIN/ENOMEM (cannot fork or pipe), or the
 * errno of a failed exec (ENOENT: no such program) or setup step.
 */
int sandbox_run(const sandbox_job *job, sandbox_result *result);

/* A signal's name for people: "SIGSEGV (segmentation fault)". */
const char *signal_description(int signal);

#endif
