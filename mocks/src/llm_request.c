/* What every LLM endpoint checks the same way: the model, optional whole-number parameters,
 * message text, the tools on offer and OpenAI's answer to a bad request. */
#include "llm_shared.h"

#include "itest/json_schema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool llm_known_model(const struct llm *l, const char *model)
{
    for (size_t i = 0; i < l->n_models; i++)
        if (strcmp(l->models[i], model) == 0)
            return true;
    return false;
}

bool llm_bad_request(struct mock_request *req, const char *param, const char *message)
{
    mock_reply_openai_error(req, 400, "invalid_request_error", NULL, param, "%s", message);
    return false;
}

bool llm_whole_param(struct mock_request *req, const cJSON *body, const char *name, long min,
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
        return llm_bad_request(req, name, message);
    }
    *out = (long)v->valuedouble;
    return true;
}

const char *llm_content_text(const cJSON *content, char **owned)
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

void llm_ask_add(struct ask *a, const char *role, const char *text)
{
    size_t had = a->conversation ? strlen(a->conversation) : 0;
    size_t add = strlen(role) + strlen(text) + 3;
    char *conv = realloc(a->conversation, had + add + 1);
    if (!conv)
        return;
    a->conversation = conv;
    sprintf(conv + had, "%s: %s\n", role, text);
    a->prompt_tokens += 4 + llm_count_tokens(text);
}

static bool tool_error(struct mock_request *req, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool tool_error(struct mock_request *req, const char *param, const char *fmt, ...)
{
    char message[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return llm_bad_request(req, param, message);
}

/* One tool of the request, as {name, parameters}; false after answering 400. */
static bool read_tool(struct mock_request *req, const cJSON *t, bool flat, int i, cJSON *out)
{
    char param[32];
    snprintf(param, sizeof param, "tools[%d]", i);
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "type"));
    if (!type || strcmp(type, "function") != 0)
        return tool_error(req, param, "Invalid tool type '%s': this server offers function tools.",
                          type ? type : "(none)");
    const cJSON *fn = flat ? t : cJSON_GetObjectItemCaseSensitive(t, "function");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(fn, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0])
        return tool_error(req, param, "Missing required parameter: '%s.name'.", param);
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(fn, "parameters");
    if (params && !cJSON_IsObject(params))
        return tool_error(req, param, "Invalid parameters for function '%s': expected an object.",
                          name->valuestring);
    char err[300];
    if (params && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fn, "strict")) &&
        itest_json_schema_check(params, err, sizeof err) != 0) {
        char message[400];
        snprintf(message, sizeof message, "Invalid schema for function '%s': %s.",
                 name->valuestring, err);
        return llm_bad_request(req, param, message);
    }
    cJSON *tool = cJSON_CreateObject();
    cJSON_AddStringToObject(tool, "name", name->valuestring);
    cJSON_AddItemToObject(tool, "parameters",
                          params ? cJSON_Duplicate(params, true) : cJSON_CreateObject());
    cJSON_AddItemToArray(out, tool);
    return true;
}

static bool offered(const cJSON *tools, const char *name)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, tools)
    {
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(t, "name")), name) == 0)
            return true;
    }
    return false;
}

bool llm_read_tools(struct mock_request *req, const cJSON *body, bool tools_flat, struct ask *a,
                    cJSON **tools_out)
{
    *tools_out = NULL;
    a->parallel_tool_calls = true;
    a->tool_choice = TOOLS_AUTO;
    const cJSON *tools = cJSON_GetObjectItemCaseSensitive(body, "tools");
    if (tools && !cJSON_IsNull(tools)) {
        if (!cJSON_IsArray(tools))
            return llm_bad_request(req, "tools", "Invalid type for 'tools': expected an array.");
        cJSON *list = cJSON_CreateArray();
        *tools_out = list;
        int i = 0;
        for (const cJSON *t = tools->child; t; t = t->next, i++)
            if (!read_tool(req, t, tools_flat, i, list))
                return false;
        char *text = cJSON_PrintUnformatted(tools);
        a->prompt_tokens += text ? llm_count_tokens(text) : 0;
        free(text);
        a->tools = cJSON_GetArraySize(list) ? list : NULL;
    }
    const cJSON *choice = cJSON_GetObjectItemCaseSensitive(body, "tool_choice");
    if (cJSON_IsString(choice)) {
        const char *c = choice->valuestring;
        if (strcmp(c, "none") == 0)
            a->tool_choice = TOOLS_NONE;
        else if (strcmp(c, "required") == 0)
            a->tool_choice = TOOLS_REQUIRED;
        else if (strcmp(c, "auto") != 0)
            return llm_bad_request(req, "tool_choice",
                                   "Invalid value for 'tool_choice': expected none, auto, "
                                   "required or a function.");
    } else if (cJSON_IsObject(choice)) {
        const cJSON *fn =
            tools_flat ? choice : cJSON_GetObjectItemCaseSensitive(choice, "function");
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fn, "name"));
        if (!name)
            return llm_bad_request(req, "tool_choice",
                                   "Invalid 'tool_choice': a function choice needs its name.");
        if (!a->tools || !offered(a->tools, name))
            return tool_error(req, "tool_choice",
                              "Invalid 'tool_choice': the function '%s' is not among the tools.",
                              name);
        a->tool_choice = TOOLS_NAMED;
        a->tool_choice_name = name;
    } else if (choice && !cJSON_IsNull(choice)) {
        return llm_bad_request(req, "tool_choice", "Invalid type for 'tool_choice'.");
    }
    if ((a->tool_choice == TOOLS_REQUIRED) && !a->tools)
        return llm_bad_request(req, "tool_choice",
                               "Invalid 'tool_choice': 'required' needs at least one tool.");
    const cJSON *parallel = cJSON_GetObjectItemCaseSensitive(body, "parallel_tool_calls");
    if (parallel && !cJSON_IsBool(parallel) && !cJSON_IsNull(parallel))
        return llm_bad_request(req, "parallel_tool_calls",
                               "Invalid type for 'parallel_tool_calls': expected a boolean.");
    if (cJSON_IsFalse(parallel))
        a->parallel_tool_calls = false;
    const cJSON *temperature = cJSON_GetObjectItemCaseSensitive(body, "temperature");
    if (temperature && !cJSON_IsNull(temperature) &&
        (!cJSON_IsNumber(temperature) || temperature->valuedouble < 0 ||
         temperature->valuedouble > 2))
        return llm_bad_request(req, "temperature",
                               "Invalid 'temperature': expected a number between 0 and 2.");
    return true;
}

void llm_ask_free(struct ask *a)
{
    free(a->conversation);
    free(a->prompt);
    free(a->tool_output);
}
