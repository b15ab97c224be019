#include "instance.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
    char *tmp;
    if (!text || asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
        free(text);
        fprintf(stderr, "itest-mock: out of memory\n");
        return -1;
    }
    FILE *out = fopen(tmp, "w");
    int rc = -1;
    if (!out) {
        fprintf(stderr, "itest-mock: --state-file %s: cannot create %s: %s\n", path, tmp,
                strerror(errno));
    } else {
        bool ok = fputs(text, out) >= 0 && fputc('\n', out) != EOF && fflush(out) == 0;
        ok = fclose(out) == 0 && ok;
        if (!ok || rename(tmp, path) != 0) {
            fprintf(stderr, "itest-mock: --state-file %s: %s\n", path, strerror(errno));
            unlink(tmp);
        } else {
            rc = 0;
        }
    }
    free(tmp);
    free(text);
    return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void mock_remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* True when pid runs an itest-mock binary (a recycled pid must not be killed). */
static bool is_mock(pid_t pid)
{
    char path[64], cmd[4096];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    FILE *in = fopen(path, "rb");
    if (!in)
        return false;
    size_t n = fread(cmd, 1, sizeof cmd - 1, in);
    fclose(in);
    cmd[n] = '\0'; /* argv[0] only: it ends at the first NUL */
    const char *base = strrchr(cmd, '/');
    return strstr(base ? base + 1 : cmd, "itest-mock") != NULL;
}

static bool alive(pid_t pid)
{
    if (kill(pid, 0) != 0)
        return false;
    /* a zombie child of ours counts as gone */
    char path[64], state = '?';
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *in = fopen(path, "r");
    if (in) {
        if (fscanf(in, "%*d (%*[^)]) %c", &state) != 1)
            state = '?';
        fclose(in);
    }
    return state != 'Z';
}

static bool wait_gone(pid_t pid, double timeout_s)
{
    uint64_t deadline = mock_now_ns() + (uint64_t)(timeout_s * 1e9);
    while (alive(pid)) {
        if (mock_now_ns() > deadline)
            return false;
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    }
    return true;
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
    if (alive(pid) && is_mock(pid)) {
        kill(pid, SIGTERM);
        if (!wait_gone(pid, timeout_s)) {
            fprintf(stderr,
                    "itest-mock: pid %d did not stop within %.0f s of SIGTERM; killing it\n",
                    (int)pid, timeout_s);
            kill(pid, SIGKILL);
            wait_gone(pid, 5);
        }
        if (!quiet)
            printf("itest-mock: stopped pid %d (%s)\n", (int)pid, path);
        rc = 1;
    } else if (!quiet) {
        printf("itest-mock: pid %d from %s is not running; removing the stale state\n", (int)pid,
               path);
    }
    if (data_dir && strstr(data_dir, "itest-mock-"))
        mock_remove_tree(data_dir);
    cJSON_Delete(root);
    unlink(path);
    return rc;
}
