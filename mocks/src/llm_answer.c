/* What the mock model answers, whichever API asks: a rule's reply, JSON, refusal or tool calls,
 * else tool calls the tool choice demands, else JSON the format demands, else the stable default
 * reply; then stop sequences, max_tokens, reasoning tokens and the prompt prefix cache. */
#include "llm_shared.h"
#include "util.h"

#include "itest/json_parse.h"
#include "itest/json_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <regex.h>
#include <string.h>

#define CACHE_MIN_TOKENS 1024 /* OpenAI caches prompts from 1024 tokens, in steps of 128 */
#define CACHE_STEP_TOKENS 128
#define REASONING_TOKENS 24

double llm_logprob(const char *token, size_t len, size_t i, long long seed)
{
    uint64_t h = mock_hash(token, len, (uint64_t)seed * 31u + i);
    return -(double)(h % 2000) / 1000.0 - 0.001;
}

static const struct llm_rule *matching_rule(struct llm *l, const struct ask *a)
{
    /* after a tool's result the model answers from it, not with the call again */
    return a->tool_output ? NULL : llm_rules_match(&l->rules, a->prompt, a->model);
}

static const cJSON *tool_named(const struct ask *a, const char *name)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, a->tools)
    {
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(t, "name")), name) == 0)
            return t;
    }
    return NULL;
}

static void add_call(struct answer *an, const char *name, char *arguments, uint64_t h)
{
    struct answer_call *c = &an->calls[an->n_calls];
    c->name = strdup(name);
    c->arguments = arguments;
    if (asprintf(&c->call_id, "call_%016llx%zu", (unsigned long long)h, an->n_calls) < 0)
        c->call_id = NULL;
    an->n_calls++;
}

/* The calls a rule makes (to tools on offer), or the one the tool choice demands. */
static void decide_calls(const struct ask *a, const struct llm_rule *rule, bool parallel,
                         bool mutated_parallel, struct answer *an, uint64_t h)
{
    if (a->tool_output || !a->tools || a->tool_choice == TOOLS_NONE)
        return;
    size_t most = (a->parallel_tool_calls || mutated_parallel) && parallel ? MAX_CALLS : 1;
    for (size_t k = 0; rule && k < rule->n_calls && an->n_calls < most; k++) {
        const struct llm_rule_call *rc = &rule->calls[k];
        if (!tool_named(a, rc->name) ||
            (a->tool_choice == TOOLS_NAMED && strcmp(rc->name, a->tool_choice_name) != 0))
            continue;
        add_call(an, rc->name, strdup(rc->arguments), h);
    }
    if (an->n_calls || (a->tool_choice != TOOLS_REQUIRED && a->tool_choice != TOOLS_NAMED))
        return;
    /* the choice demands a call no rule gave: arguments that follow its parameters */
    const cJSON *tool =
        a->tool_choice == TOOLS_NAMED ? tool_named(a, a->tool_choice_name) : a->tools->child;
    cJSON *args = llm_schema_example(cJSON_GetObjectItem(tool, "parameters"), h);
    char *text = args ? cJSON_PrintUnformatted(args) : strdup("{}");
    cJSON_Delete(args);
    add_call(an, cJSON_GetStringValue(cJSON_GetObjectItem(tool, "name")), text, h);
}

static bool is_object_text(const char *text)
{
    char err[64];
    cJSON *v = text ? itest_json_parse(text, strlen(text), err, sizeof err) : NULL;
    bool object = cJSON_IsObject(v);
    cJSON_Delete(v);
    return object;
}

/* reply, then each distinct match of cite in prompt (at most 16), space-separated. */
static char *cited(const char *reply, const regex_t *cite, const char *prompt)
{
    struct buf {
        char *text;
        size_t len;
    } out = {strdup(reply), strlen(reply)};
    const char *at = prompt;
    regmatch_t m;
    for (int n = 0; out.text && n < 16 && regexec(cite, at, 1, &m, n ? REG_NOTBOL : 0) == 0; n++) {
        size_t len = (size_t)(m.rm_eo - m.rm_so);
        if (!len)
            break;
        char *grown = realloc(out.text, out.len + len + 2);
        if (!grown)
            break;
        out.text = grown;
        if (!memmem(out.text, out.len, at + m.rm_so, len)) { /* each citation once */
            out.text[out.len++] = ' ';
            memcpy(out.text + out.len, at + m.rm_so, len);
            out.len += len;
            out.text[out.len] = '\0';
        }
        at += m.rm_eo;
    }
    return out.text;
}

/* The text of the answer: the rule's, what the format demands, or the stable default. */
static char *decide_text(const struct ask *a, const struct llm_rule *rule, uint64_t h)
{
    const char *given = rule ? (rule->reply ? rule->reply : rule->json) : NULL;
    if (a->answer_format == FORMAT_JSON_SCHEMA) {
        char err[256];
        cJSON *v = rule && rule->json
                       ? itest_json_parse(rule->json, strlen(rule->json), err, sizeof err)
                       : NULL;
        if (!v || !itest_json_schema_valid(a->schema, v, err, sizeof err)) {
            cJSON_Delete(v);
            v = llm_schema_example(a->schema, h);
        }
        char *text = v ? cJSON_PrintUnformatted(v) : strdup("{}");
        cJSON_Delete(v);
        return text;
    }
    if (a->answer_format == FORMAT_JSON_OBJECT) {
        if (is_object_text(given))
            return strdup(given);
        char *reply = llm_default_reply(a->conversation ? a->conversation : "", a->prompt);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "answer", reply ? reply : "");
        free(reply);
        char *text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        return text;
    }
    if (a->tool_output) {
        char *text = NULL;
        if (asprintf(&text, "The tool answered: %.400s", a->tool_output) < 0)
            return NULL;
        return text;
    }
    if (given && rule->cite)
        return cited(given, rule->cite, a->prompt);
    if (given)
        return strdup(given);
    /* a seed takes part in the default reply, so that another seed may answer otherwise */
    char salted[64] = "";
    if (a->has_seed)
        snprintf(salted, sizeof salted, "seed %lld\n", a->seed);
    size_t n = strlen(salted) + (a->conversation ? strlen(a->conversation) : 0);
    char *conv = malloc(n + 1);
    if (!conv)
        return NULL;
    snprintf(conv, n + 1, "%s%s", salted, a->conversation ? a->conversation : "");
    char *reply = llm_default_reply(conv, a->prompt);
    free(conv);
    return reply;
}

/* Cuts text at the first stop sequence; true when one was found. */
static bool cut_at_stop(const struct ask *a, char *text)
{
    char *first = NULL;
    for (size_t i = 0; i < a->n_stop; i++) {
        char *at = a->stop[i][0] ? strstr(text, a->stop[i]) : NULL;
        if (at && (!first || at < first))
            first = at;
    }
    if (first)
        *first = '\0';
    return first != NULL;
}

/* The longest prefix of the conversation (CACHE_MIN_TOKENS and up, in CACHE_STEP_TOKENS) seen
 * in an earlier request, in tokens; remembers this one's prefixes. */
static size_t cached_prefix(struct llm *l, const char *conversation)
{
    if (!conversation)
        return 0;
    uint64_t hashes[512];
    size_t tokens_at[512], n = 0, tokens = 0;
    for (size_t pos = 0; conversation[pos] && n < 512;) {
        pos = llm_token_end(conversation, pos);
        tokens++;
        if (tokens >= CACHE_MIN_TOKENS && (tokens - CACHE_MIN_TOKENS) % CACHE_STEP_TOKENS == 0) {
            hashes[n] = mock_hash(conversation, pos, 0xcac4e);
            tokens_at[n++] = tokens;
        }
    }
    size_t cached = 0;
    pthread_mutex_lock(&l->prefix_lock);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < PREFIX_CACHE && cached < tokens_at[i]; k++)
            if (l->prefixes[k] == hashes[i])
                cached = tokens_at[i];
    }
    for (size_t i = 0; i < n; i++) {
        l->prefixes[l->next_prefix] = hashes[i];
        l->next_prefix = (l->next_prefix + 1) % PREFIX_CACHE;
    }
    pthread_mutex_unlock(&l->prefix_lock);
    return cached;
}

void llm_decide(const struct mock_request *req, struct llm *l, const struct ask *a,
                struct answer *out)
{
    memset(out, 0, sizeof *out);
    const struct llm_rule *rule = matching_rule(l, a);
    uint64_t h = mock_hash(a->conversation ? a->conversation : "",
                           a->conversation ? strlen(a->conversation) : 0, (uint64_t)a->seed);
    out->delay_ms = rule ? rule->delay_ms : 0;
    out->cached_tokens =
        llm_offers(l, ITEST_LLM_CAP_PROMPT_CACHING) ? cached_prefix(l, a->conversation) : 0;
    if (mock_mutated(req, MOCK_MUT_LLM_CACHED_TOKENS_MISSING))
        out->cached_tokens = 0;
    out->finish_reason = "stop";
    struct ask asked = *a;
    if (asked.tool_choice == TOOLS_NAMED &&
        mock_mutated(req, MOCK_MUT_LLM_TOOL_CHOICE_NAMED_IGNORED))
        asked.tool_choice = TOOLS_NONE;
    if (mock_mutated(req, MOCK_MUT_LLM_JSON_SCHEMA_IGNORED) &&
        asked.answer_format == FORMAT_JSON_SCHEMA)
        asked.answer_format = FORMAT_TEXT;
    if (mock_mutated(req, MOCK_MUT_LLM_STOP_IGNORED))
        asked.n_stop = 0;
    a = &asked;
    decide_calls(a, rule, llm_offers(l, ITEST_LLM_CAP_PARALLEL_TOOLS),
                 mock_mutated(req, MOCK_MUT_LLM_PARALLEL_OFF_IGNORED), out, h);
    if (out->n_calls) {
        out->finish_reason =
            mock_mutated(req, MOCK_MUT_LLM_TOOL_CALL_FINISH_STOP) ? "stop" : "tool_calls";
        for (size_t k = 0; k < out->n_calls; k++) {
            struct answer_call *c = &out->calls[k];
            if (k > 0 && mock_mutated(req, MOCK_MUT_LLM_PARALLEL_CALLS_SHARE_ID)) {
                free(c->call_id);
                c->call_id = strdup(out->calls[0].call_id);
            }
            if (*c->arguments && mock_mutated(req, MOCK_MUT_LLM_TOOL_ARGUMENTS_CUT))
                c->arguments[strlen(c->arguments) - 1] = '\0';
            out->completion_tokens +=
                llm_count_tokens(c->name) + llm_count_tokens(c->arguments) + 3;
        }
        return;
    }
    if (rule && rule->refusal && mock_mutated(req, MOCK_MUT_LLM_REFUSAL_AS_CONTENT)) {
        out->content = strdup(rule->refusal);
        out->completion_tokens = llm_count_tokens(rule->refusal);
        return;
    }
    if (rule && rule->refusal) {
        out->refusal = strdup(rule->refusal);
        out->completion_tokens = llm_count_tokens(rule->refusal);
        return;
    }
    out->content = decide_text(a, rule, h);
    if (!out->content)
        out->content = strdup("");
    cut_at_stop(a, out->content);
    bool reasons = llm_rules_reasons(&l->rules, a->model) &&
                   llm_offers(l, ITEST_LLM_CAP_REASONING_TOKENS) &&
                   !mock_mutated(req, MOCK_MUT_LLM_REASONING_TOKENS_MISSING);
    size_t budget = (size_t)a->max_tokens, reasoning = 0;
    if (reasons) {
        reasoning = budget && budget <= REASONING_TOKENS ? budget - 1 : REASONING_TOKENS;
        budget = budget ? budget - reasoning : 0;
    }
    size_t tokens = llm_count_tokens(out->content);
    if (budget > 0 && tokens > budget && !mock_mutated(req, MOCK_MUT_LLM_MAX_TOKENS_IGNORED)) {
        out->content[llm_prefix_bytes(out->content, budget)] = '\0';
        if (!mock_mutated(req, MOCK_MUT_LLM_COMPLETION_TOKENS_PAST_MAX))
            tokens = budget;
        out->finish_reason = mock_mutated(req, MOCK_MUT_LLM_LENGTH_CALLED_STOP) ? "stop" : "length";
    }
    out->reasoning_tokens = reasoning;
    out->completion_tokens = tokens + reasoning;
}

void llm_answer_free(struct answer *out)
{
    free(out->content);
    free(out->refusal);
    for (size_t k = 0; k < out->n_calls; k++) {
        free(out->calls[k].name);
        free(out->calls[k].arguments);
        free(out->calls[k].call_id);
    }
    memset(out, 0, sizeof *out);
}
