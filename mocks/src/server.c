#include "server.h"
#include "obey.h"
#include "paced.h"
#include "timer.h"

#include "itest/clock.h"
#include "itest/version.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void mock_log(const struct mock_options *opts, const char *fmt, ...)
{
    if (!opts->log)
        return;
    char at[40];
    itest_format_rfc3339(at, sizeof at, itest_wall_ns());
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&log_lock);
    fprintf(opts->log, "%s ", at);
    vfprintf(opts->log, fmt, ap);
    fputc('\n', opts->log);
    fflush(opts->log);
    pthread_mutex_unlock(&log_lock);
    va_end(ap);
}

/* ---- request life cycle ---- */

static size_t health_text(const char *name, char *buf, size_t len)
{
    int n = snprintf(buf, len, "{\"status\":\"ok\",\"service\":\"%s\",\"version\":\"%s\"}", name,
                     ITEST_VERSION);
    return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

static void route(struct mock_service *svc, struct mock_request *req)
{
    bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    if (strcmp(req->path, "/health") == 0 && get) {
        bool other = mock_mutated(req, MOCK_MUT_ALL_HEALTH_NAMES_ANOTHER_SERVICE);
        if (!other && (!req->fault || !req->fault->dribble_chunks))
            return; /* answered from svc->health in finish() */
        /* a body of its own, which the dribble can pace */
        char health[160];
        const char *name =
            other ? itest_service_name((svc->kind + 1) % ITEST_SERVICE_COUNT) : svc->name;
        mock_reply(req, 200, "application/json", health, health_text(name, health, sizeof health));
        return;
    }
    if (strcmp(req->path, "/metrics") == 0 && get) {
        size_t len = 0;
        char *text = mock_metrics_render(svc->metrics, svc->name,
                                         mock_mutated(req, MOCK_MUT_ALL_REQUESTS_METRIC_RENAMED)
                                             ? "itest_mock_http_requests_total"
                                             : "itest_mock_requests_total",
                                         &len);
        char *extra = svc->routes->metrics ? svc->routes->metrics(svc) : NULL;
        size_t extra_len = extra ? strlen(extra) : 0;
        char *all = malloc(len + extra_len + 1);
        if (all) {
            memcpy(all, text, len);
            if (extra)
                memcpy(all + len, extra, extra_len);
            mock_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", all, len + extra_len);
        }
        free(all);
        free(text);
        free(extra);
        return;
    }
    const char *hook;
    if (mock_hooks_path(req->path, &hook)) {
        if (strcmp(req->method, "POST") != 0)
            return mock_reply_error(req, 405, "method_not_allowed",
                                    "a hook takes POST; GET /__admin/hooks/%s reads it", hook);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(
            o, "id", (double)mock_hooks_add(svc->hooks, hook, req->body.data, req->body.len));
        return mock_reply_json(req, 200, o);
    }
    svc->routes->handle(svc, req);
}

static void record(struct mock_service *svc, struct mock_request *req, int status)
{
    if (req->journaled)
        return;
    req->journaled = true;
    double seconds = (double)(itest_now_ns() - req->start_ns) / 1e9;
    if (!mock_mutated(req, MOCK_MUT_ALL_REQUESTS_NOT_COUNTED))
        mock_metrics_record(svc->metrics, req->method, status, seconds);
    struct mock_journal_entry e;
    e.wall_ns = itest_wall_ns();
    snprintf(e.method, sizeof e.method, "%s", req->method);
    snprintf(e.path, sizeof e.path, "%s", req->path);
    memcpy(e.scope, req->scope, sizeof e.scope);
    const char *request_id = mock_request_header(req, "X-Request-Id");
    snprintf(e.request_id, sizeof e.request_id, "%s", request_id ? request_id : "");
    e.status = status;
    e.fault[0] = '\0';
    e.fault_id = 0;
    if (req->fault) {
        mock_fault_describe(req->fault, e.fault, sizeof e.fault);
        e.fault_id = req->fault->id;
    }
    e.delay_ms = req->delay_ms;
    e.duration_ms = seconds * 1e3;
    e.body_size = req->body.total;
    e.body_len = 0;
    if (req->body.data) {
        size_t n =
            req->body.len < MOCK_JOURNAL_BODY_BYTES ? req->body.len : MOCK_JOURNAL_BODY_BYTES;
        memcpy(e.body, req->body.data, n);
        e.body_len = (uint16_t)n;
    }
    if (!mock_request_header(req, ITEST_LOAD_HEADER)) /* see itest/platform.h */
        mock_journal_add(svc->journal, &e);
    if (svc->opts->log) {
        mock_log(svc->opts, "%s %s %s scope=%s -> %d %.3fms%s%s", svc->name, req->method, req->path,
                 req->scope[0] ? req->scope : "-", status, seconds * 1e3,
                 e.fault[0] ? " fault=" : "", e.fault);
        if (req->fault)
            mock_log(svc->opts, "%s fault %llu obeyed: %s on %s %s scope=%s", svc->name,
                     (unsigned long long)req->fault->id, e.fault, req->method, req->path,
                     req->scope[0] ? req->scope : "-");
    }
}

static struct MHD_Response *build_response(struct mock_request *req)
{
    struct MHD_Response *resp = req->custom;
    req->custom = NULL;
    const struct mock_fault *f = req->fault;
    if (!resp && f && f->dribble_chunks) {
        struct mock_paced *p = mock_paced_new(req->conn);
        uint64_t now = itest_now_ns();
        size_t chunks = (size_t)f->dribble_chunks;
        if (chunks > req->out_len && req->out_len > 0)
            chunks = req->out_len;
        for (size_t i = 0; p && i < chunks; i++) {
            size_t from = req->out_len * i / chunks, to = req->out_len * (i + 1) / chunks;
            uint64_t at = now + (uint64_t)(f->dribble_total_ms * 1e6 * (double)i /
                                           (double)(chunks > 1 ? chunks - 1 : 1));
            mock_paced_add(p, req->out + from, to - from, at);
        }
        resp = p ? mock_paced_response(p) : NULL;
    }
    if (!resp) {
        resp = MHD_create_response_from_buffer_with_free_callback(req->out_len, req->out, free);
        if (resp)
            req->out = NULL;
    }
    if (!resp)
        return NULL;
    for (size_t i = 0; i < req->n_headers; i++)
        MHD_add_response_header(resp, req->headers[i].name, req->headers[i].value);
    return resp;
}

static void resume_connection(void *conn)
{
    MHD_resume_connection(conn);
}

bool mock_is_admin_path(const char *path)
{
    return strncmp(path, "/__admin", 8) == 0 && (path[8] == '\0' || path[8] == '/');
}

struct mock_request *mock_request_new(struct mock_service *svc, struct MHD_Connection *conn,
                                      const char *method, const char *path,
                                      const char *const *headers, const char *const *query)
{
    struct mock_request *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->svc = svc;
    req->mutations = svc->mutations;
    req->openai_errors = svc->kind == ITEST_LLM;
    req->conn = conn;
    req->headers_in = headers;
    req->query_in = query;
    req->method = method;
    req->start_ns = itest_now_ns();
    req->path = strdup(path);
    req->admin = mock_is_admin_path(path);
    mock_body_init(&req->body);
    req->body.limit = 8u << 20; /* JSON bodies; services raise it where they need to */
    const char *scope = mock_request_header(req, ITEST_SCOPE_HEADER);
    if (scope)
        snprintf(req->scope, sizeof req->scope, "%s", scope);
    if (!req->path) {
        free(req);
        return NULL;
    }
    return req;
}

/* With --admin-token, the admin API answers only a request that carries it (as "Authorization:
 * Bearer TOKEN" or "X-Itest-Admin-Token: TOKEN"): faults, the journal (request bodies) and reset
 * are not for anyone who reaches the port. */
static bool admin_allowed(struct mock_request *req)
{
    const char *token = req->svc->opts->admin_token;
    if (!token)
        return true;
    const char *sent = mock_request_credential(req, "X-Itest-Admin-Token");
    if (mock_credential_is(sent, token))
        return true;
    /* never echo what was sent: it may be a real secret */
    mock_reply_error(req, 401, "admin_unauthorized",
                     "the admin API needs the mock's admin token (X-Itest-Admin-Token or "
                     "Authorization: Bearer; ITEST_MOCK_ADMIN_TOKEN for the suites)%s",
                     sent ? "; the one sent is not it" : "");
    return false;
}

void mock_request_begin(struct mock_request *req)
{
    const struct mock_routes *routes = req->admin ? req->svc->admin : req->svc->routes;
    if (req->admin && !admin_allowed(req)) {
        req->decided = true;
        return;
    }
    if (routes->begin)
        routes->begin(req->svc, req);
    if (req->answered) /* refused on its headers: answered before the body is sent */
        req->decided = true;
}

void mock_request_decide(struct mock_request *req)
{
    if (req->decided)
        return;
    req->decided = true;
    struct mock_service *svc = req->svc;
    if (req->admin) {
        if (!req->answered) /* refused without its token: answered on the headers */
            svc->admin->handle(svc, req);
        return;
    }
    if (req->answered)
        return;
    req->fault = mock_fault_set_match(svc->faults, req->method, req->path,
                                      req->scope[0] ? req->scope : NULL);
    const struct mock_fault *f = req->fault;
    if (f && f->rate_limit)
        mock_obey_rate_limit(req, f);
    else if (f && f->status)
        mock_obey_status(req, f);
    else if (!f || f->kind == MOCK_FAULT_NONE)
        route(svc, req);
    req->delay_ms += f ? mock_fault_delay_ms(f) : 0;
}

void mock_request_free(struct mock_request *req)
{
    if (!req)
        return;
    mock_reply_clear(req);
    mock_body_free(&req->body);
    mock_fault_release(req->fault);
    free(req->path);
    free(req);
}

static enum MHD_Result finish(struct mock_service *svc, struct mock_request *req)
{
    if (!req->decided) {
        mock_request_decide(req);
        if (!req->admin && req->delay_ms > 0) {
            MHD_suspend_connection(req->conn);
            mock_timer_at(req->start_ns + (uint64_t)(req->delay_ms * 1e6), resume_connection,
                          req->conn);
            return MHD_YES;
        }
    }
    if (!req->admin && req->fault && req->fault->kind != MOCK_FAULT_NONE) {
        record(svc, req, 0);
        mock_obey_break(req, req->fault->kind);
        return MHD_NO;
    }
    struct MHD_Response *resp;
    int status;
    if (!req->answered && strcmp(req->path, "/health") == 0) {
        resp = svc->health;
        status = 200;
    } else {
        if (!req->answered)
            mock_reply_error(req, 500, "internal_error", "itest-mock: no answer for %s %s",
                             req->method, req->path);
        status = req->status;
        resp = build_response(req);
        if (!resp)
            return MHD_NO;
    }
    if (!req->admin)
        record(svc, req, status);
    enum MHD_Result rc = MHD_queue_response(req->conn, (unsigned)status, resp);
    req->queued = true;
    if (resp != svc->health)
        MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct mock_service *svc = cls;
    struct mock_request *req = *con_cls;
    if (!req) {
        /* First call: headers only. Answering now would be the slow path in MHD 0.9.75; the
         * answer goes out on a later call. */
        req = mock_request_new(svc, conn, method, url, NULL, NULL);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        mock_request_begin(req);
        if (req->answered)
            return finish(svc, req);
        return MHD_YES;
    }
    if (*upload_size) {
        if (!req->queued)
            mock_body_append(&req->body, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (req->queued)
        return MHD_YES;
    return finish(svc, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    struct mock_service *svc = cls;
    struct mock_request *req = *con_cls;
    if (!req)
        return;
    if (!req->journaled && req->decided && !req->admin)
        record(svc, req, 0);
    mock_request_free(req);
    *con_cls = NULL;
}

static int resolve_bind(const char *bind, unsigned port, struct sockaddr_storage *addr,
                        socklen_t *len)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_PASSIVE, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(bind, NULL, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "itest-mock: --bind %s: not a numeric IPv4 or IPv6 address (%s)\n", bind,
                gai_strerror(rc));
        return -1;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    if (addr->ss_family == AF_INET)
        ((struct sockaddr_in *)addr)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)addr)->sin6_port = htons((uint16_t)port);
    return 0;
}

int mock_service_init(struct mock_service *svc, enum itest_service kind,
                      const struct mock_routes *routes, const struct mock_routes *admin,
                      const struct mock_options *opts)
{
    memset(svc, 0, sizeof *svc);
    svc->kind = kind;
    svc->name = itest_service_name(kind);
    svc->routes = routes;
    svc->admin = admin;
    svc->opts = opts;
    svc->faults = mock_fault_set_new();
    svc->mutations = mock_mutation_set_new();
    svc->journal = mock_journal_new((size_t)opts->journal_size);
    svc->metrics = mock_metrics_new();
    svc->hooks = mock_hooks_new();
    if (!svc->faults || !svc->mutations || !svc->journal || !svc->metrics || !svc->hooks) {
        fprintf(stderr, "itest-mock: %s: out of memory\n", svc->name);
        return -1;
    }
    if (svc->routes->init && svc->routes->init(svc) != 0)
        return -1;
    char health[160];
    svc->health = MHD_create_response_from_buffer(health_text(svc->name, health, sizeof health),
                                                  health, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(svc->health, "Content-Type", "application/json");
    return 0;
}

int mock_service_listen(struct mock_service *svc, unsigned port)
{
    const struct mock_options *opts = svc->opts;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    if (resolve_bind(opts->bind, port, &addr, &addr_len) != 0)
        return -1;
    /* TURBO: opportunistic I/O, and no graceful shutdown() before close(), so a
     * CONNECTION_RESET_BY_PEER fault reaches the client as a reset, not as an end of stream */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    svc->daemon = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, svc, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opts->threads,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, svc, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)10000, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_END);
    if (!svc->daemon) {
        fprintf(stderr, "itest-mock: %s: cannot listen on %s port %u: %s\n", svc->name, opts->bind,
                port, errno ? strerror(errno) : "libmicrohttpd refused to start");
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(svc->daemon, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_storage bound;
    socklen_t bound_len = sizeof bound;
    if (!info || getsockname(info->listen_fd, (struct sockaddr *)&bound, &bound_len) != 0) {
        fprintf(stderr, "itest-mock: %s: cannot read the bound port\n", svc->name);
        return -1;
    }
    svc->port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                                 : ((struct sockaddr_in6 *)&bound)->sin6_port);
    /* a wildcard bind is reached through loopback */
    const char *host = opts->bind;
    if (strcmp(host, "0.0.0.0") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    if (strchr(host, ':'))
        snprintf(svc->url, sizeof svc->url, "http://[%s]:%u", host, svc->port);
    else
        snprintf(svc->url, sizeof svc->url, "http://%s:%u", host, svc->port);
    return 0;
}

void mock_service_stop(struct mock_service *svc)
{
    if (svc->daemon)
        MHD_stop_daemon(svc->daemon);
    svc->daemon = NULL;
    if (svc->routes && svc->routes->destroy)
        svc->routes->destroy(svc);
    if (svc->health)
        MHD_destroy_response(svc->health);
    svc->health = NULL;
    mock_fault_set_free(svc->faults);
    mock_mutation_set_free(svc->mutations);
    mock_journal_free(svc->journal);
    mock_metrics_free(svc->metrics);
    mock_hooks_free(svc->hooks);
    svc->hooks = NULL;
    svc->faults = NULL;
    svc->mutations = NULL;
    svc->journal = NULL;
    svc->metrics = NULL;
}
