/* Running a child with a time limit; see itest/child.h. */
#include "itest/child.h"

#include "itest/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_CAPTURE_MAX (4u << 20)

/* The environment the child gets: ours with the changes applied, built before fork (setenv
 * after fork is not safe in a program with threads). Returns a malloc'd array of pointers into
 * environ and changes, or NULL. */
static char **child_environment(const char *const *changes)
{
    size_t n = 0, k = 0;
    while (environ[n])
        n++;
    while (changes && changes[k])
        k++;
    char **env = calloc(n + k + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t name = strcspn(environ[i], "=");
        bool changed = false;
        for (size_t c = 0; c < k && !changed; c++)
            changed = strncmp(changes[c], environ[i], name) == 0 &&
                      (changes[c][name] == '=' || changes[c][name] == '\0');
        if (!changed)
            env[m++] = environ[i];
    }
    for (size_t c = 0; c < k; c++)
        if (strchr(changes[c], '='))
            env[m++] = (char *)changes[c];
    env[m] = NULL;
    return env;
}

/* In the child: never returns. Reports a failure to set up or exec through report_fd. */
static void become_child(const struct itest_child *c, char **env, int out_fd, int report_fd)
{
    if (c->new_session)
        setsid();
    else
        setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0)
        dup2(null, STDIN_FILENO);
    if (out_fd >= 0) {
        dup2(out_fd, STDOUT_FILENO);
        dup2(out_fd, STDERR_FILENO);
    }
    /* Nothing else of ours reaches it: a server it leaves behind would hold them open, ctest's
     * output files and pipes among them, and ctest would wait for it as if the test still ran.
     * report_fd closes itself at exec. */
    bool closed = (report_fd <= 3 || close_range(3, (unsigned)report_fd - 1, 0) == 0) &&
                  close_range((unsigned)report_fd + 1, ~0u, 0) == 0;
    for (int fd = 3; !closed && fd < 1024; fd++)
        if (fd != report_fd)
            close(fd);
    int err = 0;
    if (c->dir && chdir(c->dir) != 0)
        err = errno;
    if (!err && c->user &&
        (setgroups(0, NULL) != 0 || setgid(c->user->gid) != 0 || setuid(c->user->uid) != 0))
        err = errno;
    if (!err) {
        execvpe(c->argv[0], c->argv, env);
        err = errno;
    }
    (void)!write(report_fd, &err, sizeof err);
    _exit(127);
}

int itest_child_start(pid_t *pid, int *out_fd, const struct itest_child *c, char *err,
                      size_t errlen)
{
    *pid = -1;
    if (out_fd)
        *out_fd = -1;
    if (!c->argv || !c->argv[0]) {
        snprintf(err, errlen, "no program to run");
        return -1;
    }
    int output[2] = {-1, -1}, report[2] = {-1, -1};
    int child_out = -1;
    if (c->log) {
        child_out = open(c->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (child_out < 0) {
            snprintf(err, errlen, "cannot open the log %s: %s", c->log, strerror(errno));
            return -1;
        }
    } else if (c->capture) {
        if (pipe2(output, O_CLOEXEC) != 0) {
            snprintf(err, errlen, "pipe: %s", strerror(errno));
            return -1;
        }
        child_out = output[1];
    }
    char **env = child_environment(c->env);
    if (!env || pipe2(report, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "%s", env ? strerror(errno) : "out of memory");
        free(env);
        if (child_out >= 0)
            close(child_out);
        if (output[0] >= 0)
            close(output[0]);
        return -1;
    }
    pid_t p = fork();
    if (p == 0)
        become_child(c, env, child_out, report[1]);
    int fork_errno = errno;
    free(env);
    close(report[1]);
    if (child_out >= 0)
        close(child_out);
    if (p < 0) {
        snprintf(err, errlen, "fork: %s", strerror(fork_errno));
        close(report[0]);
        if (output[0] >= 0)
            close(output[0]);
        return -1;
    }
    if (!c->new_session)
        setpgid(p, p); /* both sides, so that a kill of the group never misses it */
    /* exec closes the report pipe (CLOEXEC): nothing to read means it started */
    int child_errno = 0;
    ssize_t got;
    while ((got = read(report[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
    }
    close(report[0]);
    if (got == (ssize_t)sizeof child_errno) {
        waitpid(p, NULL, 0);
        if (output[0] >= 0)
            close(output[0]);
        if (c->user && (child_errno == EPERM || child_errno == EINVAL))
            snprintf(err, errlen, "cannot run %s as user %s: %s", c->argv[0],
                     c->user->name ? c->user->name : "?", strerror(child_errno));
        else if (c->dir && child_errno == ENOENT && access(c->dir, X_OK) != 0)
            snprintf(err, errlen, "cannot run %s in %s: %s", c->argv[0], c->dir,
                     strerror(child_errno));
        else
            snprintf(err, errlen, "cannot run %s: %s", c->argv[0], strerror(child_errno));
        return -1;
    }
    *pid = p;
    if (out_fd)
        *out_fd = output[0];
    else if (output[0] >= 0)
        close(output[0]);
    return 0;
}

/* Appends what fd has now (non-blocking) to r, within max. Returns false at end of file. */
static bool drain(int fd, struct itest_child_result *r, size_t max, size_t *cap)
{
    char buf[16384];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN;
    if (n == 0)
        return false;
    size_t keep = r->output_len < max ? max - r->output_len : 0;
    if (keep > (size_t)n)
        keep = (size_t)n;
    r->output_dropped += (size_t)n - keep;
    if (keep) {
        if (r->output_len + keep + 1 > *cap) {
            size_t grown_cap = *cap ? *cap * 2 : 8192;
            while (grown_cap < r->output_len + keep + 1)
                grown_cap *= 2;
            char *grown = realloc(r->output, grown_cap);
            if (!grown) {
                r->output_dropped += keep;
                return true;
            }
            r->output = grown;
            *cap = grown_cap;
        }
        memcpy(r->output + r->output_len, buf, keep);
        r->output_len += keep;
        r->output[r->output_len] = '\0';
    }
    return true;
}

int itest_child_wait(struct itest_child_result *r, pid_t pid, int out_fd, double timeout_s,
                     size_t capture_max)
{
    memset(r, 0, sizeof *r);
    r->started = true;
    r->exit_code = -1;
    size_t max = capture_max ? capture_max : DEFAULT_CAPTURE_MAX, cap = 0;
    if (out_fd >= 0) {
        r->output = calloc(1, 1);
        cap = r->output ? 1 : 0;
        fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) | O_NONBLOCK);
    }
    double deadline = timeout_s > 0 ? itest_now_s() + timeout_s : 0;
    bool open_out = out_fd >= 0, exited = false;
    int status = 0;
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid) {
            exited = true;
            break;
        }
        if (got < 0 && errno != EINTR)
            break;
        if (deadline && itest_now_s() > deadline) {
            r->timed_out = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        if (open_out) {
            struct pollfd p = {out_fd, POLLIN, 0};
            if (poll(&p, 1, 20) > 0)
                open_out = drain(out_fd, r, max, &cap);
        } else {
            itest_sleep_s(0.002);
        }
    }
    /* what it wrote before it ended; a grandchild holding the pipe open is not waited for */
    while (out_fd >= 0 && open_out && drain(out_fd, r, max, &cap)) {
        struct pollfd p = {out_fd, POLLIN, 0};
        if (poll(&p, 1, 0) <= 0)
            break;
    }
    if (out_fd >= 0)
        close(out_fd);
    if (exited && WIFEXITED(status))
        r->exit_code = WEXITSTATUS(status);
    else if (exited && WIFSIGNALED(status))
        r->signal = WTERMSIG(status);
    return 0;
}

int itest_child_run(struct itest_child_result *r, const struct itest_child *c, char *err,
                    size_t errlen)
{
    pid_t pid;
    int out_fd;
    if (itest_child_start(&pid, &out_fd, c, err, errlen) != 0) {
        memset(r, 0, sizeof *r);
        r->exit_code = -1;
        return -1;
    }
    return itest_child_wait(r, pid, out_fd, c->timeout_s, c->capture_max);
}

int itest_child_status(const struct itest_child_result *r)
{
    if (!r->started)
        return -1;
    if (r->timed_out)
        return 124;
    if (r->signal)
        return 128 + r->signal;
    return r->exit_code;
}

const char *itest_child_describe(const struct itest_child_result *r, double timeout_s, char *buf,
                                 size_t len)
{
    if (!r->started) {
        snprintf(buf, len, "could not start");
    } else if (r->timed_out) {
        char secs[32];
        itest_format_double(secs, timeout_s);
        snprintf(buf, len, "hung (killed at its %s s limit)", secs);
    } else if (r->signal) {
        snprintf(buf, len, "killed by signal %d (%s)", r->signal, strsignal(r->signal));
    } else {
        snprintf(buf, len, "exit %d", r->exit_code);
    }
    return buf;
}

void itest_child_result_free(struct itest_child_result *r)
{
    if (!r)
        return;
    free(r->output);
    r->output = NULL;
    r->output_len = 0;
}

int itest_find_on_path(char *out, size_t len, const char *name)
{
    const char *path = getenv("PATH");
    char *copy = strdup(path && *path ? path : "/bin:/usr/bin"); /* execvp's default */
    int rc = -1;
    for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir && rc != 0;
         dir = strtok_r(NULL, ":", &save)) {
        snprintf(out, len, "%s/%s", dir, name);
        if (*dir && access(out, X_OK) == 0)
            rc = 0;
    }
    free(copy);
    return rc;
}
