/* Errors, each reported with its category: a bad key, an unknown model, a bad request, a 500,
 * a malformed body, a truncated stream and an error event in the middle of a stream. */
#include "cases.h"
#include "itest/mock_admin.h"
#include "llm_suite.h"

#include <stdio.h>
#include <string.h>

#define CHAT_PATH "\"urlPathPattern\": \".*/chat/completions\""

/* The error body parsed: OpenAI's {"error": {"message", "type", "param", "code"}} where the
 * target offers error_object (fails unless it is that), else any JSON with a message (a flat
 * body, as an older vLLM sends). The error object, or the flat body. */
static const cJSON *error_of(const char *text, size_t len, cJSON **owned)
{
    char err[256];
    cJSON *body = itest_json_parse(text, len, err, sizeof err);
    itest_check(body, "[invalid JSON] the error reply is not JSON: %s", err);
    *owned = body;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(body, "error");
    if (itest_llm_has(ITEST_LLM_CAP_ERROR_OBJECT))
        itest_check(cJSON_IsObject(e),
                    "[invalid JSON] the error body has no \"error\" object with message, type, "
                    "param and code: %.300s",
                    text);
    const cJSON *where = cJSON_IsObject(e) ? e : body;
    itest_check(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(where, "message")),
                "[invalid JSON] the error body has no message: %.300s", text);
    return where;
}

/* Fails unless the reply's error body is as the target's capabilities say: the object, a
 * message, and code where the target has OpenAI's codes (cap). */
static void expect_error_body(const struct itest_llm_reply *reply, const char *code,
                              enum itest_llm_capability cap)
{
    cJSON *owned;
    const cJSON *e = error_of(reply->http.body, reply->http.body_len, &owned);
    if (code && itest_llm_has(cap)) {
        const char *got = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "code"));
        itest_check(got && strcmp(got, code) == 0, "the error's code is %s, not %s",
                    got ? got : "not a string", code);
    }
    cJSON_Delete(owned);
}

void error_401_bad_key(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_KEY_ENFORCED);
    struct itest_llm_request req = {.prompt = "Say pong.",
                                    .max_tokens = 5,
                                    .api_key = "sk-itest-wrong-key-0000",
                                    .no_retries = true};
    struct itest_llm_reply reply;
    itest_llm_chat(&reply, &req);
    llm_expect_category(&reply, ITEST_CATEGORY_AUTH);
    itest_check(reply.http.status == 401, "a wrong key should get 401, got %ld", reply.http.status);
    expect_error_body(&reply, "invalid_api_key", ITEST_LLM_CAP_INVALID_API_KEY_CODE);
    itest_check(!strstr(reply.http.body, "sk-itest-wrong-key-0000"),
                "the server echoed the key it was sent");
    itest_llm_reply_free(&reply);
}

void error_404_unknown_model(void **state)
{
    struct itest_llm_request req = {
        .model = "itest-no-such-model", .prompt = "Say pong.", .max_tokens = 5, .no_retries = true};
    struct itest_llm_reply reply;
    itest_llm_chat(&reply, &req);
    llm_expect_category(&reply, ITEST_CATEGORY_HTTP_4XX);
    itest_check(reply.http.status == 404, "an unknown model should get 404, got %ld",
                reply.http.status);
    expect_error_body(&reply, "model_not_found", ITEST_LLM_CAP_MODEL_NOT_FOUND_CODE);
    itest_llm_reply_free(&reply);
}

void error_400_bad_request(void **state)
{
    char body[256];
    snprintf(body, sizeof body, "{\"model\": \"%s\", \"messages\": \"not a list\"}",
             itest_llm_model());
    struct itest_http_response r;
    char url[1024];
    itest_llm_post(&r, "/chat/completions", body, NULL);
    itest_assert_http_status(&r, "POST", itest_llm_url(url, sizeof url, "/chat/completions"), 400);
    cJSON *owned;
    const cJSON *e = error_of(r.body, r.body_len, &owned);
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "type"));
    /* OpenAI's type names come with its codes */
    if (itest_llm_has(ITEST_LLM_CAP_MODEL_NOT_FOUND_CODE))
        itest_check(type && strcmp(type, "invalid_request_error") == 0,
                    "a bad request's error type is %s, not invalid_request_error",
                    type ? type : "missing");
    cJSON_Delete(owned);
    itest_http_response_free(&r);
}

void error_500_reported(void **state)
{
    itest_require_mock(ITEST_LLM);
    itest_mock_fault(ITEST_LLM, "{\"request\": {" CHAT_PATH "}, \"response\": {\"status\": 500,"
                                " \"jsonBody\": {\"error\": {\"message\": \"The engine broke.\","
                                " \"type\": \"server_error\", \"param\": null, \"code\": null}}}}");
    struct itest_llm_request req = {.prompt = "Say pong.", .no_retries = true};
    struct itest_llm_reply reply;
    itest_llm_chat(&reply, &req);
    llm_expect_category(&reply, ITEST_CATEGORY_HTTP_5XX);
    itest_check(strstr(reply.error, "The engine broke."),
                "the report should carry the server's message; it says: %s", reply.error);
    itest_llm_reply_free(&reply);
}

void error_malformed_json_reported(void **state)
{
    itest_require_mock(ITEST_LLM);
    itest_mock_fault(ITEST_LLM, "{\"request\": {" CHAT_PATH "}, \"response\": {\"status\": 200,"
                                " \"body\": \"{\\\"id\\\": \\\"x\\\", \\\"choices\\\": [\"}}");
    struct itest_llm_request req = {.prompt = "Say pong.", .no_retries = true};
    struct itest_llm_reply reply;
    itest_llm_chat(&reply, &req);
    llm_expect_category(&reply, ITEST_CATEGORY_INVALID_JSON);
    itest_check(strstr(reply.error, "line 1, column"),
                "the report should give the position in the body: %s", reply.error);
    itest_llm_reply_free(&reply);
}

void error_truncated_stream_reported(void **state)
{
    itest_require_mock(ITEST_LLM);
    itest_mock_fault(ITEST_LLM, "{\"request\": {" CHAT_PATH "},"
                                " \"response\": {\"streamCut\": {\"afterChunks\": 3}}}");
    struct itest_llm_request req = {
        .prompt = "Describe a lighthouse.", .stream = true, .no_retries = true};
    struct itest_llm_reply reply;
    itest_llm_chat(&reply, &req);
    llm_expect_category(&reply, ITEST_CATEGORY_CONNECTION);
    itest_check(reply.chunks == 3, "the stream was cut after 3 chunks; the client counted %d",
                reply.chunks);
    itest_check(!reply.done, "a cut stream cannot have seen [DONE]");
    itest_llm_reply_free(&reply);
}

void responses_stream_cut_reported(void **state)
{
    itest_require_mock(ITEST_LLM);
    itest_mock_fault(ITEST_LLM, "{\"request\": {\"urlPathPattern\": \".*/responses\"},"
                                " \"response\": {\"streamCut\": {\"afterChunks\": 4}}}");
    struct itest_llm_request req = {
        .prompt = "Describe a lighthouse.", .stream = true, .responses = true, .no_retries = true};
    struct itest_llm_reply reply;
    itest_llm_chat(&reply, &req);
    llm_expect_category(&reply, ITEST_CATEGORY_CONNECTION);
    itest_check(reply.chunks == 4, "the stream was cut after 4 events; the client counted %d",
                reply.chunks);
    itest_check(!reply.done, "a cut stream cannot have seen its terminal event");
    itest_llm_reply_free(&reply);
}

void responses_failed_event_reported(void **state)
{
    itest_require_mock(ITEST_LLM);
    itest_mock_fault(ITEST_LLM, "{\"request\": {\"urlPathPattern\": \".*/responses\"},"
                                " \"response\": {\"streamError\": {\"afterChunks\": 3,"
                                " \"message\": \"The model is overloaded.\"}}}");
    struct itest_llm_request req = {
        .prompt = "Describe a lighthouse.", .stream = true, .responses = true, .no_retries = true};
    struct itest_llm_reply reply;
    itest_llm_chat(&reply, &req);
    llm_expect_category(&reply, ITEST_CATEGORY_HTTP_5XX);
    itest_check(
        strstr(reply.error, "response.failed") && strstr(reply.error, "The model is overloaded."),
        "the report should name response.failed and carry its message; it says: %s", reply.error);
    itest_llm_reply_free(&reply);
}

void error_event_mid_stream_reported(void **state)
{
    itest_require_mock(ITEST_LLM);
    itest_mock_fault(ITEST_LLM,
                     "{\"request\": {" CHAT_PATH "}, \"response\": {\"streamError\":"
                     " {\"afterChunks\": 2, \"message\": \"The model is overloaded.\"}}}");
    struct itest_llm_request req = {
        .prompt = "Describe a lighthouse.", .stream = true, .no_retries = true};
    struct itest_llm_reply reply;
    itest_llm_chat(&reply, &req);
    llm_expect_category(&reply, ITEST_CATEGORY_HTTP_5XX);
    itest_check(strstr(reply.error, "The model is overloaded."),
                "the report should carry the event's message; it says: %s", reply.error);
    itest_check(reply.chunks == 2, "the error came after 2 chunks; the client counted %d",
                reply.chunks);
    itest_llm_reply_free(&reply);
}
