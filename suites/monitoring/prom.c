/* Prometheus' API, the drill and its webhook deliveries for the monitoring cases; see prom.h. */
#include "prom.h"

#include "itest/check.h"
#include "itest/clock.h"
#include "itest/http.h"
#include "itest/json.h"
#include "itest/json_parse.h"
#include "itest/mock_admin.h"
#include "itest/state.h"

#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *fixture_state(const char *file, const char *fixture, const char *instead)
{
    char path[1024], err[1024];
    return itest_state_fixture_read(path, sizeof path, file, fixture, instead, err, sizeof err);
}

const char *prom_url(void)
{
    static char url[512];
    const char *configured = getenv("PROMETHEUS_URL");
    if (configured && *configured)
        return configured;
    if (url[0])
        return url;
    char path[1024], err[1024];
    cJSON *root = itest_state_fixture_read(path, sizeof path, "prometheus.json", "prometheus",
                                           "PROMETHEUS_URL", err, sizeof err);
    const char *u = cJSON_GetStringValue(cJSON_GetObjectItem(root, "url"));
    if (!u) {
        cJSON_Delete(root);
        itest_skip("no Prometheus: %s", err);
    }
    snprintf(url, sizeof url, "%s", u);
    cJSON_Delete(root);
    return url;
}

static double fixture_number(const char *member, double otherwise)
{
    if (getenv("PROMETHEUS_URL") && *getenv("PROMETHEUS_URL"))
        return otherwise;
    cJSON *root = fixture_state("prometheus.json", "prometheus", "PROMETHEUS_URL");
    double v = otherwise;
    itest_json_get_number(&v, root, member);
    cJSON_Delete(root);
    return v;
}

double prom_for_s(double platform_for_s)
{
    return platform_for_s / fixture_number("for_scale", 1);
}

double prom_interval_s(void)
{
    return fixture_number("interval_s", 15);
}

double wall_s(void)
{
    return (double)itest_wall_ns() / 1e9;
}

static __thread cJSON *last_answer;

const cJSON *prom_query(const char *expr)
{
    char *escaped = curl_easy_escape(NULL, expr, 0);
    char url[4096];
    snprintf(url, sizeof url, "%s/api/v1/query?query=%s", prom_url(), escaped);
    curl_free(escaped);
    struct itest_http_response r;
    itest_http_json(&r, "GET", url, NULL);
    if (r.status == 400 || r.status == 422) {
        char body[1024];
        snprintf(body, sizeof body, "%s", r.body ? r.body : "");
        itest_http_response_free(&r);
        itest_fail("Prometheus refused the query %s: %s", expr, body);
    }
    itest_assert_http_status(&r, "GET", url, 200);
    cJSON_Delete(last_answer);
    last_answer = itest_json_parse_or_fail(r.body, r.body_len, url);
    itest_http_response_free(&r);
    const cJSON *result = itest_json_get(last_answer, "data.result");
    itest_check(cJSON_IsArray(result), "[schema] %s: no data.result array", url);
    return result;
}

double prom_sample_value(const cJSON *sample)
{
    const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(sample, "value"), 1);
    return cJSON_IsString(v) ? strtod(v->valuestring, NULL) : NAN;
}

const char *prom_label(const cJSON *sample, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(sample, "metric"), name));
}

static bool labels_match(const cJSON *labels, const char *const *want)
{
    for (size_t i = 0; want && want[i]; i++) {
        const char *eq = strchr(want[i], '=');
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(eq - want[i]), want[i]);
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(labels, key));
        if (!v || strcmp(v, eq + 1) != 0)
            return false;
    }
    return true;
}

cJSON *prom_api_get(const char *path)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", prom_url(), path);
    struct itest_http_response r;
    itest_http_json(&r, "GET", url, NULL);
    itest_assert_http_status(&r, "GET", url, 200);
    cJSON *root = itest_json_parse_or_fail(r.body, r.body_len, url);
    itest_http_response_free(&r);
    return root;
}

const char *prom_alert_state(const char *name, const char *const *labels)
{
    cJSON *root = prom_api_get("/api/v1/alerts");
    const cJSON *a;
    const char *state = NULL;
    cJSON_ArrayForEach(a, itest_json_get(root, "data.alerts"))
    {
        const cJSON *l = cJSON_GetObjectItem(a, "labels");
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(l, "alertname"));
        if (n && strcmp(n, name) == 0 && labels_match(l, labels)) {
            const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(a, "state"));
            state = s && strcmp(s, "firing") == 0 ? "firing" : "pending";
            if (strcmp(state, "firing") == 0)
                break;
        }
    }
    cJSON_Delete(root);
    return state;
}

static const char *const drill_skip =
    "needs the monitoring fixtures' drill (an itest-mock only this suite touches, to inject "
    "faults and count requests exactly); with PROMETHEUS_URL or ALERTMANAGER_URL naming a real "
    "deployment the cases that inject faults skip";

/* Skips the case against a real deployment. */
static void require_drill(void)
{
    if ((getenv("PROMETHEUS_URL") && *getenv("PROMETHEUS_URL")) ||
        (getenv("ALERTMANAGER_URL") && *getenv("ALERTMANAGER_URL")))
        itest_skip("%s", drill_skip);
}

const char *drill_root(const char *service)
{
    require_drill();
    static __thread char url[256];
    cJSON *root = fixture_state("drill.json", "alertmanager", "ALERTMANAGER_URL");
    char key[128];
    snprintf(key, sizeof key, "services.%s.url", service);
    const char *u = NULL;
    itest_json_get_string(&u, root, key);
    if (!u) {
        cJSON_Delete(root);
        itest_skip("%s (no drill.json naming %s)", drill_skip, service);
    }
    snprintf(url, sizeof url, "%s", u);
    cJSON_Delete(root);
    return url;
}

cJSON *drill_database(void)
{
    require_drill();
    prom_url(); /* skips, saying why, without the prometheus fixture */
    cJSON *root = fixture_state("prometheus.json", "prometheus", "PROMETHEUS_URL");
    cJSON *db = cJSON_DetachItemFromObject(root, "drill_database");
    cJSON_Delete(root);
    if (!db)
        itest_skip("no drill database: under ctest the prometheus fixture starts one beside the "
                   "postgres fixture (itest-monitor --pg); scripts/serve --monitoring does not");
    return db;
}

const char *hooks_root(void)
{
    require_drill();
    static __thread char url[256];
    cJSON *root = fixture_state("alertmanager.json", "alertmanager", "ALERTMANAGER_URL");
    const char *u = cJSON_GetStringValue(cJSON_GetObjectItem(root, "hooks"));
    itest_check(u != NULL, "alertmanager.json names no hooks URL");
    snprintf(url, sizeof url, "%s", u);
    cJSON_Delete(root);
    return url;
}

cJSON *hook_alert(double since, const char *name, const char *status, const char *const *labels)
{
    cJSON *root = itest_mock_admin_get(hooks_root(), "/__admin/hooks/alertmanager");
    const cJSON *d, *a;
    cJSON *found = NULL;
    cJSON_ArrayForEach(d, cJSON_GetObjectItem(root, "hooks"))
    {
        double at = 0;
        itest_json_get_number(&at, d, "receivedAt");
        if (at < since)
            continue;
        cJSON_ArrayForEach(a, itest_json_get(d, "body.alerts"))
        {
            const cJSON *l = cJSON_GetObjectItem(a, "labels");
            const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(l, "alertname"));
            const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(a, "status"));
            if (n && s && strcmp(n, name) == 0 && strcmp(s, status) == 0 &&
                labels_match(l, labels)) {
                found = cJSON_Duplicate(a, 1);
                break;
            }
        }
        if (found)
            break;
    }
    cJSON_Delete(root);
    return found;
}
