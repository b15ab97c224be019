/* Webhook deliveries (POST /__hooks/NAME): kept whole per name, JSON given back as JSON, read and
 * cleared through /__admin/hooks, bounded to the last MOCK_HOOKS_KEPT, counted as requests. */
#include "mock_test.h"

#include "itest/json_parse.h"

#include <stdio.h>
#include <string.h>

static cJSON *hooks(const struct mock *m, const char *path)
{
    struct itest_http_response r;
    cJSON *j = mt_expect(&r, "GET", mt_url(m->url[TR], path), NULL, 200);
    itest_http_response_free(&r);
    return j;
}

static double meta(const cJSON *list, const char *member)
{
    double v = -1;
    char path[64];
    snprintf(path, sizeof path, "meta.%s", member);
    itest_json_get_number(&v, list, path);
    return v;
}

static void deliveries_kept_by_name(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    struct itest_http_response r;
    cJSON *id =
        mt_expect(&r, "POST", mt_url(m.url[TR], "/__hooks/alertmanager"),
                  "{\"status\": \"firing\", \"alerts\": [{\"labels\": {\"a\": \"b\"}}]}", 200);
    itest_assert_json_int(id, "id", 1);
    cJSON_Delete(id);
    itest_http_response_free(&r);
    cJSON_Delete(mt_expect(&r, "POST", mt_url(m.url[TR], "/__hooks/other"), "plain text", 200));
    itest_http_response_free(&r);
    /* an empty delivery is kept too, as an empty text */
    cJSON_Delete(mt_expect(&r, "POST", mt_url(m.url[TR], "/__hooks/empty"), NULL, 200));
    itest_http_response_free(&r);
    cJSON *empty = hooks(&m, "/__admin/hooks/empty");
    itest_assert_json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(empty, "hooks"), 0), "body",
                             "");
    cJSON_Delete(empty);
    /* a hook takes POST only, and says where it is read */
    cJSON *refused = mt_expect(&r, "GET", mt_url(m.url[TR], "/__hooks/alertmanager"), NULL, 405);
    itest_check(r.body && strstr(r.body, "/__admin/hooks/alertmanager"),
                "GET on a hook should name where it is read: %s", r.body);
    cJSON_Delete(refused);
    itest_http_response_free(&r);

    cJSON *all = hooks(&m, "/__admin/hooks");
    itest_check(cJSON_GetArraySize(cJSON_GetObjectItem(all, "hooks")) == 3 &&
                    meta(all, "total") == 3,
                "GET /__admin/hooks should hold all three deliveries");
    cJSON_Delete(all);
    cJSON *am = hooks(&m, "/__admin/hooks/alertmanager");
    const cJSON *d = cJSON_GetArrayItem(cJSON_GetObjectItem(am, "hooks"), 0);
    itest_check(cJSON_GetArraySize(cJSON_GetObjectItem(am, "hooks")) == 1,
                "GET /__admin/hooks/alertmanager should hold its delivery only");
    itest_assert_json_string(d, "name", "alertmanager");
    itest_assert_json_string(d, "body.status", "firing"); /* JSON given back as JSON */
    itest_assert_json_string(d, "body.alerts[0].labels.a", "b");
    double at = 0;
    itest_check(itest_json_get_number(&at, d, "receivedAt") == 0 && at > 1.6e9,
                "a delivery's receivedAt should be wall seconds, not %g", at);
    cJSON_Delete(am);
    cJSON *other = hooks(&m, "/__admin/hooks/other");
    itest_assert_json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(other, "hooks"), 0), "body",
                             "plain text");
    cJSON_Delete(other);

    /* cleared by name, then all with the reset */
    cJSON *removed = mt_expect(&r, "DELETE", mt_url(m.url[TR], "/__admin/hooks/other"), NULL, 200);
    itest_assert_json_int(removed, "removed", 1);
    cJSON_Delete(removed);
    itest_http_response_free(&r);
    all = hooks(&m, "/__admin/hooks");
    itest_check(cJSON_GetArraySize(cJSON_GetObjectItem(all, "hooks")) == 2,
                "after DELETE /__admin/hooks/other two deliveries should remain");
    cJSON_Delete(all);
    cJSON_Delete(mt_expect(&r, "POST", mt_url(m.url[TR], "/__admin/reset"), NULL, 200));
    itest_http_response_free(&r);
    all = hooks(&m, "/__admin/hooks");
    itest_check(cJSON_GetArraySize(cJSON_GetObjectItem(all, "hooks")) == 0,
                "POST /__admin/reset should clear every delivery");
    cJSON_Delete(all);
    mock_stop(&m);
}

static void only_the_last_are_kept(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    enum { N = 140 }; /* more than the ring holds (128) */
    for (int i = 1; i <= N; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"n\": %d}", i);
        struct itest_http_response r;
        cJSON_Delete(mt_expect(&r, "POST", mt_url(m.url[TR], "/__hooks/h"), body, 200));
        itest_http_response_free(&r);
    }
    cJSON *list = hooks(&m, "/__admin/hooks/h");
    const cJSON *items = cJSON_GetObjectItem(list, "hooks");
    int kept = cJSON_GetArraySize(items);
    itest_check(meta(list, "total") == N && meta(list, "kept") == kept && kept < N &&
                    meta(list, "capacity") == kept,
                "after %d deliveries: total %g, kept %g of capacity %g (%d listed)", N,
                meta(list, "total"), meta(list, "kept"), meta(list, "capacity"), kept);
    /* oldest first, and the newest is the last sent */
    itest_assert_json_int(cJSON_GetArrayItem(items, kept - 1), "body.n", N);
    itest_assert_json_int(cJSON_GetArrayItem(items, 0), "body.n", N - kept + 1);
    cJSON_Delete(list);
    mock_stop(&m);
}

static const struct itest_case cases[] = {
    ITEST_CASE(deliveries_kept_by_name),
    ITEST_CASE(only_the_last_are_kept),
};

ITEST_SUITE_MAIN(cases)
