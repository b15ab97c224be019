/* Prometheus' API, the drill and its webhook deliveries for the monitoring cases; see prom.h. */
#include "prom.h"

#include "itest/check.h"
#include "itest/config.h"
#include "itest/prometheus.h"
#include "itest/clock.h"
#include "itest/json_parse.h"
#include "itest/mock_admin.h"
#include "itest/state.h"

#include <stdio.h>
#include <string.h>

static cJSON *fixture_state(const char *file, const char *fixture, const char *instead)
{
    char path[1024], err[1024];
    return itest_state_fixture_read(path, sizeof path, file, fixture, instead, err, sizeof err);
}

double prom_for_s(double platform_for_s)
{
    return platform_for_s / itest_prom_fixture_number("for_scale", 1);
}

double wall_s(void)
{
    return (double)itest_wall_ns() / 1e9;
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

const char *prom_alert_state(const char *name, const char *const *labels)
{
    cJSON *root = itest_prom_api_get("/api/v1/alerts");
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
    if (itest_prom_is_real() || itest_config()->alertmanager_url)
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
    itest_prom_url(); /* skips, saying why, without the prometheus fixture */
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
