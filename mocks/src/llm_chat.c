/* Chat completions: the request read and checked as OpenAI does, the answer decided, the plain
 * reply (streams are llm_stream.c's). */
#include "llm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text of a message's content: a string, or the text parts of an array, or "". */
static const char *content_text(const cJSON *content, char **owned)
{
    *owned = NULL;
    if (cJSON_IsString(content))
        return content->valuestring;
    if (!cJSON_IsArray(content))
        return "";
    size_t len = 0;
    for (const cJSON *p = content->child; p; p = p->next) {
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(p, "text"));
        len += t ? strlen(t) + 1 : 0;
    }
    char *text = calloc(1, len + 1);
    for (const cJSON *p = content->child; p && text; p = p->next) {
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(p, "text"));
        if (t) {
            if (*text)
                strcat(text, "\n");
            strcat(text, t);
        }
    }
    *owned = text;
    return text ? text : "";
}

static void chat_free(struct chat *c)
{
    free(c->conversation);
    free(c->prompt);
}

static bool read_chat(struct mock_request *req, const cJSON *body, struct chat *c)
{
    memset(c, 0, sizeof *c);
    c->n = 1;
    if (!cJSON_IsObject(body))
        return llm_bad_request(req, NULL, "The request body must be a JSON object.");
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    if (!cJSON_IsString(model) || !model->valuestring[0])
        return llm_bad_request(req, "model", "You must provide a model parameter.");
    c->model = model->valuestring;
    const cJSON *messages = cJSON_GetObjectItemCaseSensitive(body, "messages");
    if (!cJSON_IsArray(messages))
        return llm_bad_request(req, "messages", "Missing required parameter: 'messages'.");
    if (cJSON_GetArraySize(messages) == 0)
        return llm_bad_request(req, "messages",
                               "Invalid 'messages': empty array. Expected an array with minimum "
                               "length 1.");
    static const char *const roles[] = {"system",    "developer", "user",
                                        "assistant", "tool",      "function"};
    size_t conv_len = 0;
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
        const char *text = content_text(content, &owned);
        c->prompt_tokens += 4 + llm_count_tokens(text);
        size_t add = strlen(role->valuestring) + strlen(text) + 3;
        char *conv = realloc(c->conversation, conv_len + add + 1);
        if (conv) {
            c->conversation = conv;
            conv_len += (size_t)sprintf(conv + conv_len, "%s: %s\n", role->valuestring, text);
        }
        if (strcmp(role->valuestring, "user") == 0) {
            free(c->prompt);
            c->prompt = strdup(text);
        }
        free(owned);
    }
    c->prompt_tokens += 3;
    if (!c->prompt)
        c->prompt = strdup("");
    const cJSON *tools = cJSON_GetObjectItemCaseSensitive(body, "tools");
    if (tools) {
        char *text = cJSON_PrintUnformatted(tools);
        c->prompt_tokens += text ? llm_count_tokens(text) : 0;
        free(text);
    }
    const cJSON *stream = cJSON_GetObjectItemCaseSensitive(body, "stream");
    if (stream && !cJSON_IsBool(stream) && !cJSON_IsNull(stream))
        return llm_bad_request(req, "stream", "Invalid type for 'stream': expected a boolean.");
    c->stream = cJSON_IsTrue(stream);
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(body, "stream_options");
    if (options && !cJSON_IsNull(options)) {
        if (!c->stream)
            return llm_bad_request(
                req, "stream_options",
                "The 'stream_options' parameter is only allowed when 'stream' is "
                "enabled.");
        const cJSON *usage = cJSON_GetObjectItemCaseSensitive(options, "include_usage");
        if (!cJSON_IsObject(options) || (usage && !cJSON_IsBool(usage)))
            return llm_bad_request(req, "stream_options.include_usage",
                                   "Invalid type for 'stream_options.include_usage': expected a "
                                   "boolean.");
        c->include_usage = cJSON_IsTrue(usage);
    }
    if (!llm_whole_param(req, body, "max_tokens", 1, 1000000, &c->max_tokens) ||
        !llm_whole_param(req, body, "max_completion_tokens", 1, 1000000, &c->max_tokens) ||
        !llm_whole_param(req, body, "n", 1, 128, &c->n))
        return false;
    const cJSON *temperature = cJSON_GetObjectItemCaseSensitive(body, "temperature");
    if (temperature && !cJSON_IsNull(temperature) &&
        (!cJSON_IsNumber(temperature) || temperature->valuedouble < 0 ||
         temperature->valuedouble > 2))
        return llm_bad_request(req, "temperature",
                               "Invalid 'temperature': expected a number between 0 and 2.");
    return true;
}

static void decide(const struct mock_request *req, struct llm *l, const struct chat *c,
                   struct answer *a)
{
    memset(a, 0, sizeof *a);
    const struct llm_rule *rule = llm_rules_match(&l->rules, c->prompt, c->model);
    a->finish_reason = "stop";
    if (rule && rule->tool_name) {
        a->tool_name = rule->tool_name;
        a->tool_arguments = rule->tool_arguments;
        a->finish_reason =
            mock_mutated(req, MOCK_MUT_LLM_TOOL_CALL_FINISH_STOP) ? "stop" : "tool_calls";
        a->completion_tokens =
            llm_count_tokens(rule->tool_name) + llm_count_tokens(rule->tool_arguments) + 3;
    } else {
        a->content = rule ? strdup(rule->reply)
                          : llm_default_reply(c->conversation ? c->conversation : "", c->prompt);
        if (!a->content)
            a->content = strdup("");
        size_t tokens = llm_count_tokens(a->content);
        if (c->max_tokens > 0 && tokens > (size_t)c->max_tokens &&
            !mock_mutated(req, MOCK_MUT_LLM_MAX_TOKENS_IGNORED)) {
            a->content[llm_prefix_bytes(a->content, (size_t)c->max_tokens)] = '\0';
            if (!mock_mutated(req, MOCK_MUT_LLM_COMPLETION_TOKENS_PAST_MAX))
                tokens = (size_t)c->max_tokens;
            a->finish_reason =
                mock_mutated(req, MOCK_MUT_LLM_LENGTH_CALLED_STOP) ? "stop" : "length";
        }
        a->completion_tokens = tokens;
    }
    a->delay_ms = rule ? rule->delay_ms : 0;
}

static void reply_plain(struct mock_request *req, const struct chat *c, const struct answer *a,
                        const char *id)
{
    cJSON *o = llm_envelope(req, "chat.completion", id, c);
    cJSON *choices = cJSON_AddArrayToObject(o, "choices");
    char call_id[48];
    snprintf(call_id, sizeof call_id, "call_%s", id + 9);
    for (long i = 0; i < c->n; i++) {
        cJSON *choice = cJSON_CreateObject();
        cJSON_AddNumberToObject(
            choice, "index", mock_mutated(req, MOCK_MUT_LLM_CHOICE_INDICES_ZERO) ? 0 : (double)i);
        cJSON *message = cJSON_AddObjectToObject(choice, "message");
        cJSON_AddStringToObject(
            message, "role", mock_mutated(req, MOCK_MUT_LLM_ROLE_WRONG) ? "system" : "assistant");
        if (a->content) {
            cJSON_AddStringToObject(message, "content", a->content);
        } else {
            cJSON_AddNullToObject(message, "content");
            char *arguments = strdup(a->tool_arguments);
            if (arguments && *arguments && mock_mutated(req, MOCK_MUT_LLM_TOOL_ARGUMENTS_CUT))
                arguments[strlen(arguments) - 1] = '\0';
            cJSON_AddItemToObject(
                message, "tool_calls",
                llm_tool_calls_json(a, call_id, false, arguments ? arguments : ""));
            free(arguments);
        }
        cJSON_AddNullToObject(message, "refusal");
        cJSON_AddNullToObject(choice, "logprobs");
        cJSON_AddStringToObject(choice, "finish_reason", a->finish_reason);
        cJSON_AddItemToArray(choices, choice);
    }
    cJSON_AddItemToObject(
        o, "usage", llm_usage_json(req, c->prompt_tokens, a->completion_tokens * (size_t)c->n));
    mock_reply_json(req, 200, o);
}

void llm_chat_completions(struct mock_service *svc, struct mock_request *req,
                          unsigned long long seq)
{
    struct llm *l = svc->state;
    cJSON *body = mock_request_json(req);
    if (!body)
        return;
    struct chat c;
    if (!read_chat(req, body, &c)) {
        chat_free(&c);
        cJSON_Delete(body);
        return;
    }
    if (!llm_known_model(l, c.model) && mock_mutated(req, MOCK_MUT_LLM_UNKNOWN_MODEL_SERVED))
        c.model = l->models[0];
    c.other_model = c.model;
    for (size_t i = 0; i < l->n_models && c.other_model == c.model; i++)
        if (strcmp(l->models[i], c.model) != 0)
            c.other_model = l->models[i];
    if (mock_mutated(req, MOCK_MUT_LLM_N_IGNORED))
        c.n = 1;
    if (!llm_known_model(l, c.model)) {
        mock_reply_openai_error(req, 404, "invalid_request_error", "model_not_found", "model",
                                "The model `%s` does not exist or you do not have access to it.",
                                c.model);
    } else {
        struct answer a;
        decide(req, l, &c, &a);
        char id[48];
        snprintf(id, sizeof id, "chatcmpl-itest%llu", seq);
        l->prompt_tokens += c.prompt_tokens;
        l->completion_tokens += a.completion_tokens;
        if (c.stream) {
            l->streams++;
            llm_reply_stream(svc, req, &c, &a, id);
        } else {
            l->completions++;
            reply_plain(req, &c, &a, id);
            req->delay_ms += a.delay_ms + svc->opts->ttft_ms;
        }
        free(a.content);
    }
    chat_free(&c);
    cJSON_Delete(body);
}
