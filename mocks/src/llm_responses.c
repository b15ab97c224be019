/* The Responses API (POST /v1/responses, GET and DELETE /v1/responses/{id}) as OpenAI's API
 * reference gives it: input as a string or items (messages, function_call and
 * function_call_output), instructions, function tools and the tool choice, text.format,
 * max_output_tokens (status incomplete), store and previous_response_id (llm_store.c), usage with
 * its details. The answer is llm_answer.c's, as for chat; streams are llm_responses_stream.c's. */
#include "llm_shared.h"
#include "llm_store.h"

#include "itest/clock.h"
#include "itest/json_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One input item into the conversation; false after answering 400. */
static bool read_item(struct mock_request *req, const cJSON *item, int i, struct ask *a)
{
    char param[40];
    snprintf(param, sizeof param, "input[%d]", i);
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "type"));
    const char *role = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "role"));
    if (!cJSON_IsObject(item))
        return llm_bad_request(req, param, "Invalid input item: expected an object.");
    if (type && strcmp(type, "function_call_output") == 0) {
        const char *output = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "output"));
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(item, "call_id")) || !output)
            return llm_bad_request(req, param,
                                   "A function_call_output item needs call_id and output.");
        if (mock_mutated(req, MOCK_MUT_LLM_RESPONSES_FUNCTION_OUTPUT_IGNORED))
            return true;
        llm_ask_add(a, "tool", output);
        free(a->tool_output);
        a->tool_output = strdup(output);
        return true;
    }
    if (type && strcmp(type, "function_call") == 0) {
        char *text = cJSON_PrintUnformatted(item);
        llm_ask_add(a, "assistant", text ? text : "");
        free(text);
        free(a->tool_output);
        a->tool_output = NULL;
        return true;
    }
    if (type && strcmp(type, "reasoning") == 0)
        return true;
    static const char *const roles[] = {"user", "system", "developer", "assistant"};
    bool known = false;
    for (size_t r = 0; role && r < sizeof roles / sizeof *roles; r++)
        known = known || strcmp(role, roles[r]) == 0;
    if ((type && strcmp(type, "message") != 0) || !known)
        return llm_bad_request(req, param,
                               "Invalid input item: expected a message (role user, system, "
                               "developer or assistant), function_call or function_call_output.");
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(item, "content");
    if (!cJSON_IsString(content) && !cJSON_IsArray(content))
        return llm_bad_request(req, param, "Invalid 'content': expected a string or parts.");
    char *owned;
    const char *text = llm_content_text(content, &owned);
    llm_ask_add(a, role, text);
    free(a->tool_output);
    a->tool_output = NULL;
    if (strcmp(role, "user") == 0) {
        free(a->prompt);
        a->prompt = strdup(text);
    }
    free(owned);
    return true;
}

/* text.format: text, json_object or json_schema ({"type", "name", "schema", "strict"}). */
static bool read_format(struct mock_request *req, const cJSON *body, struct ask *a)
{
    const cJSON *f =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(body, "text"), "format");
    if (!f || cJSON_IsNull(f))
        return true;
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "type"));
    if (type && strcmp(type, "text") == 0)
        return true;
    if (type && strcmp(type, "json_object") == 0) {
        a->answer_format = FORMAT_JSON_OBJECT;
        return true;
    }
    if (!type || strcmp(type, "json_schema") != 0)
        return llm_bad_request(req, "text.format.type",
                               "Invalid value: expected 'text', 'json_object' or 'json_schema'.");
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "name"));
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(f, "schema");
    char err[300];
    if (!name || !*name)
        return llm_bad_request(req, "text.format.name",
                               "Missing required parameter: 'text.format.name'.");
    if (!cJSON_IsObject(schema) || itest_json_schema_check(schema, err, sizeof err) != 0) {
        char message[400];
        snprintf(message, sizeof message, "Invalid schema for text.format '%s': %s.", name,
                 cJSON_IsObject(schema) ? err : "expected an object");
        return llm_bad_request(req, "text.format.schema", message);
    }
    a->answer_format = FORMAT_JSON_SCHEMA;
    a->schema = schema;
    return true;
}

/* The request into a and m; the context of previous_response_id first. false after answering. */
static bool read_request(struct mock_request *req, struct llm *l, const cJSON *body, struct ask *a,
                         struct response_meta *m, cJSON **tools)
{
    a->n = 1;
    *tools = NULL;
    if (!cJSON_IsObject(body))
        return llm_bad_request(req, NULL, "The request body must be a JSON object.");
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    if (!cJSON_IsString(model) || !model->valuestring[0])
        return llm_bad_request(req, "model", "Missing required parameter: 'model'.");
    a->model = model->valuestring;
    const cJSON *prev = cJSON_GetObjectItemCaseSensitive(body, "previous_response_id");
    if (cJSON_IsString(prev)) {
        size_t tokens = 0;
        char **context =
            mock_mutated(req, MOCK_MUT_LLM_RESPONSES_PREVIOUS_IGNORED) ? NULL : &a->conversation;
        if (!llm_store_get(l->store, prev->valuestring, NULL, context, &tokens)) {
            char message[160];
            snprintf(message, sizeof message, "Previous response with id '%.80s' not found.",
                     prev->valuestring);
            mock_reply_openai_error(req, 400, "invalid_request_error",
                                    "previous_response_not_found", "previous_response_id", "%s",
                                    message);
            return false;
        }
        a->prompt_tokens = context ? tokens : 0;
        m->previous_response_id = prev->valuestring;
        /* the last user message so far is the prompt until the input brings a newer one */
        const char *conv = a->conversation ? a->conversation : "";
        const char *last = NULL;
        for (const char *p = conv; (p = strstr(p, "user: ")); p++)
            if (p == conv || p[-1] == '\n')
                last = p + 6;
        if (last)
            a->prompt = strndup(last, strcspn(last, "\n"));
    }
    /* instructions are not carried over from a previous response: they count, but apart */
    const cJSON *instructions = cJSON_GetObjectItemCaseSensitive(body, "instructions");
    if (instructions && !cJSON_IsNull(instructions) && !cJSON_IsString(instructions))
        return llm_bad_request(req, "instructions", "Invalid type for 'instructions'.");
    if (cJSON_IsString(instructions)) {
        m->instructions_at = a->conversation ? strlen(a->conversation) : 0;
        size_t tokens = a->prompt_tokens;
        llm_ask_add(a, "system", instructions->valuestring);
        m->instructions_len = strlen(a->conversation ? a->conversation : "") - m->instructions_at;
        m->instructions_tokens = a->prompt_tokens - tokens;
    }
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(body, "input");
    if (cJSON_IsString(input)) {
        llm_ask_add(a, "user", input->valuestring);
        free(a->prompt);
        a->prompt = strdup(input->valuestring);
    } else if (cJSON_IsArray(input) && input->child) {
        int i = 0;
        for (const cJSON *item = input->child; item; item = item->next, i++)
            if (!read_item(req, item, i, a))
                return false;
    } else {
        return llm_bad_request(req, "input",
                               "Invalid 'input': expected a string or a non-empty array of items.");
    }
    a->prompt_tokens += 3;
    if (!a->prompt)
        a->prompt = strdup("");
    if (!llm_read_tools(req, body, true, a, tools) || !read_format(req, body, a) ||
        !llm_whole_param(req, body, "max_output_tokens", 1, 1000000, &a->max_tokens))
        return false;
    const cJSON *store = cJSON_GetObjectItemCaseSensitive(body, "store");
    const cJSON *stream = cJSON_GetObjectItemCaseSensitive(body, "stream");
    if ((store && !cJSON_IsBool(store) && !cJSON_IsNull(store)) ||
        (stream && !cJSON_IsBool(stream) && !cJSON_IsNull(stream)))
        return llm_bad_request(req, store && !cJSON_IsBool(store) ? "store" : "stream",
                               "Invalid type: expected a boolean.");
    m->store = !cJSON_IsFalse(store);
    a->stream = cJSON_IsTrue(stream);
    return true;
}

/* The conversation after the answer, for previous_response_id: without this request's
 * instructions, which the reference says are not carried over to the next response. */
static char *conversation_after(const struct ask *a, const struct answer *an,
                                const struct response_meta *m)
{
    const char *conv = a->conversation ? a->conversation : "";
    char *said = NULL;
    if (an->n_calls) {
        cJSON *calls = llm_tool_calls_json(an);
        said = cJSON_PrintUnformatted(calls);
        cJSON_Delete(calls);
    }
    char *text = NULL;
    if (asprintf(&text, "%.*s%sassistant: %s\n", (int)m->instructions_at, conv,
                 conv + m->instructions_at + m->instructions_len,
                 said          ? said
                 : an->content ? an->content
                 : an->refusal ? an->refusal
                               : "") < 0)
        text = NULL;
    free(said);
    return text;
}

static void create(struct mock_service *svc, struct mock_request *req, unsigned long long seq)
{
    struct llm *l = svc->state;
    cJSON *body = mock_request_json(req);
    if (!body)
        return;
    struct ask a = {0};
    struct response_meta m = {.body = body, .created_s = (double)(itest_wall_ns() / 1000000000u)};
    snprintf(m.id, sizeof m.id, "resp_itest%llu", seq);
    cJSON *tools = NULL;
    if (!read_request(req, l, body, &a, &m, &tools)) {
        /* answered */
    } else if (!llm_known_model(l, a.model) &&
               !mock_mutated(req, MOCK_MUT_LLM_UNKNOWN_MODEL_SERVED)) {
        mock_reply_openai_error(req, 404, "invalid_request_error", "model_not_found", "model",
                                "The model `%s` does not exist or you do not have access to it.",
                                a.model);
    } else {
        if (!llm_known_model(l, a.model))
            a.model = l->models[0];
        a.other_model = a.model;
        for (size_t i = 0; i < l->n_models && a.other_model == a.model; i++)
            if (strcmp(l->models[i], a.model) != 0)
                a.other_model = l->models[i];
        m.reasons =
            llm_rules_reasons(&l->rules, a.model) && llm_offers(l, ITEST_LLM_CAP_REASONING_TOKENS);
        struct answer an;
        llm_decide(req, l, &a, &an);
        l->responses++;
        l->prompt_tokens += a.prompt_tokens;
        l->completion_tokens += an.completion_tokens;
        cJSON *done = llm_response_object(req, &a, &an, &m, true);
        bool keep = m.store && !mock_mutated(req, MOCK_MUT_LLM_RESPONSES_STORE_IGNORED);
        /* printed once, to be stored and answered */
        char *text = keep || !a.stream ? cJSON_PrintUnformatted(done) : NULL;
        cJSON_Delete(done);
        if (text && keep) {
            char *after = conversation_after(&a, &an, &m);
            llm_store_put(l->store, m.id, text, after ? after : "",
                          a.prompt_tokens - m.instructions_tokens + an.completion_tokens + 4);
            free(after);
        }
        if (a.stream) {
            free(text);
            llm_responses_stream(svc, req, &a, &an, &m);
        } else {
            mock_reply_json_text(req, 200, text);
            req->delay_ms += an.delay_ms + svc->opts->ttft_ms;
        }
        llm_answer_free(&an);
    }
    llm_ask_free(&a);
    cJSON_Delete(tools);
    cJSON_Delete(body);
}

void llm_responses(struct mock_service *svc, struct mock_request *req, const char *id,
                   unsigned long long seq)
{
    struct llm *l = svc->state;
    if (!id) {
        if (strcmp(req->method, "POST") == 0)
            return create(svc, req, seq);
        return mock_reply_openai_error(req, 405, "invalid_request_error", "method_not_allowed",
                                       NULL, "Method %s is not allowed on %s.", req->method,
                                       req->path);
    }
    bool get = strcmp(req->method, "GET") == 0, del = strcmp(req->method, "DELETE") == 0;
    if (!get && !del)
        return mock_reply_openai_error(req, 405, "invalid_request_error", "method_not_allowed",
                                       NULL, "Method %s is not allowed on %s.", req->method,
                                       req->path);
    char *stored = NULL;
    bool found = get || mock_mutated(req, MOCK_MUT_LLM_RESPONSES_DELETE_KEEPS)
                     ? llm_store_get(l->store, id, get ? &stored : NULL, NULL, NULL)
                     : llm_store_delete(l->store, id);
    if (!found)
        return mock_reply_openai_error(req, 404, "invalid_request_error", "not_found", NULL,
                                       "Response with id '%.80s' not found.", id);
    if (get)
        return mock_reply_json_text(req, 200, stored);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "object", "response");
    cJSON_AddBoolToObject(o, "deleted", true);
    mock_reply_json(req, 200, o);
}
