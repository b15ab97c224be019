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

static cJSON *chunk(const char *id, const struct chat *c, long index, cJSON *delta,
                    const char *finish_reason)
{
    cJSON *o = llm_envelope("chat.completion.chunk", id, c);
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

void llm_reply_stream(struct mock_service *svc, struct mock_request *req, const struct chat *c,
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
            cJSON_AddItemToObject(delta, "tool_calls", llm_tool_calls_json(a, call_id, true, ""));
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
                cJSON_AddItemToObject(delta, "tool_calls",
                                      llm_tool_calls_json(a, NULL, true, piece));
            EMIT(chunk(id, c, i, delta, NULL), at);
        }
        free(piece);
        pos = end;
    }
    uint64_t done_at = t0 + (uint64_t)(step * 1e6 * (double)k);
    for (long i = 0; i < c->n && !stopped; i++)
        EMIT(chunk(id, c, i, cJSON_CreateObject(), a->finish_reason), done_at);
    if (c->include_usage && !stopped) {
        cJSON *o = llm_envelope("chat.completion.chunk", id, c);
        cJSON_AddArrayToObject(o, "choices");
        cJSON_AddItemToObject(
            o, "usage", llm_usage_json(c->prompt_tokens, a->completion_tokens * (size_t)c->n));
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
