/* Chat completions: models, a round trip, system and multi-turn messages, max_tokens, usage,
 * several choices and a tool call. Exact replies are checked on the mock only. */
#include "cases.h"
#include "llm_suite.h"

#include <stdio.h>
#include <time.h>
#include <string.h>

void models_list(void **state)
{
    struct itest_http_response r;
    char url[1024];
    itest_llm_get(&r, "/models");
    itest_assert_http_status(&r, "GET", itest_llm_url(url, sizeof url, "/models"), 200);
    cJSON *list = itest_json_parse_or_fail(r.body, r.body_len, "GET /models");
    itest_assert_json_string(list, "object", "list");
    const cJSON *data = itest_json_require(list, "data");
    itest_check(cJSON_IsArray(data) && cJSON_GetArraySize(data) > 0,
                "GET /models: \"data\" should be a non-empty array");
    const char *models[64];
    size_t n = itest_llm_models(models, 64);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        const cJSON *m;
        cJSON_ArrayForEach(m, data)
        {
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(m, "id"));
            found = found || (id && strcmp(id, models[i]) == 0);
        }
        itest_check(found, "GET /models does not list %s, one of the models under test", models[i]);
    }
    cJSON_Delete(list);
    itest_http_response_free(&r);
    if (!itest_llm_has(ITEST_LLM_CAP_MODEL_RETRIEVE))
        return;
    /* one model by its id */
    char path[300];
    snprintf(path, sizeof path, "/models/%s", models[0]);
    itest_llm_get(&r, path);
    itest_assert_http_status(&r, "GET", itest_llm_url(url, sizeof url, path), 200);
    cJSON *one = itest_json_parse_or_fail(r.body, r.body_len, path);
    itest_assert_json_string(one, "id", models[0]);
    cJSON_Delete(one);
    itest_http_response_free(&r);
}

/* Per model (registered as chat_round_trip@<model>; *state is the model). */
void chat_round_trip(void **state)
{
    llm_require_model(*state);
    struct itest_llm_request req = {
        .model = *state, .prompt = "Please say pong.", .max_tokens = 20};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    itest_check(reply.content[0], "the reply's content is empty");
    itest_check(reply.finish_reason, "the reply has no finish_reason");
    itest_check(reply.id, "the reply has no id");
    itest_assert_json_string(reply.json, "object", "chat.completion");
    itest_assert_json_string(reply.json, "choices[0].message.role", "assistant");
    llm_expect_model(&reply, *state);
    /* created: Unix seconds, so within a day of this machine's clock (whatever its skew) */
    long long created = 0;
    itest_check(itest_json_get_int(&created, reply.json, "created") == 0,
                "[invalid JSON] the reply has no integer \"created\"");
    long long now = (long long)time(NULL);
    itest_check(created > now - 86400 && created < now + 86400,
                "created %lld is not a Unix time in seconds near now (%lld)", created, now);
    if (itest_service_is_mock(ITEST_LLM))
        itest_check(strcmp(reply.content, "pong") == 0, "the mock's rule says \"pong\"; got \"%s\"",
                    reply.content);
    itest_llm_reply_free(&reply);
}

void chat_system_message(void **state)
{
    struct itest_llm_request plain = {.prompt = "Name a colour."};
    struct itest_llm_request with = {.prompt = "Name a colour.",
                                     .system = "You are a terse assistant. Answer in one word."};
    struct itest_llm_reply a, b;
    llm_chat_ok(&a, &plain);
    llm_chat_ok(&b, &with);
    itest_check(b.prompt_tokens > a.prompt_tokens,
                "the system message should count in prompt_tokens: %ld with it, %ld without",
                b.prompt_tokens, a.prompt_tokens);
    if (itest_service_is_mock(ITEST_LLM))
        itest_check(strcmp(a.content, b.content) != 0,
                    "the mock's reply depends on the whole conversation, but the system message "
                    "changed nothing: \"%s\"",
                    a.content);
    itest_llm_reply_free(&a);
    itest_llm_reply_free(&b);
}

void chat_multi_turn(void **state)
{
    static const char history[] =
        "[{\"role\": \"user\", \"content\": \"My name is Ada.\"},"
        " {\"role\": \"assistant\", \"content\": \"Nice to meet you, Ada.\"},"
        " {\"role\": \"user\", \"content\": \"What is my name?\"}]";
    struct itest_llm_request turn = {.messages_json = history};
    struct itest_llm_request alone = {.prompt = "What is my name?"};
    struct itest_llm_reply a, b;
    llm_chat_ok(&a, &turn);
    llm_chat_ok(&b, &alone);
    itest_check(a.prompt_tokens > b.prompt_tokens,
                "the earlier turns should count in prompt_tokens: %ld with them, %ld without",
                a.prompt_tokens, b.prompt_tokens);
    if (itest_service_is_mock(ITEST_LLM))
        itest_check(strstr(a.content, "to: What is my name?"),
                    "the mock answers the last user message; got \"%s\"", a.content);
    itest_llm_reply_free(&a);
    itest_llm_reply_free(&b);
}

/* Per model. */
void chat_max_tokens_gives_length(void **state)
{
    llm_require_model(*state);
    struct itest_llm_request req = {
        .model = *state,
        .prompt = "Tell me, in great detail and at length, the whole history of the C language.",
        .max_tokens = 5};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    itest_check(reply.finish_reason && strcmp(reply.finish_reason, "length") == 0,
                "max_tokens 5 on a long answer should end with finish_reason \"length\", got %s",
                reply.finish_reason ? reply.finish_reason : "none");
    itest_check(reply.completion_tokens >= 0 && reply.completion_tokens <= 5,
                "max_tokens 5, but usage.completion_tokens is %ld", reply.completion_tokens);
    itest_llm_reply_free(&reply);
}

/* Per model. */
void chat_usage_adds_up(void **state)
{
    llm_require_model(*state);
    struct itest_llm_request req = {.model = *state, .prompt = "Count from one to five."};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    llm_expect_usage_adds_up(&reply);
    itest_check(reply.completion_tokens > 0, "a non-empty reply with 0 completion tokens");
    itest_llm_reply_free(&reply);
}

void chat_usage_grows_with_prompt(void **state)
{
    char longer[4096] = "Summarise this: ";
    for (int i = 0; i < 40; i++)
        strcat(longer, "the quick brown fox jumps over the lazy dog; ");
    struct itest_llm_request short_req = {.prompt = "Summarise this: a fox.", .max_tokens = 16};
    struct itest_llm_request long_req = {.prompt = longer, .max_tokens = 16};
    struct itest_llm_reply a, b;
    llm_chat_ok(&a, &short_req);
    llm_chat_ok(&b, &long_req);
    itest_check(b.prompt_tokens > a.prompt_tokens + 100,
                "a prompt 40 sentences longer should cost far more prompt_tokens: %ld vs %ld",
                b.prompt_tokens, a.prompt_tokens);
    itest_llm_reply_free(&a);
    itest_llm_reply_free(&b);
}

void chat_n_choices(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_N_CHOICES);
    struct itest_llm_request req = {
        .prompt = "Say a word.", .max_tokens = 10, .extra_json = "{\"n\": 2}"};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    itest_check(reply.choices == 2, "n=2 asked for two choices; the reply has %d", reply.choices);
    itest_assert_json_int(reply.json, "choices[0].index", 0);
    itest_assert_json_int(reply.json, "choices[1].index", 1);
    itest_llm_reply_free(&reply);
}

void chat_tool_call(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_TOOLS);
    struct itest_llm_request req = {.prompt = "What is the weather in Berlin right now?",
                                    .extra_json = LLM_WEATHER_TOOL_REQUIRED};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    itest_assert_json_string(reply.json, "choices[0].finish_reason", "tool_calls");
    itest_assert_json_string(reply.json, "choices[0].message.tool_calls[0].type", "function");
    itest_assert_json_string(reply.json, "choices[0].message.tool_calls[0].function.name",
                             "get_weather");
    const char *args = NULL;
    itest_check(itest_json_get_string(&args, reply.json,
                                      "choices[0].message.tool_calls[0].function.arguments") == 0,
                "the tool call has no arguments string");
    char err[256];
    cJSON *parsed = itest_json_parse(args, strlen(args), err, sizeof err);
    itest_check(parsed, "[invalid JSON] the tool call's arguments are not JSON: %s", err);
    itest_assert_json_type(parsed, "city", cJSON_String);
    cJSON_Delete(parsed);
    itest_llm_reply_free(&reply);
}
