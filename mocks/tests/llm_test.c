/* The LLM mock as OpenAI clients see it, against a private itest-mock. */
#include "mock_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#ifndef RULES_PATH
#error "RULES_PATH must name fixtures/data/mock-llm-rules.json"
#endif

static const char *chat_url(const struct mock *m)
{
    return mt_url(m->url[LLM], "/v1/chat/completions");
}

static cJSON *chat(const struct mock *m, const char *body, long expected)
{
    struct itest_http_response r;
    cJSON *out = mt_expect(&r, "POST", chat_url(m), body, expected);
    itest_http_response_free(&r);
    return out;
}

static long long usage(const cJSON *o, const char *what)
{
    char path[64];
    long long v = -1;
    snprintf(path, sizeof path, "usage.%s", what);
    if (itest_json_get_int(&v, o, path) != 0)
        itest_fail("no %s in the usage", path);
    return v;
}

static void models_and_a_round_trip(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "llm", NULL});
    struct itest_http_response r;
    cJSON *models = mt_expect(&r, "GET", mt_url(m.url[LLM], "/v1/models"), NULL, 200);
    itest_assert_json_string(models, "object", "list");
    itest_assert_json_string(models, "data[0].id", "gpt-4o-mini");
    itest_assert_json_string(models, "data[0].object", "model");
    assert_non_null(itest_http_header(&r, "x-ratelimit-remaining-requests"));
    cJSON_Delete(models);
    itest_http_response_free(&r);
    const char *body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":"
                       "\"Be brief.\"},{\"role\":\"user\",\"content\":\"Say pong, please.\"}]}";
    cJSON *a = chat(&m, body, 200), *b = chat(&m, body, 200);
    itest_assert_json_string(a, "object", "chat.completion");
    itest_assert_json_string(a, "choices[0].message.role", "assistant");
    itest_assert_json_string(a, "choices[0].finish_reason", "stop");
    const char *reply_a, *reply_b;
    assert_int_equal(itest_json_get_string(&reply_a, a, "choices[0].message.content"), 0);
    assert_int_equal(itest_json_get_string(&reply_b, b, "choices[0].message.content"), 0);
    assert_string_equal(reply_a, reply_b); /* deterministic */
    assert_non_null(strstr(reply_a, "Say pong, please."));
    assert_int_equal(usage(a, "prompt_tokens") + usage(a, "completion_tokens"),
                     usage(a, "total_tokens"));
    cJSON_Delete(a);
    cJSON_Delete(b);
    assert_int_equal(mock_stop(&m), 0);
}

static void usage_grows_and_max_tokens_cuts(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "llm", NULL});
    cJSON *short_one = chat(&m,
                            "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":"
                            "\"Hi\"}]}",
                            200);
    cJSON *long_one = chat(&m,
                           "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":"
                           "\"Hi, please summarise the following long paragraph about the "
                           "integration test suites and their fixtures in one line.\"}]}",
                           200);
    assert_true(usage(long_one, "prompt_tokens") > usage(short_one, "prompt_tokens") + 10);
    cJSON *cut = chat(&m,
                      "{\"model\":\"gpt-4o\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\","
                      "\"content\":\"Hi\"}]}",
                      200);
    itest_assert_json_string(cut, "choices[0].finish_reason", "length");
    itest_assert_json_int(cut, "usage.completion_tokens", 3);
    const char *full, *part;
    itest_json_get_string(&full, short_one, "choices[0].message.content");
    itest_json_get_string(&part, cut, "choices[0].message.content");
    assert_true(strlen(part) < strlen(full) && strncmp(full, part, strlen(part)) == 0);
    cJSON_Delete(short_one);
    cJSON_Delete(long_one);
    cJSON_Delete(cut);
    assert_int_equal(mock_stop(&m), 0);
}

/* Joins the content of an SSE stream; returns the chunks seen and checks the framing. */
static int read_stream(const char *sse, char *content, size_t len, cJSON **usage_chunk, bool *done)
{
    int chunks = 0;
    *content = '\0';
    *done = false;
    *usage_chunk = NULL;
    for (const char *line = sse; line && *line;) {
        const char *end = strstr(line, "\n\n");
        if (!end)
            itest_fail("SSE event not terminated by a blank line: %.80s", line);
        if (strncmp(line, "data: ", 6) != 0)
            itest_fail("SSE line without \"data: \": %.80s", line);
        if (strncmp(line + 6, "[DONE]", 6) == 0) {
            *done = true;
            break;
        }
        cJSON *chunk = itest_json_parse_or_fail(line + 6, (size_t)(end - line - 6), "SSE chunk");
        itest_assert_json_string(chunk, "object", "chat.completion.chunk");
        const cJSON *choices = itest_json_require(chunk, "choices");
        if (cJSON_GetArraySize(choices) == 0) {
            *usage_chunk = chunk;
        } else {
            const char *piece;
            if (itest_json_get_string(&piece, chunk, "choices[0].delta.content") == 0)
                strncat(content, piece, len - strlen(content) - 1);
            cJSON_Delete(chunk);
        }
        chunks++;
        line = end + 2;
    }
    return chunks;
}

static void streamed_equals_plain(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "llm", NULL});
    const char *messages = "\"messages\":[{\"role\":\"user\",\"content\":\"Explain pagination in a "
                           "sentence.\"}]";
    char body[512];
    snprintf(body, sizeof body, "{\"model\":\"gpt-4o-mini\",%s}", messages);
    cJSON *plain = chat(&m, body, 200);
    snprintf(body, sizeof body,
             "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":"
             "true},%s}",
             messages);
    struct itest_http_response r;
    mt_send(&r, "POST", chat_url(&m), body, NULL);
    itest_assert_http_status(&r, "POST", "stream", 200);
    assert_non_null(strstr(itest_http_header(&r, "Content-Type"), "text/event-stream"));
    char content[4096];
    cJSON *usage_chunk;
    bool done;
    int chunks = read_stream(r.body, content, sizeof content, &usage_chunk, &done);
    assert_true(done);
    assert_true(chunks > 4);
    const char *expected;
    itest_json_get_string(&expected, plain, "choices[0].message.content");
    assert_string_equal(content, expected);
    if (!usage_chunk)
        itest_fail("no usage chunk although stream_options.include_usage was true");
    assert_int_equal(usage(usage_chunk, "total_tokens"), usage(plain, "total_tokens"));
    assert_int_equal(usage(usage_chunk, "completion_tokens"), usage(plain, "completion_tokens"));
    cJSON_Delete(usage_chunk);
    cJSON_Delete(plain);
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

static void embeddings_float_and_base64_agree(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "llm", NULL});
    struct itest_http_response r;
    const char *url = mt_url(m.url[LLM], "/v1/embeddings");
    char u[512];
    snprintf(u, sizeof u, "%s", url);
    cJSON *f = mt_expect(&r, "POST", u,
                         "{\"model\":\"text-embedding-3-small\",\"input\":[\"alpha\",\"beta\"],"
                         "\"encoding_format\":\"float\"}",
                         200);
    itest_http_response_free(&r);
    cJSON *b = mt_expect(&r, "POST", u,
                         "{\"model\":\"text-embedding-3-small\",\"input\":[\"alpha\",\"beta\"],"
                         "\"encoding_format\":\"base64\"}",
                         200);
    itest_http_response_free(&r);
    const cJSON *vec = itest_json_require(f, "data[1].embedding");
    assert_int_equal(cJSON_GetArraySize(vec), 1536);
    const char *b64;
    assert_int_equal(itest_json_get_string(&b64, b, "data[1].embedding"), 0);
    /* decode base64 into little-endian float32 */
    size_t len = strlen(b64), n = 0;
    unsigned char *bytes = malloc(len);
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned bits = 0, acc = 0;
    for (size_t i = 0; i < len && b64[i] != '='; i++) {
        const char *p = strchr(abc, b64[i]);
        assert_non_null(p);
        acc = acc << 6 | (unsigned)(p - abc);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes[n++] = (unsigned char)(acc >> bits);
        }
    }
    assert_int_equal(n, 1536 * 4);
    double norm = 0;
    for (int i = 0; i < 1536; i++) {
        float x;
        memcpy(&x, bytes + 4 * i, 4);
        float y = (float)cJSON_GetArrayItem(vec, i)->valuedouble;
        if (x != y)
            itest_fail("dimension %d: base64 gives %.9g, float gives %.9g", i, x, y);
        norm += (double)x * x;
    }
    assert_true(fabs(norm - 1) < 1e-4);
    free(bytes);
    itest_assert_json_int(f, "usage.prompt_tokens", 2);
    cJSON_Delete(f);
    cJSON_Delete(b);
    assert_int_equal(mock_stop(&m), 0);
}

/* err is an OpenAI error body: an invalid_request_error with a message, the param (null where
 * param is NULL) and, where code is given, the code; freed here. */
static void assert_openai_error(cJSON *err, const char *param, const char *code)
{
    if (param)
        itest_assert_json_string(err, "error.param", param);
    else
        itest_assert_json_type(err, "error.param", cJSON_NULL);
    itest_assert_json_type(err, "error.message", cJSON_String);
    itest_assert_json_string(err, "error.type", "invalid_request_error");
    if (code)
        itest_assert_json_string(err, "error.code", code);
    cJSON_Delete(err);
}

static void errors_are_openai_shaped(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "llm", "--api-key", "sk-itest-secret", NULL});
    struct itest_http_response r;
    const char *body =
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    cJSON *err = mt_expect(&r, "POST", chat_url(&m), body, 401);
    itest_assert_json_string(err, "error.code", "invalid_api_key");
    itest_assert_json_string(err, "error.type", "invalid_request_error");
    itest_assert_json_type(err, "error.param", cJSON_NULL);
    cJSON_Delete(err);
    itest_http_response_free(&r);
    mt_send(&r, "GET", mt_url(m.url[LLM], "/v1/models"), NULL,
            (const char *[]){"Authorization: Bearer sk-wrong", NULL});
    itest_assert_http_status(&r, "GET", "/v1/models with a wrong key", 401);
    assert_null(strstr(r.body, "sk-wrong")); /* the key sent is never echoed */
    itest_http_response_free(&r);
    const char *auth[] = {"Authorization: Bearer sk-itest-secret", "Content-Type: application/json",
                          NULL};
    const struct {
        const char *body, *param, *code;
        long status;
    } cases[] = {
        {"{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "model",
         "model_not_found", 404},
        {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "model", NULL, 400},
        {"{\"model\":\"gpt-4o\"}", "messages", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"messages\":[]}", "messages", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}",
         "messages.[0].role", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":5}]}",
         "messages.[0].content", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":"
         "\"x\"}]}",
         "max_tokens", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"stream_options\":{\"include_usage\":true},\"messages\":[{"
         "\"role\":\"user\",\"content\":\"x\"}]}",
         "stream_options", NULL, 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct itest_http_request req = {.method = "POST",
                                         .url = chat_url(&m),
                                         .headers = auth,
                                         .body = cases[i].body,
                                         .body_len = strlen(cases[i].body),
                                         .retries = 0};
        itest_http_send(&r, &req);
        itest_assert_http_status(&r, "POST", cases[i].body, cases[i].status);
        assert_openai_error(itest_json_parse_or_fail(r.body, r.body_len, cases[i].body),
                            cases[i].param, cases[i].code);
        itest_http_response_free(&r);
    }
    assert_int_equal(mock_stop(&m), 0);
}

/* The Responses API's bad bodies, ids and methods answer as the OpenAI reference does: the
 * status, error.type, the offending param and, where it has one, the code. */
static void responses_errors_are_openai_shaped(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "llm", NULL});
    char url[512]; /* mt_url's buffer is reused by the calls below */
    snprintf(url, sizeof url, "%s", mt_url(m.url[LLM], "/v1/responses"));
    const struct {
        const char *body, *param, *code;
        long status;
    } cases[] = {
        {"[1]", NULL, NULL, 400},
        {"{\"input\":\"x\"}", "model", NULL, 400},
        {"{\"model\":\"gpt-9\",\"input\":\"x\"}", "model", "model_not_found", 404},
        {"{\"model\":\"gpt-4o\"}", "input", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"input\":[]}", "input", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"input\":[5]}", "input[0]", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"input\":[{\"role\":\"robot\",\"content\":\"x\"}]}", "input[0]",
         NULL, 400},
        {"{\"model\":\"gpt-4o\",\"input\":[{\"role\":\"user\",\"content\":\"x\"},{\"type\":"
         "\"function_call_output\"}]}",
         "input[1]", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"input\":\"x\",\"instructions\":5}", "instructions", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"input\":\"x\",\"store\":\"yes\"}", "store", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"input\":\"x\",\"max_output_tokens\":0}", "max_output_tokens",
         NULL, 400},
        {"{\"model\":\"gpt-4o\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"yaml\"}}}",
         "text.format.type", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_schema\","
         "\"name\":\"n\",\"schema\":{\"type\":\"teapot\"}}}}",
         "text.format.schema", NULL, 400},
        {"{\"model\":\"gpt-4o\",\"input\":\"x\",\"previous_response_id\":\"resp_nothing\"}",
         "previous_response_id", "previous_response_not_found", 400},
    };
    struct itest_http_response r;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_openai_error(mt_expect(&r, "POST", url, cases[i].body, cases[i].status),
                            cases[i].param, cases[i].code);
        itest_http_response_free(&r);
    }
    /* an id nothing stored, and a method the endpoint does not take */
    cJSON *err = mt_expect(&r, "GET", mt_url(m.url[LLM], "/v1/responses/resp_nothing"), NULL, 404);
    itest_assert_json_string(err, "error.code", "not_found");
    cJSON_Delete(err);
    itest_http_response_free(&r);
    err = mt_expect(&r, "DELETE", mt_url(m.url[LLM], "/v1/responses/resp_nothing"), NULL, 404);
    cJSON_Delete(err);
    itest_http_response_free(&r);
    err = mt_expect(&r, "PUT", mt_url(m.url[LLM], "/v1/responses/resp_nothing"), "{}", 405);
    itest_assert_json_string(err, "error.code", "method_not_allowed");
    cJSON_Delete(err);
    itest_http_response_free(&r);
    err = mt_expect(&r, "GET", url, NULL, 405);
    cJSON_Delete(err);
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

/* A follow-up through previous_response_id carries the earlier input and output on, but not the
 * earlier instructions (the reference: "the instructions from a previous response will not be
 * carried over"): two first turns that differ only in instructions give follow-ups of the same
 * input_tokens. */
static void responses_instructions_are_not_carried_over(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "llm", NULL});
    char url[512];
    snprintf(url, sizeof url, "%s", mt_url(m.url[LLM], "/v1/responses"));
    const char *firsts[] = {
        "{\"model\":\"gpt-4o\",\"input\":\"My name is Ada.\",\"max_output_tokens\":12}",
        "{\"model\":\"gpt-4o\",\"input\":\"My name is Ada.\",\"max_output_tokens\":12,"
        "\"instructions\":\"You are a careful assistant who answers every question in one short "
        "sentence and never uses more words than it needs to.\"}"};
    long long first_in[2], first_out[2], next_in[2];
    struct itest_http_response r;
    for (int i = 0; i < 2; i++) {
        cJSON *a = mt_expect(&r, "POST", url, firsts[i], 200);
        itest_http_response_free(&r);
        const char *id = NULL;
        if (itest_json_get_string(&id, a, "id") != 0)
            itest_fail("the first response has no id");
        first_in[i] = usage(a, "input_tokens");
        first_out[i] = usage(a, "output_tokens");
        char next[256];
        snprintf(next, sizeof next,
                 "{\"model\":\"gpt-4o\",\"input\":\"What is my name?\",\"previous_response_id\":"
                 "\"%s\"}",
                 id);
        cJSON_Delete(a);
        cJSON *b = mt_expect(&r, "POST", url, next, 200);
        itest_http_response_free(&r);
        next_in[i] = usage(b, "input_tokens");
        cJSON_Delete(b);
    }
    itest_check(first_in[1] > first_in[0],
                "instructions should count in their own turn: %lld vs %lld", first_in[1],
                first_in[0]);
    itest_check(first_out[0] == first_out[1] && next_in[0] == next_in[1],
                "the follow-ups should carry the same conversation on (the instructions left "
                "behind): input_tokens %lld after the turn without them, %lld after the turn with "
                "them (outputs %lld and %lld tokens)",
                next_in[0], next_in[1], first_out[0], first_out[1]);
    assert_int_equal(mock_stop(&m), 0);
}

static void rules_reply_call_tools_and_wait(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "llm", "--rules", RULES_PATH, NULL});
    cJSON *pong = chat(&m,
                       "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":"
                       "\"Please say pong\"}]}",
                       200);
    itest_assert_json_string(pong, "choices[0].message.content", "pong");
    itest_assert_json_int(pong, "usage.completion_tokens", 1);
    cJSON_Delete(pong);
    cJSON *code = chat(&m,
                       "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":"
                       "\"Write a C function that counts words.\"}]}",
                       200);
    const char *text;
    itest_json_get_string(&text, code, "choices[0].message.content");
    assert_non_null(strstr(text, "```c\n"));
    cJSON_Delete(code);
    /* a rule's tool call needs the tool on offer: a model calls only what it is given */
    cJSON *tool = chat(&m,
                       "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":"
                       "\"What is the weather in Berlin?\"}],\"tools\":[{\"type\":\"function\","
                       "\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":"
                       "\"object\"}}}]}",
                       200);
    itest_assert_json_string(tool, "choices[0].finish_reason", "tool_calls");
    itest_assert_json_type(tool, "choices[0].message.content", cJSON_NULL);
    itest_assert_json_string(tool, "choices[0].message.tool_calls[0].function.name", "get_weather");
    itest_assert_json_string(tool, "choices[0].message.tool_calls[0].type", "function");
    const char *args;
    itest_json_get_string(&args, tool, "choices[0].message.tool_calls[0].function.arguments");
    cJSON *parsed = itest_json_parse_or_fail(args, strlen(args), "tool arguments");
    itest_assert_json_string(parsed, "city", "Berlin");
    cJSON_Delete(parsed);
    cJSON_Delete(tool);
    struct itest_http_response r;
    mt_send(&r, "POST", chat_url(&m),
            "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"take your time"
            "\"}]}",
            NULL);
    itest_assert_http_status(&r, "POST", "slow rule", 200);
    if (r.total_s < 1.9)
        itest_fail("the rule's delay_ms 2000 was not honoured: answered in %.3f s", r.total_s);
    itest_http_response_free(&r);
    assert_int_equal(mock_stop(&m), 0);
}

struct arrival {
    struct timespec start;
    double first_s;
    size_t bytes;
};

static size_t note_arrival(char *data, size_t size, size_t n, void *arg)
{
    struct arrival *a = arg;
    if (a->bytes == 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        a->first_s =
            (double)(now.tv_sec - a->start.tv_sec) + (double)(now.tv_nsec - a->start.tv_nsec) / 1e9;
    }
    a->bytes += size * n;
    (void)data;
    return size * n;
}

static void time_to_first_token_and_pacing(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "llm", "--ttft-ms", "300", "--chunk-delay-ms",
                                    "20", NULL});
    /* the status line and headers go out at once, as OpenAI's do; the first event waits */
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    struct arrival a = {0};
    clock_gettime(CLOCK_MONOTONIC, &a.start);
    curl_easy_setopt(curl, CURLOPT_URL, chat_url(&m));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
                     "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                     "\"content\":\"Hi\"}]}");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, note_arrival);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(curl);
    double total_s = 0;
    curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &total_s);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK)
        itest_fail("streaming request failed: %s", curl_easy_strerror(rc));
    /* "This is itest-mock reply XXXXXXXX to: Hi" is 11 content chunks: 10 gaps of 20 ms */
    if (a.first_s < 0.29 || total_s < 0.3 + 0.19)
        itest_fail("first event after %.3f s (want >= 0.3), stream done after %.3f s (want >= "
                   "0.49)",
                   a.first_s, total_s);
    assert_int_equal(mock_stop(&m), 0);
}

static const struct itest_case cases[] = {
    ITEST_CASE(models_and_a_round_trip),
    ITEST_CASE(usage_grows_and_max_tokens_cuts),
    ITEST_CASE(streamed_equals_plain),
    ITEST_CASE(embeddings_float_and_base64_agree),
    ITEST_CASE(errors_are_openai_shaped),
    ITEST_CASE(responses_errors_are_openai_shaped),
    ITEST_CASE(responses_instructions_are_not_carried_over),
    ITEST_CASE(rules_reply_call_tools_and_wait),
    ITEST_CASE(time_to_first_token_and_pacing),
};

ITEST_SUITE_MAIN(cases)
