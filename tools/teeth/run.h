/* Running the programs the harness drives (suites, itest-mock, itest-pg, itest-report): bounded
 * in time, in their own process group, their output kept in a log. */
#ifndef ITEST_TEETH_RUN_H
#define ITEST_TEETH_RUN_H

/* Exit statuses beyond the program's own. */
enum { TEETH_RUN_TIMEOUT = 124, TEETH_RUN_SIGNAL = 128 /* + the signal */ };

/* Runs argv (argv[0] a path) with env changes applied ("NAME=value" sets, "NAME" alone unsets;
 * env may be NULL), standard output and error appended to log (NULL: inherited). After
 * timeout_s its whole process group is killed (daemons it started in their own session live
 * on). Returns the exit status, TEETH_RUN_SIGNAL + N
 * when a signal N ended it, TEETH_RUN_TIMEOUT when it ran out of time, -1 when it could not
 * start (the reason on stderr). */
int teeth_run(char *const argv[], char *const env[], const char *log, double timeout_s);

/* What a teeth_run status means, for messages: "exit 1", "killed by signal 11", "hung". */
const char *teeth_run_describe(int status, char *buf, unsigned long len);

#endif
