/* Faults obeyed; see obey.h. */
#include "obey.h"

#include "mutations.h"
#include "reply.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

void mock_obey_rate_limit(struct mock_request *req, const struct mock_fault *f)
{
    char value[64];
    if (req->openai_errors)
        mock_reply_openai_error(req, 429, "requests", "rate_limit_exceeded", NULL,
                                "Rate limit reached for requests (itest-mock fault %llu). Please "
                                "try again in %.0fms.",
                                (unsigned long long)f->id, f->retry_after_ms);
    else
        mock_reply_error(req, 429, "rate_limited", "rate limit reached; retry after %.0f ms",
                         f->retry_after_ms);
    long secs = (long)((f->retry_after_ms + 999) / 1000);
    if (!mock_mutated(req, MOCK_MUT_LLM_RETRY_AFTER_DROPPED)) {
        snprintf(value, sizeof value, "%ld", secs);
        mock_add_header(req, "Retry-After", value);
        snprintf(value, sizeof value, "%.0f", f->retry_after_ms);
        mock_add_header(req, "retry-after-ms", value);
    }
    snprintf(value, sizeof value, "%ld", f->rate_limit_limit);
    mock_add_header(req, "x-ratelimit-limit-requests", value);
    snprintf(value, sizeof value, "%ld", f->rate_limit_remaining);
    mock_add_header(req, "x-ratelimit-remaining-requests", value);
    snprintf(value, sizeof value, "%.3fs", f->retry_after_ms / 1000);
    mock_add_header(req, "x-ratelimit-reset-requests", value);
}

void mock_obey_status(struct mock_request *req, const struct mock_fault *f)
{
    if (f->body) {
        mock_reply(req, f->status, NULL, f->body, f->body_len);
    } else if (req->openai_errors) {
        mock_reply_openai_error(req, f->status, NULL, NULL, NULL,
                                f->status >= 500 ? "The server had an error while processing "
                                                   "your request (itest-mock fault %llu)."
                                                 : "Request rejected (itest-mock fault %llu).",
                                (unsigned long long)f->id);
    } else {
        mock_reply_error(req, f->status, f->status >= 500 ? "internal_error" : "injected_fault",
                         "itest-mock fault %llu answered %d", (unsigned long long)f->id, f->status);
    }
    bool typed = false;
    for (size_t i = 0; i < f->n_headers; i++) {
        typed = typed || strcasecmp(f->headers[i].name, "Content-Type") == 0;
        mock_add_header(req, f->headers[i].name, f->headers[i].value);
    }
    if (f->body && !typed)
        mock_add_header(req, "Content-Type", "text/plain");
}

static void send_raw(struct MHD_Connection *conn, const void *data, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci)
        (void)!send(ci->connect_fd, data, len, MSG_NOSIGNAL);
}

/* Carries out a connection-level fault; the caller returns MHD_NO so MHD closes the socket. */
void mock_obey_break(struct mock_request *req, enum mock_fault_kind kind)
{
    static const char garbage[] = "lskdu018973t09sylgasjkfg1][]'./.sdlv";
    switch (kind) {
    case MOCK_FAULT_MALFORMED_RESPONSE_CHUNK: {
        static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        char buf[sizeof head + sizeof garbage];
        memcpy(buf, head, sizeof head - 1);
        memcpy(buf + sizeof head - 1, garbage, sizeof garbage - 1);
        send_raw(req->conn, buf, sizeof head + sizeof garbage - 2);
        break;
    }
    case MOCK_FAULT_RANDOM_DATA_THEN_CLOSE: {
        unsigned char buf[64];
        memcpy(buf, garbage, 32);
        for (size_t i = 32; i < sizeof buf; i++)
            buf[i] = (unsigned char)(mock_random() * 256);
        send_raw(req->conn, buf, sizeof buf);
        break;
    }
    case MOCK_FAULT_CONNECTION_RESET_BY_PEER: {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci) {
            struct linger lg = {1, 0}; /* close() sends RST instead of FIN */
            setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        return;
    }
    default:
        break;
    }
    /* end the connection now, not when MHD's loop next gets to it */
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci)
        shutdown(ci->connect_fd, SHUT_RDWR);
}
