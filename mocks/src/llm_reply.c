/* The shapes every chat answer shares, plain or streamed: the envelope, usage with its details,
 * tool calls whole and as deltas, logprobs. */
#include "llm_shared.h"

#include "itest/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cJSON *llm_usage_json(const struct mock_request *req, const struct ask *a, const struct answer *an,
                      size_t completion)
{
    cJSON *u = cJSON_CreateObject();
    size_t prompt = a->prompt_tokens;
    if (mock_mutated(req, MOCK_MUT_LLM_PROMPT_TOKENS_FIXED))
        prompt = 12;
    cJSON_AddNumberToObject(u, "prompt_tokens", (double)prompt);
    cJSON_AddNumberToObject(u, "completion_tokens", (double)completion);
    cJSON_AddNumberToObject(
        u, "total_tokens",
        (double)(prompt + completion + mock_mutated(req, MOCK_MUT_LLM_USAGE_TOTAL_OFF)));
    cJSON *details = cJSON_AddObjectToObject(u, "prompt_tokens_details");
    cJSON_AddNumberToObject(details, "cached_tokens", (double)an->cached_tokens);
    details = cJSON_AddObjectToObject(u, "completion_tokens_details");
    cJSON_AddNumberToObject(details, "reasoning_tokens",
                            (double)an->reasoning_tokens * (double)(completion ? 1 : 0));
    return u;
}

static cJSON *call_json(const struct answer_call *c, size_t k, bool stream, bool first,
                        const char *arguments)
{
    cJSON *call = cJSON_CreateObject();
    if (stream)
        cJSON_AddNumberToObject(call, "index", (double)k);
    if (first) {
        cJSON_AddStringToObject(call, "id", c->call_id ? c->call_id : "call_itest");
        cJSON_AddStringToObject(call, "type", "function");
    }
    cJSON *fn = cJSON_AddObjectToObject(call, "function");
    if (first)
        cJSON_AddStringToObject(fn, "name", c->name);
    cJSON_AddStringToObject(fn, "arguments", arguments);
    return call;
}

cJSON *llm_tool_calls_json(const struct answer *an)
{
    cJSON *calls = cJSON_CreateArray();
    for (size_t k = 0; k < an->n_calls; k++)
        cJSON_AddItemToArray(calls,
                             call_json(&an->calls[k], k, false, true, an->calls[k].arguments));
    return calls;
}

cJSON *llm_tool_call_delta(const struct answer_call *c, size_t k, bool first, const char *piece)
{
    cJSON *calls = cJSON_CreateArray();
    cJSON_AddItemToArray(calls, call_json(c, k, true, first, piece));
    return calls;
}

static cJSON *bytes_json(const char *token, size_t len)
{
    cJSON *b = cJSON_CreateArray();
    for (size_t i = 0; i < len; i++)
        cJSON_AddItemToArray(b, cJSON_CreateNumber((unsigned char)token[i]));
    return b;
}

static cJSON *logprob_entry(const char *token, size_t len, double logprob)
{
    cJSON *e = cJSON_CreateObject();
    char *t = strndup(token, len);
    cJSON_AddStringToObject(e, "token", t ? t : "");
    free(t);
    cJSON_AddNumberToObject(e, "logprob", logprob);
    cJSON_AddItemToObject(e, "bytes", bytes_json(token, len));
    return e;
}

cJSON *llm_logprobs_json(const struct mock_request *req, const struct ask *a, const char *text,
                         size_t from)
{
    cJSON *lp = cJSON_CreateObject();
    cJSON *content = cJSON_AddArrayToObject(lp, "content");
    size_t i = from;
    /* llm.logprobs_tokens_differ: the first token of the reply goes unreported */
    size_t pos = from == 0 && mock_mutated(req, MOCK_MUT_LLM_LOGPROBS_TOKENS_DIFFER) && *text
                     ? llm_token_end(text, 0)
                     : 0;
    for (; text[pos]; i++) {
        size_t end = llm_token_end(text, pos), len = end - pos;
        double chosen = llm_logprob(text + pos, len, i, a->seed);
        cJSON *e = logprob_entry(text + pos, len, chosen);
        cJSON *top = cJSON_AddArrayToObject(e, "top_logprobs");
        /* the chosen token first, then made-up alternatives, each less likely */
        for (long k = 0; k < a->top_logprobs; k++) {
            char alt[96];
            int n = k == 0 ? snprintf(alt, sizeof alt, "%.*s", (int)len, text + pos)
                           : snprintf(alt, sizeof alt, "%.*s~%ld", (int)len, text + pos, k);
            cJSON_AddItemToArray(top, logprob_entry(alt, (size_t)n, chosen - 0.5 * (double)k));
        }
        cJSON_AddItemToArray(content, e);
        pos = end;
    }
    cJSON_AddNullToObject(lp, "refusal");
    return lp;
}

cJSON *llm_envelope(const struct mock_request *req, const char *object, const char *id,
                    const struct ask *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    bool wrong =
        mock_mutated(req, MOCK_MUT_LLM_OBJECT_WRONG) && strcmp(object, "chat.completion") == 0;
    cJSON_AddStringToObject(o, "object", wrong ? "text_completion" : object);
    uint64_t unit = mock_mutated(req, MOCK_MUT_LLM_CREATED_IN_MS) ? 1000000u : 1000000000u;
    cJSON_AddNumberToObject(o, "created", (double)(itest_wall_ns() / unit));
    cJSON_AddStringToObject(
        o, "model", mock_mutated(req, MOCK_MUT_LLM_MODEL_SWAPPED) ? a->other_model : a->model);
    if (llm_offers(req->svc->state, ITEST_LLM_CAP_SEED))
        cJSON_AddStringToObject(o, "system_fingerprint", "fp_itest_mock");
    else
        cJSON_AddNullToObject(o, "system_fingerprint");
    return o;
}
