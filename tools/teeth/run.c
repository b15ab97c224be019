#include "run.h"

#include "itest/measure.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void child(char *const argv[], char *const env[], const char *log)
{
    setpgid(0, 0);
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        if (!eq) {
            unsetenv(env[i]);
        } else {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(eq - env[i]), env[i]);
            setenv(name, eq + 1, 1);
        }
    }
    if (log) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
            fprintf(stderr, "itest-teeth: %s: %s\n", log, strerror(errno));
            _exit(127);
        }
    }
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0)
        dup2(null, 0);
    execv(argv[0], argv);
    fprintf(stderr, "itest-teeth: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int teeth_run(char *const argv[], char *const env[], const char *log, double timeout_s)
{
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "itest-teeth: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0)
        child(argv, env, log);
    setpgid(pid, pid); /* both sides, so that the kill below never misses the group */
    double deadline = itest_now_s() + timeout_s;
    int status;
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR) {
            fprintf(stderr, "itest-teeth: waitpid %s: %s\n", argv[0], strerror(errno));
            return -1;
        }
        if (itest_now_s() > deadline) {
            kill(-pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return TEETH_RUN_TIMEOUT;
        }
        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
    if (WIFSIGNALED(status))
        return TEETH_RUN_SIGNAL + WTERMSIG(status);
    return WEXITSTATUS(status);
}

const char *teeth_run_describe(int status, char *buf, unsigned long len)
{
    if (status == TEETH_RUN_TIMEOUT)
        snprintf(buf, len, "hung (killed at its time limit)");
    else if (status > TEETH_RUN_SIGNAL)
        snprintf(buf, len, "killed by signal %d (%s)", status - TEETH_RUN_SIGNAL,
                 strsignal(status - TEETH_RUN_SIGNAL));
    else if (status < 0)
        snprintf(buf, len, "could not start");
    else
        snprintf(buf, len, "exit %d", status);
    return buf;
}
