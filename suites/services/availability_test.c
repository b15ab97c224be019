/* Availability: each service's /health and /metrics, and the latency of each main call as
 * measurements. */
#include "cases.h"
#include "svc.h"

#include "itest/measure.h"
#include "itest/number.h"
#include "itest/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void health(enum itest_service s)
{
    char url[SVC_URL_MAX];
    svc_url(url, s, "/health");
    struct itest_http_response r;
    cJSON *h = svc_call(&r, "GET", url, NULL, 200);
    itest_assert_json_string(h, "status", "ok");
    itest_assert_json_string(h, "service", itest_service_name(s));
    itest_assert_json_type(h, "version", cJSON_String);
    char name[64];
    snprintf(name, sizeof name, "health_ms");
    itest_measure(name, r.total_s * 1000);
    cJSON_Delete(h);
    itest_http_response_free(&r);
}

void health_task_registry(void **state)
{
    health(ITEST_TASK_REGISTRY);
}

void health_repo_pool(void **state)
{
    health(ITEST_REPO_POOL);
}

void health_artifact_store(void **state)
{
    health(ITEST_ARTIFACT_STORE);
}

/* Reads Prometheus text exposition (version 0.0.4): fails naming the first line that is not a
 * comment, blank or "name{labels} value [timestamp]"; returns the sum of name's samples. */
static double exposition_sum(const char *text, const char *url, const char *name)
{
    double sum = 0;
    int line_no = 0;
    for (const char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        line_no++;
        if (len > 0 && line[0] != '#') {
            char sample[1024];
            snprintf(sample, sizeof sample, "%.*s", (int)(len < 1000 ? len : 1000), line);
            size_t n =
                strspn(sample, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:0123456789");
            bool named = n > 0 && !(sample[0] >= '0' && sample[0] <= '9');
            char *rest = sample + n;
            if (named && *rest == '{') {
                char *close = strchr(rest, '}');
                rest = close ? close + 1 : NULL;
            }
            char *value = rest && *rest == ' ' ? rest + 1 : NULL;
            char *end = value ? strchr(value, ' ') : NULL;
            if (end)
                *end = '\0'; /* a timestamp may follow */
            double v = 0;
            bool number = value && (itest_parse_double(&v, value, -1e308, 1e308) == 0 ||
                                    strcmp(value, "NaN") == 0 || strcmp(value, "+Inf") == 0 ||
                                    strcmp(value, "-Inf") == 0);
            itest_check(named && number,
                        "GET %s: line %d is not Prometheus text (name{labels} value): %s", url,
                        line_no, sample);
            if (strncmp(sample, name, strlen(name)) == 0 &&
                (sample[strlen(name)] == '{' || sample[strlen(name)] == ' '))
                sum += v;
        }
        line += len + (line[len] == '\n');
    }
    return sum;
}

/* GET /metrics of s: 200, text/plain, the text (malloc'd). */
static char *scrape(enum itest_service s, char url[SVC_URL_MAX])
{
    svc_url(url, s, "/metrics");
    struct itest_http_response r;
    svc_send(&r, "GET", url, NULL, -1);
    itest_assert_http_status(&r, "GET", url, 200);
    const char *type = itest_http_header(&r, "Content-Type");
    itest_check(type && strncmp(type, "text/plain", 10) == 0,
                "GET %s: Content-Type %s, not the text/plain of the Prometheus text format", url,
                type ? type : "(none)");
    char *text = strndup(r.body ? r.body : "", r.body_len);
    itest_http_response_free(&r);
    return text;
}

/* Every platform service's /metrics is Prometheus text; on the mock, itest_mock_requests_total
 * (docs/mocks.md) counts the requests this case sends. */
void metrics_count_requests(void **state)
{
    enum { CALLS = 5 };
    static const enum itest_service services[] = {ITEST_TASK_REGISTRY, ITEST_REPO_POOL,
                                                  ITEST_ARTIFACT_STORE};
    for (size_t i = 0; i < sizeof services / sizeof *services; i++) {
        enum itest_service s = services[i];
        char url[SVC_URL_MAX], health[SVC_URL_MAX];
        char *text = scrape(s, url);
        double before = exposition_sum(text, url, "itest_mock_requests_total");
        free(text);
        if (!itest_service_is_mock(s)) {
            itest_progress("%s is not the mock: its /metrics format is checked, not the mock's "
                           "request counter",
                           itest_service_name(s));
            continue;
        }
        svc_url(health, s, "/health");
        for (int k = 0; k < CALLS; k++)
            cJSON_Delete(svc_call(NULL, "GET", health, NULL, 200));
        text = scrape(s, url);
        double after = exposition_sum(text, url, "itest_mock_requests_total");
        free(text);
        /* other cases may add to the counter, never take from it */
        itest_check(after - before >= CALLS,
                    "GET %s: itest_mock_requests_total rose by %.0f after this case's %d requests",
                    url, after - before, CALLS);
    }
}

/* Times n calls of method url body and reports p50/p95/max in ms under prefix. */
static void time_calls(const char *prefix, const char *method, const char *url, const char *body,
                       long expect, int n)
{
    struct itest_stats *st = itest_stats_new();
    for (int i = 0; i < n; i++) {
        struct itest_http_response r;
        cJSON_Delete(svc_call(&r, method, url, body, expect));
        itest_stats_add(st, r.total_s * 1000);
        itest_http_response_free(&r);
    }
    char name[96];
    snprintf(name, sizeof name, "%s_p50_ms", prefix);
    itest_measure(name, itest_stats_percentile(st, 50));
    snprintf(name, sizeof name, "%s_p95_ms", prefix);
    itest_measure(name, itest_stats_percentile(st, 95));
    snprintf(name, sizeof name, "%s_max_ms", prefix);
    itest_measure(name, itest_stats_max(st));
    itest_stats_free(st);
}

void latency_per_call(void **state)
{
    enum { N = 50 };
    char url[SVC_URL_MAX], title[256], body[512];
    svc_unique(title, sizeof title, "latency");
    snprintf(body, sizeof body, "{\"title\": \"%s\", \"spec\": \"s\", \"priority\": 1}", title);
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks");
    time_calls("task_create", "POST", url, body, 201, N);
    char *id = svc_create_task(title, 1);
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s", id);
    time_calls("task_get", "GET", url, NULL, 200, N);
    svc_url(url, ITEST_REPO_POOL, "/slots");
    time_calls("slots_list", "GET", url, NULL, 200, N);
    char key[512];
    svc_unique(key, sizeof key, "latency");
    svc_track_artifact(key);
    svc_url(url, ITEST_ARTIFACT_STORE, "/artifacts/%s", key);
    struct itest_http_response r;
    cJSON_Delete(svc_call(&r, "PUT", url, "{\"small\": true}", 201));
    itest_measure("artifact_put_ms", r.total_s * 1000);
    itest_http_response_free(&r);
    time_calls("artifact_get", "GET", url, NULL, 200, N);
    free(id);
}
