/* A dead or failing replica: every request still answered, the replica left out for the
 * gateway's fail timeout, taken back after it recovers; a 500 retried on the other replica
 * (docs/gateway.md states when). */
#include "cases.h"
#include "gw.h"

#include "itest/check.h"
#include "itest/clock.h"
#include "itest/file.h"
#include "itest/measure.h"
#include "itest/mock_admin.h"
#include "itest/port.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Requests 50 ms apart for seconds, each to be answered 200 (what names the situation in a
 * failure). Returns how many. */
static int paced_requests(const char *model, double seconds, const char *what)
{
    double until = itest_now_s() + seconds;
    int n = 0;
    while (itest_now_s() < until) {
        struct itest_http_response r;
        gw_chat(&r, NULL, model, "still there?", NULL, 0);
        if (r.status != 200) {
            char label[512];
            snprintf(label, sizeof label, "%s/v1/chat/completions (%s)", gw_url(), what);
            itest_assert_http_status(&r, "POST", label, 200);
        }
        itest_http_response_free(&r);
        n++;
        itest_sleep_s(0.05);
    }
    return n;
}

/* The size of the file at path now (0 when it is missing). */
static long file_size(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* Connections to url that nginx logged as refused past offset: one per attempt at a dead
 * backend (its other lines, such as "temporarily disabled", are not attempts). */
static int logged_attempts(const char *path, long offset, const char *url)
{
    char hostport[256], needle[300], err[512];
    itest_url_host_port(url, hostport, sizeof hostport);
    snprintf(needle, sizeof needle, "upstream: \"http://%s/", hostport);
    size_t len;
    char *text = itest_read_file(path, 64 << 20, &len, err, sizeof err);
    itest_check(text != NULL, "nginx's error log, which shows its attempts: %s", err);
    int n = 0;
    for (const char *p = text && (size_t)offset <= len ? text + offset : NULL; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (memmem(p, l, needle, strlen(needle)) && memmem(p, l, "connect() failed", 16))
            n++;
        p = nl ? nl + 1 : NULL;
    }
    free(text);
    return n;
}

void gateway_replica_killed(void **state)
{
    (void)state;
    gw_require_fixture("killing a replica");
    const char *a[GW_MAX_BACKENDS];
    gw_backends(GW_MODEL, a, 2);
    double fail_s = gw_fail_timeout_s();
    const char *log = gw_fixture_log();
    long offset = file_size(log);
    gw_kill_backend(a[1]);
    double window = 3 * fail_s + 0.5;
    int n = paced_requests(GW_MODEL, window, "a replica killed");
    int attempts = logged_attempts(log, offset, a[1]);
    int allowed = (int)(window / fail_s) + 2;
    itest_measure("requests_while_down", n);
    itest_measure("attempts_at_dead_replica", attempts);
    itest_check(attempts >= 1,
                "nginx's log %s shows no attempt at the killed %s: the case "
                "could not see it left out",
                log, a[1]);
    itest_check(attempts <= allowed,
                "with %s killed, the gateway tried it %d times in %.1f s (of %d requests): a "
                "failed replica should be left out for its fail timeout of %.1f s, so at most %d",
                a[1], attempts, window, n, fail_s, allowed);
    /* recovery: started again, it receives requests within the fail timeout and a margin */
    gw_restart_backend(a[1]);
    double until = itest_now_s() + fail_s + 3;
    long back = 0;
    while (itest_now_s() < until && (back = gw_count(a[1])) == 0) {
        struct itest_http_response r;
        gw_chat(&r, NULL, GW_MODEL, "are you back?", NULL, 0);
        itest_assert_http_status(&r, "POST", "/v1/chat/completions", 200);
        itest_http_response_free(&r);
        itest_sleep_s(0.05);
    }
    itest_check(back > 0,
                "%s was started again, but got no request through the gateway in %.1f s "
                "(its fail timeout %.1f s and 3 s more)",
                a[1], fail_s + 3, fail_s);
}

void gateway_failing_replica_left_out(void **state)
{
    (void)state;
    const char *a[GW_MAX_BACKENDS];
    gw_backends(GW_MODEL, a, 2);
    double fail_s = gw_fail_timeout_s();
    gw_fault(a, 1, "{\"response\": {\"fault\": \"EMPTY_RESPONSE\"}}");
    double window = 3 * fail_s + 0.5;
    int n = paced_requests(GW_MODEL, window, "a replica closing every connection");
    long hits = gw_count(a[0]);
    int allowed = (int)(window / fail_s) + 2;
    itest_measure("requests", n);
    itest_measure("attempts_at_failing_replica", (double)hits);
    itest_check(hits <= allowed,
                "%s closed every connection, yet the gateway sent it %ld of %d requests in %.1f "
                "s: a failed replica should be left out for %.1f s, so at most %d",
                a[0], hits, n, window, fail_s, allowed);
    itest_check(hits >= 1, "%s got none of %d requests: the case could not see it fail", a[0], n);
}

void gateway_500_retried_on_other_replica(void **state)
{
    (void)state;
    const char *a[GW_MAX_BACKENDS];
    gw_backends(GW_MODEL, a, 2);
    gw_fault(a, 1,
             "{\"request\": {\"urlPath\": \"/v1/chat/completions\"}, "
             "\"response\": {\"status\": 500}}");
    for (int i = 0; i < 6; i++) {
        struct itest_http_response r;
        gw_chat(&r, NULL, GW_MODEL, "retry me elsewhere", NULL, 0);
        itest_assert_http_status(&r, "POST", "/v1/chat/completions", 200);
        itest_http_response_free(&r);
    }
    long failed = gw_count_status(a[0], 500);
    itest_check(failed >= 1,
                "%s answers 500, but none of 6 requests went there first: the case "
                "could not see a retry",
                a[0]);
    itest_measure("answered_500_then_retried", (double)failed);
}

void gateway_single_replica_500_passes(void **state)
{
    (void)state;
    const char *b[GW_MAX_BACKENDS];
    gw_backends(GW_SINGLE, b, 1);
    gw_fault(b, 1,
             "{\"request\": {\"urlPath\": \"/v1/chat/completions\"}, "
             "\"times\": 1, \"response\": {\"status\": 500}}");
    struct itest_http_response r;
    gw_chat(&r, NULL, GW_SINGLE, "fail once", NULL, 0);
    itest_assert_http_status(&r, "POST", "/v1/chat/completions", 500);
    cJSON *err = cJSON_Parse(r.body);
    bool openai = cJSON_IsObject(cJSON_GetObjectItem(err, "error"));
    cJSON_Delete(err);
    itest_check(openai,
                "the backend's 500 reached the client without its OpenAI error body: "
                "%.300s",
                r.body);
    itest_http_response_free(&r);
}
