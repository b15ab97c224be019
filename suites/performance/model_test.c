/* What the load models show: parallel calls served in parallel (speedup from 1 to N
 * connections), and a server stall that the open model reports and the closed model hides. */
#include "cases.h"
#include "perf.h"

#include "itest/check.h"
#include "itest/measure.h"
#include "itest/mock_admin.h"
#include "itest/suite.h"
#include "itest/targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEEDUP_WORKERS 8
/* On the mock, every call waits this long, as a service waiting on its own I/O would. */
#define SERVICE_DELAY_MS 10
#define STALL_MS 200

/* Closed model on url for a share of the duration; returns the throughput. */
static double closed_throughput(const char *url, int connections, double duration_s,
                                const char *prefix)
{
    struct itest_load_request req = {.url = url};
    struct itest_load_options o = {.model = ITEST_LOAD_CLOSED,
                                   .requests = &req,
                                   .n_requests = 1,
                                   .connections = connections,
                                   .duration_s = duration_s,
                                   .warmup_s = 0.2};
    struct itest_load_result res;
    char err[256];
    itest_check(itest_load_run(&res, &o, err, sizeof err) == 0, "%s", err);
    itest_load_measure(&res, prefix);
    itest_load_check(&res, prefix, 0, 0, PERF_MAX_ERROR_RATE);
    double rps = res.throughput;
    itest_load_result_free(&res);
    return rps;
}

void perf_parallel_speedup(void **state)
{
    (void)state;
    char *id = perf_create_task();
    char path[256], url[2048];
    snprintf(path, sizeof path, "/tasks/%s", id);
    free(id);
    perf_url(url, sizeof url, ITEST_TASK_REGISTRY, path);
    bool mock = itest_service_is_mock(ITEST_TASK_REGISTRY);
    if (mock) {
        char fault[256];
        snprintf(fault, sizeof fault,
                 "{\"request\": {\"method\": \"GET\", \"urlPathPattern\": \"/tasks/.*\"},"
                 " \"response\": {\"fixedDelayMilliseconds\": %d}}",
                 SERVICE_DELAY_MS);
        itest_mock_fault(ITEST_TASK_REGISTRY, fault);
    }
    double share = perf_duration() / 2;
    double one = closed_throughput(url, 1, share, "w1_");
    double many = closed_throughput(url, SPEEDUP_WORKERS, share, "wn_");
    double speedup = one > 0 ? many / one : 0;
    itest_measure("workers", SPEEDUP_WORKERS);
    itest_measure("speedup", speedup);
    /* Calls that wait on I/O must overlap: half the ideal is the floor. A real service may be
     * bound by its CPU instead, so there only "more workers are not slower" is asserted. */
    double floor = mock ? SPEEDUP_WORKERS / 2.0 : 1.0;
    itest_check(speedup >= floor,
                "GET %s: %d workers served %.1f req/s, 1 worker %.1f req/s: a speedup of %.2f, "
                "expected at least %.1f%s",
                path, SPEEDUP_WORKERS, many, one, speedup, floor,
                mock ? " (each call waits 10 ms on the mock, so calls must overlap)" : "");
}

/* The stall run: one connection, every request due at `rate`, and the first request held for
 * STALL_MS by the mock. Returns p99 and max in ms. */
static void stall_run(enum itest_load_model model, const char *url, double *p99, double *max,
                      const char *prefix)
{
    char fault[256];
    snprintf(fault, sizeof fault,
             "{\"request\": {\"urlPath\": \"/health\"}, \"times\": 1,"
             " \"response\": {\"fixedDelayMilliseconds\": %d}}",
             STALL_MS);
    itest_mock_fault(ITEST_TASK_REGISTRY, fault);
    struct itest_load_request req = {.url = url};
    struct itest_load_options o = {.model = model,
                                   .requests = &req,
                                   .n_requests = 1,
                                   .connections = 1,
                                   .rate = 100,
                                   .duration_s = 2.0};
    struct itest_load_result res;
    char err[256];
    itest_check(itest_load_run(&res, &o, err, sizeof err) == 0, "%s", err);
    itest_load_measure(&res, prefix);
    *p99 = itest_stats_percentile(res.latency_ms, 99);
    *max = itest_stats_max(res.latency_ms);
    itest_load_check(&res, prefix, 0, 0, PERF_MAX_ERROR_RATE);
    itest_load_result_free(&res);
}

void perf_open_model_shows_stall(void **state)
{
    (void)state;
    itest_require_mock(ITEST_TASK_REGISTRY);
    char url[2048];
    perf_url(url, sizeof url, ITEST_TASK_REGISTRY, "/health");
    double open_p99, open_max, closed_p99, closed_max;
    stall_run(ITEST_LOAD_OPEN, url, &open_p99, &open_max, "open_");
    stall_run(ITEST_LOAD_CLOSED, url, &closed_p99, &closed_max, "closed_");
    /* Both runs met the stall ... */
    itest_check(open_max >= STALL_MS * 0.9 && closed_max >= STALL_MS * 0.9,
                "the %d ms stall did not happen: max latency open %.1f ms, closed %.1f ms",
                STALL_MS, open_max, closed_max);
    /* ... the open model reports it for every request that was due during it (about 20 of
     * 200 at 100 req/s, so p99 sits well inside the stall) ... */
    itest_check(open_p99 >= STALL_MS * 0.75,
                "open model: a %d ms stall should show in p99, but p99 is %.1f ms (max %.1f ms)",
                STALL_MS, open_p99, open_max);
    /* ... while the closed model waited with the server and counted one slow request. */
    itest_check(closed_p99 < STALL_MS / 2.0,
                "closed model: expected the stall to hide from p99 (one slow request among "
                "thousands), but p99 is %.1f ms",
                closed_p99);
}
