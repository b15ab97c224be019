/* The SSE answer to a streamed chat completion: "data: <chunk>" events paced by the timer (the
 * role first, then the content, refusal or each tool call's id and name and its argument
 * fragments, then the finish reason and, when asked, the usage), an error event or a cut
 * connection when a fault asks for one, then "data: [DONE]". */
#include "llm_shared.h"
#include "llm_sse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a stream's chunks share: the request (for its mutations), the ask, the completion id. */
struct stream {
    const struct mock_request *req;
    const struct ask *a;
    const char *id;
    long chunks; /* made so far */
};

static bool mutated(const struct stream *st, enum mock_mutation m)
{
    return mock_mutated(st->req, m);
}

/* The envelope of the next chunk: its id and model as the mutations have them. */
static cJSON *envelope(struct stream *st)
{
    cJSON *o = llm_envelope(st->req, "chat.completion.chunk", st->id, st->a);
    long n = st->chunks++;
    if (n > 0 && mutated(st, MOCK_MUT_LLM_STREAM_IDS_CHANGE)) {
        char other[64];
        snprintf(other, sizeof other, "%s-%ld", st->id, n);
        cJSON_ReplaceItemInObjectCaseSensitive(o, "id", cJSON_CreateString(other));
    }
    if (n > 0 && mutated(st, MOCK_MUT_LLM_STREAM_MODEL_CHANGES))
        cJSON_ReplaceItemInObjectCaseSensitive(o, "model", cJSON_CreateString(st->a->other_model));
    return o;
}

static cJSON *chunk(struct stream *st, long index, cJSON *delta, cJSON *logprobs,
                    const char *finish_reason)
{
    cJSON *o = envelope(st);
    cJSON *choices = cJSON_AddArrayToObject(o, "choices");
    cJSON *choice = cJSON_CreateObject();
    cJSON_AddNumberToObject(
        choice, "index", mutated(st, MOCK_MUT_LLM_STREAM_CHOICE_INDICES_ZERO) ? 0 : (double)index);
    cJSON_AddItemToObject(choice, "delta", delta);
    if (logprobs)
        cJSON_AddItemToObject(choice, "logprobs", logprobs);
    else
        cJSON_AddNullToObject(choice, "logprobs");
    if (finish_reason && !mutated(st, MOCK_MUT_LLM_STREAM_NO_FINISH_REASON))
        cJSON_AddStringToObject(choice, "finish_reason", finish_reason);
    else
        cJSON_AddNullToObject(choice, "finish_reason");
    cJSON_AddItemToArray(choices, choice);
    if (st->a->include_usage)
        cJSON_AddNullToObject(o, "usage");
    return o;
}

/* The pieces a stream sends for text: its tokens, in the order the mutations leave them. */
static size_t split_pieces(struct stream *st, const char *text, bool tool, char ***out)
{
    size_t n = 0, cap = 16;
    char **pieces = malloc(cap * sizeof *pieces);
    for (size_t pos = 0; pieces && text[pos];) {
        size_t end = llm_token_end(text, pos);
        if (n == cap) {
            char **grown = realloc(pieces, (cap *= 2) * sizeof *pieces);
            if (!grown)
                break;
            pieces = grown;
        }
        pieces[n++] = strndup(text + pos, end - pos);
        pos = end;
    }
    if (!tool && n > 2 && mutated(st, MOCK_MUT_LLM_STREAM_DROPS_PIECE)) {
        free(pieces[1]);
        memmove(pieces + 1, pieces + 2, (n - 2) * sizeof *pieces);
        n--;
    }
    if (tool && mutated(st, MOCK_MUT_LLM_STREAM_TOOL_ARGUMENTS_REVERSED))
        for (size_t i = 0; i < n / 2; i++) {
            char *t = pieces[i];
            pieces[i] = pieces[n - 1 - i];
            pieces[n - 1 - i] = t;
        }
    *out = pieces;
    return pieces ? n : 0;
}

static void free_pieces(char **pieces, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(pieces[i]);
    free(pieces);
}

/* The pacing: the first piece after the time to first token, then one every chunk delay. */
struct clock {
    uint64_t t0;
    double step_ms;
    size_t k;
};

static uint64_t next_at(struct clock *c)
{
    return c->t0 + (uint64_t)(c->step_ms * 1e6 * (double)c->k++);
}

/* The text (content or refusal) of every choice, piece by piece. */
static void stream_text(struct stream *st, struct llm_sse *sse, struct clock *clk, const char *text,
                        const char *member)
{
    char **pieces = NULL;
    size_t n = split_pieces(st, text, false, &pieces), token = 0;
    for (size_t k = 0; k < n && !sse->stopped; k++) {
        uint64_t at = next_at(clk);
        for (long i = 0; i < st->a->n; i++) {
            cJSON *delta = cJSON_CreateObject();
            cJSON_AddStringToObject(delta, member, pieces[k]);
            cJSON *lp = st->a->logprobs && strcmp(member, "content") == 0
                            ? llm_logprobs_json(st->req, st->a, pieces[k], token)
                            : NULL;
            llm_sse_emit(sse, NULL, chunk(st, i, delta, lp, NULL), at);
        }
        token += llm_count_tokens(pieces[k]);
    }
    free_pieces(pieces, n);
}

/* Each tool call: its index, id, type and name with empty arguments, then argument fragments. */
static void stream_calls(struct stream *st, struct llm_sse *sse, struct clock *clk,
                         const struct answer *an)
{
    for (size_t c = 0; c < an->n_calls && !sse->stopped; c++) {
        const struct answer_call *call = &an->calls[c];
        uint64_t at = next_at(clk);
        for (long i = 0; i < st->a->n; i++) {
            cJSON *delta = cJSON_CreateObject();
            cJSON_AddItemToObject(delta, "tool_calls", llm_tool_call_delta(call, c, true, ""));
            llm_sse_emit(sse, NULL, chunk(st, i, delta, NULL, NULL), at);
        }
        char **pieces = NULL;
        size_t n = split_pieces(st, call->arguments, true, &pieces);
        for (size_t k = 0; k < n && !sse->stopped; k++) {
            at = next_at(clk);
            for (long i = 0; i < st->a->n; i++) {
                cJSON *delta = cJSON_CreateObject();
                cJSON_AddItemToObject(delta, "tool_calls",
                                      llm_tool_call_delta(call, c, false, pieces[k]));
                llm_sse_emit(sse, NULL, chunk(st, i, delta, NULL, NULL), at);
            }
        }
        free_pieces(pieces, n);
    }
}

void llm_reply_stream(struct mock_service *svc, struct mock_request *req, const struct ask *a,
                      const struct answer *an, const char *id)
{
    struct llm_sse sse;
    if (!llm_sse_start(&sse, req))
        return;
    struct stream st = {req, a, id, 0};
    struct clock clk = {req->start_ns + (uint64_t)((svc->opts->ttft_ms + an->delay_ms) * 1e6),
                        svc->opts->chunk_delay_ms, 0};
    bool usage = (a->include_usage && !mutated(&st, MOCK_MUT_LLM_STREAM_USAGE_MISSING)) ||
                 mutated(&st, MOCK_MUT_LLM_STREAM_USAGE_UNASKED);
    bool usage_apart = !mutated(&st, MOCK_MUT_LLM_USAGE_IN_CHOICE_CHUNK);
    for (long i = 0; i < a->n; i++) {
        cJSON *delta = cJSON_CreateObject();
        if (!mutated(&st, MOCK_MUT_LLM_STREAM_ROLE_MISSING))
            cJSON_AddStringToObject(delta, "role", "assistant");
        if (an->content)
            cJSON_AddStringToObject(delta, "content", "");
        else
            cJSON_AddNullToObject(delta, "content");
        cJSON_AddNullToObject(delta, "refusal");
        llm_sse_emit(&sse, NULL, chunk(&st, i, delta, NULL, NULL), clk.t0);
    }
    if (an->n_calls)
        stream_calls(&st, &sse, &clk, an);
    else
        stream_text(&st, &sse, &clk, an->content ? an->content : an->refusal,
                    an->content ? "content" : "refusal");
    uint64_t done_at = next_at(&clk);
    cJSON *usage_json =
        usage ? llm_usage_json(req, a, an, an->completion_tokens * (size_t)a->n) : NULL;
    for (long i = 0; i < a->n && !sse.stopped; i++) {
        cJSON *last = chunk(&st, i, cJSON_CreateObject(), NULL, an->finish_reason);
        if (usage_json && !usage_apart && i == a->n - 1) {
            cJSON_DeleteItemFromObjectCaseSensitive(last, "usage");
            cJSON_AddItemToObject(last, "usage", usage_json);
            usage_json = NULL;
        }
        llm_sse_emit(&sse, NULL, last, done_at);
    }
    if (usage_json) {
        cJSON *o = envelope(&st);
        cJSON_AddArrayToObject(o, "choices");
        cJSON_AddItemToObject(o, "usage", usage_json);
        llm_sse_emit(&sse, NULL, o, done_at);
    }
    cJSON *error = NULL;
    if (req->fault && req->fault->stream_error_message) {
        error = cJSON_CreateObject();
        cJSON *err = cJSON_AddObjectToObject(error, "error");
        cJSON_AddStringToObject(err, "message", req->fault->stream_error_message);
        cJSON_AddStringToObject(err, "type", "server_error");
        cJSON_AddNullToObject(err, "param");
        cJSON_AddNullToObject(err, "code");
    }
    bool done = !mutated(&st, MOCK_MUT_LLM_STREAM_WITHOUT_DONE);
    llm_sse_finish(&sse, req, NULL, error, done ? "data: [DONE]\n\n" : NULL, done_at,
                   mutated(&st, MOCK_MUT_LLM_STREAM_CONTENT_TYPE)
                       ? "application/json"
                       : "text/event-stream; charset=utf-8");
}
