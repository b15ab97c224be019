/* Other processes; see itest/process.h. */
#include "itest/process.h"

#include "itest/clock.h"
#include "itest/number.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* /proc/PID/stat: the state letter and the start time, or false when it cannot be read. */
static bool read_stat(pid_t pid, char *state, uint64_t *start)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *in = fopen(path, "r");
    if (!in)
        return false;
    bool ok = fgets(line, sizeof line, in) != NULL;
    fclose(in);
    /* the command name is in parentheses and may hold spaces: fields follow the last ')' */
    const char *p = ok ? strrchr(line, ')') : NULL;
    unsigned long long st = 0;
    if (!p || sscanf(p + 1,
                     " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d"
                     " %llu",
                     state, &st) != 2)
        return false;
    *start = st;
    return true;
}

bool itest_process_alive(pid_t pid)
{
    if (pid <= 0 || kill(pid, 0) != 0)
        return false;
    char state = '?';
    uint64_t start;
    if (!read_stat(pid, &state, &start))
        return true; /* kill() says it exists; no /proc to tell a zombie */
    return state != 'Z';
}

uint64_t itest_process_start_time(pid_t pid)
{
    char state;
    uint64_t start = 0;
    return pid > 0 && read_stat(pid, &state, &start) ? start : 0;
}

bool itest_process_cmdline_has(pid_t pid, const char *needle)
{
    char path[64], cmd[8192];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    FILE *in = fopen(path, "rb");
    if (!in)
        return false;
    size_t n = fread(cmd, 1, sizeof cmd - 1, in);
    fclose(in);
    for (size_t i = 0; i < n; i++)
        if (cmd[i] == '\0')
            cmd[i] = ' ';
    cmd[n] = '\0';
    return strstr(cmd, needle) != NULL;
}

pid_t itest_process_read_pid_file(const char *path)
{
    char line[64];
    FILE *in = fopen(path, "r");
    if (!in)
        return 0;
    bool got = fgets(line, sizeof line, in) != NULL;
    fclose(in);
    line[got ? strcspn(line, "\r\n") : 0] = '\0';
    long long pid = 0;
    return got && itest_parse_long(&pid, line, 2, INT_MAX) == 0 ? (pid_t)pid : 0;
}

bool itest_process_wait_gone(pid_t pid, double timeout_s)
{
    double deadline = itest_now_s() + timeout_s;
    while (itest_process_alive(pid)) {
        if (itest_now_s() > deadline)
            return false;
        itest_sleep_s(0.005);
    }
    return true;
}

int itest_process_stop(pid_t pid, int sig, double timeout_s)
{
    if (!itest_process_alive(pid))
        return 0;
    kill(pid, sig);
    if (itest_process_wait_gone(pid, timeout_s))
        return 0;
    kill(pid, SIGKILL);
    return itest_process_wait_gone(pid, 5) ? 0 : -1;
}
