/* Streaming: the chunks assemble to the plain reply, the usage chunk, the stream's shape, and
 * time to first token. */
#include "cases.h"
#include "llm_suite.h"

#include "itest/measure.h"

#include <stdio.h>
#include <string.h>

/* Per model (registered as stream_assembles_to_plain_reply@<model>; *state is the model). */
void stream_assembles_to_plain_reply(void **state)
{
    llm_require_model(*state);
    struct itest_llm_request plain = {
        .model = *state, .prompt = "Describe a lighthouse in one sentence.", .max_tokens = 60};
    struct itest_llm_request streamed = plain;
    streamed.stream = true;
    struct itest_llm_reply a, b;
    llm_chat_ok(&a, &plain);
    llm_chat_ok(&b, &streamed);
    itest_check(b.content[0], "the streamed reply assembled to nothing (%d chunks)", b.chunks);
    itest_check(b.finish_reason, "no chunk carried a finish_reason");
    itest_check(b.role && strcmp(b.role, "assistant") == 0,
                "the stream's first delta has role \"%s\", not \"assistant\"",
                b.role ? b.role : "");
    llm_expect_model(&b, *state);
    if (itest_service_is_mock(ITEST_LLM))
        itest_check(strcmp(a.content, b.content) == 0,
                    "the streamed pieces joined differ from the plain reply:\n  plain:    "
                    "\"%s\"\n  streamed: \"%s\"",
                    a.content, b.content);
    itest_llm_reply_free(&a);
    itest_llm_reply_free(&b);
}

void stream_usage_chunk_matches(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_INCLUDE_USAGE);
    struct itest_llm_request plain = {.prompt = "Name three rivers.", .max_tokens = 40};
    struct itest_llm_request streamed = plain;
    streamed.stream = true;
    streamed.include_usage = true;
    struct itest_llm_reply a, b;
    llm_chat_ok(&a, &plain);
    llm_chat_ok(&b, &streamed);
    itest_check(b.usage_chunk,
                "stream_options.include_usage asked for a last chunk with usage and no choices; "
                "none arrived in %d chunks",
                b.chunks);
    llm_expect_usage_adds_up(&b);
    itest_check(b.prompt_tokens == a.prompt_tokens,
                "the same prompt costs %ld tokens streamed but %ld plain", b.prompt_tokens,
                a.prompt_tokens);
    if (itest_service_is_mock(ITEST_LLM))
        itest_check(b.completion_tokens == a.completion_tokens,
                    "the same reply counts %ld completion tokens streamed, %ld plain",
                    b.completion_tokens, a.completion_tokens);
    itest_llm_reply_free(&a);
    itest_llm_reply_free(&b);
}

void stream_without_usage_has_none(void **state)
{
    struct itest_llm_request req = {.prompt = "Say hi.", .max_tokens = 10, .stream = true};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    itest_check(!reply.usage_chunk && reply.total_tokens < 0,
                "without stream_options.include_usage the stream should carry no usage, but "
                "total_tokens %ld arrived",
                reply.total_tokens);
    itest_check(reply.chunks >= 2, "a reply in %d chunk(s) is not much of a stream", reply.chunks);
    itest_llm_reply_free(&reply);
}

void stream_n_choices(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_N_CHOICES);
    struct itest_llm_request req = {
        .prompt = "Say a word.", .max_tokens = 10, .stream = true, .extra_json = "{\"n\": 2}"};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    itest_check(reply.choices == 2,
                "n=2 streamed: the chunks carry choice indices up to %d, but each choice's chunks "
                "should carry its own index 0 and 1",
                reply.choices - 1);
    itest_llm_reply_free(&reply);
}

/* The function of a reply's first tool call: its name and arguments (fails when there is none). */
static const cJSON *first_call(const struct itest_llm_reply *r, const char *what)
{
    const cJSON *fn = itest_json_get(cJSON_GetArrayItem(r->tool_calls, 0), "function");
    itest_check(cJSON_IsString(cJSON_GetObjectItem(fn, "name")) &&
                    cJSON_IsString(cJSON_GetObjectItem(fn, "arguments")),
                "the %s reply has no tool call with a function name and arguments", what);
    return fn;
}

/* A streamed tool call: id and name come first, the argument fragments join to the same JSON the
 * plain reply carries. */
void stream_tool_call_assembles(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_TOOLS);
    struct itest_llm_request plain = {.prompt = "What is the weather in Berlin right now?",
                                      .extra_json = LLM_WEATHER_TOOL_REQUIRED};
    struct itest_llm_request streamed = plain;
    streamed.stream = true;
    struct itest_llm_reply a, b;
    llm_chat_ok(&a, &plain);
    llm_chat_ok(&b, &streamed);
    const cJSON *fa = first_call(&a, "plain"), *fb = first_call(&b, "streamed");
    itest_check(strcmp(cJSON_GetObjectItem(fa, "name")->valuestring,
                       cJSON_GetObjectItem(fb, "name")->valuestring) == 0,
                "the streamed tool call names %s, the plain one %s",
                cJSON_GetObjectItem(fb, "name")->valuestring,
                cJSON_GetObjectItem(fa, "name")->valuestring);
    itest_check(cJSON_IsString(cJSON_GetObjectItem(cJSON_GetArrayItem(b.tool_calls, 0), "id")),
                "the streamed tool call has no id in its first delta");
    const char *args = cJSON_GetObjectItem(fb, "arguments")->valuestring;
    char err[256];
    cJSON *parsed = itest_json_parse(args, strlen(args), err, sizeof err);
    itest_check(parsed,
                "[invalid JSON] the streamed tool call's argument fragments join to text that is "
                "not JSON (%s): %s",
                err, args);
    cJSON_Delete(parsed);
    if (itest_service_is_mock(ITEST_LLM))
        itest_check(strcmp(args, cJSON_GetObjectItem(fa, "arguments")->valuestring) == 0,
                    "the streamed tool call's arguments join to %s; the plain reply's are %s", args,
                    cJSON_GetObjectItem(fa, "arguments")->valuestring);
    itest_llm_reply_free(&a);
    itest_llm_reply_free(&b);
}

void stream_ttft_and_rate_measured(void **state)
{
    struct itest_llm_request req = {.prompt = "Write two sentences about the sea.",
                                    .max_tokens = 80,
                                    .stream = true,
                                    .include_usage = true};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    itest_check(reply.ttft_s >= 0, "no content piece arrived in %d chunks", reply.chunks);
    itest_check(reply.ttft_s <= reply.total_s, "first token at %.3f s, after the end at %.3f s",
                reply.ttft_s, reply.total_s);
    itest_measure("ttft_ms", reply.ttft_s * 1000);
    itest_measure("total_ms", reply.total_s * 1000);
    double generating = reply.total_s - reply.ttft_s;
    if (reply.completion_tokens > 0 && generating > 0)
        itest_measure("tokens_per_s", (double)reply.completion_tokens / generating);
    itest_llm_reply_free(&reply);
}
