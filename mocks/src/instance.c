/* The running instance as other processes see it; see instance.h. */
#include "instance.h"

#include "itest/clock.h"
#include "itest/file.h"
#include "itest/process.h"
#include "itest/state.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mock_instance_write(const char *path, const struct mock_service *services, size_t n,
                        const char *data_dir)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "pid", getpid());
    /* with the pid, which process it is: pids come round again (32768 of them here) */
    cJSON_AddNumberToObject(root, "start", (double)itest_process_start_time(getpid()));
    char at[40];
    itest_format_rfc3339(at, sizeof at, itest_wall_ns());
    cJSON_AddStringToObject(root, "started_at", at);
    if (data_dir)
        cJSON_AddStringToObject(root, "data_dir", data_dir);
    cJSON *svcs = cJSON_AddObjectToObject(root, "services");
    for (size_t i = 0; i < n; i++) {
        cJSON *s = cJSON_AddObjectToObject(svcs, services[i].name);
        cJSON_AddStringToObject(s, "url", services[i].url);
        cJSON_AddNumberToObject(s, "port", services[i].port);
        cJSON_AddStringToObject(s, "mode", services[i].mode ? services[i].mode : "mock");
        cJSON_AddNumberToObject(s, "pid", getpid());
    }
    char err[4400];
    int rc = 0;
    if (itest_state_write(path, root, err, sizeof err) != 0) {
        fprintf(stderr, "itest-mock: --state-file %s\n", err);
        rc = -1;
    }
    cJSON_Delete(root);
    return rc;
}

bool mock_instance_is_ours(const char *path)
{
    char err[512];
    cJSON *root = itest_state_read(path, NULL, err, sizeof err);
    const cJSON *pid = cJSON_GetObjectItem(root, "pid");
    bool ours = cJSON_IsNumber(pid) && (pid_t)pid->valuedouble == getpid();
    cJSON_Delete(root);
    return ours;
}

/* The run of path's directory is given up when nothing else of it runs. */
static void release_dir_of(const char *path)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        itest_state_release(dir);
    }
}

int mock_instance_stop(const char *path, double timeout_s, int quiet)
{
    int missing = 0;
    char err[4400];
    cJSON *root = itest_state_read(path, &missing, err, sizeof err);
    if (!root && missing) {
        if (!quiet)
            printf("itest-mock: nothing to stop (no %s)\n", path);
        return 0;
    }
    const cJSON *pid_item = cJSON_GetObjectItem(root, "pid");
    const char *data_dir = cJSON_GetStringValue(cJSON_GetObjectItem(root, "data_dir"));
    if (!cJSON_IsNumber(pid_item) || pid_item->valuedouble < 2) {
        fprintf(stderr,
                "itest-mock: --state-file %s: not an itest-mock state file (%s); removing it\n",
                path, root ? "no pid" : err);
        cJSON_Delete(root);
        unlink(path);
        return 0;
    }
    pid_t pid = (pid_t)pid_item->valuedouble;
    /* the process the file names, not another itest-mock that got its pid since (a state file
     * without "start" is an older itest-mock's: its command line has to do) */
    const cJSON *start = cJSON_GetObjectItem(root, "start");
    bool same =
        !cJSON_IsNumber(start) || itest_process_start_time(pid) == (uint64_t)start->valuedouble;
    int rc = 0;
    if (same && itest_process_alive(pid) && itest_process_cmdline_has(pid, "itest-mock")) {
        kill(pid, SIGTERM);
        if (!itest_process_wait_gone(pid, timeout_s)) {
            fprintf(stderr,
                    "itest-mock: pid %d did not stop within %.0f s of SIGTERM; killing it\n",
                    (int)pid, timeout_s);
            kill(pid, SIGKILL);
            itest_process_wait_gone(pid, 5);
        }
        if (!quiet)
            printf("itest-mock: stopped pid %d (%s)\n", (int)pid, path);
        rc = 1;
    } else if (!quiet) {
        printf("itest-mock: pid %d from %s is not running; removing the stale state\n", (int)pid,
               path);
    }
    if (data_dir && strstr(data_dir, "itest-mock-"))
        itest_remove_tree(data_dir);
    cJSON_Delete(root);
    unlink(path);
    release_dir_of(path);
    return rc;
}

static void stop_ended(const char *dir, void *arg)
{
    int *stopped = arg;
    char path[4200];
    snprintf(path, sizeof path, "%s/mocks.json", dir);
    if (access(path, F_OK) != 0)
        return;
    if (mock_instance_stop(path, 10, 1) > 0) {
        fprintf(stderr, "itest-mock: stopped the instance an ended run left (%s)\n", path);
        ++*stopped;
    }
}

int mock_instance_reap_ended(const char *root)
{
    int stopped = 0;
    itest_state_reap_ended(root, stop_ended, &stopped);
    return stopped;
}
