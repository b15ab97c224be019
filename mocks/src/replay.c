/* Answering from cassettes; see replay.h. */
#include "replay.h"

#include "cassette.h"
#include "exchange_reply.h"
#include "proxy.h"
#include "reply.h"
#include "server.h"

#include "itest/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct replay {
    struct mock_cassettes *tapes;
    struct mock_proxy *miss_proxy; /* --replay-miss proxy */
};

static int replay_init(struct mock_service *svc)
{
    const struct mock_options *o = svc->opts;
    char err[4600];
    struct replay *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    svc->state = r;
    r->tapes = mock_cassettes_load(o->replay_dir, svc->name, o->replay_ignore, err, sizeof err);
    if (!r->tapes) {
        fprintf(stderr, "itest-mock: %s: --replay: %s\n", svc->name, err);
        return -1;
    }
    if (o->replay_miss_proxy && o->proxy_url[svc->kind]) {
        r->miss_proxy = mock_proxy_new(svc->name, o->proxy_url[svc->kind], o->record_dir,
                                       o->proxy_remote_clients, err, sizeof err);
        if (!r->miss_proxy) {
            fprintf(stderr, "itest-mock: %s proxy: %s\n", svc->name, err);
            return -1;
        }
    }
    mock_log(o, "%s: replaying %zu recorded exchanges from %s/%s", svc->name,
             mock_cassettes_count(r->tapes), o->replay_dir, svc->name);
    return 0;
}

static void replay_destroy(struct mock_service *svc)
{
    struct replay *r = svc->state;
    if (!r)
        return;
    mock_cassettes_free(r->tapes);
    mock_proxy_free(r->miss_proxy);
    free(r);
    svc->state = NULL;
}

static void replay_reset(struct mock_service *svc)
{
    struct replay *r = svc->state;
    mock_cassettes_rewind(r->tapes);
}

/* Answers req from its recording, body or len bytes of it; on a miss forwards it (oversized:
 * with its headers alone) or answers 598. */
static void replay(struct mock_service *svc, struct mock_request *req, const char *body, size_t len,
                   bool oversized)
{
    struct replay *r = svc->state;
    char scope[sizeof req->scope], miss[2048];
    mock_cassette_case(scope, sizeof scope, req->scope);
    char *query = mock_query_string(req);
    if (!query)
        return mock_reply_error(req, 500, "internal_error", "itest-mock replay: out of memory");
    const struct mock_exchange *x = mock_cassettes_find(r->tapes, req->method, req->path, query,
                                                        scope, body, len, miss, sizeof miss);
    free(query);
    double speed = svc->opts->replay_speed;
    if (x && speed > 0 && !x->n_events && x->duration_ms / speed >= 1)
        req->delay_ms = x->duration_ms / speed; /* as long as the target took (a stream's events
                                                    carry their own times) */
    if (x)
        return mock_reply_exchange(req, x, speed);
    mock_log(svc->opts, "%s replay miss: %s", svc->name, miss);
    if (r->miss_proxy && oversized)
        return mock_proxy_begin(r->miss_proxy, req);
    if (r->miss_proxy)
        return mock_proxy_forward(r->miss_proxy, req);
    mock_reply_error(req, MOCK_REPLAY_MISS_STATUS, "replay_miss", "itest-mock replay: %s", miss);
}

static void replay_begin(struct mock_service *svc, struct mock_request *req)
{
    req->body.limit = MOCK_PROXY_BODY_LIMIT; /* as when it was recorded */
    if (mock_proxy_oversized(req))           /* recorded with its headers alone: answered on them */
        replay(svc, req, "", 0, true);
}

static void replay_handle(struct mock_service *svc, struct mock_request *req)
{
    if (req->body.too_large || req->body.fd >= 0)
        return mock_reply_error(req, 413, "payload_too_large",
                                "request body of %llu bytes is over the replay limit",
                                (unsigned long long)req->body.total);
    replay(svc, req, req->body.data ? req->body.data : "", req->body.len, false);
}

const struct mock_routes mock_replay_routes = {
    .init = replay_init,
    .destroy = replay_destroy,
    .reset = replay_reset,
    .begin = replay_begin,
    .handle = replay_handle,
};
