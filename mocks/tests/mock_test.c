#include "mock_test.h"
#include "shell.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MOCK_EXE
#error "MOCK_EXE must name the itest-mock binary"
#endif

static const char *const service_names[5] = {"task-registry", "repo-pool", "artifact-store", "llm",
                                             "vector"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mock_start(struct mock *m, const char *const *args)
{
    memset(m, 0, sizeof *m);
    const char *tmp = getenv("TMPDIR");
    snprintf(m->dir, sizeof m->dir, "%s/itest-mock-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(m->dir))
        itest_fail("mkdtemp %s: %s", m->dir, strerror(errno));
    snprintf(m->state, sizeof m->state, "%s/state.json", m->dir);
    snprintf(m->log, sizeof m->log, "%s/mock.log", m->dir);
    char out_path[320];
    snprintf(out_path, sizeof out_path, "%s/output.txt", m->dir);
    const char *argv[64] = {MOCK_EXE, "--state-file", m->state, "--log",
                            m->log,   "--data-dir",   m->dir};
    size_t argc = 7;
    for (size_t i = 0; args && args[i] && argc < 62; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    pid_t parent = getpid();
    m->pid = fork();
    if (m->pid < 0)
        itest_fail("fork: %s", strerror(errno));
    if (m->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* a failing case must not leave it running */
        if (getppid() != parent)
            _exit(127);
        FILE *out = fopen(out_path, "w");
        if (out) {
            dup2(fileno(out), STDOUT_FILENO);
            dup2(fileno(out), STDERR_FILENO);
        }
        execv(MOCK_EXE, (char *const *)argv);
        _exit(127);
    }
    double deadline = now_s() + 10;
    struct stat st;
    while (stat(m->state, &st) != 0) {
        int status;
        if (waitpid(m->pid, &status, WNOHANG) == m->pid || now_s() > deadline) {
            char *said = read_file(out_path);
            if (now_s() > deadline)
                kill(m->pid, SIGKILL);
            m->pid = 0;
            itest_fail("itest-mock did not write %s within 10 s; it printed: %s", m->state,
                       said ? said : "(nothing)");
        }
        nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    char *text = read_file(m->state);
    if (!text)
        itest_fail("cannot read %s", m->state);
    cJSON *root = itest_json_parse_or_fail(text, strlen(text), m->state);
    free(text);
    for (int s = 0; s < 5; s++) {
        char path[64];
        const char *url;
        snprintf(path, sizeof path, "services.%s.url", service_names[s]);
        if (itest_json_get_string(&url, root, path) == 0)
            snprintf(m->url[s], sizeof m->url[s], "%s", url);
    }
    cJSON_Delete(root);
}

int mock_stop(struct mock *m)
{
    if (m->pid <= 0)
        return -1;
    kill(m->pid, SIGTERM);
    double deadline = now_s() + 10;
    int status = 0;
    while (waitpid(m->pid, &status, WNOHANG) == 0) {
        if (now_s() > deadline) {
            kill(m->pid, SIGKILL);
            waitpid(m->pid, &status, 0);
            m->pid = 0;
            return -1;
        }
        nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    m->pid = 0;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", m->dir);
    (void)!system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

long mock_peak_rss_kib(const struct mock *m)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)m->pid);
    char *text = read_file(path);
    const char *hwm = text ? strstr(text, "VmHWM:") : NULL;
    long kib = hwm ? strtol(hwm + 6, NULL, 10) : -1;
    free(text);
    return kib;
}

int mt_send(struct itest_http_response *resp, const char *method, const char *url, const char *body,
            const char *const *headers)
{
    const char *json_headers[] = {"Content-Type: application/json", NULL};
    struct itest_http_request req = {.method = method,
                                     .url = url,
                                     .headers = headers ? headers
                                                : body  ? json_headers
                                                        : NULL,
                                     .body = body,
                                     .body_len = body ? strlen(body) : 0,
                                     .retries = 0,
                                     .timeout_s = 30};
    return itest_http_send(resp, &req);
}

cJSON *mt_expect_at(const char *file, int line, struct itest_http_response *resp,
                    const char *method, const char *url, const char *body, long expected)
{
    mt_send(resp, method, url, body, NULL);
    itest_http_assert_status_at(file, line, resp, method, url, expected);
    if (!resp->body || resp->body_len == 0)
        return NULL;
    return itest_json_parse_or_fail_at(file, line, resp->body, resp->body_len, url);
}

const char *mt_url(const char *base, const char *path)
{
    static __thread char buf[2048];
    snprintf(buf, sizeof buf, "%s%s", base, path);
    return buf;
}

long mt_fault_at(const char *file, int line, const char *base, const char *json)
{
    struct itest_http_response resp;
    cJSON *answer =
        mt_expect_at(file, line, &resp, "POST", mt_url(base, "/__admin/faults"), json, 201);
    long long id = -1;
    itest_json_get_int(&id, answer, "id");
    cJSON_Delete(answer);
    itest_http_response_free(&resp);
    return (long)id;
}
