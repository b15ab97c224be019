/* The LLM as the official OpenAI SDKs speak to it: models, chat completions (plain and SSE),
 * embeddings (float and base64), Bearer auth, OpenAI error bodies, rate-limit headers. Replies
 * are deterministic: the rule table first, else a stable reply derived from the prompt. */
#include "server.h"
#include "llm_text.h"
#include "paced.h"
#include "util.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODELS 32

struct llm {
    char *models_text;
    const char *models[MAX_MODELS];
    size_t n_models;
    struct llm_rules rules;
    _Atomic unsigned long long next_id;
    _Atomic unsigned long long completions, streams, embeddings, prompt_tokens, completion_tokens;
};

static int init(struct mock_service *svc)
{
    struct llm *l = calloc(1, sizeof *l);
    if (!l)
        return -1;
    svc->state = l;
    l->models_text = strdup(svc->opts->models);
    for (char *save = NULL, *m = strtok_r(l->models_text, ",", &save);
         m && l->n_models < MAX_MODELS; m = strtok_r(NULL, ",", &save)) {
        while (*m == ' ')
            m++;
        if (*m)
            l->models[l->n_models++] = m;
    }
    if (l->n_models == 0) {
        fprintf(stderr, "itest-mock: --models %s: no model id in it\n", svc->opts->models);
        return -1;
    }
    if (svc->opts->rules_path) {
        char err[512];
        if (llm_rules_load(&l->rules, svc->opts->rules_path, err, sizeof err) != 0) {
            fprintf(stderr, "itest-mock: --rules %s\n", err);
            return -1;
        }
    }
    return 0;
}

static void destroy(struct mock_service *svc)
{
    struct llm *l = svc->state;
    if (!l)
        return;
    llm_rules_free(&l->rules);
    free(l->models_text);
    free(l);
    svc->state = NULL;
}

static bool known_model(const struct llm *l, const char *model)
{
    for (size_t i = 0; i < l->n_models; i++)
        if (strcmp(l->models[i], model) == 0)
            return true;
    return false;
}

static cJSON *model_json(const char *id)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "object", "model");
    cJSON_AddNumberToObject(o, "created", 1700000000);
    cJSON_AddStringToObject(o, "owned_by", "itest-mock");
    return o;
}

static void common_headers(struct mock_request *req, unsigned long long id)
{
    char value[48];
    snprintf(value, sizeof value, "req_itest%llu", id);
    mock_add_header(req, "x-request-id", value);
    mock_add_header(req, "openai-processing-ms", "1");
    mock_add_header(req, "x-ratelimit-limit-requests", "10000");
    mock_add_header(req, "x-ratelimit-remaining-requests", "9999");
    mock_add_header(req, "x-ratelimit-reset-requests", "6ms");
    mock_add_header(req, "x-ratelimit-limit-tokens", "10000000");
    mock_add_header(req, "x-ratelimit-remaining-tokens", "9999000");
    mock_add_header(req, "x-ratelimit-reset-tokens", "6ms");
}

static bool authorized(struct mock_service *svc, struct mock_request *req)
{
    const char *key = svc->opts->api_key;
    if (!key)
        return true;
    const char *auth = mock_request_header(req, "Authorization");
    if (auth && strncmp(auth, "Bearer ", 7) == 0 && strcmp(auth + 7, key) == 0)
        return true;
    /* never echo the key that was sent: it may be a real one */
    if (!auth)
        mock_reply_openai_error(req, 401, "invalid_request_error", "invalid_api_key", NULL,
                                "You didn't provide an API key. Send it as \"Authorization: "
                                "Bearer <key>\".");
    else
        mock_reply_openai_error(req, 401, "invalid_request_error", "invalid_api_key", NULL,
                                "Incorrect API key provided.");
    return false;
}

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

struct chat {
    const char *model;
    bool stream, include_usage;
    long max_tokens; /* 0: none */
    long n;
    size_t prompt_tokens;
    char *conversation; /* role: content lines, for the default reply's hash */
    char *prompt;       /* the last user message */
};

static void chat_free(struct chat *c)
{
    free(c->conversation);
    free(c->prompt);
}

static bool bad_request(struct mock_request *req, const char *param, const char *message)
{
    mock_reply_openai_error(req, 400, "invalid_request_error", NULL, param, "%s", message);
    return false;
}

static bool whole_param(struct mock_request *req, const cJSON *body, const char *name, long min,
                        long max, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    if (!v || cJSON_IsNull(v))
        return true;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < min ||
        v->valuedouble > max) {
        char message[160];
        snprintf(message, sizeof message, "Invalid '%s': expected an integer %ld..%ld.", name, min,
                 max);
        return bad_request(req, name, message);
    }
    *out = (long)v->valuedouble;
    return true;
}

static bool read_chat(struct mock_request *req, const cJSON *body, struct chat *c)
{
    memset(c, 0, sizeof *c);
    c->n = 1;
    if (!cJSON_IsObject(body))
        return bad_request(req, NULL, "The request body must be a JSON object.");
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    if (!cJSON_IsString(model) || !model->valuestring[0])
        return bad_request(req, "model", "You must provide a model parameter.");
    c->model = model->valuestring;
    const cJSON *messages = cJSON_GetObjectItemCaseSensitive(body, "messages");
    if (!cJSON_IsArray(messages))
        return bad_request(req, "messages", "Missing required parameter: 'messages'.");
    if (cJSON_GetArraySize(messages) == 0)
        return bad_request(req, "messages",
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
            return bad_request(req, param,
                               "Invalid value for 'role': expected one of system, developer, "
                               "user, assistant, tool.");
        }
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
        bool may_be_null = strcmp(role->valuestring, "assistant") == 0;
        if (!(cJSON_IsString(content) || cJSON_IsArray(content) ||
              (may_be_null && (!content || cJSON_IsNull(content))))) {
            snprintf(param, sizeof param, "messages.[%d].content", i);
            return bad_request(req, param,
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
        return bad_request(req, "stream", "Invalid type for 'stream': expected a boolean.");
    c->stream = cJSON_IsTrue(stream);
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(body, "stream_options");
    if (options && !cJSON_IsNull(options)) {
        if (!c->stream)
            return bad_request(req, "stream_options",
                               "The 'stream_options' parameter is only allowed when 'stream' is "
                               "enabled.");
        const cJSON *usage = cJSON_GetObjectItemCaseSensitive(options, "include_usage");
        if (!cJSON_IsObject(options) || (usage && !cJSON_IsBool(usage)))
            return bad_request(req, "stream_options.include_usage",
                               "Invalid type for 'stream_options.include_usage': expected a "
                               "boolean.");
        c->include_usage = cJSON_IsTrue(usage);
    }
    if (!whole_param(req, body, "max_tokens", 1, 1000000, &c->max_tokens) ||
        !whole_param(req, body, "max_completion_tokens", 1, 1000000, &c->max_tokens) ||
        !whole_param(req, body, "n", 1, 128, &c->n))
        return false;
    const cJSON *temperature = cJSON_GetObjectItemCaseSensitive(body, "temperature");
    if (temperature && !cJSON_IsNull(temperature) &&
        (!cJSON_IsNumber(temperature) || temperature->valuedouble < 0 ||
         temperature->valuedouble > 2))
        return bad_request(req, "temperature",
                           "Invalid 'temperature': expected a number between 0 and 2.");
    return true;
}

struct answer {
    char *content; /* NULL with a tool call */
    const char *tool_name, *tool_arguments;
    const char *finish_reason;
    size_t completion_tokens;
    double delay_ms;
};

static void decide(struct llm *l, const struct chat *c, struct answer *a)
{
    memset(a, 0, sizeof *a);
    const struct llm_rule *rule = llm_rules_match(&l->rules, c->prompt, c->model);
    a->finish_reason = "stop";
    if (rule && rule->tool_name) {
        a->tool_name = rule->tool_name;
        a->tool_arguments = rule->tool_arguments;
        a->finish_reason = "tool_calls";
        a->completion_tokens =
            llm_count_tokens(rule->tool_name) + llm_count_tokens(rule->tool_arguments) + 3;
    } else {
        a->content = rule ? strdup(rule->reply)
                          : llm_default_reply(c->conversation ? c->conversation : "", c->prompt);
        if (!a->content)
            a->content = strdup("");
        size_t tokens = llm_count_tokens(a->content);
        if (c->max_tokens > 0 && tokens > (size_t)c->max_tokens) {
            a->content[llm_prefix_bytes(a->content, (size_t)c->max_tokens)] = '\0';
            tokens = (size_t)c->max_tokens;
            a->finish_reason = "length";
        }
        a->completion_tokens = tokens;
    }
    a->delay_ms = rule ? rule->delay_ms : 0;
}

static cJSON *usage_json(size_t prompt, size_t completion)
{
    cJSON *u = cJSON_CreateObject();
    cJSON_AddNumberToObject(u, "prompt_tokens", (double)prompt);
    cJSON_AddNumberToObject(u, "completion_tokens", (double)completion);
    cJSON_AddNumberToObject(u, "total_tokens", (double)(prompt + completion));
    cJSON *details = cJSON_AddObjectToObject(u, "prompt_tokens_details");
    cJSON_AddNumberToObject(details, "cached_tokens", 0);
    details = cJSON_AddObjectToObject(u, "completion_tokens_details");
    cJSON_AddNumberToObject(details, "reasoning_tokens", 0);
    return u;
}

static cJSON *tool_calls_json(const struct answer *a, const char *call_id, bool stream,
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

static cJSON *envelope(const char *object, const char *id, const struct chat *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "object", object);
    cJSON_AddNumberToObject(o, "created", (double)(mock_wall_ns() / 1000000000u));
    cJSON_AddStringToObject(o, "model", c->model);
    cJSON_AddStringToObject(o, "system_fingerprint", "fp_itest_mock");
    return o;
}

static void reply_plain(struct mock_request *req, const struct chat *c, const struct answer *a,
                        const char *id)
{
    cJSON *o = envelope("chat.completion", id, c);
    cJSON *choices = cJSON_AddArrayToObject(o, "choices");
    char call_id[48];
    snprintf(call_id, sizeof call_id, "call_%s", id + 9);
    for (long i = 0; i < c->n; i++) {
        cJSON *choice = cJSON_CreateObject();
        cJSON_AddNumberToObject(choice, "index", (double)i);
        cJSON *message = cJSON_AddObjectToObject(choice, "message");
        cJSON_AddStringToObject(message, "role", "assistant");
        if (a->content) {
            cJSON_AddStringToObject(message, "content", a->content);
        } else {
            cJSON_AddNullToObject(message, "content");
            cJSON_AddItemToObject(message, "tool_calls",
                                  tool_calls_json(a, call_id, false, a->tool_arguments));
        }
        cJSON_AddNullToObject(message, "refusal");
        cJSON_AddNullToObject(choice, "logprobs");
        cJSON_AddStringToObject(choice, "finish_reason", a->finish_reason);
        cJSON_AddItemToArray(choices, choice);
    }
    cJSON_AddItemToObject(o, "usage",
                          usage_json(c->prompt_tokens, a->completion_tokens * (size_t)c->n));
    mock_reply_json(req, 200, o);
}

/* One SSE event: "data: <json>\n\n". */
static void add_event(struct mock_paced *p, cJSON *json, uint64_t at)
{
    char *text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    if (!text)
        return;
    size_t len = strlen(text);
    char *event = malloc(len + 9);
    if (event) {
        memcpy(event, "data: ", 6);
        memcpy(event + 6, text, len);
        memcpy(event + 6 + len, "\n\n", 2);
        mock_paced_add(p, event, len + 8, at);
        free(event);
    }
    free(text);
}

static cJSON *chunk(const char *id, const struct chat *c, long index, cJSON *delta,
                    const char *finish_reason)
{
    cJSON *o = envelope("chat.completion.chunk", id, c);
    cJSON *choices = cJSON_AddArrayToObject(o, "choices");
    cJSON *choice = cJSON_CreateObject();
    cJSON_AddNumberToObject(choice, "index", (double)index);
    cJSON_AddItemToObject(choice, "delta", delta);
    cJSON_AddNullToObject(choice, "logprobs");
    if (finish_reason)
        cJSON_AddStringToObject(choice, "finish_reason", finish_reason);
    else
        cJSON_AddNullToObject(choice, "finish_reason");
    cJSON_AddItemToArray(choices, choice);
    if (c->include_usage)
        cJSON_AddNullToObject(o, "usage");
    return o;
}

static void reply_stream(struct mock_service *svc, struct mock_request *req, const struct chat *c,
                         const struct answer *a, const char *id)
{
    const struct mock_fault *f = req->fault;
    struct mock_paced *p = mock_paced_new(req->conn);
    if (!p)
        return mock_reply_error(req, 500, NULL, "out of memory");
    double ttft = svc->opts->ttft_ms + a->delay_ms, step = svc->opts->chunk_delay_ms;
    uint64_t t0 = req->start_ns + (uint64_t)(ttft * 1e6);
    long events = 0;
    long error_after = f ? f->stream_error_after : -1, cut_after = f ? f->stream_cut_after : -1;
    /* the pieces of the answer: content tokens, or the tool call's argument tokens */
    const char *text = a->content ? a->content : a->tool_arguments;
    size_t pos = 0, k = 0;
    char call_id[48];
    snprintf(call_id, sizeof call_id, "call_%s", id + 9);
    bool stopped = false;
#define EMIT(json, at)                                                                             \
    do {                                                                                           \
        if (events == error_after || events == cut_after) {                                        \
            cJSON_Delete(json);                                                                    \
            stopped = true;                                                                        \
        } else {                                                                                   \
            add_event(p, json, at);                                                                \
            events++;                                                                              \
        }                                                                                          \
    } while (0)
    for (long i = 0; i < c->n && !stopped; i++) {
        cJSON *delta = cJSON_CreateObject();
        cJSON_AddStringToObject(delta, "role", "assistant");
        if (a->content) {
            cJSON_AddStringToObject(delta, "content", "");
        } else {
            cJSON_AddNullToObject(delta, "content");
            cJSON_AddItemToObject(delta, "tool_calls", tool_calls_json(a, call_id, true, ""));
        }
        cJSON_AddNullToObject(delta, "refusal");
        EMIT(chunk(id, c, i, delta, NULL), t0);
    }
    for (; text[pos] && !stopped; k++) {
        size_t end = llm_token_end(text, pos);
        char *piece = strndup(text + pos, end - pos);
        uint64_t at = t0 + (uint64_t)(step * 1e6 * (double)k);
        for (long i = 0; i < c->n && !stopped; i++) {
            cJSON *delta = cJSON_CreateObject();
            if (a->content)
                cJSON_AddStringToObject(delta, "content", piece);
            else
                cJSON_AddItemToObject(delta, "tool_calls", tool_calls_json(a, NULL, true, piece));
            EMIT(chunk(id, c, i, delta, NULL), at);
        }
        free(piece);
        pos = end;
    }
    uint64_t done_at = t0 + (uint64_t)(step * 1e6 * (double)k);
    for (long i = 0; i < c->n && !stopped; i++)
        EMIT(chunk(id, c, i, cJSON_CreateObject(), a->finish_reason), done_at);
    if (c->include_usage && !stopped) {
        cJSON *o = envelope("chat.completion.chunk", id, c);
        cJSON_AddArrayToObject(o, "choices");
        cJSON_AddItemToObject(o, "usage",
                              usage_json(c->prompt_tokens, a->completion_tokens * (size_t)c->n));
        EMIT(o, done_at);
    }
#undef EMIT
    if (stopped && events == error_after) {
        cJSON *o = cJSON_CreateObject();
        cJSON *err = cJSON_AddObjectToObject(o, "error");
        cJSON_AddStringToObject(err, "message", f->stream_error_message);
        cJSON_AddStringToObject(err, "type", "server_error");
        cJSON_AddNullToObject(err, "param");
        cJSON_AddNullToObject(err, "code");
        add_event(p, o, done_at);
    } else if (stopped) {
        mock_paced_cut(p);
    } else {
        mock_paced_add(p, "data: [DONE]\n\n", 14, done_at);
    }
    struct MHD_Response *resp = mock_paced_response(p);
    if (!resp)
        return mock_reply_error(req, 500, NULL, "out of memory");
    mock_reply_custom(req, 200, resp);
    mock_add_header(req, "Content-Type", "text/event-stream; charset=utf-8");
    mock_add_header(req, "Cache-Control", "no-cache");
}

static void chat_completions(struct mock_service *svc, struct mock_request *req,
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
    if (!known_model(l, c.model)) {
        mock_reply_openai_error(req, 404, "invalid_request_error", "model_not_found", "model",
                                "The model `%s` does not exist or you do not have access to it.",
                                c.model);
    } else {
        struct answer a;
        decide(l, &c, &a);
        char id[48];
        snprintf(id, sizeof id, "chatcmpl-itest%llu", seq);
        l->prompt_tokens += c.prompt_tokens;
        l->completion_tokens += a.completion_tokens;
        if (c.stream) {
            l->streams++;
            reply_stream(svc, req, &c, &a, id);
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

static void embeddings(struct mock_service *svc, struct mock_request *req)
{
    struct llm *l = svc->state;
    cJSON *body = mock_request_json(req);
    if (!body)
        return;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(body, "input");
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(body, "encoding_format");
    long dims = 1536;
    if (cJSON_IsString(model) && strstr(model->valuestring, "large"))
        dims = 3072;
    bool base64 = false;
    if (!cJSON_IsObject(body)) {
        bad_request(req, NULL, "The request body must be a JSON object.");
    } else if (!cJSON_IsString(model) || !model->valuestring[0]) {
        bad_request(req, "model", "You must provide a model parameter.");
    } else if (!input || (!cJSON_IsString(input) && !cJSON_IsArray(input)) ||
               (cJSON_IsString(input) && !input->valuestring[0]) ||
               (cJSON_IsArray(input) && cJSON_GetArraySize(input) == 0)) {
        bad_request(req, "input", "'$.input' is invalid: expected a non-empty string or array.");
    } else if (format && !cJSON_IsNull(format) &&
               (!cJSON_IsString(format) || (strcmp(format->valuestring, "float") != 0 &&
                                            strcmp(format->valuestring, "base64") != 0))) {
        bad_request(req, "encoding_format",
                    "Invalid value for 'encoding_format': expected 'float' or 'base64'.");
    } else if (!whole_param(req, body, "dimensions", 1, 4096, &dims)) {
        /* answered */
    } else if (!known_model(l, model->valuestring)) {
        mock_reply_openai_error(req, 404, "invalid_request_error", "model_not_found", "model",
                                "The model `%s` does not exist or you do not have access to it.",
                                model->valuestring);
    } else {
        base64 = cJSON_IsString(format) && strcmp(format->valuestring, "base64") == 0;
        /* inputs: a string, strings, token ids, or arrays of token ids */
        cJSON *one = cJSON_IsString(input)
                         ? cJSON_CreateStringArray((const char *[]){input->valuestring}, 1)
                         : NULL;
        const cJSON *list = one ? one : input;
        if (cJSON_IsArray(list) && list->child && cJSON_IsNumber(list->child)) {
            one = cJSON_CreateArray();
            cJSON_AddItemToArray(one, cJSON_Duplicate(input, 1));
            list = one;
        }
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "object", "list");
        cJSON *data = cJSON_AddArrayToObject(root, "data");
        float *vec = malloc((size_t)dims * sizeof *vec);
        size_t tokens = 0;
        int index = 0;
        bool ok = vec != NULL;
        for (const cJSON *item = list->child; item && ok; item = item->next, index++) {
            char *text =
                cJSON_IsString(item) ? strdup(item->valuestring) : cJSON_PrintUnformatted(item);
            ok = text && (cJSON_IsString(item) ? item->valuestring[0] != '\0'
                                               : cJSON_IsArray(item) && item->child);
            if (!ok) {
                char param[32];
                snprintf(param, sizeof param, "input[%d]", index);
                free(text);
                bad_request(req, param, "Each input must be a non-empty string or token array.");
                break;
            }
            tokens +=
                cJSON_IsString(item) ? llm_count_tokens(text) : (size_t)cJSON_GetArraySize(item);
            llm_embedding(vec, (size_t)dims, text, strlen(text));
            free(text);
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "object", "embedding");
            cJSON_AddNumberToObject(e, "index", index);
            if (base64) {
                char *b64 = mock_base64(vec, (size_t)dims * sizeof *vec); /* little endian */
                cJSON_AddStringToObject(e, "embedding", b64 ? b64 : "");
                free(b64);
            } else {
                /* "%.9g" is the shortest text that reads back as the same float32 */
                char *values = malloc((size_t)dims * 18 + 3), *at = values;
                if (values) {
                    *at++ = '[';
                    for (long d = 0; d < dims; d++)
                        at += sprintf(at, "%s%.9g", d ? "," : "", (double)vec[d]);
                    strcpy(at, "]");
                    cJSON_AddRawToObject(e, "embedding", values);
                    free(values);
                }
            }
            cJSON_AddItemToArray(data, e);
        }
        free(vec);
        cJSON_Delete(one);
        if (ok) {
            cJSON_AddStringToObject(root, "model", model->valuestring);
            cJSON *usage = cJSON_AddObjectToObject(root, "usage");
            cJSON_AddNumberToObject(usage, "prompt_tokens", (double)tokens);
            cJSON_AddNumberToObject(usage, "total_tokens", (double)tokens);
            l->embeddings++;
            mock_reply_json(req, 200, root);
        } else {
            cJSON_Delete(root);
        }
    }
    cJSON_Delete(body);
}

static void handle(struct mock_service *svc, struct mock_request *req)
{
    struct llm *l = svc->state;
    unsigned long long seq = ++l->next_id;
    const char *path = req->path;
    if (strncmp(path, "/v1/", 4) == 0)
        path += 3; /* "/v1/models" and "/models" are the same, for base URLs with or without */
    bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    if (!authorized(svc, req)) {
        /* answered */
    } else if (strcmp(path, "/models") == 0 && get) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "object", "list");
        cJSON *data = cJSON_AddArrayToObject(root, "data");
        for (size_t i = 0; i < l->n_models; i++)
            cJSON_AddItemToArray(data, model_json(l->models[i]));
        mock_reply_json(req, 200, root);
    } else if (strncmp(path, "/models/", 8) == 0 && get) {
        if (known_model(l, path + 8))
            mock_reply_json(req, 200, model_json(path + 8));
        else
            mock_reply_openai_error(req, 404, "invalid_request_error", "model_not_found", "model",
                                    "The model `%s` does not exist or you do not have access to "
                                    "it.",
                                    path + 8);
    } else if (strcmp(path, "/chat/completions") == 0 && post) {
        chat_completions(svc, req, seq);
    } else if (strcmp(path, "/embeddings") == 0 && post) {
        embeddings(svc, req);
    } else if (strcmp(path, "/models") == 0 || strcmp(path, "/chat/completions") == 0 ||
               strcmp(path, "/embeddings") == 0) {
        mock_reply_openai_error(req, 405, "invalid_request_error", "method_not_allowed", NULL,
                                "Method %s is not allowed on %s.", req->method, req->path);
    } else {
        mock_reply_openai_error(req, 404, "invalid_request_error", "unknown_url", NULL,
                                "Unknown request URL: %s %s.", req->method, req->path);
    }
    common_headers(req, seq);
}

static char *metrics(struct mock_service *svc)
{
    struct llm *l = svc->state;
    char *text = NULL;
    int rc = asprintf(&text,
                      "# TYPE itest_mock_llm_completions_total counter\n"
                      "itest_mock_llm_completions_total{stream=\"false\"} %llu\n"
                      "itest_mock_llm_completions_total{stream=\"true\"} %llu\n"
                      "# TYPE itest_mock_llm_embeddings_total counter\n"
                      "itest_mock_llm_embeddings_total %llu\n"
                      "# TYPE itest_mock_llm_tokens_total counter\n"
                      "itest_mock_llm_tokens_total{kind=\"prompt\"} %llu\n"
                      "itest_mock_llm_tokens_total{kind=\"completion\"} %llu\n",
                      (unsigned long long)l->completions, (unsigned long long)l->streams,
                      (unsigned long long)l->embeddings, (unsigned long long)l->prompt_tokens,
                      (unsigned long long)l->completion_tokens);
    return rc < 0 ? NULL : text;
}

const struct mock_routes mock_llm_routes = {
    .init = init, .destroy = destroy, .handle = handle, .metrics = metrics};
