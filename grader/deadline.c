/* deadline.c - a submission as it was at a deadline; see deadline.h. */
#define _GNU_SOURCE
#include "deadline.h"
#include "build.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * git with the repository's own hooks, fsmonitor and pager kept out, and
 * only plumbing commands that run no configured program (rev-list,
 * cat-file): stdout in *output (stderr to /dev/null).
 * It runs outside the sandbox, whose /tmp is its own and would hide a
 * class folder there.  Returns git's exit code, or -1 with errno.
 */
static int git(const char *repo, const char *const *args, size_t n, char **output)
{
    static char *const envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", "GIT_CONFIG_NOSYSTEM=1",
                                  "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0",
                                  "HOME=/nonexistent", NULL };
    char *argv[20] = { "git", "--no-pager", "-c", "core.hooksPath=/dev/null", "-c",
                       "core.fsmonitor=false", "-c", "safe.directory=*", "-C", (char *)repo };
    posix_spawn_file_actions_t actions;
    strbuf sb = STRBUF_INIT;
    size_t argc = 10;
    int fds[2], status, err;
    pid_t pid;
    char buf[8192];
    ssize_t got;

    *output = NULL;
    for (size_t i = 0; i < n && argc < 19; i++)
        argv[argc++] = (char *)args[i];
    argv[argc] = NULL;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    err = posix_spawn(&pid, "/usr/bin/git", &actions, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (err) {
        close(fds[0]);
        errno = err;
        return -1;
    }
    while ((got = read(fds[0], buf, sizeof buf)) > 0 || (got < 0 && errno == EINTR))
        if (got > 0 && sb.len < BUILD_STUDENT_FILE_MAX + 4096)
            strbuf_add(&sb, buf, (size_t)got);
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    *output = strbuf_detach(&sb);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* mkdir -p of the folder that holds `path`. */
static int make_parent(const char *path)
{
    char *copy = xstrdup(path);
    int err = 0;

    for (char *p = copy + 1; *p && !err; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST)
            err = errno;
        *p = '/';
    }
    free(copy);
    return err;
}

int deadline_snapshot(const char *repo, const char *when,
                      const manifest_exercise *const *exercises, size_t n,
                      const char *snapshot, char **commit, char **error)
{
    char *git_dir = xasprintf("%s/.git", repo), *before = xasprintf("--before=%s", when);
    const char *rev_list[] = { "rev-list", "-n", "1", "--first-parent", before, "HEAD" };
    char *output = NULL;
    int code, err = 0;

    *commit = NULL;
    *error = NULL;
    if (!is_dir(git_dir) && !is_file(git_dir)) {
        free(git_dir);
        free(before);
        return ENOTDIR;
    }
    free(git_dir);
    code = git(repo, rev_list, 6, &output);
    free(before);
    if (code < 0) {
        err = errno;
        *error = xasprintf("cannot run git: %s", strerror(err));
        return err;
    }
    *commit = xstrdup("");
    if (code == 0 && output && strlen(output) >= 40) {
        bool hex = true;

        for (int i = 0; i < 40; i++)
            hex = hex && isxdigit((unsigned char)output[i]);
        if (hex) {
            free(*commit);
            *commit = xasprintf("%.40s", output);
        }
    }
    free(output);
    if (mkdir(snapshot, 0755) != 0 && errno != EEXIST) {
        err = errno;
        *error = xasprintf("cannot create \"%s\": %s", snapshot, strerror(err));
        return err;
    }
    for (size_t k = 0; k < n && **commit && !err; k++) {
        const char *slug = exercises[k]->slug;
        char *object = xasprintf("%s:exercises/%s/%s.c", *commit, slug, slug);
        char *to = xasprintf("%s/exercises/%s/%s.c", snapshot, slug, slug);
        const char *cat[] = { "cat-file", "blob", object };
        char *bytes = NULL;

        unlink(to);
        if (git(repo, cat, 3, &bytes) == 0 && bytes) {     /* absent at that commit: missing */
            if ((err = make_parent(to)) == 0)
                err = write_file(to, bytes, strlen(bytes), 0644);
            if (err)
                *error = xasprintf("cannot write \"%s\": %s", to, strerror(err));
        }
        free(bytes);
        free(object);
        free(to);
    }
    return err;
}

int deadline_days_late(const char *repo, const char *commit, const char *deadline)
{
    char *before = xasprintf("--before=%s", deadline), *output = NULL, *line;
    const char *parse[] = { "rev-parse", before };
    const char *show[] = { "cat-file", "commit", commit };
    long long due = -1, committed = -1;

    if (git(repo, parse, 2, &output) == 0 && output)
        sscanf(output, "--min-age=%lld", &due);
    free(output);
    free(before);
    output = NULL;
    if (git(repo, show, 3, &output) == 0 && output) {
        for (line = output; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
            const char *end;

            if (strncmp(line, "committer ", 10) != 0)
                continue;
            end = strchr(line, '>');            /* "committer NAME <EMAIL> EPOCH TZ" */
            if (end)
                sscanf(end + 1, " %lld", &committed);
            break;
        }
    }
    free(output);
    if (due < 0 || committed < 0)
        return -1;
    return committed <= due ? 0 : (int)((committed - due + 86399) / 86400);
}
