/* Reading a request and answering it; see reply.h. */
#include "reply.h"
#include "mutations.h"

#include "itest/json_parse.h"

#include <openssl/crypto.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *mock_request_credential(const struct mock_request *req, const char *name)
{
    const char *sent = mock_request_header(req, name);
    const char *auth = mock_request_header(req, "Authorization");
    if (!sent && auth && strncmp(auth, "Bearer ", 7) == 0)
        sent = auth + 7;
    return sent;
}

bool mock_credential_is(const char *sent, const char *expected)
{
    size_t n = strlen(expected);
    return sent && strlen(sent) == n && CRYPTO_memcmp(sent, expected, n) == 0;
}

void mock_reply_clear(struct mock_request *req)
{
    free(req->out);
    req->out = NULL;
    req->out_len = 0;
    for (size_t i = 0; i < req->n_headers; i++) {
        free(req->headers[i].name);
        free(req->headers[i].value);
    }
    req->n_headers = 0;
    if (req->custom)
        MHD_destroy_response(req->custom);
    req->custom = NULL;
}

void mock_add_header(struct mock_request *req, const char *name, const char *value)
{
    if (req->n_headers == sizeof req->headers / sizeof req->headers[0])
        return;
    req->headers[req->n_headers++] = (struct mock_header){strdup(name), strdup(value)};
}

void mock_reply(struct mock_request *req, int status, const char *content_type, const void *body,
                size_t len)
{
    mock_reply_clear(req);
    req->status = status;
    req->out = malloc(len ? len : 1);
    if (req->out && len)
        memcpy(req->out, body, len);
    req->out_len = req->out ? len : 0;
    if (content_type)
        mock_add_header(req, "Content-Type", content_type);
    req->answered = true;
}

void mock_reply_json(struct mock_request *req, int status, cJSON *json)
{
    char *text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    mock_reply_json_text(req, status, text);
}

void mock_reply_json_text(struct mock_request *req, int status, char *text)
{
    mock_reply_clear(req);
    req->status = status;
    req->out = text;
    req->out_len = text ? strlen(text) : 0;
    mock_add_header(req, "Content-Type",
                    mock_mutated(req, MOCK_MUT_ALL_JSON_AS_TEXT) ? "text/plain"
                                                                 : "application/json");
    req->answered = true;
}

void mock_reply_custom(struct mock_request *req, int status, struct MHD_Response *resp)
{
    mock_reply_clear(req);
    req->status = status;
    req->custom = resp;
    req->answered = true;
}

static const char *openai_type(int status)
{
    switch (status) {
    case 401:
        return "invalid_request_error";
    case 429:
        return "requests";
    default:
        return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

static void vreply_openai(struct mock_request *req, int status, const char *type, const char *code,
                          const char *param, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));
static void vreply_openai(struct mock_request *req, int status, const char *type, const char *code,
                          const char *param, const char *fmt, va_list ap)
{
    char message[1024];
    vsnprintf(message, sizeof message, fmt, ap);
    cJSON *root = cJSON_CreateObject();
    bool flat = req->flat_errors || mock_mutated(req, MOCK_MUT_LLM_ERROR_BODY_FLAT);
    cJSON *err = flat ? root : cJSON_AddObjectToObject(root, "error");
    if (req->flat_errors)
        cJSON_AddStringToObject(err, "object", "error");
    cJSON_AddStringToObject(err, "message", message);
    cJSON_AddStringToObject(err, "type", type ? type : openai_type(status));
    if (param)
        cJSON_AddStringToObject(err, "param", param);
    else
        cJSON_AddNullToObject(err, "param");
    if (req->numeric_codes)
        cJSON_AddNumberToObject(err, "code", status);
    else if (code)
        cJSON_AddStringToObject(err, "code", code);
    else
        cJSON_AddNullToObject(err, "code");
    mock_reply_json(req, status, root);
}

void mock_reply_openai_error(struct mock_request *req, int status, const char *type,
                             const char *code, const char *param, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreply_openai(req, status, type, code, param, fmt, ap);
    va_end(ap);
}

void mock_reply_error(struct mock_request *req, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (req->openai_errors) {
        vreply_openai(req, status, NULL, code, NULL, fmt, ap);
    } else {
        char message[1024];
        vsnprintf(message, sizeof message, fmt, ap);
        cJSON *root = cJSON_CreateObject();
        cJSON *err = mock_mutated(req, MOCK_MUT_ALL_ERROR_BODY_FLAT)
                         ? root
                         : cJSON_AddObjectToObject(root, "error");
        cJSON_AddStringToObject(err, "code", code);
        cJSON_AddStringToObject(err, "message", message);
        mock_reply_json(req, status, root);
    }
    va_end(ap);
}

/* Without a connection: the value of name in "name<sep>value" strings, or NULL. */
static const char *lookup(const char *const *list, const char *name, char sep, bool fold)
{
    size_t n = strlen(name);
    for (; list && *list; list++) {
        const char *item = *list;
        bool same = fold ? strncasecmp(item, name, n) == 0 : strncmp(item, name, n) == 0;
        if (same && item[n] == sep)
            return item + n + 1 + (sep == ':' && item[n + 1] == ' ');
    }
    return NULL;
}

const char *mock_request_header(const struct mock_request *req, const char *name)
{
    if (!req->conn)
        return lookup(req->headers_in, name, ':', true);
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *mock_query(const struct mock_request *req, const char *name)
{
    if (!req->conn)
        return lookup(req->query_in, name, '=', false);
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_text {
    char *out;
    size_t len, cap;
};

/* Room for n more bytes and the NUL. */
static bool query_room(struct query_text *q, size_t n)
{
    if (q->out && q->len + n + 1 <= q->cap)
        return true;
    size_t cap = (q->len + n + 1) * 2;
    char *p = realloc(q->out, cap);
    if (!p)
        return false;
    q->out = p;
    q->cap = cap;
    return true;
}

char *mock_url_escape(const char *s, const char *keep)
{
    char *out = malloc(strlen(s) * 3 + 1), *o = out;
    for (const unsigned char *c = (const unsigned char *)s; out && *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            strchr("-._~", *c) || strchr(keep, *c))
            *o++ = (char)*c;
        else
            o += sprintf(o, "%%%02X", *c);
    }
    if (out)
        *o = '\0';
    return out;
}

/* Appends s percent-encoded. */
static void query_escape(struct query_text *q, const char *s)
{
    char *e = mock_url_escape(s, "");
    size_t n = e ? strlen(e) : 0;
    if (e && query_room(q, n)) {
        memcpy(q->out + q->len, e, n);
        q->len += n;
    }
    free(e);
}

static void add_argument(struct query_text *q, const char *key, const char *value)
{
    if (q->len && query_room(q, 1))
        q->out[q->len++] = '&';
    query_escape(q, key);
    if (value && query_room(q, 1)) {
        q->out[q->len++] = '=';
        query_escape(q, value);
    }
}

static enum MHD_Result on_argument(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    add_argument(cls, key, value);
    return MHD_YES;
}

char *mock_query_string(const struct mock_request *req)
{
    struct query_text q = {0};
    if (!query_room(&q, 0))
        return NULL;
    if (req->conn) {
        MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, on_argument, &q);
    } else {
        for (const char *const *a = req->query_in; a && *a; a++) {
            const char *eq = strchr(*a, '=');
            char *key = eq ? strndup(*a, (size_t)(eq - *a)) : strdup(*a);
            add_argument(&q, key, eq ? eq + 1 : NULL);
            free(key);
        }
    }
    if (q.out)
        q.out[q.len] = '\0';
    return q.out;
}

struct header_walk {
    void (*each)(void *cls, const char *name, const char *value);
    void *cls;
};

static enum MHD_Result on_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    struct header_walk *w = cls;
    w->each(w->cls, key, value ? value : "");
    return MHD_YES;
}

void mock_request_headers(const struct mock_request *req,
                          void (*each)(void *cls, const char *name, const char *value), void *cls)
{
    if (req->conn) {
        struct header_walk w = {each, cls};
        MHD_get_connection_values(req->conn, MHD_HEADER_KIND, on_header, &w);
        return;
    }
    for (const char *const *h = req->headers_in; h && *h; h++) {
        const char *colon = strchr(*h, ':');
        if (!colon)
            continue;
        char *name = strndup(*h, (size_t)(colon - *h));
        const char *value = colon + 1;
        while (*value == ' ')
            value++;
        if (name)
            each(cls, name, value);
        free(name);
    }
}

cJSON *mock_request_json(struct mock_request *req)
{
    const char *text = req->body.data ? req->body.data : "";
    size_t len = req->body.data ? req->body.len : 0;
    if (req->body.too_large || req->body.fd >= 0) {
        mock_reply_error(req, 413, "payload_too_large",
                         "request body of %llu bytes is over the "
                         "limit of %llu bytes",
                         (unsigned long long)req->body.total, (unsigned long long)req->body.limit);
        return NULL;
    }
    struct itest_json_error e;
    cJSON *json = itest_json_parse_at(text, len, &e);
    if (json)
        return json;
    if (len == 0)
        mock_reply_error(req, 400, "invalid_json", "request body is empty; expected JSON");
    else
        mock_reply_error(req, 400, "invalid_json",
                         "request body is not valid JSON: line %d, column %d (byte %zu): %s",
                         e.line, e.column, e.offset, e.problem);
    return NULL;
}
