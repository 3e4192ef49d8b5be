/* sandbox.c - see sandbox.h for the theory of operation. */
#define _GNU_SOURCE
#include "sandbox.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TERM_GRACE_S 0.25       /* between SIGTERM and SIGKILL */
#define DRAIN_S 1.0             /* reading what is left after the end */
#define KEEPER_STATUS_FD 4      /* the keeper's report to the grader */

const sandbox_limits SANDBOX_DEFAULT_LIMITS = {
    .wall_s = 60,
    .cpu_s = 60,
    .memory_mb = 2048,
    .processes = 1024,
    .file_mb = 16,
    .open_files = 256,
    .output_bytes = 64 * 1024,
};

enum mode { MODE_PIDNS, MODE_USERNS, MODE_PGROUP };

/* What the keeper tells the grader through its status pipe. */
enum note_kind { NOTE_WAIT_STATUS, NOTE_SETUP_ERROR };
struct note {
    int kind;
    int value;                  /* a wait status, or an errno */
};

static enum mode mode = MODE_PGROUP;
static bool as_root;
static size_t user_tasks;       /* tasks this user already runs (non-root) */
static char uid_map[64], gid_map[64];
static char containment[160] = "process group";
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

#define RUN_USER_BASE 200000u
#define RUN_USER_SLOTS 64
static pthread_mutex_t users_lock = PTHREAD_MUTEX_INITIALIZER;
static bool user_taken[RUN_USER_SLOTS];

/* ---- in the forked children: async-signal-safe calls only ---- */

static void note(int kind, int value)
{
    struct note n = { kind, value };
    ssize_t put;

    do
        put = write(KEEPER_STATUS_FD, &n, sizeof n);
    while (put < 0 && errno == EINTR);
}

static int write_proc_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t put;

    if (fd < 0)
        return errno;
    put = write(fd, text, strlen(text));
    close(fd);
    return put < 0 ? errno : 0;
}

/* mkdir -p for `path` (absolute), without allocating. */
static int make_path(const char *path)
{
    char partial[PATH_MAX];
    size_t len = strlen(path);

    if (len >= sizeof partial)
        return ENAMETOOLONG;
    memcpy(partial, path, len + 1);
    for (char *slash = partial + 1; ; slash++) {
        if (*slash != '/' && *slash != '\0')
            continue;
        char kept = *slash;

        *slash = '\0';
        if (mkdir(partial, 0755) != 0 && errno != EEXIST)
            return errno;
        *slash = kept;
        if (!kept)
            return 0;
    }
}

/* Binds the folder open as `fd` at `path` (made if need be); read-only if asked. */
static int bind_back(int fd, const char *path, bool read_only)
{
    char fd_path[64];
    int err;

    snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", fd);
    if ((err = make_path(path)) != 0)
        return err;
    if (mount(fd_path, path, NULL, MS_BIND, NULL) != 0)
        return errno;
    if (read_only &&
        mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
              NULL) != 0)
        return errno;
    return 0;
}

/* Whether `path` lies in one of the folders that private_tmp() replaces. */
static bool in_private_folder(const char *path, const char *const *folders, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(folders[i]);

        if (strncmp(path, folders[i], len) == 0 && path[len] == '/')
            return true;
    }
    return false;
}

/*
 * Gives the run its own empty /tmp and /dev/shm.  Criterion names its
 * socket and shared memory after the runner's PID, which is 1 in every
 * PID namespace: shared folders would make concurrent runs collide.
 * The work directory, when it lies under /tmp, is bound back in place.
 * A sealed folder (sandbox_job.sealed_dir) is bound back read-only
 * wherever it is, and the work directory inside it writable on top.
 */
static int private_tmp(const char *workdir, const char *sealed)
{
    static const char *const folders[] = { "/tmp", "/dev/shm" };
    const size_t n_folders = sizeof folders / sizeof *folders;
    int work = open(workdir, O_PATH | O_DIRECTORY | O_CLOEXEC), err = 0;
    int seal = sealed ? open(sealed, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;

    if (work < 0 || (sealed && seal < 0))
        err = errno;
    if (!err && mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        err = errno;
    for (size_t i = 0; !err && i < n_folders; i++)
        if (mount("tmpfs", folders[i], "tmpfs", MS_NOSUID | MS_NODEV,
                  "size=256m,mode=1777") != 0)
            err = errno;
    if (!err && sealed)
        err = bind_back(seal, sealed, true);
    if (!err && (sealed || in_private_folder(workdir, folders, n_folders)))
        err = bind_back(work, workdir, false);
    if (work >= 0)
        close(work);
    if (seal >= 0)
        close(seal);
    return err;
}

/*
 * Hides the system's CA certificates from the runs.  Criterion links
 * libgit2, which reads and decodes the whole bundle
 * (/etc/ssl/certs/ca-certificates.crt, 220 kB here) for its TLS each time
 * a test process starts, that is once per test: half the CPU time of a
 * test's start, for TLS that no run uses.  An empty read-only tmpfs takes
 * the folder's place.  A failure (no such folder) costs only that time.
 */
static void hide_certificates(void)
{
    mount("tmpfs", "/etc/ssl/certs", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
          "size=4k,mode=755");
}

/*
 * Binds the folder open as `with` read-only over `dir`
 * (sandbox_job.cover_dir).  A failure leaves `dir` as it is: the callers'
 * runs give the same verdict either way.
 */
static void cover(const char *dir, int with)
{
    char with_path[64];

    if (!dir || with < 0)
        return;
    snprintf(with_path, sizeof with_path, "/proc/self/fd/%d", with);
    if (mount(with_path, dir, NULL, MS_BIND, NULL) == 0 &&
        mount(NULL, dir, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
        umount2(dir, MNT_DETACH);
}

/* Joins the namespaces of `m` (none for MODE_PGROUP); 0 or an errno. */
static int unshare_mode(enum mode m)
{
    int err;

    if (m == MODE_PIDNS && unshare(CLONE_NEWPID | CLONE_NEWNS) != 0)
        return errno;
    if (m == MODE_USERNS) {
        if (unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS) != 0)
            return errno;
        if ((err = write_proc_file("/proc/self/setgroups", "deny")) != 0 ||
            (err = write_proc_file("/proc/self/uid_map", uid_map)) != 0 ||
            (err = write_proc_file("/proc/self/gid_map", gid_map)) != 0)
            return err;
    }
    return 0;
}

/*
 * Enters the namespaces of `m`, makes /tmp private, hides the CA
 * certificates and puts the job's cover in place (job may be NULL); 0 or
 * an errno.  The cover is opened before /tmp is made private: it may lie
 * there (the cache of a kit cloned under /tmp).  Not before the mount
 * namespace is entered: a folder bound from must be of the caller's own.
 */
static int enter_namespaces(enum mode m, const char *workdir, const sandbox_job *job)
{
    int with = -1, err;

    if (m == MODE_PGROUP)
        return 0;
    if ((err = unshare_mode(m)) != 0)
        return err;
    if (job && job->cover_dir && job->cover_with)
        with = open(job->cover_with, O_PATH | O_DIRECTORY | O_CLOEXEC);
    err = private_tmp(workdir, job ? job->sealed_dir : NULL);
    if (!err) {
        hide_certificates();
        cover(job ? job->cover_dir : NULL, with);
    }
    if (with >= 0)
        close(with);
    return err;
}

static int set_limit(int resource, rlim_t value)
{
    struct rlimit limit = { value, value };

    return setrlimit(resource, &limit) == 0 ? 0 : errno;
}

static int apply_limits(const sandbox_job *job)
{
    const sandbox_limits *l = &job->limits;
    int err = 0;

    if (!err && l->cpu_s > 0)
        err = set_limit(RLIMIT_CPU, (rlim_t)l->cpu_s + 1);
    if (!err && l->memory_mb > 0)
        err = set_limit(RLIMIT_AS, (rlim_t)l->memory_mb << 20);
    if (!err && l->file_mb > 0)
        err = set_limit(RLIMIT_FSIZE, (rlim_t)l->file_mb << 20);
    if (!err && l->open_files > 0)
        err = set_limit(RLIMIT_NOFILE, (rlim_t)l->open_files);
    if (!err)
        err = set_limit(RLIMIT_CORE, 0);
    if (!err && l->processes > 0)
        err = set_limit(RLIMIT_NPROC, (rlim_t)(l->processes + (as_root ? 0 : user_tasks)));
    return err;
}

/*
 * Keeps the calling process, and every thread and process it starts, on
 * the CPU it runs on now.  Nothing changes where the system refuses.
 * (The controlled scheduler does the same in scheduler/core.c, on the
 * students' side of the kit, which the grader never links.)
 */
static void stay_on_this_cpu(void)
{
    int cpu = sched_getcpu();
    cpu_set_t one;

    if (cpu < 0)
        return;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    sched_setaffinity(0, sizeof one, &one);
}

static void run_target(const sandbox_job *job)
{
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    int err;

    sigaction(SIGTERM, &dfl, NULL);
    err = apply_limits(job);
    if (job->one_cpu)
        stay_on_this_cpu();
    if (!err && as_root) {
        uid_t user = job->run_as ? job->run_as : SANDBOX_NOBODY;

        if (setgroups(0, NULL) != 0 || setgid(user) != 0 || setuid(user) != 0)
            err = errno;
    }
    /* After setuid(), which clears it: the keeper's death kills the target. */
    if (!err && prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        err = errno;
    if (!err && chdir(job->workdir) != 0)
        err = errno;
    if (!err) {
        execve(job->argv[0], job->argv, job->envp);
        err = errno;
    }
    note(NOTE_SETUP_ERROR, err);
    _exit(127);
}

/*
 * The reaper: the first process of the PID namespace, so that the target
 * is not.  The kernel shields a namespace's first process from signals it
 * has no handler for, which would stop abort() and Valgrind's re-raised
 * fatal signals from ending the target.  The reaper starts the target,
 * reaps every orphan until the target ends, and reports its wait status;
 * when the reaper ends, the kernel kills whatever is left.
 */
static void run_reaper(const sandbox_job *job)
{
    pid_t target, ended;
    int wstatus;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    target = fork();
    if (target < 0) {
        note(NOTE_SETUP_ERROR, errno);
        _exit(126);
    }
    if (target == 0)
        run_target(job);
    do
        ended = waitpid(-1, &wstatus, 0);
    while (ended != target && (ended >= 0 || errno == EINTR));
    if (ended == target)
        note(NOTE_WAIT_STATUS, wstatus);
    _exit(0);
}

/*
 * The keeper: owns the session, enters the namespaces and starts the
 * reaper, which starts the target.  Its own death takes them with it.
 */
static void run_keeper(const sandbox_job *job, int devnull, int out_w, int status_w)
{
    struct sigaction ign = { .sa_handler = SIG_IGN };
    sigset_t none;
    int err, wstatus;
    pid_t reaper;
    int report = job->report_fd;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    /* Lift every source above the targets first: dup2(fd, fd) would keep
       close-on-exec, and one target may be another's source. */
    status_w = fcntl(status_w, F_DUPFD, 10);
    devnull = fcntl(devnull, F_DUPFD, 10);
    out_w = fcntl(out_w, F_DUPFD, 10);
    if (report >= 0)
        report = fcntl(report, F_DUPFD, 10);
    if (status_w < 0 || devnull < 0 || out_w < 0 || (job->report_fd >= 0 && report < 0))
        _exit(126);
    if (dup2(status_w, KEEPER_STATUS_FD) < 0 || dup2(devnull, 0) < 0 ||
        dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0)
        _exit(126);
    if (report >= 0) {
        if (dup2(report, 3) < 0)
            _exit(126);
    } else {
        close(3);
    }
    close_range(KEEPER_STATUS_FD + 1, ~0U, 0);
    fcntl(KEEPER_STATUS_FD, F_SETFD, FD_CLOEXEC);
    sigaction(SIGTERM, &ign, NULL);
    if ((err = enter_namespaces(mode, job->workdir, job)) != 0) {
        note(NOTE_SETUP_ERROR, err);
        _exit(126);
    }
    reaper = fork();
    if (reaper < 0) {
        note(NOTE_SETUP_ERROR, errno);
        _exit(126);
    }
    if (reaper == 0)
        run_reaper(job);
    while (waitpid(reaper, &wstatus, 0) < 0)
        if (errno != EINTR)
            _exit(126);
    _exit(0);
}

/* ---- probing ---- */

static bool mode_works(enum mode m)
{
    pid_t pid = fork();
    int wstatus;

    if (pid < 0)
        return false;
    if (pid == 0) {
        pid_t inner;

        if (enter_namespaces(m, "/tmp", NULL) != 0)
            _exit(1);
        inner = fork();
        if (inner < 0)
            _exit(1);
        if (inner == 0)
            _exit(getpid() == 1 ? 0 : 1);
        if (waitpid(inner, &wstatus, 0) < 0)
            _exit(1);
        _exit(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 ? 0 : 1);
    }
    if (waitpid(pid, &wstatus, 0) < 0)
        return false;
    return WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
}

/* Tasks (threads) of this user now, which RLIMIT_NPROC counts too. */
static size_t count_user_tasks(void)
{
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    size_t tasks = 0;
    char path[300], line[256];

    if (!proc)
        return 4096;
    while ((entry = readdir(proc))) {
        FILE *status;
        unsigned uid = ~0U;
        size_t threads = 0;

        if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/status", entry->d_name);
        if (!(status = fopen(path, "re")))
            continue;
        while (fgets(line, sizeof line, status)) {
            sscanf(line, "Uid: %u", &uid);
            sscanf(line, "Threads: %zu", &threads);
        }
        fclose(status);
        if (uid == getuid())
            tasks += threads;
    }
    closedir(proc);
    return tasks;
}

static void probe(void)
{
    const char *forced = getenv("RC_SANDBOX");

    as_root = geteuid() == 0;
    snprintf(uid_map, sizeof uid_map, "0 %u 1\n", (unsigned)getuid());
    snprintf(gid_map, sizeof gid_map, "0 %u 1\n", (unsigned)getgid());
    if (!as_root)
        user_tasks = count_user_tasks();
    if (forced && !strcmp(forced, "pgroup"))
        mode = MODE_PGROUP;
    else if (as_root && mode_works(MODE_PIDNS))
        mode = MODE_PIDNS;
    else if (!as_root && mode_works(MODE_USERNS))
        mode = MODE_USERNS;
    else
        mode = MODE_PGROUP;
    snprintf(containment, sizeof containment, "%s%s",
             mode == MODE_PGROUP ? "process group only (PID namespaces refused here: "
                                   "a process that leaves its group may outlive the run)"
                                 : "own PID namespace and process group",
             as_root ? ", as an unprivileged user of its own" : "");
}

void sandbox_init(void)
{
    pthread_once(&init_once, probe);
}

const char *sandbox_containment(void)
{
    sandbox_init();
    return containment;
}

/* ---- the grader's side ---- */

/* Output kept: the first half of the budget, and a ring of the last half. */
typedef struct capture {
    strbuf head;
    char *tail;
    size_t half, tail_start, tail_len, total;
} capture;

static void capture_add(capture *c, const char *bytes, size_t len)
{
    c->total += len;
    if (c->head.len < c->half) {
        size_t take = c->half - c->head.len < len ? c->half - c->head.len : len;

        strbuf_add(&c->head, bytes, take);
        bytes += take;
        len -= take;
    }
    for (size_t i = 0; i < len && c->half > 0; i++) {
        c->tail[(c->tail_start + c->tail_len) % c->half] = bytes[i];
        if (c->tail_len < c->half)
            c->tail_len++;
        else
            c->tail_start = (c->tail_start + 1) % c->half;
    }
}

static char *capture_finish(capture *c)
{
    if (c->tail_len) {
        if (c->total > c->head.len + c->tail_len)
            strbuf_addf(&c->head, "\n[... %zu bytes of output left out ...]\n",
                        c->total - c->head.len - c->tail_len);
        for (size_t i = 0; i < c->tail_len; i++)
            strbuf_add(&c->head, &c->tail[(c->tail_start + i) % c->half], 1);
    }
    free(c->tail);
    return strbuf_detach(&c->head);
}

/* Reads what is ready on `fd`; false at end of file or error. */
static bool read_some(int fd, capture *c)
{
    char chunk[16384];
    ssize_t got = read(fd, chunk, sizeof chunk);

    if (got < 0)
        return errno == EINTR || errno == EAGAIN;
    if (got == 0)
        return false;
    capture_add(c, chunk, (size_t)got);
    return true;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

/* Whether the keeper has ended (left as a zombie, not reaped). */
static bool keeper_ended(pid_t keeper)
{
    siginfo_t info = { 0 };

    return waitid(P_PID, (id_t)keeper, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == keeper;
}

/* Reads the keeper's notes; returns the setup errno, 0 if none. */
static int read_notes(int status_r, sandbox_result *result)
{
    struct note n;
    int setup_error = 0;

    while (read(status_r, &n, sizeof n) == (ssize_t)sizeof n) {
        if (n.kind == NOTE_SETUP_ERROR) {
            setup_error = n.value;
        } else if (WIFEXITED(n.value)) {
            result->exited = true;
            result->exit_code = WEXITSTATUS(n.value);
        } else if (WIFSIGNALED(n.value)) {
            result->signal = WTERMSIG(n.value);
        }
    }
    return setup_error;
}

/* Follows the run until the keeper ends, enforcing the deadline. */
static void supervise(pid_t keeper, int out_r, const sandbox_limits *limits,
                      capture *c, sandbox_result *result, double started)
{
    double deadline = started + limits->wall_s, term_sent = 0;
    int pidfd = open_pidfd(keeper);
    bool output_open = true;

    while (!keeper_ended(keeper)) {
        struct pollfd fds[2] = { { out_r, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
        double now = now_seconds(), wake = deadline - now;
        int ms;

        if (now >= deadline && !result->timed_out) {
            result->timed_out = true;
            term_sent = now;
            kill(-keeper, SIGTERM);
        }
        if (result->timed_out) {
            if (now >= term_sent + TERM_GRACE_S) {
                kill(-keeper, SIGKILL);
                kill(keeper, SIGKILL);
            }
            wake = term_sent + TERM_GRACE_S - now;
        }
        ms = wake <= 0 ? 0 : (int)(wake * 1000) + 1;
        if (pidfd < 0 && ms > 10)
            ms = 10;
        if (!output_open)
            fds[0].fd = -1;
        if (poll(fds, 2, ms) > 0 && (fds[0].revents & (POLLIN | POLLHUP)))
            output_open = read_some(out_r, c);
    }
    /* Everything the run started goes with it. */
    kill(-keeper, SIGKILL);
    if (pidfd >= 0)
        close(pidfd);
    deadline = now_seconds() + DRAIN_S;
    while (output_open) {
        struct pollfd fd = { out_r, POLLIN, 0 };
        double left = deadline - now_seconds();

        if (left <= 0 || poll(&fd, 1, (int)(left * 1000) + 1) <= 0)
            break;
        output_open = read_some(out_r, c);
    }
}

int sandbox_run(const sandbox_job *job, sandbox_result *result)
{
    int out[2], status[2], devnull, setup_error, wstatus;
    capture c = { .half = job->limits.output_bytes / 2 };
    double started;
    pid_t keeper;

    sandbox_init();
    memset(result, 0, sizeof *result);
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0)
        return errno;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(devnull);
        return errno;
    }
    if (pipe2(status, O_CLOEXEC) != 0) {
        int err = errno;

        close(devnull);
        close(out[0]);
        close(out[1]);
        return err;
    }
    started = now_seconds();
    keeper = fork();
    if (keeper == 0)
        run_keeper(job, devnull, out[1], status[1]);
    close(devnull);
    close(out[1]);
    close(status[1]);
    if (keeper < 0) {
        int err = errno;

        close(out[0]);
        close(status[0]);
        return err;
    }
    c.tail = xmalloc(c.half ? c.half : 1);
    supervise(keeper, out[0], &job->limits, &c, result, started);
    while (waitpid(keeper, &wstatus, 0) < 0 && errno == EINTR)
        ;
    result->wall_s = now_seconds() - started;
    close(out[0]);
    setup_error = read_notes(status[0], result);
    close(status[0]);
    result->output_total = c.total;
    result->output = capture_finish(&c);
    if (!result->exited && !result->signal && !setup_error) {
        /* The keeper died before the target: our SIGKILL at the deadline,
           or a program that killed its own process group. */
        result->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : SIGKILL;
    }
    if (setup_error) {
        free(result->output);
        result->output = NULL;
        return setup_error;
    }
    return 0;
}

static unsigned first_user(void)
{
    return RUN_USER_BASE + (unsigned)(getpid() % 10000) * RUN_USER_SLOTS;
}

unsigned sandbox_claim_user(void)
{
    unsigned uid = 0;

    sandbox_init();
    if (!as_root)
        return 0;
    pthread_mutex_lock(&users_lock);
    for (unsigned slot = 0; slot < RUN_USER_SLOTS && !uid; slot++) {
        if (!user_taken[slot]) {
            user_taken[slot] = true;
            uid = first_user() + slot;
        }
    }
    pthread_mutex_unlock(&users_lock);
    return uid;
}

void sandbox_release_user(unsigned uid)
{
    if (uid < first_user() || uid >= first_user() + RUN_USER_SLOTS)
        return;
    pthread_mutex_lock(&users_lock);
    user_taken[uid - first_user()] = false;
    pthread_mutex_unlock(&users_lock);
}

const char *signal_description(int signal)
{
    switch (signal) {
    case SIGSEGV: return "SIGSEGV (segmentation fault: an invalid memory access)";
    case SIGABRT: return "SIGABRT (abort: abort() was called or an assert failed)";
    case SIGFPE:  return "SIGFPE (arithmetic error, such as a division by zero)";
    case SIGBUS:  return "SIGBUS (bus error: a misaligned or unmapped access)";
    case SIGILL:  return "SIGILL (illegal instruction)";
    case SIGKILL: return "SIGKILL (killed: a time, memory or process limit)";
    case SIGTERM: return "SIGTERM (terminated)";
    case SIGXCPU: return "SIGXCPU (CPU time limit exceeded)";
    case SIGXFSZ: return "SIGXFSZ (file size limit exceeded)";
    case SIGPIPE: return "SIGPIPE (wrote to a closed pipe)";
    case SIGTRAP: return "SIGTRAP (trace trap)";
    case SIGSYS:  return "SIGSYS (bad system call)";
    default:      return "a signal";
    }
}
