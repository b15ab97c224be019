/* Each service's main calls under load: reads in the closed model (as much as the service
 * serves at PERF_CONNECTIONS), writes in the open model (a steady rate). */
#include "cases.h"
#include "perf.h"

#include "itest/check.h"
#include "itest/http.h"
#include "itest/llm.h"
#include "itest/suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const json_headers[] = {"Content-Type: application/json", NULL};

/* One closed-model read of path on s. */
static void closed_get(const char *what, const char *prefix, enum itest_service s, const char *path)
{
    char url[2048];
    perf_url(url, sizeof url, s, path);
    struct itest_load_request req = {.url = url};
    struct itest_load_options o = {.model = ITEST_LOAD_CLOSED,
                                   .requests = &req,
                                   .n_requests = 1,
                                   .connections = PERF_CONNECTIONS};
    perf_http(what, prefix, &o);
}

void perf_registry_get_task(void **state)
{
    (void)state;
    char *id = perf_create_task();
    char path[256];
    snprintf(path, sizeof path, "/tasks/%s", id);
    free(id);
    closed_get("GET /tasks/{id}", "", ITEST_TASK_REGISTRY, path);
}

void perf_registry_list_tasks(void **state)
{
    (void)state;
    closed_get("GET /tasks?limit=20", "", ITEST_TASK_REGISTRY, "/tasks?status=pending&limit=20");
}

void perf_registry_create_task(void **state)
{
    (void)state;
    char url[2048];
    perf_url(url, sizeof url, ITEST_TASK_REGISTRY, "/tasks");
    static const char body[] = "{\"title\": \"perf create\", \"spec\": \"load\", \"priority\": 3}";
    struct itest_load_request req = {.method = "POST",
                                     .url = url,
                                     .headers = json_headers,
                                     .body = body,
                                     .body_len = sizeof body - 1};
    struct itest_load_options o = {.model = ITEST_LOAD_OPEN,
                                   .requests = &req,
                                   .n_requests = 1,
                                   .rate = perf_open_rate(),
                                   .expect_status = 201};
    perf_http("POST /tasks", "", &o);
}

void perf_pool_list_slots(void **state)
{
    (void)state;
    closed_get("GET /slots", "", ITEST_REPO_POOL, "/slots");
}

/* The kind of failure of an exchange that did not get its expected status. */
static enum itest_load_error status_error(const struct itest_http_response *r)
{
    enum itest_load_error e = itest_load_error_of(itest_http_category(r));
    return e == ITEST_LOAD_OK ? ITEST_LOAD_ERR_STATUS : e;
}

/* One allocate-release pair; its latency is the pair's. */
static enum itest_load_error pool_cycle(void *arg, int thread, char *err, size_t errlen)
{
    const char *base = arg;
    char url[2048], body[160];
    snprintf(url, sizeof url, "%s/slots", base);
    snprintf(body, sizeof body, "{\"repo\": \"perf-%d-%ld\", \"ttl_s\": 60}", thread,
             (long)getpid());
    struct itest_http_response r;
    itest_http_json(&r, "POST", url, body);
    char *id = NULL;
    if (r.status == 201) {
        cJSON *doc = cJSON_ParseWithLength(r.body, r.body_len);
        const cJSON *sid = cJSON_GetObjectItemCaseSensitive(doc, "slot_id");
        id = cJSON_IsString(sid) ? strdup(sid->valuestring) : NULL;
        cJSON_Delete(doc);
    }
    if (!id) {
        snprintf(err, errlen, "POST %s: status %ld %s", url, r.status, r.curl_code ? r.error : "");
        enum itest_load_error e = r.status == 201 ? ITEST_LOAD_ERR_OTHER : status_error(&r);
        itest_http_response_free(&r);
        return e;
    }
    itest_http_response_free(&r);
    snprintf(url, sizeof url, "%s/slots/%s", base, id);
    free(id);
    itest_http_json(&r, "DELETE", url, NULL);
    enum itest_load_error e = ITEST_LOAD_OK;
    if (r.status != 204) {
        snprintf(err, errlen, "DELETE %s: status %ld %s", url, r.status,
                 r.curl_code ? r.error : "");
        e = status_error(&r);
    }
    itest_http_response_free(&r);
    return e;
}

void perf_pool_allocate_release(void **state)
{
    (void)state;
    const char *base = itest_require_service(ITEST_REPO_POOL);
    /* fewer threads than slots, so that the pool is never exhausted */
    perf_calls("POST /slots + DELETE /slots/{id}", "", base, 4, pool_cycle, (void *)base);
}

/* The artifact the store cases write and read: 4 KiB under a key of this case. */
static char artifact_body[4096];

static void artifact_path(char *path, size_t len)
{
    snprintf(path, len, "/artifacts/perf/%s-%ld", itest_current_case(), (long)getpid());
}

static struct itest_load_request artifact_put(char *url, size_t len)
{
    char path[256];
    artifact_path(path, sizeof path);
    perf_url(url, len, ITEST_ARTIFACT_STORE, path);
    memset(artifact_body, 'a', sizeof artifact_body);
    return (struct itest_load_request){
        .method = "PUT", .url = url, .body = artifact_body, .body_len = sizeof artifact_body};
}

void perf_store_put_artifact(void **state)
{
    (void)state;
    char url[2048];
    struct itest_load_request req = artifact_put(url, sizeof url);
    struct itest_load_options o = {
        .model = ITEST_LOAD_OPEN, .requests = &req, .n_requests = 1, .rate = perf_open_rate()};
    perf_http("PUT /artifacts/{key} (4 KiB)", "", &o);
}

void perf_store_get_artifact(void **state)
{
    (void)state;
    char url[2048];
    struct itest_load_request put = artifact_put(url, sizeof url);
    struct itest_http_request once = {
        .method = "PUT", .url = url, .body = put.body, .body_len = put.body_len};
    struct itest_http_response r;
    itest_http_send(&r, &once);
    if (r.status != 200)
        itest_assert_http_status(&r, "PUT", url, 201);
    itest_http_response_free(&r);
    struct itest_load_request req = {.url = url};
    struct itest_load_options o = {.model = ITEST_LOAD_CLOSED,
                                   .requests = &req,
                                   .n_requests = 1,
                                   .connections = PERF_CONNECTIONS};
    perf_http("GET /artifacts/{key} (4 KiB)", "", &o);
}

int perf_store_teardown(void **state)
{
    char url[2048], path[256], err[256];
    const char *base = itest_service_url(ITEST_ARTIFACT_STORE, err, sizeof err);
    if (base) {
        artifact_path(path, sizeof path);
        snprintf(url, sizeof url, "%s%s", base, path);
        struct itest_http_request req = {.method = "DELETE", .url = url, .retries = 0};
        struct itest_http_response r;
        itest_http_send(&r, &req);
        itest_http_response_free(&r);
    }
    return perf_teardown(state);
}

void perf_llm_chat(void **state)
{
    (void)state;
    char url[2048], auth[512], body[512];
    const char *key = itest_llm_api_key();
    snprintf(url, sizeof url, "%s/chat/completions", itest_require_service(ITEST_LLM));
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key ? key : "");
    const char *headers[] = {"Content-Type: application/json", key ? auth : NULL, NULL};
    snprintf(body, sizeof body,
             "{\"model\": \"%s\", \"max_tokens\": 32, \"temperature\": 0,"
             " \"messages\": [{\"role\": \"user\", \"content\": \"Say hello to the load test.\"}]}",
             itest_llm_model());
    struct itest_load_request req = {
        .method = "POST", .url = url, .headers = headers, .body = body, .body_len = strlen(body)};
    struct itest_load_options o = {
        .model = ITEST_LOAD_CLOSED, .requests = &req, .n_requests = 1, .connections = 4};
    perf_http("POST /chat/completions", "", &o);
}
