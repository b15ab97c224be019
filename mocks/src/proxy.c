/* Forwarding to a real service and recording what it said; see proxy.h.
 *
 * Each forwarded request runs on a thread of its own (a libcurl easy transfer); the worker that
 * took the request waits for the target's headers. A stream is then answered with a response that
 * reads from the transfer as bytes arrive, suspending the connection while none are due (so a
 * slow stream holds no worker); anything else once whole. The transfer, shared by the two sides,
 * is freed by whichever lets go last. */
#include "proxy.h"

#include "cassette.h"
#include "exchange_reply.h"
#include "reply.h"
#include "server.h"

#include "itest/clock.h"
#include "itest/redact.h"

#include "itest/number.h"

#include <arpa/inet.h>
#include <limits.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROXY_BODY_LIMIT MOCK_PROXY_BODY_LIMIT

struct mock_proxy {
    char *service, *base, *shown, *record_dir;
    bool remote_clients;
};

/* Headers that belong to one connection, not to the exchange: never forwarded either way. (Date
 * is kept: a replay answers with the recorded one, as cases compare times with it.) */
static const char *const hop_by_hop[] = {
    "host",   "content-length", "connection", "keep-alive",      "transfer-encoding",
    "te",     "upgrade",        "expect",     "accept-encoding", "proxy-connection",
    "trailer"};

static bool is_hop_by_hop(const char *name)
{
    for (size_t i = 0; i < sizeof hop_by_hop / sizeof *hop_by_hop; i++)
        if (strcasecmp(name, hop_by_hop[i]) == 0)
            return true;
    return false;
}

struct transfer {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int refs;
    struct mock_proxy *proxy;
    const struct mock_options *opts;
    struct MHD_Connection *conn;
    CURL *curl;
    struct curl_slist *headers;
    char *url;
    uint64_t start_ns;
    struct mock_exchange x; /* the request as it came, then the answer as it arrives */
    bool headers_only;      /* an oversized request, asked with its headers alone */
    bool wanted_body;       /* and the target asked for its body (no_upload) */
    bool head, headers_done, stream, done, failed, client_gone, suspended;
    size_t sent, event_from, events_cap, body_cap, scanned;
    char error[CURL_ERROR_SIZE];
    char why[160]; /* the proxy's own reason to stop a transfer, said instead of libcurl's */
};

static void transfer_release(struct transfer *t)
{
    pthread_mutex_lock(&t->lock);
    bool last = --t->refs == 0;
    pthread_mutex_unlock(&t->lock);
    if (!last)
        return;
    curl_slist_free_all(t->headers);
    if (t->curl)
        curl_easy_cleanup(t->curl);
    free(t->url);
    mock_exchange_clear(&t->x);
    pthread_cond_destroy(&t->changed);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* Under the lock: wake the worker waiting for headers and a suspended stream. */
static void wake(struct transfer *t)
{
    pthread_cond_broadcast(&t->changed);
    if (t->suspended && !t->client_gone) {
        t->suspended = false;
        MHD_resume_connection(t->conn);
    }
}

static size_t on_header(char *line, size_t size, size_t n, void *cls)
{
    struct transfer *t = cls;
    size_t len = size * n;
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) { /* a new block: after a 1xx, the real one */
        cJSON_Delete(t->x.response_headers);
        t->x.response_headers = cJSON_CreateObject();
        return len;
    }
    if (len <= 2 && (line[0] == '\r' || line[0] == '\n')) {
        long status = 0;
        curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200)
            return len;
        const char *type =
            cJSON_GetStringValue(cJSON_GetObjectItem(t->x.response_headers, "content-type"));
        pthread_mutex_lock(&t->lock);
        t->x.status = (int)status;
        t->stream = type && strncasecmp(type, "text/event-stream", 17) == 0;
        t->headers_done = true;
        wake(t);
        pthread_mutex_unlock(&t->lock);
        return len;
    }
    const char *colon = memchr(line, ':', len);
    if (!colon)
        return len;
    size_t name_len = (size_t)(colon - line);
    const char *value = colon + 1, *end = line + len;
    while (value < end && (*value == ' ' || *value == '\t'))
        value++;
    while (end > value && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    char name[128];
    if (name_len == 0 || name_len >= sizeof name)
        return len;
    for (size_t i = 0; i < name_len; i++)
        name[i] = (char)((line[i] >= 'A' && line[i] <= 'Z') ? line[i] + 32 : line[i]);
    name[name_len] = '\0';
    /* a HEAD answer's length is the body's it describes: kept, for the client and the cassette */
    if (!is_hop_by_hop(name) || (t->head && strcmp(name, "content-length") == 0)) {
        char *v = strndup(value, (size_t)(end - value));
        if (v)
            cJSON_AddItemToObject(t->x.response_headers, name, cJSON_CreateString(v));
        free(v);
    }
    return len;
}

/* Under the lock: bytes [event_from, end) of the body become the stream's next event. */
static void add_event(struct transfer *t, size_t end, double at_ms)
{
    struct mock_exchange *x = &t->x;
    if (x->n_events == t->events_cap) {
        size_t cap = t->events_cap ? t->events_cap * 2 : 32;
        struct mock_event *grown = realloc(x->events, cap * sizeof *grown);
        if (!grown)
            return;
        x->events = grown;
        t->events_cap = cap;
    }
    struct mock_event *e = &x->events[x->n_events];
    e->len = end - t->event_from;
    e->data = malloc(e->len + 1);
    if (!e->data)
        return;
    memcpy(e->data, x->body + t->event_from, e->len);
    e->data[e->len] = '\0';
    e->at_ms = at_ms;
    x->n_events++;
    t->event_from = end;
}

/* Under the lock: the stream's events that ended in the bytes that came (an SSE event ends at a
 * blank line), with their time. */
static void split_events(struct transfer *t, double at_ms)
{
    const char *b = t->x.body;
    size_t from = t->scanned > t->event_from + 2 ? t->scanned - 2 : t->event_from;
    t->scanned = t->x.body_len; /* an event's end is looked for once, not at every piece */
    for (size_t i = from; i + 1 < t->x.body_len; i++) {
        if (b[i] == '\n' && b[i + 1] == '\n')
            add_event(t, i + 2, at_ms);
        else if (b[i] == '\n' && b[i + 1] == '\r' && i + 2 < t->x.body_len && b[i + 2] == '\n')
            add_event(t, i + 3, at_ms);
        else
            continue;
        i = t->event_from - 1;
    }
}

static size_t on_body(char *data, size_t size, size_t n, void *cls)
{
    struct transfer *t = cls;
    size_t len = size * n;
    struct mock_exchange *x = &t->x;
    pthread_mutex_lock(&t->lock);
    size_t taken = len;
    if (t->client_gone) {
        taken = 0; /* nobody is reading: stop */
    } else if (x->body_len + len > PROXY_BODY_LIMIT) {
        snprintf(t->why, sizeof t->why, "the answer is over the %u MiB the proxy carries",
                 PROXY_BODY_LIMIT >> 20);
        taken = 0;
    } else {
        size_t cap = t->body_cap;
        while (cap < x->body_len + len + 1)
            cap = cap ? cap * 2 : 16384; /* doubling: a 30 MiB body is not copied 2,000 times */
        char *grown = cap == t->body_cap ? x->body : realloc(x->body, cap);
        if (grown) {
            x->body = grown;
            t->body_cap = cap;
            memcpy(x->body + x->body_len, data, len);
            x->body_len += len;
            x->body[x->body_len] = '\0';
            if (t->stream)
                split_events(t, (double)(itest_now_ns() - t->start_ns) / 1e6);
            wake(t);
        } else {
            taken = 0;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return taken;
}

static void record(struct transfer *t)
{
    char err[4400];
    if (!t->proxy->record_dir)
        return;
    /* asked with the headers alone, the transfer ends in an error after the target's answer */
    if (t->failed && !(t->headers_only && t->x.status)) {
        mock_log(t->opts, "%s proxy: not recorded (%s %s): %s", t->proxy->service, t->x.method,
                 t->x.path, t->error);
        return;
    }
    if (mock_cassette_append(t->proxy->record_dir, t->proxy->service, &t->x, err, sizeof err) != 0)
        mock_log(t->opts, "%s proxy: cannot record %s %s: %s", t->proxy->service, t->x.method,
                 t->x.path, err);
}

static void *run_transfer(void *cls)
{
    struct transfer *t = cls;
    CURLcode rc = curl_easy_perform(t->curl);
    pthread_mutex_lock(&t->lock);
    struct mock_exchange *x = &t->x;
    if (rc != CURLE_OK) {
        t->failed = true;
        if (t->why[0] || !t->error[0])
            snprintf(t->error, sizeof t->error, "%s", t->why[0] ? t->why : curl_easy_strerror(rc));
    }
    if (t->stream && t->event_from < x->body_len) /* an unterminated last piece */
        add_event(t, x->body_len, (double)(itest_now_ns() - t->start_ns) / 1e6);
    x->duration_ms = (double)(itest_now_ns() - t->start_ns) / 1e6;
    pthread_mutex_unlock(&t->lock);
    /* written before the client sees the end: its next request, and the mock's exit when the
     * run is over, come after the exchange is on disk (nothing writes x any more) */
    record(t);
    pthread_mutex_lock(&t->lock);
    t->done = t->headers_done = true;
    wake(t);
    pthread_mutex_unlock(&t->lock);
    transfer_release(t);
    return NULL;
}

/* The stream side: what has arrived, else suspend until more does. */
static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct transfer *t = cls;
    pthread_mutex_lock(&t->lock);
    ssize_t n;
    if (t->sent < t->x.body_len) {
        size_t k = t->x.body_len - t->sent < max ? t->x.body_len - t->sent : max;
        memcpy(buf, t->x.body + t->sent, k);
        t->sent += k;
        n = (ssize_t)k;
    } else if (t->done) {
        n = t->failed ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        t->suspended = true;
        MHD_suspend_connection(t->conn);
        n = 0;
    }
    pthread_mutex_unlock(&t->lock);
    return n;
}

static void stream_gone(void *cls)
{
    struct transfer *t = cls;
    pthread_mutex_lock(&t->lock);
    t->client_gone = true;
    pthread_mutex_unlock(&t->lock);
    transfer_release(t);
}

static bool loopback_client(struct mock_request *req)
{
    if (!req->conn)
        return true;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa && sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

static void copy_header(void *cls, const char *name, const char *value)
{
    struct transfer *t = cls;
    if (is_hop_by_hop(name))
        return;
    char lower[128];
    size_t n = strlen(name);
    if (n >= sizeof lower)
        return;
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    char *line = NULL;
    if (asprintf(&line, "%s: %s", name, value) >= 0) {
        struct curl_slist *grown = curl_slist_append(t->headers, line);
        if (grown)
            t->headers = grown;
    }
    free(line);
    /* the credentials go on to the target; they must never come out anywhere else */
    if (strcmp(lower, "authorization") == 0 || strcmp(lower, "proxy-authorization") == 0 ||
        strcmp(lower, "api-key") == 0 || strcmp(lower, "x-api-key") == 0) {
        itest_secret_add(value);
        const char *space = strchr(value, ' ');
        if (space)
            itest_secret_add(space + 1);
    }
    if (strcmp(lower, "x-itest-scope") != 0)
        cJSON_AddItemToObject(t->x.request_headers, lower, cJSON_CreateString(value));
}

/* A transfer for req, ready to perform; NULL after answering why not. */
static struct transfer *transfer_new(struct mock_proxy *p, struct mock_request *req)
{
    struct transfer *t = calloc(1, sizeof *t);
    char *query = mock_query_string(req);
    if (!t || !query) {
        free(t);
        free(query);
        mock_reply_error(req, 500, "internal_error", "itest-mock proxy: out of memory");
        return NULL;
    }
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->changed, NULL);
    t->refs = 2; /* the transfer thread's, and the worker's (then the stream response's) */
    t->proxy = p;
    t->opts = req->svc->opts;
    t->conn = req->conn;
    t->start_ns = itest_now_ns();
    t->head = strcmp(req->method, "HEAD") == 0;
    struct mock_exchange *x = &t->x;
    x->method = strdup(req->method);
    x->path = strdup(req->path);
    x->query = query;
    char scope[sizeof req->scope];
    mock_cassette_case(scope, sizeof scope, req->scope);
    x->scope = strdup(scope);
    x->request_headers = cJSON_CreateObject();
    x->response_headers = cJSON_CreateObject();
    x->request_len = req->body.len;
    x->request_body = malloc(req->body.len + 1);
    if (x->request_body && req->body.len)
        memcpy(x->request_body, req->body.data, req->body.len);
    if (x->request_body)
        x->request_body[req->body.len] = '\0';
    mock_request_headers(req, copy_header, t);
    /* no "Expect: 100-continue" wait for a body the proxy has whole already */
    t->headers = curl_slist_append(t->headers,
                                   mock_proxy_oversized(req) ? "Expect: 100-continue" : "Expect:");
    t->curl = curl_easy_init();
    /* MHD hands the path over percent-decoded: encoded again as a URL carries it */
    char *path = mock_url_escape(req->path, "/!$&'()*+,;=:@");
    if (!path || asprintf(&t->url, "%s%s%s%s", p->base, path, *query ? "?" : "", query) < 0)
        t->url = NULL;
    free(path);
    if (!t->curl || !t->url || !x->method || !x->path || !x->scope || !x->request_body ||
        !t->headers) {
        t->refs = 1;
        transfer_release(t);
        mock_reply_error(req, 500, "internal_error", "itest-mock proxy: out of memory");
        return NULL;
    }
    CURL *c = t->curl;
    curl_easy_setopt(c, CURLOPT_URL, t->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* "/a/../b" reaches the target as sent */
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->error);
    if (strcmp(req->method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(req->method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    if (req->body.len || strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0 ||
        strcmp(req->method, "PATCH") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->request_len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->request_body);
    }
    return t;
}

/* Waits for the answer's headers (a stream) or the whole answer, and replies with it. */
static void answer(struct mock_proxy *p, struct mock_request *req, struct transfer *t)
{
    pthread_mutex_lock(&t->lock);
    while (!t->headers_done)
        pthread_cond_wait(&t->changed, &t->lock);
    bool stream = t->stream && !t->done;
    while (!stream && !t->done)
        pthread_cond_wait(&t->changed, &t->lock);
    /* no answer, or a whole one cut short; asked with the headers alone, the transfer ends in
     * an error after the target's answer; a stream cut short is cut for the client too */
    bool failed = t->failed && (t->x.status == 0 || (!stream && !t->headers_only));
    pthread_mutex_unlock(&t->lock);
    if (failed) {
        mock_reply_error(req, 502, "proxy_target_failed", "itest-mock proxy: %s %s: %s", p->shown,
                         req->path, t->error);
        transfer_release(t);
        return;
    }
    if (!stream) {
        mock_reply_exchange(req, &t->x, 0);
        transfer_release(t);
        return;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, read_stream, t, stream_gone);
    if (!resp) {
        stream_gone(t);
        return mock_reply_error(req, 500, "internal_error", "itest-mock proxy: out of memory");
    }
    mock_exchange_add_headers(req, resp, &t->x);
    mock_reply_custom(req, t->x.status, resp);
}

static bool refused_client(struct mock_proxy *p, struct mock_request *req)
{
    if (p->remote_clients || loopback_client(req))
        return false;
    mock_reply_error(req, 403, "proxy_forbidden",
                     "this recording proxy serves loopback clients only (it carries credentials "
                     "to %s); start it with --proxy-remote-clients to serve others",
                     p->shown);
    return true;
}

/* Never asked to send the body: the target answered on the headers, or the transfer stops. */
static size_t no_upload(char *buf, size_t size, size_t n, void *cls)
{
    (void)buf;
    (void)size;
    (void)n;
    ((struct transfer *)cls)->wanted_body = true;
    return CURL_READFUNC_ABORT;
}

bool mock_proxy_oversized(const struct mock_request *req)
{
    const char *length = mock_request_header(req, "Content-Length");
    long long declared = 0;
    return length && itest_parse_long(&declared, length, 0, LLONG_MAX) == 0 &&
           declared > (long long)PROXY_BODY_LIMIT;
}

void mock_proxy_begin(struct mock_proxy *p, struct mock_request *req)
{
    req->body.limit = PROXY_BODY_LIMIT;
    if (!mock_proxy_oversized(req) || refused_client(p, req))
        return;
    /* Too big to carry: the target is asked with the headers alone (Expect: 100-continue), so a
     * target that refuses on them (413) is heard; one that wants the body gets none. */
    struct transfer *t = transfer_new(p, req);
    if (!t)
        return;
    long long declared = 0;
    itest_parse_long(&declared, mock_request_header(req, "Content-Length"), 0, LLONG_MAX);
    t->headers_only = true;
    curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(t->curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(t->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)declared);
    curl_easy_setopt(t->curl, CURLOPT_READFUNCTION, no_upload);
    curl_easy_setopt(t->curl, CURLOPT_READDATA, t);
    curl_easy_setopt(t->curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 5000L);
    run_transfer(t); /* here: it is quick, and the answer goes out before the body comes */
    if (t->failed && t->x.status == 0) {
        if (t->wanted_body)
            mock_reply_error(req, 413, "payload_too_large",
                             "itest-mock proxy: %s would take the body of %lld bytes, which is "
                             "over the %u MiB the proxy carries",
                             p->shown, declared, PROXY_BODY_LIMIT >> 20);
        else
            mock_reply_error(req, 502, "proxy_target_failed", "itest-mock proxy: %s %s: %s",
                             p->shown, req->path, t->error);
        transfer_release(t);
        return;
    }
    answer(p, req, t);
}

void mock_proxy_forward(struct mock_proxy *p, struct mock_request *req)
{
    if (refused_client(p, req))
        return;
    if (req->body.too_large || req->body.fd >= 0)
        return mock_reply_error(req, 413, "payload_too_large",
                                "the proxy forwards bodies up to %u MiB; this one has %llu bytes",
                                PROXY_BODY_LIMIT >> 20, (unsigned long long)req->body.total);
    struct transfer *t = transfer_new(p, req);
    if (!t)
        return;
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int started = pthread_create(&thread, &attr, run_transfer, t);
    pthread_attr_destroy(&attr);
    if (started != 0) {
        t->refs = 1;
        transfer_release(t);
        return mock_reply_error(req, 503, "proxy_busy", "itest-mock proxy: cannot start a thread");
    }
    answer(p, req, t);
}

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct mock_proxy *mock_proxy_new(const char *service, const char *url, const char *record_dir,
                                  bool remote_clients, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init);
    struct mock_proxy *p = calloc(1, sizeof *p);
    size_t n = strlen(url);
    while (n && url[n - 1] == '/')
        n--;
    if (strcmp(service, "llm") == 0 && n >= 3 && strncmp(url + n - 3, "/v1", 3) == 0)
        n -= 3;
    if (p) {
        p->service = strdup(service);
        p->base = strndup(url, n);
        p->shown = itest_redact(url);
        p->record_dir = record_dir ? strdup(record_dir) : NULL;
        p->remote_clients = remote_clients;
    }
    if (!p || !p->service || !p->base || !p->shown || (record_dir && !p->record_dir)) {
        mock_proxy_free(p);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    itest_secret_add_from_url(url);
    return p;
}

void mock_proxy_free(struct mock_proxy *p)
{
    if (!p)
        return;
    free(p->service);
    free(p->base);
    free(p->shown);
    free(p->record_dir);
    free(p);
}

/* ---- a service that is a proxy ---- */

static int proxy_init(struct mock_service *svc)
{
    char err[256];
    const struct mock_options *o = svc->opts;
    svc->state = mock_proxy_new(svc->name, o->proxy_url[svc->kind], o->record_dir,
                                o->proxy_remote_clients, err, sizeof err);
    if (!svc->state)
        fprintf(stderr, "itest-mock: %s proxy: %s\n", svc->name, err);
    return svc->state ? 0 : -1;
}

static void proxy_destroy(struct mock_service *svc)
{
    mock_proxy_free(svc->state);
    svc->state = NULL;
}

static void proxy_begin(struct mock_service *svc, struct mock_request *req)
{
    mock_proxy_begin(svc->state, req);
}

static void proxy_handle(struct mock_service *svc, struct mock_request *req)
{
    mock_proxy_forward(svc->state, req);
}

const struct mock_routes mock_proxy_routes = {
    .init = proxy_init,
    .destroy = proxy_destroy,
    .begin = proxy_begin,
    .handle = proxy_handle,
};
