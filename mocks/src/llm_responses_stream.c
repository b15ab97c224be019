/* A streamed response: typed events ("event: <type>" and "data: <json>" with its
 * sequence_number), as OpenAI's API reference lists them: response.created and .in_progress, per
 * output item .output_item.added, the text's .content_part.added, .output_text.delta pieces,
 * .output_text.done and .content_part.done (or a function call's .function_call_arguments.delta
 * pieces and .done), .output_item.done, and at the end response.completed or
 * response.incomplete. A stream error fault ends it with response.failed; no [DONE]. */
#include "llm_shared.h"
#include "llm_sse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct events {
    struct llm_sse sse;
    const struct mock_request *req;
    const struct answer *an;
    const struct response_meta *m;
    long sequence;
    uint64_t t0;
    double step_ms;
    size_t k; /* pieces sent: the pacing */
};

static uint64_t next_at(struct events *ev)
{
    return ev->t0 + (uint64_t)(ev->step_ms * 1e6 * (double)ev->k++);
}

/* Sends an event of type with its sequence number (json consumed). */
static void emit(struct events *ev, const char *type, cJSON *json, uint64_t at)
{
    cJSON_AddStringToObject(json, "type", type);
    long seq = ev->sequence;
    if (mock_mutated(ev->req, MOCK_MUT_LLM_RESPONSES_SEQUENCE_REPEATS))
        seq /= 2;
    cJSON_AddNumberToObject(json, "sequence_number", (double)seq);
    if (llm_sse_emit(&ev->sse, type, json, at))
        ev->sequence++;
}

static cJSON *about_item(const char *item_id, size_t output_index)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "item_id", item_id);
    cJSON_AddNumberToObject(o, "output_index", (double)output_index);
    return o;
}

static cJSON *text_part(const char *text, bool refusal)
{
    cJSON *part = cJSON_CreateObject();
    cJSON_AddStringToObject(part, "type", refusal ? "refusal" : "output_text");
    cJSON_AddStringToObject(part, refusal ? "refusal" : "text", text);
    if (!refusal) {
        cJSON_AddArrayToObject(part, "annotations");
        cJSON_AddArrayToObject(part, "logprobs");
    }
    return part;
}

/* Pieces of text, each a delta event; the whole after. */
static void stream_text(struct events *ev, const char *item_id, size_t index, const char *text,
                        bool refusal)
{
    uint64_t at = next_at(ev);
    cJSON *added = about_item(item_id, index);
    cJSON_AddNumberToObject(added, "content_index", 0);
    cJSON_AddItemToObject(added, "part", text_part("", refusal));
    emit(ev, "response.content_part.added", added, at);
    for (size_t pos = 0; text[pos] && !ev->sse.stopped;) {
        size_t end = llm_token_end(text, pos);
        char *piece = strndup(text + pos, end - pos);
        cJSON *delta = about_item(item_id, index);
        cJSON_AddNumberToObject(delta, "content_index", 0);
        cJSON_AddStringToObject(delta, "delta", piece ? piece : "");
        if (!refusal)
            cJSON_AddArrayToObject(delta, "logprobs");
        free(piece);
        emit(ev, refusal ? "response.refusal.delta" : "response.output_text.delta", delta,
             next_at(ev));
        pos = end;
    }
    at = next_at(ev);
    char *whole = strdup(text);
    if (whole && *whole && mock_mutated(ev->req, MOCK_MUT_LLM_RESPONSES_TEXT_DONE_DIFFERS))
        whole[strlen(whole) - 1] = '\0';
    cJSON *done = about_item(item_id, index);
    cJSON_AddNumberToObject(done, "content_index", 0);
    cJSON_AddStringToObject(done, refusal ? "refusal" : "text", whole ? whole : "");
    if (!refusal)
        cJSON_AddArrayToObject(done, "logprobs");
    emit(ev, refusal ? "response.refusal.done" : "response.output_text.done", done, at);
    cJSON *part_done = about_item(item_id, index);
    cJSON_AddNumberToObject(part_done, "content_index", 0);
    cJSON_AddItemToObject(part_done, "part", text_part(whole ? whole : "", refusal));
    free(whole);
    emit(ev, "response.content_part.done", part_done, at);
}

static void stream_arguments(struct events *ev, const char *item_id, size_t index,
                             const struct answer_call *c)
{
    for (size_t pos = 0; c->arguments[pos] && !ev->sse.stopped;) {
        size_t end = llm_token_end(c->arguments, pos);
        char *piece = strndup(c->arguments + pos, end - pos);
        cJSON *delta = about_item(item_id, index);
        cJSON_AddStringToObject(delta, "delta", piece ? piece : "");
        free(piece);
        emit(ev, "response.function_call_arguments.delta", delta, next_at(ev));
        pos = end;
    }
    cJSON *done = about_item(item_id, index);
    cJSON_AddStringToObject(done, "arguments", c->arguments);
    cJSON_AddStringToObject(done, "name", c->name);
    emit(ev, "response.function_call_arguments.done", done, next_at(ev));
}

static cJSON *with_response(cJSON *response)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "response", response);
    return o;
}

void llm_responses_stream(struct mock_service *svc, struct mock_request *req, const struct ask *a,
                          const struct answer *an, const struct response_meta *m)
{
    struct events ev = {.req = req, .an = an, .m = m, .step_ms = svc->opts->chunk_delay_ms};
    if (!llm_sse_start(&ev.sse, req))
        return;
    ev.t0 = req->start_ns + (uint64_t)((svc->opts->ttft_ms + an->delay_ms) * 1e6);
    emit(&ev, "response.created", with_response(llm_response_object(req, a, an, m, false)), ev.t0);
    emit(&ev, "response.in_progress", with_response(llm_response_object(req, a, an, m, false)),
         ev.t0);
    size_t items = llm_response_items(an, m);
    for (size_t k = 0; k < items && !ev.sse.stopped; k++) {
        cJSON *item = llm_response_item(req, an, m, k, false);
        char item_id[64];
        snprintf(item_id, sizeof item_id, "%s",
                 cJSON_GetStringValue(cJSON_GetObjectItem(item, "id")));
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(item, "type"));
        bool call = strcmp(type, "function_call") == 0, message = strcmp(type, "message") == 0;
        cJSON *added = cJSON_CreateObject();
        cJSON_AddItemToObject(added, "item", item);
        cJSON_AddNumberToObject(added, "output_index", (double)k);
        emit(&ev, "response.output_item.added", added, next_at(&ev));
        if (message)
            stream_text(&ev, item_id, k,
                        an->refusal   ? an->refusal
                        : an->content ? an->content
                                      : "",
                        an->refusal != NULL);
        if (call)
            stream_arguments(&ev, item_id, k, &an->calls[k - (m->reasons ? 1 : 0)]);
        cJSON *done = cJSON_CreateObject();
        cJSON_AddItemToObject(done, "item", llm_response_item(req, an, m, k, true));
        cJSON_AddNumberToObject(done, "output_index", (double)k);
        emit(&ev, "response.output_item.done", done, next_at(&ev));
    }
    uint64_t at = next_at(&ev);
    cJSON *final = llm_response_object(req, a, an, m, true);
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(final, "status"));
    if (!mock_mutated(req, MOCK_MUT_LLM_RESPONSES_NO_TERMINAL_EVENT))
        emit(&ev, strcmp(status, "incomplete") == 0 ? "response.incomplete" : "response.completed",
             with_response(final), at);
    else
        cJSON_Delete(final);
    cJSON *failed = NULL;
    if (req->fault && req->fault->stream_error_message) {
        cJSON *r = llm_response_object(req, a, an, m, false);
        cJSON_ReplaceItemInObjectCaseSensitive(r, "status", cJSON_CreateString("failed"));
        cJSON *err = cJSON_CreateObject();
        cJSON_AddStringToObject(err, "code", "server_error");
        cJSON_AddStringToObject(err, "message", req->fault->stream_error_message);
        cJSON_ReplaceItemInObjectCaseSensitive(r, "error", err);
        failed = with_response(r);
        cJSON_AddStringToObject(failed, "type", "response.failed");
        cJSON_AddNumberToObject(failed, "sequence_number", (double)ev.sequence);
    }
    llm_sse_finish(&ev.sse, req, "response.failed", failed, NULL, at,
                   "text/event-stream; charset=utf-8");
}
