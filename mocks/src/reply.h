/* Reading a request and answering it: headers and query parameters, the body as JSON (a 400 with
 * the position when it is not), and the answers with each service's error format. */
#ifndef MOCK_REPLY_H
#define MOCK_REPLY_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "request.h"

const char *mock_request_header(const struct mock_request *req, const char *name);
const char *mock_query(const struct mock_request *req, const char *name);
/* The credential a request carries: the header `name`, else the token of "Authorization: Bearer
 * TOKEN"; NULL when neither. */
const char *mock_request_credential(const struct mock_request *req, const char *name);
/* True when sent (may be NULL) is the expected credential, compared in constant time. */
bool mock_credential_is(const char *sent, const char *expected);

/* s percent-encoded: every byte but the unreserved ones (A-Z a-z 0-9 - . _ ~) and those in keep
 * (malloc'd). */
char *mock_url_escape(const char *s, const char *keep);
/* The query as "a=1&b=x%20y", rebuilt from its decoded arguments in their order ("" when none;
 * malloc'd). */
char *mock_query_string(const struct mock_request *req);
/* Calls each(cls, name, value) for every request header, in the order sent. */
void mock_request_headers(const struct mock_request *req,
                          void (*each)(void *cls, const char *name, const char *value), void *cls);

/* The body parsed as JSON, or NULL after answering 400 invalid_json with the position. */
cJSON *mock_request_json(struct mock_request *req);

/* Answers with a copy of body. */
void mock_reply(struct mock_request *req, int status, const char *content_type, const void *body,
                size_t len);
/* Answers with json (consumed). */
void mock_reply_json(struct mock_request *req, int status, cJSON *json);
/* Answers with text, JSON already printed (consumed; NULL answers an empty body). */
void mock_reply_json_text(struct mock_request *req, int status, char *text);
/* Answers with the service's error body: {"error": {"code", "message"}} on the platform
 * services, OpenAI's {"error": {"message", "type", "param", "code"}} on the LLM. */
void mock_reply_error(struct mock_request *req, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* OpenAI's error body with its type and param (param may be NULL). */
void mock_reply_openai_error(struct mock_request *req, int status, const char *type,
                             const char *code, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Answers with a ready response (taken). */
void mock_reply_custom(struct mock_request *req, int status, struct MHD_Response *resp);
/* Adds a header to the answer (copied). */
void mock_add_header(struct mock_request *req, const char *name, const char *value);

/* Drops the answer built so far (body, headers, a ready response). */
void mock_reply_clear(struct mock_request *req);

#endif
