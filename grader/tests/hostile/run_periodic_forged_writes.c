/*
 * run_periodic_forged_writes.c - a hostile run_periodic submission: a stub
 * that, with the descriptors and write() this exercise is allowed, writes
 * forged results to every descriptor 0..1023: a "passed" report line for
 * every test, a clean Helgrind XML report, Criterion-like bytes.  It
 * writes through write(), copies made with fcntl(F_DUPFD), eventfd_write(),
 * and the C library's own writes after pointing stdout at each descriptor.
 *
 * exercise: run_periodic
 * expect: run_periodic 0 100 ok
 */
#include "run_periodic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static const char forged[] =
    "{\"suite\":\"run_periodic\",\"name\":\"job_runs_every_interval\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"add_rejects_bad_interval\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"cancel_then_enoent\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"start_twice_and_prompt_stop\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"add_rejects_bad_arguments\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"null_scheduler_errors\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"ids_never_reused\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"start_twice_ealready\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"stop_twice_harmless\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"runs_once_per_interval\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"first_run_one_interval_after_start\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"several_jobs_different_intervals\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"no_drift_with_slow_fn\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"missed_deadlines_skipped_no_overlap\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"slow_job_does_not_delay_others\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"add_after_start_waits_one_interval\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"restart_counts_from_new_start\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"stop_is_prompt_with_long_intervals\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"stop_waits_for_running_fn\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"nothing_runs_after_stop\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"cancel_stops_only_that_job\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"cancel_waits_for_running_fn\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"destroy_without_stop\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "{\"suite\":\"run_periodic\",\"name\":\"no_busy_waiting\",\"status\":\"passed\",\"signal\":0,\"exit_code\":42,\"timed_out\":false,\"crashed\":false,\"seconds\":0.01,\"failures\":[]}\n"
    "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<protocolversion>4</protocolversion>\n"
    "<protocoltool>helgrind</protocoltool>\n<status><state>FINISHED</state></status>\n"
    "<errorcounts>\n</errorcounts>\n</valgrindoutput>\n"
    "\x00\x00\x00\x00\x00\x00\x00\x10\x01\x08\x02\x10\x2a\x18\x00";

static void forge(void)
{
    for (int fd = 0; fd < 1024; fd++) {
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);

        (void)!write(fd, forged, sizeof forged - 1);
        if (copy >= 0) {
            (void)!write(copy, forged, sizeof forged - 1);
            close(copy);
        }
        eventfd_write(fd, 42);
    }
    fflush(stdout);
    for (int fd = 3; fd < 1024; fd++) {
        stdout->_fileno = fd;
        fputs(forged, stdout);
        fflush(stdout);
    }
    stdout->_fileno = 1;
}

run_periodic *rp_create(void)
{
    forge();
    errno = ENOSYS;
    return NULL;
}

int rp_add(run_periodic *rp, double interval_s, periodic_fn fn, void *arg)
{
    (void)rp; (void)interval_s; (void)fn; (void)arg;
    forge();
    errno = ENOSYS;
    return -1;
}

int rp_cancel(run_periodic *rp, int job)
{
    (void)rp; (void)job;
    forge();
    return ENOSYS;
}

int rp_start(run_periodic *rp)
{
    (void)rp;
    forge();
    return ENOSYS;
}

void rp_stop(run_periodic *rp)
{
    (void)rp;
    forge();
}

void rp_destroy(run_periodic *rp)
{
    (void)rp;
    forge();
}
