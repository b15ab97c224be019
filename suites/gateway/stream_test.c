/* Streams through the gateway: unbuffered (the first token as soon as the backend sends it),
 * whole and in order, and never asked for again once under way. */
#include "cases.h"
#include "gw.h"

#include "itest/check.h"
#include "itest/measure.h"
#include "itest/mock_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_PROMPT "tell me about gateways in a few words"
#define ROUNDS 5
/* How much later than straight from the backend the first event may arrive through the gateway:
 * a proxy's own work is well under a millisecond here; a buffered stream arrives whole at its end
 */
#define MAX_TTFT_OVERHEAD_MS 15
/* A stream must spread over this long for buffering to show */
#define MIN_SPREAD_MS 20

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, by_value);
    return v[n / 2];
}

/* One stream, which must be whole and well formed. */
static void read_stream(struct itest_llm_reply *s, const char *root, const char *where)
{
    int rc = gw_stream(s, root, GW_MODEL, STREAM_PROMPT);
    itest_assert_http_status(&s->http, "POST", where, 200);
    itest_check(rc == 0 && s->chunks > 2, "POST %s (stream): %d chunks, %s", where, s->chunks,
                rc == 0 ? "complete" : s->error);
}

void gateway_stream_unbuffered(void **state)
{
    (void)state;
    const char *a[GW_MAX_BACKENDS];
    gw_backends(GW_MODEL, a, 1);
    double direct[ROUNDS], through[ROUNDS], spread[ROUNDS], through_last[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        struct itest_llm_reply s;
        read_stream(&s, a[0], a[0]);
        direct[i] = s.ttft_s * 1e3;
        spread[i] = (s.total_s - s.ttft_s) * 1e3;
        itest_llm_reply_free(&s);
        read_stream(&s, NULL, gw_url());
        through[i] = s.ttft_s * 1e3;
        through_last[i] = s.total_s * 1e3;
        itest_llm_reply_free(&s);
    }
    double d = median(direct, ROUNDS), g = median(through, ROUNDS);
    double sp = median(spread, ROUNDS), gl = median(through_last, ROUNDS);
    itest_measure("ttft_direct_ms", d);
    itest_measure("ttft_gateway_ms", g);
    itest_measure("stream_spread_ms", sp);
    if (sp < MIN_SPREAD_MS)
        itest_skip("the backend's streams arrive within %.1f ms; the buffering check needs one "
                   "spread over %d ms or more (a model that writes tokens over time)",
                   sp, MIN_SPREAD_MS);
    itest_check(g - d <= MAX_TTFT_OVERHEAD_MS,
                "the first streamed token arrived %.1f ms after the request through the gateway "
                "against %.1f ms straight from %s (median of %d; the stream then took %.1f ms "
                "more, ending %.1f ms after the request through the gateway): more than %d ms "
                "later, so the gateway holds the stream back (response buffering, compression)",
                g, d, a[0], ROUNDS, sp, gl, MAX_TTFT_OVERHEAD_MS);
}

void gateway_sse_whole_in_order(void **state)
{
    (void)state;
    const char *a[GW_MAX_BACKENDS];
    gw_backends(GW_MODEL, a, 1);
    struct itest_llm_reply direct, through;
    read_stream(&direct, a[0], a[0]);
    read_stream(&through, NULL, gw_url()); /* well formed: JSON chunks of one completion id */
    bool same = strcmp(direct.content, through.content) == 0 && direct.chunks == through.chunks;
    char msg[1024];
    snprintf(msg, sizeof msg,
             "the same stream straight from %s and through the gateway differ: %d chunks "
             "\"%.200s\" against %d chunks \"%.200s\"",
             a[0], direct.chunks, direct.content, through.chunks, through.content);
    itest_llm_reply_free(&direct);
    itest_llm_reply_free(&through);
    itest_check(same, "%s", msg);
}

void gateway_stream_not_retried(void **state)
{
    (void)state;
    const char *a[GW_MAX_BACKENDS];
    size_t n = gw_backends(GW_MODEL, a, 1);
    /* whichever replica takes it cuts it after 3 events, once */
    gw_fault(a, n,
             "{\"request\": {\"urlPath\": \"/v1/chat/completions\"}, \"times\": 1, "
             "\"response\": {\"streamCut\": {\"afterChunks\": 3}}}");
    struct itest_llm_reply s;
    gw_stream(&s, NULL, GW_MODEL, STREAM_PROMPT);
    bool done = s.done;
    int events = s.chunks;
    itest_llm_reply_free(&s);
    long asked = 0;
    for (size_t i = 0; i < n; i++)
        asked += gw_count(a[i]);
    itest_measure("backend_requests", (double)asked);
    itest_check(asked == 1,
                "a stream cut by its backend after 3 events was asked for %ld times through the "
                "gateway (the client got %d chunks%s): a stream under way must not be replayed, "
                "the model already generated it",
                asked, events, done ? ", ending with [DONE]" : "");
    itest_check(!done, "the backend cut the stream after 3 events, yet the client got [DONE]: "
                       "the gateway hid the failure");
}
