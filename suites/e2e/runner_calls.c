/* The runner's calls to the services, shared by the single-file flow (runner.c) and the
 * workspace mode (runner_tree.c): failures recorded in the result, JSON requests checked. */
#include "runner_calls.h"

#include "itest/http.h"
#include "itest/redact.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int runner_fail(struct runner_result *res, enum runner_step step, const char *category,
                const char *fmt, ...)
{
    res->failed_step = step;
    res->category = category;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->error, sizeof res->error, fmt, ap);
    va_end(ap);
    return -1;
}

void runner_url_of(char url[URL_MAX], enum itest_service s, const char *fmt, ...)
{
    char err[256];
    const char *base = itest_service_url(s, err, sizeof err);
    int n = snprintf(url, URL_MAX, "%s", base ? base : "http://no-url.invalid");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(url + n, URL_MAX - (size_t)n, fmt, ap);
    va_end(ap);
}

/* url with any credentials replaced, for messages (secrets never reach output). */
const char *runner_redacted(char buf[URL_MAX], const char *url)
{
    char *r = itest_redact(url);
    snprintf(buf, URL_MAX, "%s", r ? r : "<url>");
    free(r);
    return buf;
}

/* Records a reply that was not the expected status: the exchange's category (assertion for an
 * unexpected success) and the exchange as every failure message shows it (itest_http_describe:
 * the request with its URL redacted, the status or transport error, attempts, timings, the start
 * of the body). Returns -1. */
int runner_fail_status(struct runner_result *res, enum runner_step step, const char *method,
                       const char *url, long expect, const struct itest_http_response *r)
{
    const char *cat = itest_http_category(r);
    char described[2048];
    itest_http_describe(described, sizeof described, method, url, r, expect);
    return runner_fail(res, step, cat ? cat : "assertion", "%s", described);
}

/* Sends a JSON request and checks the status; on success parses the body into *out (when out is
 * not NULL). On failure records step, category and "METHOD url: status/error" and returns -1. */
int runner_call(struct runner_result *res, enum runner_step step, const char *method,
                const char *url, const char *json, long expect, int retries, cJSON **out,
                int *attempts)
{
    static const char *const headers[] = {"Content-Type: application/json", NULL};
    struct itest_http_request req = {.method = method,
                                     .url = url,
                                     .headers = json ? headers : NULL,
                                     .body = json,
                                     .body_len = json ? strlen(json) : 0,
                                     .retries = retries,
                                     .retry_transport_errors = true};
    struct itest_http_response r;
    itest_http_send(&r, &req);
    if (attempts)
        *attempts = r.attempts;
    int rc = 0;
    if (r.status != expect)
        rc = runner_fail_status(res, step, method, url, expect, &r);
    else if (out && !(*out = cJSON_ParseWithLength(r.body, r.body_len))) {
        char shown[URL_MAX];
        rc = runner_fail(res, step, ITEST_CATEGORY_INVALID_JSON, "%s %s: the %ld reply is not JSON",
                         method, runner_redacted(shown, url), r.status);
    }
    itest_http_response_free(&r);
    return rc;
}

int runner_post_event(struct runner_result *res, enum runner_step step, const char *type,
                      const char *message)
{
    char url[URL_MAX];
    runner_url_of(url, ITEST_TASK_REGISTRY, "/tasks/%s/events", res->task_id);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "type", type);
    cJSON_AddStringToObject(body, "message", message);
    char *json = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    cJSON *event = NULL;
    int rc = json ? runner_call(res, step, "POST", url, json, 201, -1, &event, NULL)
                  : runner_fail(res, step, "other", "out of memory");
    cJSON_Delete(event);
    free(json);
    return rc;
}

int runner_set_status(struct runner_result *res, enum runner_step step, const char *status)
{
    char url[URL_MAX], json[64];
    runner_url_of(url, ITEST_TASK_REGISTRY, "/tasks/%s/status", res->task_id);
    snprintf(json, sizeof json, "{\"status\": \"%s\"}", status);
    cJSON *task = NULL;
    int rc = runner_call(res, step, "PATCH", url, json, 200, -1, &task, NULL);
    const char *now = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(task, "status"));
    char shown[URL_MAX];
    if (rc == 0 && (!now || strcmp(now, status) != 0))
        rc = runner_fail(res, step, ITEST_CATEGORY_INVALID_JSON,
                         "PATCH %s: the task in the reply has status %s, not %s",
                         runner_redacted(shown, url), now ? now : "(none)", status);
    cJSON_Delete(task);
    return rc;
}
