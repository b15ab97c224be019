/* What passes through the gateway unchanged (429 and its headers, request ids, the key) and what
 * it bounds (a hung backend), and what it costs (its overhead against the backend direct). */
#include "cases.h"
#include "gw.h"

#include "itest/check.h"
#include "itest/clock.h"
#include "itest/measure.h"
#include "itest/mock_admin.h"
#include "itest/scope.h"
#include "itest/stats.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void gateway_rate_limit_passes(void **state)
{
    (void)state;
    const char *a[GW_MAX_BACKENDS];
    size_t n = gw_backends(GW_MODEL, a, 1);
    gw_fault(a, n,
             "{\"request\": {\"urlPath\": \"/v1/chat/completions\"}, \"response\": "
             "{\"rateLimit\": {\"retryAfterMs\": 1500, \"limit\": 60, \"remaining\": 0}}}");
    struct itest_http_response r;
    gw_chat(&r, NULL, GW_MODEL, "too many", NULL, 0);
    itest_assert_http_status(&r, "POST", "/v1/chat/completions", 429);
    const char *retry = itest_http_header(&r, "retry-after");
    bool limits = false;
    for (size_t i = 0; i < r.n_headers; i++)
        limits |= strncasecmp(r.headers[i], "x-ratelimit-", 12) == 0;
    itest_http_response_free(&r);
    itest_check(retry != NULL, "the backend's 429 came through the gateway without retry-after");
    itest_check(limits, "the backend's 429 came through the gateway without its x-ratelimit-* "
                        "headers");
    long asked = 0;
    for (size_t i = 0; i < n; i++)
        asked += gw_count(a[i]);
    itest_check(asked == 1,
                "a 429 was retried by the gateway (%ld backend requests): the client "
                "is told to wait, the gateway must not hammer on",
                asked);
}

void gateway_hung_backend_cut(void **state)
{
    (void)state;
    const char *a[GW_MAX_BACKENDS];
    size_t n = gw_backends(GW_MODEL, a, 1);
    double t = gw_read_timeout_s();
    double bound = t * (double)n + 1; /* one attempt per replica, each cut at t */
    char fault[256];
    snprintf(fault, sizeof fault,
             "{\"request\": {\"urlPath\": \"/v1/chat/completions\"}, \"response\": "
             "{\"fixedDelayMilliseconds\": %.0f}}",
             (bound + 3) * 1000);
    gw_fault(a, n, fault);
    struct itest_http_response r;
    double start = itest_now_s();
    gw_chat(&r, NULL, GW_MODEL, "are you hung?", NULL, bound + 5);
    double took = itest_now_s() - start;
    itest_measure("cut_after_s", took);
    itest_check(r.status == 504 || r.status == 502,
                "every replica of %s hangs for %.0f s; the gateway, whose timeout is %.1f s, "
                "answered %ld after %.1f s instead of a gateway error (504 or 502)",
                GW_MODEL, bound + 3, t, r.status, took);
    itest_http_response_free(&r);
    itest_check(took >= t * 0.9 && took <= bound,
                "the gateway cut a hung backend after %.2f s: its timeout is %.1f s per attempt, "
                "at most %.1f s in all",
                took, t, bound);
}

void gateway_ids_and_auth_pass(void **state)
{
    (void)state;
    const char *b[GW_MAX_BACKENDS];
    gw_backends(GW_SINGLE, b, 1);
    char id[160], header[200];
    snprintf(id, sizeof id, "itest-%s", itest_current_scope());
    for (char *p = id; *p; p++)
        if (*p == '#' || *p == '.')
            *p = '-';
    snprintf(header, sizeof header, "X-Request-Id: %s", id);
    const char *extra[] = {header, NULL};
    struct itest_http_response r;
    gw_chat(&r, NULL, GW_SINGLE, "who am I", extra, 0);
    itest_assert_http_status(&r, "POST", "/v1/chat/completions", 200);
    const char *rid = itest_http_header(&r, "x-request-id");
    itest_check(rid && *rid, "the backend's x-request-id did not come back through the gateway");
    itest_http_response_free(&r);
    cJSON *journal = itest_mock_admin_get(b[0], "/__admin/requests?method=POST&limit=0");
    bool seen = false;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(journal, "requests"))
    {
        const char *got = cJSON_GetStringValue(cJSON_GetObjectItem(e, "requestId"));
        seen |= got && strcmp(got, id) == 0;
    }
    cJSON_Delete(journal);
    itest_check(seen, "the client's X-Request-Id %s did not reach the backend %s", id, b[0]);
    /* the key is the backend's to check: a wrong one is refused there, and said so */
    const char *wrong[] = {"Authorization: Bearer itest-wrong-key", NULL};
    gw_chat(&r, NULL, GW_SINGLE, "who am I", wrong, 0);
    itest_assert_http_status(&r, "POST", "/v1/chat/completions (a wrong key)", 401);
    itest_http_response_free(&r);
}

#define OVERHEAD_REQUESTS 200

void gateway_overhead(void **state)
{
    (void)state;
    const char *b[GW_MAX_BACKENDS];
    gw_backends(GW_SINGLE, b, 1);
    struct itest_stats *direct = itest_stats_new(), *through = itest_stats_new();
    for (int i = 0; i < OVERHEAD_REQUESTS; i++) {
        for (int via = 0; via < 2; via++) { /* interleaved: the machine's noise falls on both */
            struct itest_http_response r;
            gw_chat(&r, via ? NULL : b[0], GW_SINGLE, "how long does this take", NULL, 0);
            itest_assert_http_status(&r, "POST", via ? "the gateway" : b[0], 200);
            itest_stats_add(via ? through : direct, r.total_s * 1e3);
            itest_http_response_free(&r);
        }
    }
    double p[] = {50, 95};
    const char *names[][3] = {{"direct_p50_ms", "gateway_p50_ms", "overhead_p50_ms"},
                              {"direct_p95_ms", "gateway_p95_ms", "overhead_p95_ms"}};
    for (int i = 0; i < 2; i++) {
        double d = itest_stats_percentile(direct, p[i]), g = itest_stats_percentile(through, p[i]);
        itest_measure(names[i][0], d);
        itest_measure(names[i][1], g);
        itest_measure(names[i][2], g - d);
    }
    itest_stats_free(direct);
    itest_stats_free(through);
}
