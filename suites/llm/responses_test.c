/* The Responses API (POST /v1/responses): a round trip with the stored response fetched and
 * deleted, a stream whose typed events assemble to the same text, max_output_tokens giving
 * status incomplete, instructions, previous_response_id carrying the conversation on, a function
 * call answered through it, store: false, a strict text.format, and usage with its details. */
#include "cases.h"
#include "llm_suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEATHER_TOOL                                                                               \
    "{\"type\": \"function\", \"name\": \"get_weather\", \"description\": \"The weather in a"      \
    " city\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\":"        \
    " \"string\"}}, \"required\": [\"city\"]}}"

static void respond_ok(struct itest_llm_reply *reply, struct itest_llm_request *req)
{
    req->responses = true;
    llm_chat_ok(reply, req);
}

/* Fails unless input + output == total. */
static void usage_adds_up(const struct itest_llm_reply *r, const char *what)
{
    itest_check(r->prompt_tokens > 0 && r->completion_tokens >= 0 &&
                    r->prompt_tokens + r->completion_tokens == r->total_tokens,
                "%s: usage does not add up: input_tokens %ld + output_tokens %ld != "
                "total_tokens %ld",
                what, r->prompt_tokens, r->completion_tokens, r->total_tokens);
}

/* GET (or DELETE) /responses/{id}, which must answer expected; the body parsed, or NULL when
 * expected is not 200. A 404 where the response should be kept, or a 200 where it should be
 * gone, breaks what the API promises (an [assertion] saying why); any other failure fails with
 * its category. */
static cJSON *stored(const char *method, const char *id, long expected, const char *why)
{
    char path[256], url[1024];
    snprintf(path, sizeof path, "/responses/%s", id);
    itest_llm_url(url, sizeof url, path);
    struct itest_http_response r;
    if (strcmp(method, "GET") == 0)
        itest_llm_get(&r, path);
    else
        itest_llm_delete(&r, path);
    long got = r.status;
    if ((expected == 200 && got == 404) || (expected == 404 && got == 200)) {
        itest_http_response_free(&r);
        itest_fail("[assertion] %s %s: expected status %ld, got %ld: %s", method, url, expected,
                   got, why);
    }
    itest_assert_http_status(&r, method, url, expected);
    cJSON *v = expected == 200 ? itest_json_parse_or_fail(r.body, r.body_len, path) : NULL;
    itest_http_response_free(&r);
    return v;
}

/* Per model (responses_round_trip@<model>). */
void responses_round_trip(void **state)
{
    llm_require_model(*state);
    itest_llm_require(ITEST_LLM_CAP_RESPONSES);
    struct itest_llm_request req = {
        .model = *state, .prompt = "Please say pong.", .max_tokens = 20};
    struct itest_llm_reply reply;
    respond_ok(&reply, &req);
    itest_check(reply.status && strcmp(reply.status, "completed") == 0,
                "the response's status is %s, not completed", reply.status ? reply.status : "none");
    itest_check(reply.content[0], "the response's output has no text");
    itest_check(reply.id && strncmp(reply.id, "resp", 4) == 0,
                "the response's id %s does not start resp", reply.id ? reply.id : "(none)");
    llm_expect_model(&reply, *state);
    usage_adds_up(&reply, "the response");
    if (itest_service_is_mock(ITEST_LLM))
        itest_check(strcmp(reply.content, "pong") == 0, "the mock's rule says \"pong\"; got \"%s\"",
                    reply.content);
    /* stored (store defaults to true): fetched as it was, then deleted */
    cJSON *got = stored("GET", reply.id, 200, "a stored response can be fetched");
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(got, "id"));
    itest_check(id && strcmp(id, reply.id) == 0, "GET /responses/%s answered the response %s",
                reply.id, id ? id : "(none)");
    cJSON_Delete(got);
    cJSON *deleted = stored("DELETE", reply.id, 200, "a stored response can be deleted");
    itest_check(cJSON_IsTrue(cJSON_GetObjectItem(deleted, "deleted")),
                "DELETE /responses/%s answered without deleted: true", reply.id);
    cJSON_Delete(deleted);
    stored("GET", reply.id, 404, "the response should be gone after DELETE");
    itest_llm_reply_free(&reply);
}

/* Per model: the stream's events in order, the text they assemble the plain reply's. */
void responses_stream_assembles(void **state)
{
    llm_require_model(*state);
    itest_llm_require(ITEST_LLM_CAP_RESPONSES);
    struct itest_llm_request plain = {
        .model = *state, .prompt = "Describe a lighthouse in one sentence.", .max_tokens = 60};
    struct itest_llm_request streamed = plain;
    streamed.stream = true;
    struct itest_llm_reply a, b;
    respond_ok(&a, &plain);
    respond_ok(&b, &streamed);
    itest_check(b.done, "the stream ended without its terminal event");
    itest_check(b.chunks >= 6,
                "a streamed response in %d events: created, in_progress, item added, text "
                "deltas, done events and completed make more",
                b.chunks);
    itest_check(b.content[0], "the streamed response assembled to nothing");
    usage_adds_up(&b, "the streamed response");
    llm_expect_model(&b, *state);
    if (itest_service_is_mock(ITEST_LLM))
        itest_check(strcmp(a.content, b.content) == 0,
                    "the streamed response's text differs from the plain one:\n  plain:    "
                    "\"%s\"\n  streamed: \"%s\"",
                    a.content, b.content);
    itest_llm_reply_free(&a);
    itest_llm_reply_free(&b);
}

/* Per model: max_output_tokens cuts the reply, status incomplete with the reason. */
void responses_max_output_tokens_incomplete(void **state)
{
    llm_require_model(*state);
    itest_llm_require(ITEST_LLM_CAP_RESPONSES);
    for (int streamed = 0; streamed < 2; streamed++) {
        struct itest_llm_request req = {
            .model = *state,
            .prompt =
                "Tell me, in great detail and at length, the whole history of the C language.",
            .max_tokens = 16,
            .stream = streamed};
        struct itest_llm_reply reply;
        respond_ok(&reply, &req);
        const char *what = streamed ? "streamed" : "plain";
        itest_check(reply.status && strcmp(reply.status, "incomplete") == 0,
                    "%s: max_output_tokens 16 on a long answer should give status incomplete, not "
                    "%s",
                    what, reply.status ? reply.status : "none");
        itest_check(reply.incomplete_reason &&
                        strcmp(reply.incomplete_reason, "max_output_tokens") == 0,
                    "%s: incomplete_details.reason should be max_output_tokens, not %s", what,
                    reply.incomplete_reason ? reply.incomplete_reason : "missing");
        itest_check(reply.completion_tokens <= 16,
                    "%s: max_output_tokens 16, but usage.output_tokens is %ld", what,
                    reply.completion_tokens);
        itest_llm_reply_free(&reply);
    }
}

void responses_instructions_count(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_RESPONSES);
    struct itest_llm_request plain = {.prompt = "Name a colour."};
    struct itest_llm_request with = {.prompt = "Name a colour.",
                                     .system = "You are a terse assistant. Answer in one word."};
    struct itest_llm_reply a, b;
    respond_ok(&a, &plain);
    respond_ok(&b, &with);
    itest_check(b.prompt_tokens > a.prompt_tokens,
                "instructions should count in input_tokens: %ld with them, %ld without",
                b.prompt_tokens, a.prompt_tokens);
    itest_llm_reply_free(&a);
    itest_llm_reply_free(&b);
}

void responses_previous_response_id_carries_context(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_RESPONSES);
    struct itest_llm_request first = {.prompt = "My name is Ada. Remember it.", .max_tokens = 30};
    struct itest_llm_reply a, b, alone;
    respond_ok(&a, &first);
    struct itest_llm_request next = {
        .prompt = "What is my name?", .max_tokens = 30, .previous_response_id = a.id};
    struct itest_llm_request fresh = {.prompt = "What is my name?", .max_tokens = 30};
    respond_ok(&b, &next);
    respond_ok(&alone, &fresh);
    itest_check(b.prompt_tokens >= alone.prompt_tokens + a.prompt_tokens,
                "previous_response_id should carry the conversation on: input_tokens %ld with "
                "it, %ld without, and the earlier turn alone took %ld",
                b.prompt_tokens, alone.prompt_tokens, a.prompt_tokens);
    const char *prev =
        cJSON_GetStringValue(cJSON_GetObjectItem(b.response, "previous_response_id"));
    itest_check(prev && strcmp(prev, a.id) == 0,
                "the response names previous_response_id %s, it was sent %s",
                prev ? prev : "(none)", a.id);
    itest_llm_reply_free(&a);
    itest_llm_reply_free(&b);
    itest_llm_reply_free(&alone);
}

/* A function call, its output sent back through previous_response_id, and the answer. */
void responses_function_call_round_trip(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_RESPONSES);
    itest_llm_require(ITEST_LLM_CAP_TOOLS);
    for (int streamed = 0; streamed < 2; streamed++) {
        struct itest_llm_request ask = {.prompt = "What is the weather in Berlin right now?",
                                        .stream = streamed,
                                        .extra_json = "{\"tools\": [" WEATHER_TOOL
                                                      "], \"tool_choice\": \"required\"}"};
        struct itest_llm_reply call;
        respond_ok(&call, &ask);
        const char *what = streamed ? "streamed" : "plain";
        const cJSON *c = cJSON_GetArrayItem(call.tool_calls, 0);
        const char *call_id = cJSON_GetStringValue(cJSON_GetObjectItem(c, "id"));
        const char *name = cJSON_GetStringValue(itest_json_get(c, "function.name"));
        const char *args = cJSON_GetStringValue(itest_json_get(c, "function.arguments"));
        itest_check(call_id && *call_id && name && strcmp(name, "get_weather") == 0,
                    "%s: the response has no function_call item for get_weather with a call_id",
                    what);
        char err[256];
        cJSON *parsed =
            itest_json_parse(args ? args : "", args ? strlen(args) : 0, err, sizeof err);
        itest_check(parsed, "[invalid JSON] %s: the function call's arguments are not JSON: %s",
                    what, err);
        cJSON_Delete(parsed);
        char input[600];
        snprintf(input, sizeof input,
                 "[{\"type\": \"function_call_output\", \"call_id\": \"%s\", \"output\":"
                 " \"{\\\"temperature_c\\\": 21}\"}]",
                 call_id);
        struct itest_llm_request answer = {.input_json = input,
                                           .previous_response_id = call.id,
                                           .stream = streamed,
                                           .extra_json = "{\"tools\": [" WEATHER_TOOL "]}"};
        struct itest_llm_reply done;
        respond_ok(&done, &answer);
        itest_check(done.content[0] && !done.tool_calls,
                    "%s: given the function's output, the model should answer in text; it %s", what,
                    done.tool_calls ? "called a tool again" : "said nothing");
        itest_check(done.prompt_tokens > call.prompt_tokens,
                    "%s: the answer's input_tokens %ld should include the call's %ld", what,
                    done.prompt_tokens, call.prompt_tokens);
        itest_llm_reply_free(&call);
        itest_llm_reply_free(&done);
    }
}

void responses_store_false_not_kept(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_RESPONSES);
    struct itest_llm_request req = {.prompt = "Say pong.", .no_store = true};
    struct itest_llm_reply reply;
    respond_ok(&reply, &req);
    stored("GET", reply.id, 404, "store: false keeps nothing");
    itest_llm_reply_free(&reply);
}

void responses_json_schema(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_RESPONSES);
    itest_llm_require(ITEST_LLM_CAP_STRICT_SCHEMA);
    static const char schema[] =
        "{\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"name\","
        " \"born\", \"fields\"], \"properties\": {\"name\": {\"type\": \"string\"}, \"born\":"
        " {\"type\": \"integer\"}, \"fields\": {\"type\": \"array\", \"items\": {\"type\":"
        " \"string\"}}}}";
    char extra[1200];
    snprintf(extra, sizeof extra,
             "{\"text\": {\"format\": {\"type\": \"json_schema\", \"name\": \"person\", \"strict\":"
             " true, \"schema\": %s}}}",
             schema);
    struct itest_llm_request req = {
        .prompt = "Give the profile of Ada Lovelace: her name, the year she was born, her fields.",
        .max_tokens = 200,
        .extra_json = extra};
    struct itest_llm_reply reply;
    respond_ok(&reply, &req);
    cJSON_Delete(llm_expect_json_schema(reply.content, schema, "the response's text"));
    itest_llm_reply_free(&reply);
}

void responses_usage_details(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_RESPONSES);
    struct itest_llm_request req = {.prompt = "Say pong."};
    struct itest_llm_reply reply;
    respond_ok(&reply, &req);
    itest_check(reply.cached_tokens >= 0,
                "[invalid JSON] usage.input_tokens_details.cached_tokens is missing");
    itest_check(reply.reasoning_tokens >= 0,
                "[invalid JSON] usage.output_tokens_details.reasoning_tokens is missing");
    itest_llm_reply_free(&reply);
}
