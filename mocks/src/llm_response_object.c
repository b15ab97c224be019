/* The Responses API's objects as OpenAI's API reference gives them: the response (its status,
 * output items, usage with its details, the request's settings echoed) and each output item (a
 * reasoning item, the message, a function call), done or as it starts; shared by the plain
 * answer (llm_responses.c) and the stream (llm_responses_stream.c). */
#include "llm_shared.h"
#include "mutations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t llm_response_items(const struct answer *an, const struct response_meta *m)
{
    return (m->reasons ? 1 : 0) + (an->n_calls ? an->n_calls : 1);
}

cJSON *llm_response_item(const struct mock_request *req, const struct answer *an,
                         const struct response_meta *m, size_t k, bool done)
{
    (void)req;
    const char *suffix = m->id + 5; /* after "resp_" */
    char id[64];
    cJSON *item = cJSON_CreateObject();
    if (m->reasons && k == 0) {
        snprintf(id, sizeof id, "rs_%s", suffix);
        cJSON_AddStringToObject(item, "id", id);
        cJSON_AddStringToObject(item, "type", "reasoning");
        cJSON_AddArrayToObject(item, "summary");
        return item;
    }
    size_t call = k - (m->reasons ? 1 : 0);
    const char *status = !done                                      ? "in_progress"
                         : strcmp(an->finish_reason, "length") == 0 ? "incomplete"
                                                                    : "completed";
    if (an->n_calls) {
        const struct answer_call *c = &an->calls[call];
        snprintf(id, sizeof id, "fc_%s_%zu", suffix, call);
        cJSON_AddStringToObject(item, "id", id);
        cJSON_AddStringToObject(item, "type", "function_call");
        cJSON_AddStringToObject(item, "status", status);
        cJSON_AddStringToObject(item, "arguments", done ? c->arguments : "");
        cJSON_AddStringToObject(item, "call_id", c->call_id ? c->call_id : "call_itest");
        cJSON_AddStringToObject(item, "name", c->name);
        return item;
    }
    snprintf(id, sizeof id, "msg_%s", suffix);
    cJSON_AddStringToObject(item, "id", id);
    cJSON_AddStringToObject(item, "type", "message");
    cJSON_AddStringToObject(item, "status", status);
    cJSON_AddStringToObject(item, "role", "assistant");
    cJSON *content = cJSON_AddArrayToObject(item, "content");
    if (done) {
        cJSON *part = cJSON_CreateObject();
        if (an->refusal) {
            cJSON_AddStringToObject(part, "type", "refusal");
            cJSON_AddStringToObject(part, "refusal", an->refusal);
        } else {
            cJSON_AddStringToObject(part, "type", "output_text");
            cJSON_AddStringToObject(part, "text", an->content ? an->content : "");
            cJSON_AddArrayToObject(part, "annotations");
            cJSON_AddArrayToObject(part, "logprobs");
        }
        cJSON_AddItemToArray(content, part);
    }
    return item;
}

static cJSON *usage_json(const struct mock_request *req, const struct ask *a,
                         const struct answer *an)
{
    size_t input = a->prompt_tokens;
    if (mock_mutated(req, MOCK_MUT_LLM_PROMPT_TOKENS_FIXED))
        input = 12;
    cJSON *u = cJSON_CreateObject();
    cJSON_AddNumberToObject(u, "input_tokens", (double)input);
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(u, "input_tokens_details"), "cached_tokens",
                            (double)an->cached_tokens);
    cJSON_AddNumberToObject(u, "output_tokens", (double)an->completion_tokens);
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(u, "output_tokens_details"), "reasoning_tokens",
                            (double)an->reasoning_tokens);
    cJSON_AddNumberToObject(
        u, "total_tokens",
        (double)(input + an->completion_tokens + mock_mutated(req, MOCK_MUT_LLM_USAGE_TOTAL_OFF)));
    return u;
}

/* The request's member, copied, or the default. */
static void add_echo(cJSON *o, const cJSON *body, const char *name, cJSON *otherwise)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    if (v && !cJSON_IsNull(v)) {
        cJSON_AddItemToObject(o, name, cJSON_Duplicate(v, true));
        cJSON_Delete(otherwise);
    } else {
        cJSON_AddItemToObject(o, name, otherwise);
    }
}

cJSON *llm_response_object(const struct mock_request *req, const struct ask *a,
                           const struct answer *an, const struct response_meta *m, bool done)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", m->id);
    cJSON_AddStringToObject(o, "object", "response");
    cJSON_AddNumberToObject(o, "created_at", m->created_s);
    bool incomplete = done && strcmp(an->finish_reason, "length") == 0 &&
                      !mock_mutated(req, MOCK_MUT_LLM_RESPONSES_COMPLETED_WHEN_CUT);
    cJSON_AddStringToObject(o, "status",
                            !done        ? "in_progress"
                            : incomplete ? "incomplete"
                                         : "completed");
    cJSON_AddNullToObject(o, "error");
    if (incomplete)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "incomplete_details"), "reason",
                                "max_output_tokens");
    else
        cJSON_AddNullToObject(o, "incomplete_details");
    add_echo(o, m->body, "instructions", cJSON_CreateNull());
    add_echo(o, m->body, "max_output_tokens", cJSON_CreateNull());
    cJSON_AddStringToObject(
        o, "model", mock_mutated(req, MOCK_MUT_LLM_MODEL_SWAPPED) ? a->other_model : a->model);
    cJSON *output = cJSON_AddArrayToObject(o, "output");
    for (size_t k = 0; done && k < llm_response_items(an, m); k++)
        cJSON_AddItemToArray(output, llm_response_item(req, an, m, k, true));
    cJSON_AddBoolToObject(o, "parallel_tool_calls", a->parallel_tool_calls);
    if (m->previous_response_id)
        cJSON_AddStringToObject(o, "previous_response_id", m->previous_response_id);
    else
        cJSON_AddNullToObject(o, "previous_response_id");
    cJSON *reasoning = cJSON_AddObjectToObject(o, "reasoning");
    cJSON_AddNullToObject(reasoning, "effort");
    cJSON_AddNullToObject(reasoning, "summary");
    cJSON_AddBoolToObject(o, "store", m->store);
    add_echo(o, m->body, "temperature", cJSON_CreateNumber(1));
    cJSON *text = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(text, "format"), "type", "text");
    add_echo(o, m->body, "text", text);
    add_echo(o, m->body, "tool_choice", cJSON_CreateString("auto"));
    add_echo(o, m->body, "tools", cJSON_CreateArray());
    add_echo(o, m->body, "top_p", cJSON_CreateNumber(1));
    cJSON_AddStringToObject(o, "truncation", "disabled");
    if (done)
        cJSON_AddItemToObject(o, "usage", usage_json(req, a, an));
    else
        cJSON_AddNullToObject(o, "usage");
    add_echo(o, m->body, "metadata", cJSON_CreateObject());
    return o;
}
