/* Answering with a recorded exchange; see exchange_reply.h. */
#include "exchange_reply.h"

#include "paced.h"
#include "reply.h"

#include "itest/clock.h"
#include "itest/number.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A HEAD answer never sends its body: MHD asks for none, and writes the length given. */
static ssize_t no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    (void)pos;
    (void)buf;
    (void)max;
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

void mock_exchange_add_headers(struct mock_request *req, struct MHD_Response *resp,
                               const struct mock_exchange *x)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, x->response_headers)
    {
        if (strcasecmp(h->string, "content-length") == 0)
            continue; /* MHD writes it */
        if (resp)
            MHD_add_response_header(resp, h->string, h->valuestring);
        else
            mock_add_header(req, h->string, h->valuestring);
    }
}

void mock_reply_exchange(struct mock_request *req, const struct mock_exchange *x, double speed)
{
    const char *length = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(x->response_headers, "content-length"));
    long long declared = 0;
    struct MHD_Response *resp = NULL;
    if (strcmp(req->method, "HEAD") == 0 && length &&
        itest_parse_long(&declared, length, 0, LLONG_MAX) == 0) {
        resp = MHD_create_response_from_callback((uint64_t)declared, 4096, no_body, NULL, NULL);
    } else if (x->n_events) {
        struct mock_paced *p = mock_paced_new(req->conn);
        uint64_t now = itest_now_ns();
        bool whole = p != NULL;
        for (size_t i = 0; whole && i < x->n_events; i++)
            whole = mock_paced_add(p, x->events[i].data, x->events[i].len,
                                   speed > 0 ? now + (uint64_t)(x->events[i].at_ms * 1e6 / speed)
                                             : now) == 0;
        resp = p ? mock_paced_response(p) : NULL;
        if (resp && !whole) {
            MHD_destroy_response(resp);
            resp = NULL;
        }
    } else {
        mock_reply(req, x->status, NULL, x->body ? x->body : "", x->body_len);
        mock_exchange_add_headers(req, NULL, x);
        return;
    }
    if (!resp)
        return mock_reply_error(req, 500, "internal_error", "itest-mock: out of memory");
    mock_exchange_add_headers(req, resp, x);
    mock_reply_custom(req, x->status, resp);
}
