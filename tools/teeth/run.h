/* Running the programs the harness drives (suites, itest-mock, itest-pg, itest-report): bounded
 * in time, in their own process group, their output kept in a log. The running is
 * itest/child.h's; this is the harness's way of calling it. */
#ifndef ITEST_TEETH_RUN_H
#define ITEST_TEETH_RUN_H

/* Runs argv (argv[0] a path) with env changes applied ("NAME=value" sets, "NAME" alone unsets;
 * env may be NULL), standard output and error appended to log (NULL: inherited). After
 * timeout_s its whole process group is killed (daemons it started in their own session live
 * on). Returns a shell-style status (itest_child_status: 124 when it ran out of time, 128 + N
 * when signal N ended it), -1 when it could not start (the reason on stderr); its description
 * ("exit 1", "killed by signal 11 (...)", "hung ...") in how. */
int teeth_run(char *const argv[], char *const env[], const char *log, double timeout_s, char *how,
              unsigned long howlen);

#endif
