/* Other processes: whether a pid still runs and is the one we think, waiting for it to go,
 * stopping it. */
#ifndef ITEST_PROCESS_H
#define ITEST_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* True when pid exists and is not a zombie (an exited child nobody reaped counts as gone). */
bool itest_process_alive(pid_t pid);

/* True when pid's command line (every argument) contains needle: a recycled pid is not ours. */
bool itest_process_cmdline_has(pid_t pid, const char *needle);

/* When pid started, in clock ticks since boot (/proc/PID/stat's starttime), or 0 when it does
 * not exist: a pid and its start time name one process, even after the pid is reused. */
uint64_t itest_process_start_time(pid_t pid);

/* The pid on the first line of a pid file (postmaster.pid, pgbouncer.pid), or 0 when the file is
 * missing or its first line is not a pid. */
pid_t itest_process_read_pid_file(const char *path);

/* Polls every 5 ms until pid is gone; returns true when it went within timeout_s. */
bool itest_process_wait_gone(pid_t pid, double timeout_s);

/* Sends sig, waits up to timeout_s, then SIGKILL and up to 5 s more. Returns 0 when the
 * process is gone, -1 when even SIGKILL did not end it. */
int itest_process_stop(pid_t pid, int sig, double timeout_s);

#endif
