#include "llm_sse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool llm_sse_start(struct llm_sse *s, struct mock_request *req)
{
    const struct mock_fault *f = req->fault;
    *s = (struct llm_sse){mock_paced_new(req->conn), 0, f ? f->stream_error_after : -1,
                          f ? f->stream_cut_after : -1, false};
    if (!s->p)
        mock_reply_error(req, 500, NULL, "out of memory");
    return s->p != NULL;
}

static void send_event(struct llm_sse *s, const char *name, cJSON *json, uint64_t at)
{
    char *text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    char *event = NULL;
    int n = text ? asprintf(&event, "%s%s%sdata: %s\n\n", name ? "event: " : "", name ? name : "",
                            name ? "\n" : "", text)
                 : -1;
    if (n > 0)
        mock_paced_add(s->p, event, (size_t)n, at);
    free(event);
    free(text);
}

bool llm_sse_emit(struct llm_sse *s, const char *name, cJSON *json, uint64_t at)
{
    if (s->stopped || s->events == s->error_after || s->events == s->cut_after) {
        s->stopped = true;
        cJSON_Delete(json);
        return false;
    }
    send_event(s, name, json, at);
    s->events++;
    return true;
}

void llm_sse_finish(struct llm_sse *s, struct mock_request *req, const char *error_name,
                    cJSON *error, const char *last, uint64_t at, const char *content_type)
{
    if (s->stopped && s->events == s->error_after && error)
        send_event(s, error_name, error, at);
    else
        cJSON_Delete(error);
    if (s->stopped && s->events == s->cut_after)
        mock_paced_cut(s->p);
    else if (!s->stopped && last)
        mock_paced_add(s->p, last, strlen(last), at);
    struct MHD_Response *resp = mock_paced_response(s->p);
    if (!resp)
        return mock_reply_error(req, 500, NULL, "out of memory");
    mock_reply_custom(req, 200, resp);
    mock_add_header(req, "Content-Type", content_type);
    mock_add_header(req, "Cache-Control", "no-cache");
}
