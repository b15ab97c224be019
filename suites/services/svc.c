/* Helpers of the services suite; see svc.h. */
#include "svc.h"

#include "itest/scope.h"
#include "itest/mock_admin.h"
#include "itest/suite.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void svc_url_at(const char *file, int line, char url[SVC_URL_MAX], enum itest_service s,
                const char *fmt, ...)
{
    const char *base = itest_require_service_at(file, line, s);
    int n = snprintf(url, SVC_URL_MAX, "%s", base);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(url + n, SVC_URL_MAX - (size_t)n, fmt, ap);
    va_end(ap);
}

void svc_url_with_id_at(const char *file, int line, char url[SVC_URL_MAX], enum itest_service s,
                        const char *tmpl, const char *id)
{
    svc_url_at(file, line, url, s, "%s", "");
    size_t n = strlen(url);
    for (const char *p = tmpl; *p && n + 1 < SVC_URL_MAX;) {
        if (strncmp(p, "{id}", 4) == 0) {
            n += (size_t)snprintf(url + n, SVC_URL_MAX - n, "%s", id);
            p += 4;
        } else {
            url[n++] = *p++;
            url[n] = '\0';
        }
    }
}

int svc_send(struct itest_http_response *resp, const char *method, const char *url,
             const char *json, int retries)
{
    static const char *const json_headers[] = {"Content-Type: application/json", NULL};
    struct itest_http_request req = {.method = method,
                                     .url = url,
                                     .headers = json ? json_headers : NULL,
                                     .body = json,
                                     .body_len = json ? strlen(json) : 0,
                                     .retries = retries,
                                     .path_as_is = true};
    return itest_http_send(resp, &req);
}

/* The contract: every body is JSON, sent as Content-Type: application/json. */
static void assert_json_type(const char *file, int line, const struct itest_http_response *r,
                             const char *method, const char *url)
{
    const char *type = itest_http_header(r, "Content-Type");
    size_t n = strlen("application/json");
    if (!type || strncasecmp(type, "application/json", n) != 0 ||
        (type[n] && type[n] != ';' && type[n] != ' '))
        itest_fail_at(file, line,
                      "[invalid JSON] %s %s: the body comes with Content-Type %s, not "
                      "application/json",
                      method, url, type ? type : "(none)");
}

cJSON *svc_call_at(const char *file, int line, struct itest_http_response *resp, const char *method,
                   const char *url, const char *json, long expect)
{
    struct itest_http_response own;
    struct itest_http_response *r = resp ? resp : &own;
    itest_http_json(r, method, url, json);
    /* on failure the case ends here (the response is not freed: the message needs it) */
    itest_http_assert_status_at(file, line, r, method, url, expect);
    cJSON *tree = NULL;
    if (expect != 204 && strcmp(method, "HEAD") != 0) {
        char what[SVC_URL_MAX + 64];
        snprintf(what, sizeof what, "the body of %s %s", method, url);
        tree = itest_json_parse_or_fail_at(file, line, r->body, r->body_len, what);
        assert_json_type(file, line, r, method, url);
    }
    if (!resp)
        itest_http_response_free(&own);
    return tree;
}

void svc_expect_error_at(const char *file, int line, const char *method, const char *url,
                         const char *json, long status, const char *code)
{
    struct itest_http_response r;
    svc_send(&r, method, url, json, 0);
    if (r.curl_code != CURLE_OK || r.status != status) {
        /* what was refused wrongly, in the case's output beside its failure; nothing when no
         * answer came (an unavailable target is named by the assertion alone) */
        if (r.curl_code == CURLE_OK)
            printf("sent: %.280s\n", json ? json : "(no body)");
        itest_http_assert_status_at(file, line, &r, method, url, status);
    }
    char what[SVC_URL_MAX + 64];
    snprintf(what, sizeof what, "the error body of %s %s", method, url);
    cJSON *tree = itest_json_parse_or_fail_at(file, line, r.body, r.body_len, what);
    assert_json_type(file, line, &r, method, url);
    itest_http_response_free(&r);
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(tree, "error"))) {
        char *text = cJSON_PrintUnformatted(tree);
        cJSON_Delete(tree);
        itest_fail_at(file, line,
                      "[invalid JSON] %s %s: the error body has no \"error\" object with code and "
                      "message: %.300s",
                      method, url, text ? text : "");
    }
    itest_json_assert_string_at(file, line, tree, "error.code", code);
    const char *message = NULL;
    if (itest_json_get_string(&message, tree, "error.message") != 0 || !*message) {
        cJSON_Delete(tree);
        itest_fail_at(file, line, "%s %s: error.message is missing or empty", method, url);
    }
    cJSON_Delete(tree);
}

int svc_compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void svc_unique(char *buf, size_t len, const char *prefix)
{
    static int counter;
    const char *c = itest_current_case();
    snprintf(buf, len, "%s-%s-%ld-%d", prefix, c ? c : "none", itest_run_number(),
             __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
}

char *svc_create_task_at(const char *file, int line, const char *title, int priority)
{
    char url[SVC_URL_MAX], body[1024];
    svc_url_at(file, line, url, ITEST_TASK_REGISTRY, "/tasks");
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "title", title);
    cJSON_AddStringToObject(req, "spec", "created by the itest services suite");
    cJSON_AddNumberToObject(req, "priority", priority);
    cJSON_PrintPreallocated(req, body, sizeof body, false);
    cJSON_Delete(req);
    cJSON *task = svc_call_at(file, line, NULL, "POST", url, body, 201);
    const char *id = NULL;
    if (itest_json_get_string(&id, task, "id") != 0) {
        cJSON_Delete(task);
        itest_fail_at(file, line, "[invalid JSON] POST %s: the created task has no string \"id\"",
                      url);
    }
    char *copy = strdup(id);
    cJSON_Delete(task);
    return copy;
}

void svc_set_status_at(const char *file, int line, const char *task_id, const char *status)
{
    char url[SVC_URL_MAX], body[128];
    svc_url_at(file, line, url, ITEST_TASK_REGISTRY, "/tasks/%s/status", task_id);
    snprintf(body, sizeof body, "{\"status\": \"%s\"}", status);
    cJSON *task = svc_call_at(file, line, NULL, "PATCH", url, body, 200);
    const char *now = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(task, "status"));
    if (!now || strcmp(now, status) != 0) {
        char got[64];
        snprintf(got, sizeof got, "%s", now ? now : "(none)");
        cJSON_Delete(task);
        itest_fail_at(file, line,
                      "PATCH %s answered 200 with the task in status %s; it was asked for %s", url,
                      got, status);
    }
    cJSON_Delete(task);
}

/* The slots and artifacts this case holds, for the teardown. Cases run one at a time per
 * process; the pool case's threads allocate through their own code, not through this list. */
#define MAX_TRACKED 256
static char *slots[MAX_TRACKED];
static char *artifacts[MAX_TRACKED];

static void track(char **list, const char *value)
{
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (!list[i]) {
            list[i] = strdup(value);
            return;
        }
    }
}

static void forget(char **list, const char *value)
{
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (list[i] && strcmp(list[i], value) == 0) {
            free(list[i]);
            list[i] = NULL;
            return;
        }
    }
}

char *svc_allocate_at(const char *file, int line, const char *repo, int ttl_s,
                      double *retry_after_s)
{
    char url[SVC_URL_MAX], body[512];
    svc_url_at(file, line, url, ITEST_REPO_POOL, "/slots");
    snprintf(body, sizeof body, "{\"repo\": \"%s\", \"ttl_s\": %d}", repo, ttl_s);
    struct itest_http_response r;
    svc_send(&r, "POST", url, body, 0);
    if (r.curl_code == CURLE_OK && r.status == 503) {
        if (retry_after_s)
            *retry_after_s = itest_http_retry_after(&r);
        itest_http_response_free(&r);
        return NULL;
    }
    itest_http_assert_status_at(file, line, &r, "POST", url, 201);
    cJSON *slot = itest_json_parse_or_fail_at(file, line, r.body, r.body_len, "the allocated slot");
    itest_http_response_free(&r);
    const char *id = NULL;
    if (itest_json_get_string(&id, slot, "slot_id") != 0) {
        cJSON_Delete(slot);
        itest_fail_at(file, line, "[invalid JSON] POST %s: the slot has no string \"slot_id\"",
                      url);
    }
    char *copy = strdup(id);
    cJSON_Delete(slot);
    track(slots, copy);
    return copy;
}

void svc_release_at(const char *file, int line, const char *slot_id)
{
    char url[SVC_URL_MAX];
    svc_url_at(file, line, url, ITEST_REPO_POOL, "/slots/%s", slot_id);
    struct itest_http_response r;
    svc_send(&r, "DELETE", url, NULL, 0);
    itest_http_assert_status_at(file, line, &r, "DELETE", url, 204);
    itest_http_response_free(&r);
    forget(slots, slot_id);
}

void svc_pool_usage_at(const char *file, int line, long *capacity, long *in_use)
{
    char url[SVC_URL_MAX];
    svc_url_at(file, line, url, ITEST_REPO_POOL, "/slots");
    cJSON *list = svc_call_at(file, line, NULL, "GET", url, NULL, 200);
    long long c = -1, u = -1;
    int rc = itest_json_get_int(&c, list, "capacity") | itest_json_get_int(&u, list, "in_use");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items");
    int listed = cJSON_IsArray(items) ? cJSON_GetArraySize(items) : -1;
    cJSON_Delete(list);
    if (rc != 0 || listed < 0)
        itest_fail_at(file, line,
                      "[invalid JSON] GET %s: \"capacity\" and \"in_use\" must be integers and "
                      "\"items\" an array",
                      url);
    /* one reply, one moment: the count and the list must agree */
    if (u != listed)
        itest_fail_at(file, line, "GET %s: in_use %lld is not the number of listed slots %d", url,
                      u, listed);
    *capacity = (long)c;
    *in_use = (long)u;
}

void svc_track_slot(const char *slot_id)
{
    track(slots, slot_id);
}

void svc_track_artifact(const char *key)
{
    track(artifacts, key);
}

void svc_delete_quietly(enum itest_service s, const char *collection, const char *id)
{
    char err[256], url[SVC_URL_MAX];
    const char *base = itest_service_url(s, err, sizeof err);
    if (!base || !id)
        return;
    snprintf(url, sizeof url, "%s/%s/%s", base, collection, id);
    struct itest_http_response r;
    svc_send(&r, "DELETE", url, NULL, 0);
    itest_http_response_free(&r);
}

int svc_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < MAX_TRACKED; i++) {
        svc_delete_quietly(ITEST_REPO_POOL, "slots", slots[i]);
        svc_delete_quietly(ITEST_ARTIFACT_STORE, "artifacts", artifacts[i]);
        free(slots[i]);
        free(artifacts[i]);
        slots[i] = artifacts[i] = NULL;
    }
    for (int s = 0; s < ITEST_SERVICE_COUNT; s++)
        if (itest_service_is_mock((enum itest_service)s))
            itest_mock_reset_scope((enum itest_service)s);
    return 0;
}
