/* The monitoring suite through Prometheus' HTTP API: every target scraped, the contract's metrics
 * there with their types and labels, counters that rise by exactly the requests made, histograms
 * that add up, and scrapes that stay quick. */
#include "cases.h"
#include "prom.h"

#include "itest/check.h"
#include "itest/clock.h"
#include "itest/config.h"
#include "itest/http.h"
#include "itest/json.h"
#include "itest/json_parse.h"
#include "itest/measure.h"
#include "itest/mock_admin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void monitoring_targets_up(void **state)
{
    (void)state;
    char down[4096] = "";
    int n = 0;
    /* a target the fixture just added may not have been scraped yet: give it a few intervals */
    double until = itest_now_s() + 3 * itest_prom_interval_s() + 2;
    do {
        cJSON *root = itest_prom_api_get("/api/v1/targets?state=active");
        const cJSON *t;
        down[0] = '\0';
        n = 0;
        cJSON_ArrayForEach(t, itest_json_get(root, "data.activeTargets"))
        {
            n++;
            const char *health = cJSON_GetStringValue(cJSON_GetObjectItem(t, "health"));
            if (health && strcmp(health, "up") == 0)
                continue;
            size_t len = strlen(down);
            snprintf(down + len, sizeof down - len, "%s%s %s (%s: %s)", len ? "; " : "",
                     cJSON_GetStringValue(itest_json_get(t, "labels.job")),
                     cJSON_GetStringValue(cJSON_GetObjectItem(t, "scrapeUrl")),
                     health ? health : "?",
                     cJSON_GetStringValue(cJSON_GetObjectItem(t, "lastError")));
        }
        cJSON_Delete(root);
    } while (down[0] && itest_now_s() < until && (itest_sleep_s(0.2), 1));
    itest_check(n > 0, "Prometheus at %s has no active target", itest_prom_url());
    itest_progress("%d targets", n);
    itest_check(!down[0], "[unavailable] targets Prometheus does not scrape: %s", down);
}

/* The contract's metrics (docs/mocks.md#metrics) as Prometheus has them. */
static const struct {
    const char *name, *type;
    const char *series; /* what to query for its labels */
    const char *labels[4];
} contract[] = {
    {"itest_mock_requests_total",
     "counter",
     "itest_mock_requests_total",
     {"service", "method", "status"}},
    {"itest_mock_request_duration_seconds",
     "histogram",
     "itest_mock_request_duration_seconds_bucket",
     {"service", "le"}},
    {"itest_mock_pool_exhausted_total", "counter", "itest_mock_pool_exhausted_total", {NULL}},
    {"itest_mock_pool_in_use", "gauge", "itest_mock_pool_in_use", {NULL}},
    {"process_cpu_seconds_total", "counter", "process_cpu_seconds_total", {NULL}},
    {"process_resident_memory_bytes", "gauge", "process_resident_memory_bytes", {NULL}},
};

/* What differs between Prometheus' view and the contract, written into problems ("" if none). */
static void contract_problems(char *problems, size_t size)
{
    problems[0] = '\0';
    for (size_t i = 0; i < sizeof contract / sizeof *contract; i++) {
        char path[256];
        snprintf(path, sizeof path, "/api/v1/metadata?metric=%s", contract[i].name);
        cJSON *root = itest_prom_api_get(path);
        const cJSON *meta = cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(root, "data"), contract[i].name), 0);
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(meta, "type"));
        size_t len = strlen(problems);
        if (!type || strcmp(type, contract[i].type) != 0)
            snprintf(problems + len, size - len, "%s%s: %s%s, expected a %s", len ? "; " : "",
                     contract[i].name, type ? "a " : "no metadata", type ? type : "",
                     contract[i].type);
        cJSON_Delete(root);
        const cJSON *sample, *series = itest_prom_query(contract[i].series);
        if (cJSON_GetArraySize(series) == 0) {
            len = strlen(problems);
            snprintf(problems + len, size - len, "%sno series %s", len ? "; " : "",
                     contract[i].series);
            continue;
        }
        cJSON_ArrayForEach(sample, series)
        {
            for (size_t k = 0; contract[i].labels[k]; k++)
                if (!itest_prom_label(sample, contract[i].labels[k])) {
                    len = strlen(problems);
                    snprintf(problems + len, size - len, "%s%s of job %s has no label %s",
                             len ? "; " : "", contract[i].series, itest_prom_label(sample, "job"),
                             contract[i].labels[k]);
                    break;
                }
        }
    }
}

void monitoring_contract_metrics_typed(void **state)
{
    (void)state;
    char problems[4096];
    /* a labelled counter has no series until its first request, which the first scrape after
     * start cannot see yet: give it a few intervals */
    double until = itest_now_s() + 3 * itest_prom_interval_s() + 2;
    contract_problems(problems, sizeof problems);
    while (problems[0] && itest_now_s() < until) {
        itest_sleep_s(0.25);
        contract_problems(problems, sizeof problems);
    }
    itest_check(!problems[0], "[schema] the contract's metrics as Prometheus scraped them: %s",
                problems);
}

/* The latest value of expr's only sample, or 0 when it has none (a counter not yet served). */
static double scalar(const char *expr)
{
    const cJSON *r = itest_prom_query(expr);
    return cJSON_GetArraySize(r) ? itest_prom_sample_value(cJSON_GetArrayItem(r, 0)) : 0;
}

void monitoring_counters_match_journal(void **state)
{
    (void)state;
    /* DELETE on the drill's artifact store: a method nobody else uses there, not even scrapes */
    const char *root = drill_root("artifact-store");
    const char *expr = "sum(itest_mock_requests_total{job=\"drill\",service=\"artifact-store\","
                       "method=\"DELETE\"})";
    double interval = itest_prom_interval_s();
    itest_sleep_s(2.5 * interval); /* an earlier run of this case fully scraped */
    double before = scalar(expr);
    enum { N = 25 };
    for (int i = 0; i < N; i++) {
        char url[512];
        snprintf(url, sizeof url, "%s/artifacts/itest-monitoring-missing-%d", root, i);
        struct itest_http_response r;
        itest_http_json(&r, "DELETE", url, NULL);
        itest_assert_http_status(&r, "DELETE", url, 404);
        itest_http_response_free(&r);
    }
    long journaled = itest_mock_request_count_root(root, "DELETE", NULL);
    itest_check(journaled == N, "the drill's journal holds %ld of the case's %d DELETEs", journaled,
                N);
    double sent = itest_now_s(), until = sent + 5 * interval + 2, after;
    while ((after = scalar(expr)) < before + N && itest_now_s() < until)
        itest_sleep_s(interval / 4);
    itest_measure("counter_visible_s", itest_now_s() - sent);
    itest_check(after == before + N,
                "itest_mock_requests_total{method=\"DELETE\"} of the drill's artifact store rose "
                "by %g, but the journal holds the %ld requests the case made (%s: %g before, %g "
                "after)",
                after - before, journaled, expr, before, after);
}

/* One histogram's buckets: its upper bounds and counts. */
struct histogram {
    char key[256];
    double le[64], count[64];
    int n;
};

void monitoring_histograms_consistent(void **state)
{
    (void)state;
    static struct histogram h[64];
    int nh = 0;
    const cJSON *s;
    /* the buckets and _count in one query: Prometheus' head isolation shows one query each
     * scrape whole or not at all, whereas a scrape committed between two queries, even at the
     * same instant, would add requests to the second */
    cJSON *series = cJSON_Duplicate(
        itest_prom_query("{__name__=~\"itest_mock_request_duration_seconds_(bucket|count)\"}"), 1);
    cJSON_ArrayForEach(s, series)
    {
        const char *name = itest_prom_label(s, "__name__");
        if (!name || !strstr(name, "_bucket"))
            continue;
        char key[256];
        snprintf(key, sizeof key, "%s/%s/%s", itest_prom_label(s, "job"),
                 itest_prom_label(s, "instance"), itest_prom_label(s, "service"));
        int k = 0;
        while (k < nh && strcmp(h[k].key, key) != 0)
            k++;
        if (k == nh && nh < 64)
            snprintf(h[nh++].key, sizeof h[0].key, "%s", key);
        if (k >= nh || h[k].n >= 64)
            continue;
        const char *le = itest_prom_label(s, "le");
        h[k].le[h[k].n] = le && strcmp(le, "+Inf") == 0 ? INFINITY : strtod(le ? le : "nan", NULL);
        h[k].count[h[k].n++] = itest_prom_sample_value(s);
    }
    itest_check(nh > 0, "Prometheus holds no itest_mock_request_duration_seconds_bucket series");
    char problems[4096] = "";
    for (int k = 0; k < nh; k++) {
        struct histogram *x = &h[k];
        for (int i = 1; i < x->n; i++) /* sort by le */
            for (int j = i; j > 0 && x->le[j] < x->le[j - 1]; j--) {
                double t = x->le[j];
                x->le[j] = x->le[j - 1];
                x->le[j - 1] = t;
                t = x->count[j];
                x->count[j] = x->count[j - 1];
                x->count[j - 1] = t;
            }
        size_t len = strlen(problems);
        for (int i = 1; i < x->n; i++)
            if (x->count[i] < x->count[i - 1]) {
                snprintf(problems + len, sizeof problems - len,
                         "%s%s: bucket le=%g holds %g, fewer than le=%g's %g", len ? "; " : "",
                         x->key, x->le[i], x->count[i], x->le[i - 1], x->count[i - 1]);
                break;
            }
        len = strlen(problems);
        if (!isinf(x->le[x->n - 1])) {
            snprintf(problems + len, sizeof problems - len, "%s%s: no +Inf bucket", len ? "; " : "",
                     x->key);
            continue;
        }
        double count = NAN;
        cJSON_ArrayForEach(s, series)
        {
            const char *name = itest_prom_label(s, "__name__");
            if (!name || !strstr(name, "_count"))
                continue;
            char key[256];
            snprintf(key, sizeof key, "%s/%s/%s", itest_prom_label(s, "job"),
                     itest_prom_label(s, "instance"), itest_prom_label(s, "service"));
            if (strcmp(key, x->key) == 0)
                count = itest_prom_sample_value(s);
        }
        if (count != x->count[x->n - 1])
            snprintf(problems + len, sizeof problems - len,
                     "%s%s: the +Inf bucket holds %g but _count is %g", len ? "; " : "", x->key,
                     x->count[x->n - 1], count);
    }
    cJSON_Delete(series);
    itest_progress("%d histograms", nh);
    itest_check(!problems[0], "[schema] itest_mock_request_duration_seconds: %s", problems);
}

void monitoring_scrape_duration_bounded(void **state)
{
    (void)state;
    double bound_s = itest_config()->max_latency_ms / 1000;
    const cJSON *s, *result = itest_prom_query("scrape_duration_seconds");
    double worst = 0;
    char slow[2048] = "";
    cJSON_ArrayForEach(s, result)
    {
        double v = itest_prom_sample_value(s);
        if (v > worst)
            worst = v;
        size_t len = strlen(slow);
        if (v > bound_s)
            snprintf(slow + len, sizeof slow - len, "%s%s %s %.3f s", len ? "; " : "",
                     itest_prom_label(s, "job"), itest_prom_label(s, "instance"), v);
    }
    itest_check(cJSON_GetArraySize(result) > 0, "Prometheus holds no scrape_duration_seconds");
    itest_measure("scrape_duration_max_s", worst);
    itest_check(!slow[0],
                "[performance] scrapes slower than INTEGRATION_TEST_MAX_LATENCY (%.0f ms): %s",
                bound_s * 1000, slow);
}
