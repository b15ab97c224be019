/* The SSE answer to a streamed chat completion: "data: <chunk>" events paced by the timer, an
 * error event or a cut connection when a fault asks for one, then "data: [DONE]". */
#include "llm.h"
#include "paced.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* What a stream's chunks share: the request (for its mutations), the chat, the completion id. */
struct stream {
    const struct mock_request *req;
    const struct chat *c;
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
    cJSON *o = llm_envelope(st->req, "chat.completion.chunk", st->id, st->c);
    long n = st->chunks++;
    if (n > 0 && mutated(st, MOCK_MUT_LLM_STREAM_IDS_CHANGE)) {
        char other[64];
        snprintf(other, sizeof other, "%s-%ld", st->id, n);
        cJSON_ReplaceItemInObjectCaseSensitive(o, "id", cJSON_CreateString(other));
    }
    if (n > 0 && mutated(st, MOCK_MUT_LLM_STREAM_MODEL_CHANGES))
        cJSON_ReplaceItemInObjectCaseSensitive(o, "model", cJSON_CreateString(st->c->other_model));
    return o;
}

static cJSON *chunk(struct stream *st, long index, cJSON *delta, const char *finish_reason)
{
    const struct chat *c = st->c;
    cJSON *o = envelope(st);
    cJSON *choices = cJSON_AddArrayToObject(o, "choices");
    cJSON *choice = cJSON_CreateObject();
    cJSON_AddNumberToObject(
        choice, "index", mutated(st, MOCK_MUT_LLM_STREAM_CHOICE_INDICES_ZERO) ? 0 : (double)index);
    cJSON_AddItemToObject(choice, "delta", delta);
    cJSON_AddNullToObject(choice, "logprobs");
    if (finish_reason && !mutated(st, MOCK_MUT_LLM_STREAM_NO_FINISH_REASON))
        cJSON_AddStringToObject(choice, "finish_reason", finish_reason);
    else
        cJSON_AddNullToObject(choice, "finish_reason");
    cJSON_AddItemToArray(choices, choice);
    if (c->include_usage)
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

void llm_reply_stream(struct mock_service *svc, struct mock_request *req, const struct chat *c,
                      const struct answer *a, const char *id)
{
    const struct mock_fault *f = req->fault;
    struct mock_paced *p = mock_paced_new(req->conn);
    if (!p)
        return mock_reply_error(req, 500, NULL, "out of memory");
    struct stream st = {req, c, id, 0};
    double ttft = svc->opts->ttft_ms + a->delay_ms, step = svc->opts->chunk_delay_ms;
    uint64_t t0 = req->start_ns + (uint64_t)(ttft * 1e6);
    long events = 0;
    long error_after = f ? f->stream_error_after : -1, cut_after = f ? f->stream_cut_after : -1;
    /* the pieces of the answer: content tokens, or the tool call's argument tokens */
    char **pieces = NULL;
    size_t n_pieces =
        split_pieces(&st, a->content ? a->content : a->tool_arguments, !a->content, &pieces);
    size_t k = 0;
    char call_id[48];
    snprintf(call_id, sizeof call_id, "call_%s", id + 9);
    bool stopped = false;
    bool usage = (c->include_usage && !mutated(&st, MOCK_MUT_LLM_STREAM_USAGE_MISSING)) ||
                 mutated(&st, MOCK_MUT_LLM_STREAM_USAGE_UNASKED);
    bool usage_apart = !mutated(&st, MOCK_MUT_LLM_USAGE_IN_CHOICE_CHUNK);
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
        if (!mutated(&st, MOCK_MUT_LLM_STREAM_ROLE_MISSING))
            cJSON_AddStringToObject(delta, "role", "assistant");
        if (a->content) {
            cJSON_AddStringToObject(delta, "content", "");
        } else {
            cJSON_AddNullToObject(delta, "content");
            cJSON_AddItemToObject(delta, "tool_calls", llm_tool_calls_json(a, call_id, true, ""));
        }
        cJSON_AddNullToObject(delta, "refusal");
        EMIT(chunk(&st, i, delta, NULL), t0);
    }
    for (; k < n_pieces && !stopped; k++) {
        uint64_t at = t0 + (uint64_t)(step * 1e6 * (double)k);
        for (long i = 0; i < c->n && !stopped; i++) {
            cJSON *delta = cJSON_CreateObject();
            if (a->content)
                cJSON_AddStringToObject(delta, "content", pieces[k]);
            else
                cJSON_AddItemToObject(delta, "tool_calls",
                                      llm_tool_calls_json(a, NULL, true, pieces[k]));
            EMIT(chunk(&st, i, delta, NULL), at);
        }
    }
    for (size_t i = 0; i < n_pieces; i++)
        free(pieces[i]);
    free(pieces);
    uint64_t done_at = t0 + (uint64_t)(step * 1e6 * (double)k);
    cJSON *usage_json =
        usage ? llm_usage_json(req, c->prompt_tokens, a->completion_tokens * (size_t)c->n) : NULL;
    for (long i = 0; i < c->n && !stopped; i++) {
        cJSON *last = chunk(&st, i, cJSON_CreateObject(), a->finish_reason);
        if (usage_json && !usage_apart && i == c->n - 1) {
            cJSON_DeleteItemFromObjectCaseSensitive(last, "usage");
            cJSON_AddItemToObject(last, "usage", usage_json);
            usage_json = NULL;
        }
        EMIT(last, done_at);
    }
    if (usage_json && !stopped) {
        cJSON *o = envelope(&st);
        cJSON_AddArrayToObject(o, "choices");
        cJSON_AddItemToObject(o, "usage", usage_json);
        usage_json = NULL;
        EMIT(o, done_at);
    }
    cJSON_Delete(usage_json);
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
    } else if (!mutated(&st, MOCK_MUT_LLM_STREAM_WITHOUT_DONE)) {
        mock_paced_add(p, "data: [DONE]\n\n", 14, done_at);
    }
    struct MHD_Response *resp = mock_paced_response(p);
    if (!resp)
        return mock_reply_error(req, 500, NULL, "out of memory");
    mock_reply_custom(req, 200, resp);
    mock_add_header(req, "Content-Type",
                    mutated(&st, MOCK_MUT_LLM_STREAM_CONTENT_TYPE)
                        ? "application/json"
                        : "text/event-stream; charset=utf-8");
    mock_add_header(req, "Cache-Control", "no-cache");
}
