#include "instance.h"
#include "util.h"
#include "itest/process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int mock_instance_write(const char *path, const struct mock_service *services, size_t n,
                        const char *data_dir)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "pid", getpid());
    char at[40];
    mock_rfc3339(at, sizeof at, mock_wall_ns());
    cJSON_AddStringToObject(root, "started_at", at);
    if (data_dir)
        cJSON_AddStringToObject(root, "data_dir", data_dir);
    cJSON *svcs = cJSON_AddObjectToObject(root, "services");
    for (size_t i = 0; i < n; i++) {
        cJSON *s = cJSON_AddObjectToObject(svcs, services[i].name);
        cJSON_AddStringToObject(s, "url", services[i].url);
        cJSON_AddNumberToObject(s, "port", services[i].port);
        cJSON_AddNumberToObject(s, "pid", getpid());
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) {
        fprintf(stderr, "itest-mock: out of memory\n");
        return -1;
    }
    char err[4400];
    int rc = 0;
    if (itest_write_file_atomic(path, text, err, sizeof err) != 0) {
        fprintf(stderr, "itest-mock: --state-file %s\n", err);
        rc = -1;
    }
    free(text);
    return rc;
}

int mock_instance_stop(const char *path, double timeout_s, int quiet)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        if (errno == ENOENT) {
            if (!quiet)
                printf("itest-mock: nothing to stop (no %s)\n", path);
            return 0;
        }
        fprintf(stderr, "itest-mock: --state-file %s: %s\n", path, strerror(errno));
        return -1;
    }
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[n] = '\0';
    cJSON *root = cJSON_Parse(text);
    const cJSON *pid_item = cJSON_GetObjectItem(root, "pid");
    const char *data_dir = cJSON_GetStringValue(cJSON_GetObjectItem(root, "data_dir"));
    if (!cJSON_IsNumber(pid_item) || pid_item->valuedouble < 2) {
        fprintf(stderr,
                "itest-mock: --state-file %s: not an itest-mock state file (no pid); "
                "removing it\n",
                path);
        cJSON_Delete(root);
        unlink(path);
        return 0;
    }
    pid_t pid = (pid_t)pid_item->valuedouble;
    int rc = 0;
    if (itest_process_alive(pid) && itest_process_cmdline_has(pid, "itest-mock")) {
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
    return rc;
}
