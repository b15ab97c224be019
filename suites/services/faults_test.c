/* Error handling under scoped faults (the mocks only; against a real service these skip): each
 * case registers one fault for its own requests and checks that the client reports it with the
 * right category, retries what should be retried, and never waits past its bound. */
#include "cases.h"
#include "svc.h"

#include "itest/clock.h"
#include "itest/config.h"
#include "itest/measure.h"
#include "itest/mock_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sends GET path to s without retries (unless retries >= 0) and with timeout_s (0: default). */
static double get(struct itest_http_response *r, enum itest_service s, const char *path,
                  int retries, double timeout_s)
{
    char url[SVC_URL_MAX];
    svc_url(url, s, "%s", path);
    struct itest_http_request req = {.url = url, .retries = retries, .timeout_s = timeout_s};
    double start = itest_now_s();
    itest_http_send(r, &req);
    return itest_now_s() - start;
}

#define expect_category(r, expected) expect_category_at(__FILE__, __LINE__, r, expected)
static void expect_category_at(const char *file, int line, const struct itest_http_response *r,
                               const char *expected)
{
    const char *found = itest_http_category(r);
    if (found && strcmp(found, expected) == 0)
        return;
    itest_fail_at(file, line,
                  "expected the failure to be reported as [%s], but it was %s%s%s (status %ld%s%s)",
                  expected, found ? "[" : "", found ? found : "a success", found ? "]" : "",
                  r->status, r->curl_code ? ", " : "", r->curl_code ? r->error : "");
}

void fault_timeout_is_bounded(void **state)
{
    itest_require_mock(ITEST_TASK_REGISTRY);
    /* 1 s: long enough that an unfaulted /health never times out on a loaded machine */
    itest_mock_fault(ITEST_TASK_REGISTRY, "{\"request\": {\"urlPath\": \"/health\"},"
                                          " \"response\": {\"fixedDelayMilliseconds\": 5000}}");
    struct itest_http_response r;
    double took = get(&r, ITEST_TASK_REGISTRY, "/health", 0, 1.0);
    expect_category(&r, ITEST_CATEGORY_TIMEOUT);
    itest_check(took < 2.5, "a 1 s timeout let the request run %.3f s", took);
    itest_measure("timed_out_after_s", took);
    itest_http_response_free(&r);
}

void fault_connection_reset_reported(void **state)
{
    itest_require_mock(ITEST_ARTIFACT_STORE);
    itest_mock_fault(ITEST_ARTIFACT_STORE,
                     "{\"request\": {\"urlPath\": \"/health\"},"
                     " \"response\": {\"fault\": \"CONNECTION_RESET_BY_PEER\"}}");
    struct itest_http_response r;
    get(&r, ITEST_ARTIFACT_STORE, "/health", 0, 0);
    expect_category(&r, ITEST_CATEGORY_CONNECTION);
    itest_check(strstr(r.error, "reset") || strstr(r.error, "Recv failure"),
                "a reset connection should say so; the error was: %s", r.error);
    itest_http_response_free(&r);
}

void fault_empty_response_reported(void **state)
{
    itest_require_mock(ITEST_REPO_POOL);
    itest_mock_fault(ITEST_REPO_POOL, "{\"request\": {\"urlPath\": \"/slots\"},"
                                      " \"response\": {\"fault\": \"EMPTY_RESPONSE\"}}");
    struct itest_http_response r;
    get(&r, ITEST_REPO_POOL, "/slots", 0, 0);
    expect_category(&r, ITEST_CATEGORY_CONNECTION);
    itest_check(r.curl_code == CURLE_GOT_NOTHING,
                "an empty response should be curl's \"%s\"; the error was: %s",
                curl_easy_strerror(CURLE_GOT_NOTHING), r.error);
    itest_http_response_free(&r);
}

void fault_garbage_response_reported(void **state)
{
    itest_require_mock(ITEST_TASK_REGISTRY);
    itest_mock_fault(ITEST_TASK_REGISTRY,
                     "{\"request\": {\"urlPath\": \"/health\"},"
                     " \"response\": {\"fault\": \"RANDOM_DATA_THEN_CLOSE\"}}");
    struct itest_http_response r;
    get(&r, ITEST_TASK_REGISTRY, "/health", 0, 0);
    expect_category(&r, ITEST_CATEGORY_CONNECTION);
    itest_http_response_free(&r);
}

void fault_5xx_retried_then_succeeds(void **state)
{
    itest_require_mock(ITEST_TASK_REGISTRY);
    if (itest_config()->retry_count < 2)
        itest_skip("INTEGRATION_TEST_RETRY_COUNT=%d; this case needs at least 2 retries",
                   itest_config()->retry_count);
    itest_mock_fault(ITEST_TASK_REGISTRY,
                     "{\"request\": {\"method\": \"GET\", \"urlPath\": \"/health\"},"
                     " \"response\": {\"status\": 503, \"headers\": {\"Retry-After\": \"0\"}},"
                     " \"times\": 2}");
    struct itest_http_response r;
    get(&r, ITEST_TASK_REGISTRY, "/health", -1, 0);
    itest_check(r.status == 200, "after two 503s the third attempt should succeed; got %ld (%s)",
                r.status, r.curl_code ? r.error : "");
    itest_check(r.attempts == 3, "expected 3 attempts (503, 503, 200), made %d", r.attempts);
    long seen = itest_mock_request_count(ITEST_TASK_REGISTRY, "GET", "/health");
    itest_check(seen == 3, "the mock saw %ld requests, expected 3", seen);
    itest_http_response_free(&r);
}

void fault_5xx_retries_bounded(void **state)
{
    itest_require_mock(ITEST_REPO_POOL);
    itest_mock_fault(ITEST_REPO_POOL,
                     "{\"request\": {\"method\": \"GET\", \"urlPath\": \"/slots\"},"
                     " \"response\": {\"status\": 500, \"headers\": {\"Retry-After\": \"0\"}}}");
    struct itest_http_response r;
    get(&r, ITEST_REPO_POOL, "/slots", -1, 0);
    int expected = itest_config()->retry_count + 1;
    expect_category(&r, ITEST_CATEGORY_HTTP_5XX);
    itest_check(r.attempts == expected,
                "INTEGRATION_TEST_RETRY_COUNT=%d allows %d attempts; the client made %d",
                expected - 1, expected, r.attempts);
    long seen = itest_mock_request_count(ITEST_REPO_POOL, "GET", "/slots");
    itest_check(seen == expected, "the mock saw %ld requests, expected %d", seen, expected);
    itest_http_response_free(&r);
}

void fault_429_honours_retry_after(void **state)
{
    itest_require_mock(ITEST_ARTIFACT_STORE);
    if (itest_config()->retry_count < 1)
        itest_skip("INTEGRATION_TEST_RETRY_COUNT=0; this case needs a retry");
    itest_mock_fault(ITEST_ARTIFACT_STORE,
                     "{\"request\": {\"urlPath\": \"/health\"},"
                     " \"response\": {\"rateLimit\": {\"retryAfterMs\": 400}}, \"times\": 1}");
    struct itest_http_response r;
    double took = get(&r, ITEST_ARTIFACT_STORE, "/health", -1, 0);
    itest_check(r.status == 200, "after one 429 the retry should succeed; got %ld (%s)", r.status,
                r.curl_code ? r.error : "");
    itest_check(r.attempts == 2, "expected 2 attempts (429, 200), made %d", r.attempts);
    itest_check(took >= 0.4, "the retry came after %.3f s; the 429 asked for 400 ms", took);
    itest_measure("waited_s", took);
    itest_http_response_free(&r);
}

void fault_malformed_body_reported(void **state)
{
    itest_require_mock(ITEST_TASK_REGISTRY);
    itest_mock_fault(ITEST_TASK_REGISTRY,
                     "{\"request\": {\"method\": \"GET\", \"urlPathPattern\": \"/tasks/.*\"},"
                     " \"response\": {\"status\": 200,"
                     " \"body\": \"{\\\"id\\\": \\\"t1\\\",\\n \\\"status\\\": pending}\"}}");
    char *id = svc_create_task("malformed", 0);
    struct itest_http_response r;
    char path[256];
    snprintf(path, sizeof path, "/tasks/%s", id);
    get(&r, ITEST_TASK_REGISTRY, path, 0, 0);
    itest_check(r.status == 200, "the faulted GET should be a 200; got %ld", r.status);
    char err[256];
    cJSON *tree = itest_json_parse(r.body, r.body_len, err, sizeof err);
    itest_check(!tree, "the malformed body parsed as JSON: %.100s", r.body);
    itest_check(strstr(err, "line 2, column 12"),
                "the parse error should give the position (line 2, column 12): %s", err);
    itest_progress("reported: [%s] %s", ITEST_CATEGORY_INVALID_JSON, err);
    itest_http_response_free(&r);
    free(id);
}
