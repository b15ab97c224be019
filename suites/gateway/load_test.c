/* The platform's load scenarios through the gateway (labels performance): normal load, high load
 * (1,000 connections held at once), error injection (a replica failing a tenth of its requests)
 * and component failure (a replica down). Thresholds from the environment (docs/gateway.md). */
#include "cases.h"
#include "gw.h"

#include "itest/check.h"
#include "itest/config.h"
#include "itest/llm.h"
#include "itest/load.h"
#include "itest/measure.h"
#include "itest/mock_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define MAX_ERROR_RATE 0.01 /* tolerated through the gateway while a replica fails */
#define HIGH_LOAD_CONNECTIONS 1000

static void drive(const char *what, const char *prefix, int connections, double max_p95_ms,
                  double min_rps, double max_error_rate)
{
    char url[1024], auth[512];
    snprintf(url, sizeof url, "%s/v1/chat/completions", gw_url());
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", itest_llm_api_key());
    const char *headers[] = {"Content-Type: application/json", auth, NULL};
    char *body = gw_chat_body(GW_MODEL, "load through the gateway");
    struct itest_load_request req = {
        .method = "POST", .url = url, .headers = headers, .body = body, .body_len = strlen(body)};
    const struct itest_config *c = itest_config();
    struct itest_load_options o = {.model = ITEST_LOAD_CLOSED,
                                   .requests = &req,
                                   .n_requests = 1,
                                   .connections = connections,
                                   .duration_s = c->perf_duration_s,
                                   .warmup_s =
                                       c->perf_duration_s / 5 < 1 ? c->perf_duration_s / 5 : 1};
    struct itest_load_result res;
    char err[512];
    int rc = itest_load_run(&res, &o, err, sizeof err);
    free(body);
    itest_check(rc == 0, "%s: the load generator could not run: %s", what, err);
    itest_load_measure(&res, prefix);
    itest_load_check(&res, what, max_p95_ms, min_rps, max_error_rate);
    itest_load_result_free(&res);
}

void gateway_load_normal(void **state)
{
    (void)state;
    const struct itest_config *c = itest_config();
    drive("chat completions through the gateway, 8 connections", "", 8, c->max_latency_ms,
          c->min_throughput, MAX_ERROR_RATE);
}

void gateway_load_high(void **state)
{
    (void)state;
    /* a descriptor per connection, and the soft limit is often 1024 */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < HIGH_LOAD_CONNECTIONS + 64)
        itest_skip("needs %d descriptors for %d connections, and RLIMIT_NOFILE allows %llu "
                   "(ulimit -n)",
                   HIGH_LOAD_CONNECTIONS + 64, HIGH_LOAD_CONNECTIONS,
                   (unsigned long long)rl.rlim_cur);
    itest_measure("connections", HIGH_LOAD_CONNECTIONS);
    drive("chat completions through the gateway, 1,000 connections", "", HIGH_LOAD_CONNECTIONS,
          gw_high_load_max_p95_ms(), 0, 0);
}

void gateway_load_error_injection(void **state)
{
    (void)state;
    const char *a[GW_MAX_BACKENDS];
    gw_backends(GW_MODEL, a, 2);
    gw_fault(a, 1,
             "{\"request\": {\"urlPath\": \"/v1/chat/completions\"}, "
             "\"probability\": 0.1, \"response\": {\"status\": 500}}");
    const struct itest_config *c = itest_config();
    drive("chat completions through the gateway, a replica failing 10%", "", 8, c->max_latency_ms,
          c->min_throughput, MAX_ERROR_RATE);
}

void gateway_load_component_failure(void **state)
{
    (void)state;
    const char *a[GW_MAX_BACKENDS];
    gw_backends(GW_MODEL, a, 2);
    gw_fault(a, 1, "{\"response\": {\"fault\": \"CONNECTION_RESET_BY_PEER\"}}");
    const struct itest_config *c = itest_config();
    drive("chat completions through the gateway, a replica down", "", 8, c->max_latency_ms,
          c->min_throughput, MAX_ERROR_RATE);
}
