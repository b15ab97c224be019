/* Tool calls beyond one: several at once (parallel_tool_calls), none when asked for one only,
 * streamed with each call's id and name first, and a named tool_choice, whose arguments follow
 * the tool's parameters. */
#include "cases.h"
#include "llm_suite.h"

#include <stdio.h>
#include <string.h>

#define WEATHER_TOOL                                                                               \
    "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"The"    \
    " weather in a city\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\":"      \
    " {\"type\": \"string\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}"

/* Every call: a distinct id, the tool's name, arguments that are JSON naming a city. */
static int check_calls(const struct itest_llm_reply *r, const char *what)
{
    int n = cJSON_GetArraySize(r->tool_calls);
    itest_check(n > 0, "%s: no tool call came back", what);
    for (int i = 0; i < n; i++) {
        const cJSON *call = cJSON_GetArrayItem(r->tool_calls, i);
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(call, "id"));
        const char *name = cJSON_GetStringValue(itest_json_get(call, "function.name"));
        const char *args = cJSON_GetStringValue(itest_json_get(call, "function.arguments"));
        itest_check(id && *id, "%s: tool call %d has no id", what, i);
        for (int k = 0; k < i; k++)
            itest_check(strcmp(id, cJSON_GetStringValue(cJSON_GetObjectItem(
                                       cJSON_GetArrayItem(r->tool_calls, k), "id"))) != 0,
                        "%s: tool calls %d and %d share the id %s", what, k, i, id);
        itest_check(name && strcmp(name, "get_weather") == 0, "%s: tool call %d names %s", what, i,
                    name ? name : "nothing");
        char err[256];
        cJSON *parsed =
            itest_json_parse(args ? args : "", args ? strlen(args) : 0, err, sizeof err);
        itest_check(parsed, "[invalid JSON] %s: tool call %d's arguments are not JSON: %s", what, i,
                    err);
        itest_assert_json_type(parsed, "city", cJSON_String);
        cJSON_Delete(parsed);
    }
    return n;
}

void chat_parallel_tool_calls(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_TOOLS);
    itest_llm_require(ITEST_LLM_CAP_PARALLEL_TOOLS);
    for (int streamed = 0; streamed < 2; streamed++) {
        struct itest_llm_request req = {
            .prompt = "What is the weather in Berlin and in Paris right now? Check both cities.",
            .stream = streamed,
            .extra_json = "{\"tools\": [" WEATHER_TOOL "], \"tool_choice\": \"required\"}"};
        struct itest_llm_reply reply;
        llm_chat_ok(&reply, &req);
        const char *what = streamed ? "the streamed parallel calls" : "the parallel calls";
        int n = check_calls(&reply, what);
        itest_check(reply.finish_reason && strcmp(reply.finish_reason, "tool_calls") == 0,
                    "%s: finish_reason is %s, not tool_calls", what,
                    reply.finish_reason ? reply.finish_reason : "missing");
        /* a real model may call once; two cities asked of the mock's rule give two calls */
        if (itest_service_is_mock(ITEST_LLM))
            itest_check(n == 2, "%s: two cities gave %d tool calls, the rule makes 2", what, n);
        itest_llm_reply_free(&reply);
    }
}

void chat_parallel_tool_calls_off(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_TOOLS);
    itest_llm_require(ITEST_LLM_CAP_PARALLEL_TOOLS);
    struct itest_llm_request req = {
        .prompt = "What is the weather in Berlin and in Paris right now? Check both cities.",
        .extra_json = "{\"tools\": [" WEATHER_TOOL "], \"tool_choice\": \"required\","
                      " \"parallel_tool_calls\": false}"};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    int n = check_calls(&reply, "parallel_tool_calls false");
    itest_check(n == 1, "parallel_tool_calls: false allows one tool call; the reply has %d", n);
    itest_llm_reply_free(&reply);
}

/* tool_choice naming a function: that function is called, with arguments that follow its
 * parameters, though nothing in the prompt asks for it. */
void chat_tool_choice_named(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_TOOLS);
    static const char extra[] =
        "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"record_mood\","
        " \"parameters\": {\"type\": \"object\", \"additionalProperties\": false, \"required\":"
        " [\"mood\", \"score\"], \"properties\": {\"mood\": {\"type\": \"string\", \"enum\":"
        " [\"happy\", \"sad\"]}, \"score\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\":"
        " 5}}}, \"strict\": true}}], \"tool_choice\": {\"type\": \"function\", \"function\":"
        " {\"name\": \"record_mood\"}}}";
    struct itest_llm_request req = {.prompt = "It is a lovely sunny day.", .extra_json = extra};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    const cJSON *call = cJSON_GetArrayItem(reply.tool_calls, 0);
    const char *name = cJSON_GetStringValue(itest_json_get(call, "function.name"));
    itest_check(name && strcmp(name, "record_mood") == 0,
                "tool_choice named record_mood, but the reply calls %s", name ? name : "nothing");
    const char *args = cJSON_GetStringValue(itest_json_get(call, "function.arguments"));
    cJSON_Delete(llm_expect_json_schema(
        args ? args : "",
        "{\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"mood\","
        " \"score\"], \"properties\": {\"mood\": {\"type\": \"string\", \"enum\": [\"happy\","
        " \"sad\"]}, \"score\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 5}}}",
        "the named tool's arguments"));
    itest_llm_reply_free(&reply);
}
