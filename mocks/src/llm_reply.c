/* The shapes every chat answer shares, plain or streamed: the envelope, usage, tool calls. */
#include "llm.h"

#include "itest/clock.h"

#include <stdio.h>
#include <string.h>

cJSON *llm_usage_json(const struct mock_request *req, size_t prompt, size_t completion)
{
    cJSON *u = cJSON_CreateObject();
    if (mock_mutated(req, MOCK_MUT_LLM_PROMPT_TOKENS_FIXED))
        prompt = 12;
    cJSON_AddNumberToObject(u, "prompt_tokens", (double)prompt);
    cJSON_AddNumberToObject(u, "completion_tokens", (double)completion);
    cJSON_AddNumberToObject(
        u, "total_tokens",
        (double)(prompt + completion + mock_mutated(req, MOCK_MUT_LLM_USAGE_TOTAL_OFF)));
    cJSON *details = cJSON_AddObjectToObject(u, "prompt_tokens_details");
    cJSON_AddNumberToObject(details, "cached_tokens", 0);
    details = cJSON_AddObjectToObject(u, "completion_tokens_details");
    cJSON_AddNumberToObject(details, "reasoning_tokens", 0);
    return u;
}

cJSON *llm_tool_calls_json(const struct answer *a, const char *call_id, bool stream,
                           const char *arguments)
{
    cJSON *calls = cJSON_CreateArray();
    cJSON *call = cJSON_CreateObject();
    if (stream)
        cJSON_AddNumberToObject(call, "index", 0);
    if (call_id) {
        cJSON_AddStringToObject(call, "id", call_id);
        cJSON_AddStringToObject(call, "type", "function");
    }
    cJSON *fn = cJSON_AddObjectToObject(call, "function");
    if (call_id)
        cJSON_AddStringToObject(fn, "name", a->tool_name);
    cJSON_AddStringToObject(fn, "arguments", arguments);
    cJSON_AddItemToArray(calls, call);
    return calls;
}

cJSON *llm_envelope(const struct mock_request *req, const char *object, const char *id,
                    const struct chat *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    bool wrong =
        mock_mutated(req, MOCK_MUT_LLM_OBJECT_WRONG) && strcmp(object, "chat.completion") == 0;
    cJSON_AddStringToObject(o, "object", wrong ? "text_completion" : object);
    uint64_t unit = mock_mutated(req, MOCK_MUT_LLM_CREATED_IN_MS) ? 1000000u : 1000000000u;
    cJSON_AddNumberToObject(o, "created", (double)(itest_wall_ns() / unit));
    cJSON_AddStringToObject(
        o, "model", mock_mutated(req, MOCK_MUT_LLM_MODEL_SWAPPED) ? c->other_model : c->model);
    cJSON_AddStringToObject(o, "system_fingerprint", "fp_itest_mock");
    return o;
}
