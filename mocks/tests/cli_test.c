/* itest-mock as a program: flags, bad input, readiness, signals, --detach/--stop/--replace. */
#include "mock_test.h"
#include "itest/measure.h"
#include "shell.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void help_version_and_bad_flags(void **state)
{
    char *out;
    assert_int_equal(shell_run(&out, 10, "'%s' --help", MOCK_EXE), 0);
    assert_contains(out, "--state-file");
    assert_contains(out, "--faults FILE");
    assert_contains(out, "--mutate NAME");
    free(out);
    assert_int_equal(shell_run(&out, 10, "'%s' --list-mutations", MOCK_EXE), 0);
    assert_contains(out, "registry.updated_at_frozen\ttask-registry\tupdated_at never changes");
    assert_contains(out, "all.error_body_flat\tall\t");
    free(out);
    assert_int_equal(shell_run(&out, 10, "'%s' --version", MOCK_EXE), 0);
    assert_contains(out, "itest-mock ");
    free(out);
    const struct {
        const char *args, *says;
    } cases[] = {
        {"--service ftp", "--service='ftp' is not one of task-registry"},
        {"--port 70000", "--port='70000' is not a port number 0..65535"},
        {"--port -1", "--port='-1' is not a port"},
        {"--capacity 0", "--capacity='0' is not a slot count"},
        {"--max-artifact-bytes 12X", "--max-artifact-bytes='12X' is not a positive size"},
        {"--ttft-ms soon", "--ttft-ms='soon' is not milliseconds"},
        {"--threads 0", "--threads='0' is not a count 1..256"},
        {"--frobnicate", "unknown option --frobnicate"},
        {"--state-file", "needs a value"},
        {"extra", "unexpected argument extra"},
        {"--stop", "--stop needs --state-file"},
        {"--api-key ''", "--api-key='' is not a non-empty key"},
        {"--vector-api-key ''", "--vector-api-key='' is not a non-empty key"},
        {"--admin-token ''", "--admin-token='' is not a non-empty token"},
        {"--max-points 0", "--max-points='0' is not a count 1..100000000"},
        {"--mutate registry.spec_dropped,nope",
         "--mutate='nope' is not a mutation itest-mock knows"},
        {"--mutate ''", "--mutate='' is not a comma-separated list of mutations"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = shell_run(&out, 10, "'%s' %s", MOCK_EXE, cases[i].args);
        if (rc != 2)
            itest_fail("itest-mock %s exited %d, expected 2; it said: %s", cases[i].args, rc, out);
        assert_contains(out, cases[i].says);
        free(out);
    }
}

static void bad_files_and_busy_port_fail_to_start(void **state)
{
    char dir[] = "/tmp/itest-mock-cli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *out;
    int rc = shell_run(&out, 10,
                       "cd %s && printf '[{\"response\":{\"fault\":\"BOOM\"}}]' > faults.json && "
                       "'%s' --faults faults.json --state-file s.json",
                       dir, MOCK_EXE);
    assert_int_equal(rc, 1);
    assert_contains(out, "--faults faults.json: fault [0]: response.fault: unknown fault \"BOOM\"");
    free(out);
    rc = shell_run(&out, 10,
                   "cd %s && printf '{\"rules\": [{\"match\": \"(\", \"reply\": \"x\"}]}' > r.json "
                   "&& '%s' --service llm --rules r.json",
                   dir, MOCK_EXE);
    assert_int_equal(rc, 1);
    assert_contains(out, "r.json: rule [0].match");
    free(out);
    rc = shell_run(&out, 10,
                   "cd %s && printf '{\"rules\": [{\"contains\": \"x\", \"cite\": \"[a\", "
                   "\"reply\": \"x\"}, {\"contains\": \"y\", \"cite\": \"y\", \"json\": 1}]}' "
                   "> r3.json && '%s' --service llm --rules r3.json",
                   dir, MOCK_EXE);
    assert_int_equal(rc, 1);
    assert_contains(out, "r3.json: rule [0].cite: not a POSIX extended regular expression");
    free(out);
    rc = shell_run(&out, 10, "cd %s && printf '{oops' > r2.json && '%s' --rules r2.json", dir,
                   MOCK_EXE);
    assert_int_equal(rc, 1);
    assert_contains(out, "r2.json:1:");
    free(out);
    rc = shell_run(&out, 10, "'%s' --rules /nonexistent/rules.json", MOCK_EXE);
    assert_int_equal(rc, 1);
    assert_contains(out, "/nonexistent/rules.json: No such file or directory");
    free(out);
    /* an LLM profile that does not parse, or names a capability no suite knows */
    rc = shell_run(&out, 10,
                   "cd %s && printf '{\"profile\": ' > p.json && '%s' --service llm --llm-profile "
                   "p.json",
                   dir, MOCK_EXE);
    assert_int_equal(rc, 1);
    assert_contains(out, "--llm-profile p.json:1:");
    free(out);
    rc = shell_run(&out, 10,
                   "cd %s && printf '{\"profile\": \"x\", \"version\": \"1\", \"source\": \"s\", "
                   "\"about\": \"a\", \"capabilities\": {\"teleport\": true}}' > p2.json && '%s' "
                   "--service llm --llm-profile p2.json",
                   dir, MOCK_EXE);
    assert_int_equal(rc, 1);
    assert_contains(out, "--llm-profile p2.json: capabilities.teleport: not a capability");
    free(out);
    rc = shell_run(&out, 10, "'%s' --bind localhost", MOCK_EXE);
    assert_int_equal(rc, 1);
    assert_contains(out, "--bind localhost: not a numeric");
    free(out);
    /* a port already taken */
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "repo-pool", NULL});
    const char *port = strrchr(m.url[POOL], ':') + 1;
    rc = shell_run(&out, 10, "'%s' --service repo-pool --port %s --state-file %s/s.json", MOCK_EXE,
                   port, dir);
    assert_int_equal(rc, 1);
    assert_contains(out, "cannot listen on 127.0.0.1 port");
    free(out);
    struct stat st;
    char state_path[128];
    snprintf(state_path, sizeof state_path, "%s/s.json", dir);
    assert_int_not_equal(stat(state_path, &st), 0); /* no state file when not ready */
    assert_int_equal(mock_stop(&m), 0);
    shell_run(&out, 10, "rm -rf %s", dir);
    free(out);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void ready_fast_and_stops_cleanly_on_signals(void **state)
{
    int signals[] = {SIGTERM, SIGINT};
    for (int i = 0; i < 2; i++) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        struct mock m;
        mock_start(&m, NULL);
        itest_measure(i == 0 ? "start_to_ready_ms" : "start_to_ready_again_ms",
                      seconds_since(&t0) * 1e3);
        for (int s = 0; s < 4; s++) {
            struct itest_http_response r;
            mt_send(&r, s % 2 ? "HEAD" : "GET", mt_url(m.url[s], "/health"), NULL, NULL);
            itest_assert_http_status(&r, s % 2 ? "HEAD" : "GET", m.url[s], 200);
            itest_http_response_free(&r);
        }
        /* a delayed request in flight must not stop the shutdown */
        mt_fault(m.url[TR], "{\"response\":{\"fixedDelayMilliseconds\":60000}}");
        char cmd[300];
        snprintf(cmd, sizeof cmd, "curl -s -m 30 %s/health >/dev/null 2>&1 &", m.url[TR]);
        (void)!system(cmd);
        usleep(100 * 1000);
        kill(m.pid, signals[i]);
        int status;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (waitpid(m.pid, &status, WNOHANG) == 0 && seconds_since(&t0) < 10)
            usleep(5000);
        if (seconds_since(&t0) >= 10)
            itest_fail("itest-mock did not stop within 10 s of signal %d", signals[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        struct stat st;
        if (stat(m.state, &st) == 0)
            itest_fail("the state file %s outlived the mock", m.state);
        m.pid = 0;
        char *out;
        shell_run(&out, 10, "rm -rf %s", m.dir);
        free(out);
    }
}

/* Alive and not a zombie (a detached mock is reparented; its reaper may be slow). */
static bool running(long long pid)
{
    char path[64], state = 'X';
    snprintf(path, sizeof path, "/proc/%lld/stat", pid);
    FILE *in = fopen(path, "r");
    if (!in)
        return false;
    if (fscanf(in, "%*d (%*[^)]) %c", &state) != 1)
        state = 'X';
    fclose(in);
    return state != 'Z' && state != 'X';
}

/* The directory of a case that detaches mocks; the teardown stops them even if it failed. */
static char detached_dir[64];

static int stop_detached(void **state)
{
    if (detached_dir[0]) {
        char *out;
        shell_run(&out, 30, "'%s' --stop --state-file %s/m.json >/dev/null; rm -rf %s", MOCK_EXE,
                  detached_dir, detached_dir);
        free(out);
    }
    return 0;
}

static void detach_stop_and_replace(void **state)
{
    snprintf(detached_dir, sizeof detached_dir, "/tmp/itest-mock-cli-XXXXXX");
    char *dir = mkdtemp(detached_dir);
    assert_non_null(dir);
    char *out;
    int rc = shell_run(&out, 20, "'%s' --detach --state-file %s/m.json --data-dir %s", MOCK_EXE,
                       dir, dir);
    assert_int_equal(rc, 0);
    assert_contains(out, "itest-mock: task-registry http://127.0.0.1:");
    free(out);
    char path[128];
    snprintf(path, sizeof path, "%s/m.json", dir);
    char *text = read_file(path);
    assert_non_null(text);
    cJSON *first = itest_json_parse_or_fail(text, strlen(text), path);
    free(text);
    long long pid1;
    assert_int_equal(itest_json_get_int(&pid1, first, "pid"), 0);
    assert_true(running(pid1));
    /* --replace stops the one left behind (as after an interrupted run) */
    rc = shell_run(&out, 20, "'%s' --detach --replace --state-file %s/m.json --data-dir %s",
                   MOCK_EXE, dir, dir);
    assert_int_equal(rc, 0);
    assert_contains(out, "stopped a previous instance");
    free(out);
    usleep(50 * 1000);
    if (running(pid1))
        itest_fail("--replace left pid %lld running", pid1);
    text = read_file(path);
    cJSON *second = itest_json_parse_or_fail(text, strlen(text), path);
    free(text);
    long long pid2;
    itest_json_get_int(&pid2, second, "pid");
    const char *data_dir;
    assert_int_equal(itest_json_get_string(&data_dir, second, "data_dir"), 0);
    char data_copy[256];
    snprintf(data_copy, sizeof data_copy, "%s", data_dir);
    /* a stale file whose pid has come round to another itest-mock (this one) stops nothing */
    rc = shell_run(&out, 20,
                   "echo '{\"pid\": %lld, \"start\": 1}' > %s/stale.json && '%s' --stop "
                   "--state-file %s/stale.json",
                   pid2, dir, MOCK_EXE, dir);
    assert_int_equal(rc, 0);
    assert_contains(out, "not running");
    free(out);
    if (!running(pid2))
        itest_fail("--stop of a stale state file stopped pid %lld, which it does not name", pid2);
    rc = shell_run(&out, 20, "'%s' --stop --state-file %s/m.json", MOCK_EXE, dir);
    assert_int_equal(rc, 0);
    assert_contains(out, "stopped pid");
    free(out);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);
    assert_int_not_equal(stat(data_copy, &st), 0);
    if (running(pid2))
        itest_fail("--stop left pid %lld running", pid2);
    /* stopping again, and a stale file naming a dead pid, are not errors */
    rc = shell_run(&out, 20, "'%s' --stop --state-file %s/m.json", MOCK_EXE, dir);
    assert_int_equal(rc, 0);
    assert_contains(out, "nothing to stop");
    free(out);
    rc = shell_run(&out, 20,
                   "echo '{\"pid\": 999999}' > %s/m.json && '%s' --stop --state-file %s/m.json",
                   dir, MOCK_EXE, dir);
    assert_int_equal(rc, 0);
    assert_contains(out, "not running");
    free(out);
    cJSON_Delete(first);
    cJSON_Delete(second);
    shell_run(&out, 10, "rm -rf %s", dir);
    free(out);
}

static void skip_configured_and_faults_file(void **state)
{
    snprintf(detached_dir, sizeof detached_dir, "/tmp/itest-mock-cli-XXXXXX");
    char *dir = mkdtemp(detached_dir);
    assert_non_null(dir);
    char *out;
    int rc = shell_run(&out, 20,
                       "cd %s && printf '[{\"service\":\"repo-pool\",\"response\":{\"status\":"
                       "503}}]' > f.json && TASK_REGISTRY_URL=http://tr.example LLM_BASE_URL= "
                       "OPENAI_BASE_URL=http://llm.example '%s' --skip-configured --detach "
                       "--faults f.json --state-file m.json",
                       dir, MOCK_EXE);
    assert_int_equal(rc, 0);
    assert_contains(out, "task-registry not started: TASK_REGISTRY_URL is set");
    assert_contains(out, "llm not started: OPENAI_BASE_URL is set");
    free(out);
    char path[128];
    snprintf(path, sizeof path, "%s/m.json", dir);
    char *text = read_file(path);
    cJSON *st = itest_json_parse_or_fail(text, strlen(text), path);
    free(text);
    assert_null(itest_json_get(st, "services.task-registry"));
    assert_null(itest_json_get(st, "services.llm"));
    const char *pool, *store;
    assert_int_equal(itest_json_get_string(&pool, st, "services.repo-pool.url"), 0);
    assert_int_equal(itest_json_get_string(&store, st, "services.artifact-store.url"), 0);
    struct itest_http_response r;
    mt_send(&r, "GET", mt_url(pool, "/slots"), NULL, NULL);
    itest_assert_http_status(&r, "GET", "repo-pool under the --faults file", 503);
    itest_http_response_free(&r);
    mt_send(&r, "GET", mt_url(store, "/health"), NULL, NULL);
    itest_assert_http_status(&r, "GET", "artifact-store (no fault for it)", 200);
    itest_http_response_free(&r);
    cJSON_Delete(st);
    rc = shell_run(&out, 20, "'%s' --stop --state-file %s/m.json; rm -rf %s", MOCK_EXE, dir, dir);
    free(out);
}

static void garbage_instead_of_http(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    const char *port = strrchr(m.url[TR], ':') + 1;
    const char *payloads[] = {
        "\\x00\\x01\\x02\\xff\\xfe garbage\\r\\n\\r\\n",
        "GET /health HTTP/9.9\\r\\n\\r\\n",
        "POST /tasks HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: -5\\r\\n\\r\\n",
        "GET /health HTTP/1.1\\r\\nHost: x\\r\\nBad Header Without Colon\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\n",
    };
    for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        char *out;
        /* bash's /dev/tcp: send raw bytes, read whatever comes back until the server closes */
        int rc = shell_run(&out, 15,
                           "exec 3<>/dev/tcp/127.0.0.1/%s && printf '%s' >&3 && "
                           "timeout 5 cat <&3 | head -c 200; echo",
                           port, payloads[i]);
        (void)rc;
        /* either a 4xx status line or a closed connection; never a hang or a 2xx */
        if (strstr(out, "HTTP/1.1 2"))
            itest_fail("payload %zu was answered with success: %s", i, out);
        free(out);
    }
    struct itest_http_response r;
    mt_send(&r, "GET", mt_url(m.url[TR], "/health"), NULL, NULL);
    itest_assert_http_status(&r, "GET", "/health after garbage", 200);
    itest_http_response_free(&r);
    /* an oversized JSON body: 413 with the service's error body */
    size_t big = 9u << 20;
    char *body = malloc(big + 1);
    memset(body, ' ', big);
    body[big] = '\0';
    body[0] = '{';
    body[big - 1] = '}';
    cJSON *err = mt_expect(&r, "POST", mt_url(m.url[TR], "/tasks"), body, 413);
    mt_assert_error(err, "payload_too_large");
    cJSON_Delete(err);
    itest_http_response_free(&r);
    free(body);
    assert_int_equal(mock_stop(&m), 0);
}

static const struct itest_case cases[] = {
    ITEST_CASE(help_version_and_bad_flags),
    ITEST_CASE(bad_files_and_busy_port_fail_to_start),
    ITEST_CASE(ready_fast_and_stops_cleanly_on_signals),
    ITEST_CASE_SETUP(detach_stop_and_replace, NULL, stop_detached),
    ITEST_CASE_SETUP(skip_configured_and_faults_file, NULL, stop_detached),
    ITEST_CASE(garbage_instead_of_http),
};

ITEST_SUITE_MAIN(cases)
