/* Errors, each reported with its category: a bad key, an unknown model, a bad request, a 500,
 * a malformed body, a truncated stream and an error event in the middle of a stream. */
#include "cases.h"
#include "itest/mock_admin.h"
#include "llm_suite.h"

#include <stdio.h>
#include <string.h>

#define CHAT_PATH "\"urlPathPattern\": \".*/chat/completions\""

/* The OpenAI error body {"error": {"message", "type", "param", "code"}} parsed (fails unless it
 * is JSON with an "error" object). */
static cJSON *error_body(const char *text, size_t len)
{
    char err[256];
    cJSON *body = itest_json_parse(text, len, err, sizeof err);
    itest_check(body, "[invalid JSON] the error reply is not JSON: %s", err);
    itest_check(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(body, "error")),
                "[invalid JSON] the error body has no \"error\" object with message, type, param "
                "and code: %.300s",
                text);
    return body;
}

/* Fails unless the reply's OpenAI error body has code (or, when code is NULL, any message). */
static void expect_error_body(const struct itest_llm_reply *reply, const char *code)
{
    cJSON *body = error_body(reply->http.body, reply->http.body_len);
    itest_assert_json_type(body, "error.message", cJSON_String);
    if (code)
        itest_assert_json_string(body, "error.code", code);
    cJSON_Delete(body);
}

void error_401_bad_key(void **state)
{
    struct itest_llm_request req = {.prompt = "Say pong.",
                                    .max_tokens = 5,
                                    .api_key = "sk-itest-wrong-key-0000",
                                    .no_retries = true};
    struct itest_llm_reply reply;
    itest_llm_chat(&reply, &req);
    llm_expect_category(&reply, ITEST_CATEGORY_AUTH);
    itest_check(reply.http.status == 401, "a wrong key should get 401, got %ld", reply.http.status);
    expect_error_body(&reply, "invalid_api_key");
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
    expect_error_body(&reply, "model_not_found");
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
    cJSON *err = error_body(r.body, r.body_len);
    itest_assert_json_string(err, "error.type", "invalid_request_error");
    itest_assert_json_type(err, "error.message", cJSON_String);
    cJSON_Delete(err);
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
