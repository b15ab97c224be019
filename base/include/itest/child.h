/* Running a child program with a time limit: its output captured or appended to a log, its
 * environment changed, in a process group (or session) of its own that the limit kills whole,
 * optionally as another user (the database servers refuse root).
 *
 * The child's standard input is /dev/null. A program that cannot be started is told apart from
 * one that ran and failed: the error says why exec failed. */
#ifndef ITEST_CHILD_H
#define ITEST_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct itest_child_user {
    uid_t uid;
    gid_t gid;
    const char *name; /* for messages */
};

struct itest_child {
    char *const *argv; /* argv[0] is a path, or a name looked up in PATH */
    const char *const
        *env;           /* changes: "NAME=value" sets, "NAME" unsets; NULL-terminated, or NULL */
    const char *dir;    /* working directory, or NULL */
    const char *log;    /* append standard output and error to this file, or NULL */
    bool capture;       /* else collect both (merged) into the result */
    size_t capture_max; /* bytes of output kept, the rest counted and dropped; 0: 4 MiB */
    bool new_session;   /* setsid(): a session of its own, out of reach of the terminal's
                           signals, instead of a process group of its own */
    const struct itest_child_user *user; /* run as this user (from root), or NULL */
    double timeout_s; /* kill the whole group with SIGKILL after this; 0: no limit */
};

struct itest_child_result {
    bool started;   /* false: it could not start (why in the error) */
    bool timed_out; /* killed at its time limit */
    int exit_code;  /* its exit status when it exited, else -1 */
    int signal;     /* the signal that ended it, else 0 */
    char *output;   /* with capture: what it printed, NUL-terminated (malloc'd), else NULL */
    size_t output_len;
    size_t output_dropped; /* bytes past capture_max */
};

/* Starts the child and returns at once: its pid in *pid and, with capture, the read end of its
 * output in *out_fd (else -1). Returns 0, or -1 with why in err (a missing program included:
 * exec's failure is reported, not exit 127). */
int itest_child_start(pid_t *pid, int *out_fd, const struct itest_child *c, char *err,
                      size_t errlen);

/* Waits for a started child (reading its output when out_fd >= 0) at most timeout_s seconds (0:
 * no limit), then kills its process group. Fills *r (output as in struct itest_child_result,
 * capped at capture_max; 0: 4 MiB). Returns 0. */
int itest_child_wait(struct itest_child_result *r, pid_t pid, int out_fd, double timeout_s,
                     size_t capture_max);

/* Starts, then waits: the whole run. Returns 0 when the child ran (any status), or -1 when it
 * could not start (why in err, and r->started false). */
int itest_child_run(struct itest_child_result *r, const struct itest_child *c, char *err,
                    size_t errlen);

/* A shell-style status: the exit code, 128+N for signal N, 124 for a time-out, -1 when it could
 * not start. */
int itest_child_status(const struct itest_child_result *r);

/* "exit 3", "killed by signal 9 (Killed)", "hung (killed at its 30 s limit)" or "could not
 * start", into buf; returns buf. */
const char *itest_child_describe(const struct itest_child_result *r, double timeout_s, char *buf,
                                 size_t len);

void itest_child_result_free(struct itest_child_result *r);

/* The first executable called name in PATH's directories (empty ones skipped; no PATH:
 * execvp's /bin:/usr/bin), into out.
 * Returns 0, or -1 when there is none. */
int itest_find_on_path(char *out, size_t len, const char *name);

#endif
