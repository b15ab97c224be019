/* Chat completions: the request read and checked as OpenAI does (messages, tools and the tool
 * choice, response_format, stop, seed, logprobs, n), the answer decided (llm_answer.c), the
 * plain reply (streams are llm_stream.c's). */
#include "llm_shared.h"

#include "itest/json_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool read_messages(struct mock_request *req, const cJSON *messages, struct ask *a)
{
    if (!cJSON_IsArray(messages))
        return llm_bad_request(req, "messages", "Missing required parameter: 'messages'.");
    if (cJSON_GetArraySize(messages) == 0)
        return llm_bad_request(req, "messages",
                               "Invalid 'messages': empty array. Expected an array with minimum "
                               "length 1.");
    static const char *const roles[] = {"system",    "developer", "user",
                                        "assistant", "tool",      "function"};
    int i = 0;
    for (const cJSON *m = messages->child; m; m = m->next, i++) {
        char param[48];
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
        bool known = false;
        for (size_t r = 0; cJSON_IsString(role) && r < sizeof roles / sizeof roles[0]; r++)
            known = known || strcmp(roles[r], role->valuestring) == 0;
        if (!cJSON_IsObject(m) || !known) {
            snprintf(param, sizeof param, "messages.[%d].role", i);
            return llm_bad_request(req, param,
                                   "Invalid value for 'role': expected one of system, developer, "
                                   "user, assistant, tool.");
        }
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
        bool may_be_null = strcmp(role->valuestring, "assistant") == 0;
        if (!(cJSON_IsString(content) || cJSON_IsArray(content) ||
              (may_be_null && (!content || cJSON_IsNull(content))))) {
            snprintf(param, sizeof param, "messages.[%d].content", i);
            return llm_bad_request(req, param,
                                   "Invalid type for 'content': expected a string or an array of "
                                   "content parts.");
        }
        char *owned;
        const char *text = llm_content_text(content, &owned);
        /* an assistant's tool calls are part of the conversation too */
        const cJSON *calls = cJSON_GetObjectItemCaseSensitive(m, "tool_calls");
        char *calls_text = cJSON_IsArray(calls) ? cJSON_PrintUnformatted(calls) : NULL;
        llm_ask_add(a, role->valuestring, calls_text ? calls_text : text);
        free(calls_text);
        free(a->tool_output);
        a->tool_output = strcmp(role->valuestring, "tool") == 0 ? strdup(text) : NULL;
        if (strcmp(role->valuestring, "user") == 0) {
            free(a->prompt);
            a->prompt = strdup(text);
        }
        free(owned);
    }
    a->prompt_tokens += 3;
    if (!a->prompt)
        a->prompt = strdup("");
    return true;
}

/* response_format: text, json_object (the messages must say "JSON"), or json_schema. */
static bool read_format(struct mock_request *req, const struct llm *l, const cJSON *body,
                        struct ask *a)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(body, "response_format");
    if (!f || cJSON_IsNull(f))
        return true;
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "type"));
    if (!type)
        return llm_bad_request(req, "response_format",
                               "Missing required parameter: 'response_format.type'.");
    if (strcmp(type, "text") == 0)
        return true;
    if (strcmp(type, "json_object") == 0) {
        if (!llm_offers(l, ITEST_LLM_CAP_JSON_OBJECT))
            return llm_bad_request(req, "response_format",
                                   "response_format of type 'json_object' is not supported.");
        if (!a->conversation || !strcasestr(a->conversation, "json"))
            return llm_bad_request(req, "messages",
                                   "'messages' must contain the word 'json' in some form, to use "
                                   "'response_format' of type 'json_object'.");
        a->answer_format = FORMAT_JSON_OBJECT;
        return true;
    }
    if (strcmp(type, "json_schema") != 0)
        return llm_bad_request(req, "response_format.type",
                               "Invalid value: expected 'text', 'json_object' or 'json_schema'.");
    if (!llm_offers(l, ITEST_LLM_CAP_STRICT_SCHEMA))
        return llm_bad_request(req, "response_format",
                               "response_format of type 'json_schema' is not supported.");
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(f, "json_schema");
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(js, "name"));
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(js, "schema");
    if (!name || !*name)
        return llm_bad_request(req, "response_format.json_schema.name",
                               "Missing required parameter: 'response_format.json_schema.name'.");
    char err[300];
    if (!cJSON_IsObject(schema) || itest_json_schema_check(schema, err, sizeof err) != 0) {
        char message[400];
        snprintf(message, sizeof message, "Invalid schema for response_format '%s': %s.", name,
                 cJSON_IsObject(schema) ? err : "expected an object");
        return llm_bad_request(req, "response_format", message);
    }
    a->answer_format = FORMAT_JSON_SCHEMA;
    a->schema = schema;
    return true;
}

/* stop (a string or up to 4), seed, logprobs and top_logprobs. */
static bool read_sampling(struct mock_request *req, const struct llm *l, const cJSON *body,
                          struct ask *a)
{
    const cJSON *stop = cJSON_GetObjectItemCaseSensitive(body, "stop");
    if (cJSON_IsString(stop)) {
        a->stop[a->n_stop++] = stop->valuestring;
    } else if (cJSON_IsArray(stop)) {
        if (cJSON_GetArraySize(stop) > MAX_STOP)
            return llm_bad_request(req, "stop", "Invalid 'stop': at most 4 sequences.");
        for (const cJSON *s = stop->child; s; s = s->next) {
            if (!cJSON_IsString(s))
                return llm_bad_request(req, "stop", "Invalid 'stop': expected strings.");
            a->stop[a->n_stop++] = s->valuestring;
        }
    } else if (stop && !cJSON_IsNull(stop)) {
        return llm_bad_request(req, "stop", "Invalid type for 'stop': expected a string or array.");
    }
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(body, "seed");
    long v = 0;
    if (!llm_whole_param(req, body, "seed", -2147483647L, 2147483647L, &v))
        return false;
    a->has_seed = cJSON_IsNumber(seed) && llm_offers(l, ITEST_LLM_CAP_SEED);
    a->seed = a->has_seed ? v : 0;
    if (!llm_offers(l, ITEST_LLM_CAP_STOP))
        a->n_stop = 0; /* a server without stop sequences ignores them */
    const cJSON *logprobs = cJSON_GetObjectItemCaseSensitive(body, "logprobs");
    if (logprobs && !cJSON_IsBool(logprobs) && !cJSON_IsNull(logprobs))
        return llm_bad_request(req, "logprobs", "Invalid type for 'logprobs': expected a boolean.");
    a->logprobs = cJSON_IsTrue(logprobs);
    if (a->logprobs && !llm_offers(l, ITEST_LLM_CAP_LOGPROBS))
        return llm_bad_request(req, "logprobs", "logprobs are not supported.");
    if (!llm_whole_param(req, body, "top_logprobs", 0, 20, &a->top_logprobs))
        return false;
    if (a->top_logprobs > 0 && !a->logprobs)
        return llm_bad_request(req, "top_logprobs",
                               "'top_logprobs' requires 'logprobs' to be true.");
    return true;
}

static bool read_chat(struct mock_request *req, const struct llm *l, const cJSON *body,
                      struct ask *a, cJSON **tools)
{
    a->n = 1;
    *tools = NULL;
    if (!cJSON_IsObject(body))
        return llm_bad_request(req, NULL, "The request body must be a JSON object.");
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    if (!cJSON_IsString(model) || !model->valuestring[0])
        return llm_bad_request(req, "model", "You must provide a model parameter.");
    a->model = model->valuestring;
    if (!read_messages(req, cJSON_GetObjectItemCaseSensitive(body, "messages"), a) ||
        !llm_read_tools(req, body, false, a, tools))
        return false;
    if (a->tools && !llm_offers(l, ITEST_LLM_CAP_TOOLS))
        return llm_bad_request(req, "tools", "tools are not supported by this server.");
    const cJSON *stream = cJSON_GetObjectItemCaseSensitive(body, "stream");
    if (stream && !cJSON_IsBool(stream) && !cJSON_IsNull(stream))
        return llm_bad_request(req, "stream", "Invalid type for 'stream': expected a boolean.");
    a->stream = cJSON_IsTrue(stream);
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(body, "stream_options");
    if (options && !cJSON_IsNull(options)) {
        if (!a->stream)
            return llm_bad_request(
                req, "stream_options",
                "The 'stream_options' parameter is only allowed when 'stream' is "
                "enabled.");
        const cJSON *usage = cJSON_GetObjectItemCaseSensitive(options, "include_usage");
        if (!cJSON_IsObject(options) || (usage && !cJSON_IsBool(usage)))
            return llm_bad_request(req, "stream_options.include_usage",
                                   "Invalid type for 'stream_options.include_usage': expected a "
                                   "boolean.");
        a->include_usage = cJSON_IsTrue(usage) && llm_offers(l, ITEST_LLM_CAP_INCLUDE_USAGE);
    }
    if (!llm_whole_param(req, body, "max_tokens", 1, 1000000, &a->max_tokens) ||
        !llm_whole_param(req, body, "max_completion_tokens", 1, 1000000, &a->max_tokens) ||
        !llm_whole_param(req, body, "n", 1, llm_offers(l, ITEST_LLM_CAP_N_CHOICES) ? 128 : 1,
                         &a->n))
        return false;
    return read_format(req, l, body, a) && read_sampling(req, l, body, a);
}

static void reply_plain(struct mock_request *req, const struct ask *a, const struct answer *an,
                        const char *id)
{
    cJSON *o = llm_envelope(req, "chat.completion", id, a);
    cJSON *choices = cJSON_AddArrayToObject(o, "choices");
    for (long i = 0; i < a->n; i++) {
        cJSON *choice = cJSON_CreateObject();
        cJSON_AddNumberToObject(
            choice, "index", mock_mutated(req, MOCK_MUT_LLM_CHOICE_INDICES_ZERO) ? 0 : (double)i);
        cJSON *message = cJSON_AddObjectToObject(choice, "message");
        cJSON_AddStringToObject(
            message, "role", mock_mutated(req, MOCK_MUT_LLM_ROLE_WRONG) ? "system" : "assistant");
        if (an->content)
            cJSON_AddStringToObject(message, "content", an->content);
        else
            cJSON_AddNullToObject(message, "content");
        if (an->n_calls)
            cJSON_AddItemToObject(message, "tool_calls", llm_tool_calls_json(an));
        if (an->refusal)
            cJSON_AddStringToObject(message, "refusal", an->refusal);
        else
            cJSON_AddNullToObject(message, "refusal");
        if (a->logprobs && an->content)
            cJSON_AddItemToObject(choice, "logprobs", llm_logprobs_json(req, a, an->content, 0));
        else
            cJSON_AddNullToObject(choice, "logprobs");
        cJSON_AddStringToObject(choice, "finish_reason", an->finish_reason);
        cJSON_AddItemToArray(choices, choice);
    }
    cJSON_AddItemToObject(o, "usage",
                          llm_usage_json(req, a, an, an->completion_tokens * (size_t)a->n));
    mock_reply_json(req, 200, o);
}

void llm_chat_completions(struct mock_service *svc, struct mock_request *req,
                          unsigned long long seq)
{
    struct llm *l = svc->state;
    cJSON *body = mock_request_json(req);
    if (!body)
        return;
    struct ask a = {0};
    cJSON *tools = NULL;
    if (read_chat(req, l, body, &a, &tools)) {
        if (!llm_known_model(l, a.model) && mock_mutated(req, MOCK_MUT_LLM_UNKNOWN_MODEL_SERVED))
            a.model = l->models[0];
        a.other_model = a.model;
        for (size_t i = 0; i < l->n_models && a.other_model == a.model; i++)
            if (strcmp(l->models[i], a.model) != 0)
                a.other_model = l->models[i];
        if (mock_mutated(req, MOCK_MUT_LLM_N_IGNORED))
            a.n = 1;
        if (!llm_known_model(l, a.model)) {
            mock_reply_openai_error(req, 404, "invalid_request_error", "model_not_found", "model",
                                    "The model `%s` does not exist or you do not have access to "
                                    "it.",
                                    a.model);
        } else {
            struct answer an;
            llm_decide(req, l, &a, &an);
            char id[48];
            snprintf(id, sizeof id, "chatcmpl-itest%llu", seq);
            l->prompt_tokens += a.prompt_tokens;
            l->completion_tokens += an.completion_tokens;
            if (a.stream) {
                l->streams++;
                llm_reply_stream(svc, req, &a, &an, id);
            } else {
                l->completions++;
                reply_plain(req, &a, &an, id);
                req->delay_ms += an.delay_ms + svc->opts->ttft_ms;
            }
            llm_answer_free(&an);
        }
    }
    llm_ask_free(&a);
    cJSON_Delete(tools);
    cJSON_Delete(body);
}
