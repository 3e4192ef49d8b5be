/*
 * test_schedules.h - what test_schedules.c (each test under several
 * schedules) offers the rest of the harness.
 */
#ifndef RACECOURSE_TEST_SCHEDULES_H
#define RACECOURSE_TEST_SCHEDULES_H

/*
 * The test's body reached its end (RC_TEST's rc_test_reached_end()):
 * in a trial of another schedule, ends the trial as passed and does not
 * return; in the run Criterion sees, fails the test when a trial's
 * schedule failed but this run of it did not (so the test depends on
 * more than the schedule), then returns.  Weak in test_support.c:
 * binaries without test_schedules.c do not have it.
 */
void rc_test_schedules_reached_end(void);

#endif
