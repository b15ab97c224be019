/* Availability: each service's /health, and the latency of each main call as measurements. */
#include "cases.h"
#include "svc.h"

#include "itest/measure.h"
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
