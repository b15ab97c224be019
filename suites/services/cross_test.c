/* Across services: an artifact recorded on a task resolves in the store with the same sha256,
 * and a repo slot's lifecycle lines up with its task's. */
#include "cases.h"
#include "svc.h"

#include "itest/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cross_artifact_on_task_resolves(void **state)
{
    static const char code[] = "int add(int a, int b) { return a + b; }\n";
    char unique[256], key[512], url[SVC_URL_MAX], body[1024], sha[65];
    svc_unique(unique, sizeof unique, "cross");
    snprintf(key, sizeof key, "%s/add.c", unique);
    svc_track_artifact(key);
    itest_sha256_hex(sha, code, strlen(code));

    svc_url(url, ITEST_ARTIFACT_STORE, "/artifacts/%s", key);
    struct itest_http_request put = {.method = "PUT",
                                     .url = url,
                                     .headers = (const char *[]){"Content-Type: text/x-c", NULL},
                                     .body = code,
                                     .body_len = strlen(code),
                                     .retries = -1};
    struct itest_http_response r;
    itest_http_send(&r, &put);
    itest_assert_http_status(&r, "PUT", url, 201);
    cJSON *stored = itest_json_parse_or_fail(r.body, r.body_len, "the PUT reply");
    itest_http_response_free(&r);
    itest_assert_json_string(stored, "sha256", sha);
    cJSON_Delete(stored);

    char *task = svc_create_task(unique, 3);
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s/artifacts", task);
    snprintf(body, sizeof body, "{\"key\": \"%s\", \"sha256\": \"%s\", \"size\": %zu}", key, sha,
             strlen(code));
    cJSON_Delete(svc_call(NULL, "POST", url, body, 201));

    /* follow the record from the registry to the store */
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s", task);
    cJSON *t = svc_call(NULL, "GET", url, NULL, 200);
    const char *recorded_key = NULL, *recorded_sha = NULL;
    itest_check(itest_json_get_string(&recorded_key, t, "artifacts[0].key") == 0 &&
                    itest_json_get_string(&recorded_sha, t, "artifacts[0].sha256") == 0,
                "GET %s: the task lists no artifact record (artifacts[0] with key and sha256)",
                url);
    svc_url(url, ITEST_ARTIFACT_STORE, "/artifacts/%s", recorded_key);
    struct itest_http_request head = {.method = "HEAD", .url = url, .retries = -1};
    itest_http_send(&r, &head);
    itest_assert_http_status(&r, "HEAD", url, 200);
    char etag[80];
    snprintf(etag, sizeof etag, "\"%s\"", recorded_sha);
    const char *found = itest_http_header(&r, "ETag");
    itest_check(found && strcmp(found, etag) == 0,
                "the task records sha256 %s for %s, but the store's ETag is %s", recorded_sha,
                recorded_key, found ? found : "missing");
    itest_http_response_free(&r);
    cJSON_Delete(t);
    free(task);
}

/* A worker's view: task pending -> running while it holds a slot -> succeeded, slot released;
 * the events tell the story in order and the pool is back where it was. */
void cross_slot_and_task_lifecycle(void **state)
{
    char unique[256], url[SVC_URL_MAX], body[512];
    svc_unique(unique, sizeof unique, "lifecycle");
    long capacity, before, during, after;
    svc_pool_usage(&capacity, &before);
    char *task = svc_create_task(unique, 5);
    char *slot = svc_allocate(unique, 120, NULL);
    itest_check(slot, "the pool is exhausted before the case began");
    svc_set_status(task, "running");
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s/events", task);
    snprintf(body, sizeof body, "{\"type\": \"slot\", \"message\": \"allocated %s\"}", slot);
    cJSON_Delete(svc_call(NULL, "POST", url, body, 201));
    svc_pool_usage(&capacity, &during);
    itest_check(during == before + 1, "in_use %ld while the task runs, %ld before", during, before);

    svc_set_status(task, "succeeded");
    svc_release(slot);
    snprintf(body, sizeof body, "{\"type\": \"slot\", \"message\": \"released %s\"}", slot);
    cJSON_Delete(svc_call(NULL, "POST", url, body, 201));

    cJSON *events = svc_call(NULL, "GET", url, NULL, 200);
    char allocated[300], released[300];
    snprintf(allocated, sizeof allocated, "allocated %s", slot);
    snprintf(released, sizeof released, "released %s", slot);
    itest_assert_json_string(events, "items[0].message", allocated);
    itest_assert_json_string(events, "items[1].message", released);
    cJSON_Delete(events);
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s", task);
    cJSON *t = svc_call(NULL, "GET", url, NULL, 200);
    itest_assert_json_string(t, "status", "succeeded");
    cJSON_Delete(t);
    svc_pool_usage(&capacity, &after);
    itest_check(after == before, "in_use is %ld after the task finished, %ld before", after,
                before);
    /* a finished task cannot start again, and its slot is gone */
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s/status", task);
    svc_expect_error("PATCH", url, "{\"status\": \"running\"}", 409, "illegal_transition");
    svc_url(url, ITEST_REPO_POOL, "/slots/%s", slot);
    svc_expect_error("DELETE", url, NULL, 404, "not_found");
    free(task);
    free(slot);
}
