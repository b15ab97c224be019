/* Rate limits and timeouts: 429 with retry-after honoured, retries bounded, x-ratelimit-*
 * headers read, and a short timeout that fails within its bound. */
#include "cases.h"
#include "llm_suite.h"

#include "itest/config.h"
#include "itest/measure.h"
#include "itest/mock_admin.h"

#include <stdlib.h>
#include <string.h>

#define CHAT_PATH "\"urlPathPattern\": \".*/chat/completions\""

void ratelimit_retry_after_honoured(void **state)
{
    itest_require_mock(ITEST_LLM);
    if (itest_config()->retry_count < 1)
        itest_skip("INTEGRATION_TEST_RETRY_COUNT=0; this case needs a retry");
    itest_mock_fault(ITEST_LLM, "{\"request\": {" CHAT_PATH "},"
                                " \"response\": {\"rateLimit\": {\"retryAfterMs\": 1000}},"
                                " \"times\": 1}");
    struct itest_llm_request req = {.prompt = "Say pong.", .max_tokens = 5};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    itest_check(reply.http.attempts == 2, "expected 2 attempts (429, then 200), made %d",
                reply.http.attempts);
    itest_check(reply.total_s >= 1.0,
                "[" ITEST_CATEGORY_ASSERTION "] the retry came after %.3f s; the 429's "
                "retry-after-ms asked for 1000",
                reply.total_s);
    itest_measure("waited_s", reply.total_s);
    itest_llm_reply_free(&reply);
}

void ratelimit_retries_bounded(void **state)
{
    itest_require_mock(ITEST_LLM);
    itest_mock_fault(ITEST_LLM, "{\"request\": {" CHAT_PATH "},"
                                " \"response\": {\"rateLimit\": {\"retryAfterMs\": 20}}}");
    struct itest_llm_request req = {.prompt = "Say pong.", .max_tokens = 5};
    struct itest_llm_reply reply;
    itest_llm_chat(&reply, &req);
    llm_expect_category(&reply, ITEST_CATEGORY_RATE_LIMIT);
    int allowed = itest_config()->retry_count + 1;
    itest_check(reply.http.attempts == allowed,
                "INTEGRATION_TEST_RETRY_COUNT allows %d attempts; the client made %d", allowed,
                reply.http.attempts);
    long seen = itest_mock_request_count(ITEST_LLM, "POST", ".*/chat/completions");
    itest_check(seen == allowed, "the mock saw %ld requests, expected %d", seen, allowed);
    const char *remaining = itest_http_header(&reply.http, "x-ratelimit-remaining-requests");
    itest_check(remaining && atol(remaining) == 0,
                "the 429 should say x-ratelimit-remaining-requests: 0, found %s",
                remaining ? remaining : "no header");
    itest_llm_reply_free(&reply);
}

/* Reads an x-ratelimit-* header as a whole number; fails naming what the server lacks. */
static long header_number(const struct itest_http_response *r, const char *name)
{
    const char *v = itest_http_header(r, name);
    itest_check(v,
                "[" ITEST_CATEGORY_ASSERTION "] the server sends no %s header (OpenAI sends "
                "x-ratelimit-limit/remaining/reset-requests and -tokens)",
                name);
    char *end;
    long n = strtol(v, &end, 10);
    itest_check(end != v && n >= 0, "%s: expected a whole number, found \"%s\"", name, v);
    return n;
}

void ratelimit_headers_read(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_RATELIMIT_HEADERS);
    struct itest_llm_request req = {.prompt = "Say pong.", .max_tokens = 5};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    long limit = header_number(&reply.http, "x-ratelimit-limit-requests");
    long remaining = header_number(&reply.http, "x-ratelimit-remaining-requests");
    long tokens = header_number(&reply.http, "x-ratelimit-limit-tokens");
    itest_check(remaining <= limit,
                "[" ITEST_CATEGORY_ASSERTION "] x-ratelimit-remaining-requests %ld exceeds the "
                "limit %ld",
                remaining, limit);
    itest_check(itest_http_header(&reply.http, "x-ratelimit-reset-requests"),
                "the server sends no x-ratelimit-reset-requests header");
    if (itest_llm_has(ITEST_LLM_CAP_REQUEST_ID))
        itest_check(itest_http_header(&reply.http, "x-request-id"),
                    "[" ITEST_CATEGORY_ASSERTION "] the server sends no x-request-id header "
                    "(OpenAI sends one with every response, beside its x-ratelimit-* headers)");
    itest_measure("ratelimit_remaining_requests", (double)remaining);
    itest_measure("ratelimit_limit_tokens", (double)tokens);
    itest_llm_reply_free(&reply);
}

/* The mock's rule makes the reply slow; another server's speed is its own, so the case is the
 * mock's, as the fault cases are. */
void timeout_short_fails_within_bound(void **state)
{
    itest_require_mock(ITEST_LLM);
    /* the mock's rules delay "take your time" by 2 s */
    struct itest_llm_request req = {.prompt = "Please take your time with this one.",
                                    .max_tokens = 4000,
                                    .timeout_s = 0.5,
                                    .no_retries = true};
    struct itest_llm_reply reply;
    itest_llm_chat(&reply, &req);
    llm_expect_category(&reply, ITEST_CATEGORY_TIMEOUT);
    itest_check(reply.total_s < req.timeout_s + 1, "a %.2f s timeout let the call run %.3f s",
                req.timeout_s, reply.total_s);
    itest_measure("timed_out_after_s", reply.total_s);
    itest_llm_reply_free(&reply);
}
