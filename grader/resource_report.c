/* resource_report.c - see resource_report.h. */
#define _GNU_SOURCE
#include "resource_report.h"
#include "helgrind_xml.h"
#include "memcheck_report.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS_MAX 8
#define FDS_NAMED 8
#define TYPES 7

/* One record's fields, pointing into a copy of its text. */
typedef struct record {
    const char *key[FIELDS_MAX], *value[FIELDS_MAX];
    size_t n;
} record;

/* A kind of descriptor, in words. */
typedef struct fd_words {
    const char *type, *one, *many, *advice;
} fd_words;

static const fd_words fd_types[TYPES] = {
    { "pipe", "a pipe", "pipes", "close both ends of every pipe" },
    { "socket", "a socket", "sockets", "close both ends of every socketpair" },
    { "epoll", "an epoll instance", "epoll instances", "close the epoll descriptor" },
    { "eventfd", "an eventfd", "eventfds", "close every descriptor the pool made" },
    { "timerfd", "a timerfd", "timerfds", "close every descriptor the pool made" },
    { "signalfd", "a signalfd", "signalfds", "close every descriptor the pool made" },
    { "other", "a file", "files", "close every descriptor the pool opened" },
};

/* What the records said, folded over the rounds. */
typedef struct leftovers {
    long rounds;                    /* from kind=done, 0 when missing */
    long child_rounds, alive, zombies;      /* alive, zombies, pids: first round */
    char *pids;
    long fd_rounds[TYPES], fd_first_round[TYPES], fd_last_round[TYPES];
    int fds[TYPES][FDS_NAMED];
    size_t n_fds[TYPES], more_fds[TYPES];
    long map_rounds, map_first_round, map_last_round, maps, map_bytes;
    size_t n_records;
    bool done;
} leftovers;

static const char *field(const record *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->key[i], key))
            return r->value[i];
    return NULL;
}

static long number(const record *r, const char *key)
{
    const char *v = field(r, key);
    char *end;
    long n;

    if (!v)
        return -1;
    n = strtol(v, &end, 10);
    return *end || end == v || n < 0 ? -1 : n;
}

/* Splits `text` (modified) into fields; false when it is no record. */
static bool parse_record(char *text, record *r)
{
    char *save = NULL, *token;

    r->n = 0;
    if (strncmp(text, RESOURCE_RECORD_PREFIX, strlen(RESOURCE_RECORD_PREFIX)) != 0)
        return false;
    for (token = strtok_r(text + strlen(RESOURCE_RECORD_PREFIX), " \t\n", &save);
         token && r->n < FIELDS_MAX; token = strtok_r(NULL, " \t\n", &save)) {
        char *eq = strchr(token, '=');

        if (!eq)
            return false;
        *eq = '\0';
        r->key[r->n] = token;
        r->value[r->n++] = eq + 1;
    }
    return field(r, "kind") != NULL;
}

/* Whether `pids` is a list of numbers separated by commas (or "-"). */
static bool pid_list(const char *pids)
{
    if (!strcmp(pids, "-"))
        return true;
    for (const char *c = pids; *c; c++)
        if (!((*c >= '0' && *c <= '9') || *c == ','))
            return false;
    return *pids != '\0';
}

static void add_children(leftovers *l, const record *r)
{
    long alive = number(r, "alive"), zombies = number(r, "zombies");
    const char *pids = field(r, "pids");

    if (alive < 0 || zombies < 0 || alive + zombies == 0)
        return;
    l->n_records++;
    if (l->child_rounds++ > 0)
        return;
    l->alive = alive;
    l->zombies = zombies;
    l->pids = xstrdup(pids && pid_list(pids) ? pids : "-");
}

static size_t type_index(const char *type)
{
    size_t i = 0;

    while (i < TYPES - 1 && (!type || strcmp(fd_types[i].type, type)))
        i++;
    return i;
}

static void add_fd(leftovers *l, const record *r)
{
    size_t t = type_index(field(r, "type"));
    long fd = number(r, "fd"), round = number(r, "round");

    if (fd < 0 || fd > 65535)
        return;
    l->n_records++;
    if (l->fd_rounds[t] == 0 || l->fd_last_round[t] != round) {
        l->fd_last_round[t] = round;
        if (l->fd_rounds[t]++ == 0)
            l->fd_first_round[t] = round;
    }
    if (l->fd_first_round[t] != round)
        return;                 /* the first round's descriptors are named */
    if (l->n_fds[t] < FDS_NAMED)
        l->fds[t][l->n_fds[t]++] = (int)fd;
    else
        l->more_fds[t]++;
}

static void add_mapping(leftovers *l, const record *r)
{
    long bytes = number(r, "bytes"), round = number(r, "round");

    if (bytes < 0)
        return;
    l->n_records++;
    if (l->map_rounds == 0 || l->map_last_round != round) {
        l->map_last_round = round;
        if (l->map_rounds++ == 0)
            l->map_first_round = round;
    }
    if (l->map_first_round != round)
        return;                 /* the first round's mappings are counted */
    l->maps++;
    l->map_bytes += bytes;
}

static void fold(leftovers *l, char *const *msgs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *copy = xstrdup(msgs[i]);
        record r;

        if (parse_record(copy, &r)) {
            const char *kind = field(&r, "kind");

            if (!strcmp(kind, "children"))
                add_children(l, &r);
            else if (!strcmp(kind, "fd"))
                add_fd(l, &r);
            else if (!strcmp(kind, "mapping"))
                add_mapping(l, &r);
            else if (!strcmp(kind, "done") && number(&r, "rounds") > 0) {
                l->done = true;
                l->rounds = number(&r, "rounds");
            }
        }
        free(copy);
    }
}

/* " (after 3 of the driver's 25 pools)", or "" when it was every pool or unknown. */
static char *how_often(const leftovers *l, long rounds)
{
    if (rounds <= 1 && l->rounds == 0)
        return xstrdup("");
    if (l->rounds == 0)
        return xasprintf(" (after %ld pools)", rounds);
    return xasprintf(" (after %ld of the driver's %ld pools)", rounds, l->rounds);
}

/* "812, 813" from "812,813". */
static char *pid_words(const char *pids)
{
    strbuf sb = STRBUF_INIT;

    for (const char *c = pids; *c; c++)
        if (*c == ',')
            strbuf_addstr(&sb, ", ");
        else
            strbuf_add(&sb, c, 1);
    return sb.data ? strbuf_detach(&sb) : xstrdup("");
}

static char *children_message(const leftovers *l)
{
    char *often = how_often(l, l->child_rounds), *pids = pid_words(l->pids);
    char *named = strcmp(l->pids, "-") ? xasprintf(" (pid%s %s)", strchr(l->pids, ',') ? "s" : "",
                                                   pids)
                                       : xstrdup("");
    char *what, *message;

    if (l->alive && l->zombies)
        what = xasprintf("%ld worker process%s still alive and %ld had ended but %s never "
                         "waited for (zombie%s)", l->alive, l->alive == 1 ? " was" : "es were",
                         l->zombies, l->zombies == 1 ? "was" : "were",
                         l->zombies == 1 ? "" : "s");
    else if (l->alive)
        what = xasprintf("%ld worker process%s still alive", l->alive,
                         l->alive == 1 ? " was" : "es were");
    else
        what = xasprintf("%ld worker process%s ended but %s never waited for (%s)",
                         l->zombies, l->zombies == 1 ? " had" : "es had",
                         l->zombies == 1 ? "was" : "were", l->zombies == 1 ? "a zombie" : "zombies");
    message = xasprintf("after pool_destroy, %s%s: wait for every worker with waitpid%s", what,
                        named, often);
    free(what);
    free(named);
    free(pids);
    free(often);
    return message;
}

static char *fd_message(const leftovers *l, size_t t)
{
    const fd_words *w = &fd_types[t];
    char *often = how_often(l, l->fd_rounds[t]), *message;
    size_t n = l->n_fds[t];
    strbuf list = STRBUF_INIT;

    for (size_t i = 0; i < n; i++)
        strbuf_addf(&list, "%s%d", i == 0 ? "" : i + 1 == n && !l->more_fds[t] ? " and " : ", ",
                    l->fds[t][i]);
    if (l->more_fds[t])
        strbuf_addf(&list, " and %zu more", l->more_fds[t]);
    message = xasprintf("descriptor%s %s (%s) %s still open after pool_destroy: %s%s",
                        n + l->more_fds[t] == 1 ? "" : "s", list.data,
                        n + l->more_fds[t] == 1 ? w->one : w->many,
                        n + l->more_fds[t] == 1 ? "was" : "were", w->advice, often);
    strbuf_release(&list);
    free(often);
    return message;
}

static char *mapping_message(const leftovers *l)
{
    char *often = how_often(l, l->map_rounds), *message;

    if (l->maps == 1)
        message = xasprintf("a shared mapping of %ld bytes was left after pool_destroy: "
                            "munmap the counter%s", l->map_bytes, often);
    else
        message = xasprintf("%ld shared mappings (%ld bytes) were left after pool_destroy: "
                            "munmap the counter%s", l->maps, l->map_bytes, often);
    free(often);
    return message;
}

static void add_finding(race_result *out, size_t max, char *message)
{
    race_finding *f;

    if (out->n_findings >= max) {
        free(message);
        return;
    }
    out->findings = xrealloc(out->findings, (out->n_findings + 1) * sizeof *out->findings);
    f = &out->findings[out->n_findings++];
    *f = (race_finding){ .kind = xstrdup("leftover"), .label = xstrdup(""),
                         .file = xstrdup(""), .message = message };
}

void resource_findings(char *const *msgs, size_t n, size_t max, race_result *out,
                       bool *finished)
{
    leftovers l = { 0 };

    out->findings = NULL;
    out->n_findings = 0;
    fold(&l, msgs, n);
    if (l.child_rounds)
        add_finding(out, max, children_message(&l));
    for (size_t t = 0; t < TYPES; t++)
        if (l.fd_rounds[t])
            add_finding(out, max, fd_message(&l, t));
    if (l.map_rounds)
        add_finding(out, max, mapping_message(&l));
    out->n_errors = l.n_records;
    *finished = l.done;
    free(l.pids);
}

int resource_report_read(const char *xml_path, const char *student_file,
                         size_t max_findings, race_result *out, bool *finished)
{
    race_result memory = { 0 };
    hg_xml x = { 0 };
    int err;

    if (!out || !finished)
        return EINVAL;
    *finished = false;
    if ((err = memcheck_report_read(xml_path, student_file, max_findings, &memory)) != 0)
        return err;
    if ((err = hg_xml_read(xml_path, &x)) != 0) {
        race_findings_free(&memory);
        return err;
    }
    resource_findings(x.client_msgs, x.n_client_msgs, max_findings, out, finished);
    hg_xml_free(&x);
    for (size_t i = 0; i < memory.n_findings && out->n_findings < max_findings; i++) {
        out->findings = xrealloc(out->findings, (out->n_findings + 1) * sizeof *out->findings);
        out->findings[out->n_findings++] = memory.findings[i];
        memory.findings[i] = (race_finding){ 0 };
    }
    out->n_errors += memory.n_errors;
    race_findings_free(&memory);
    return 0;
}
