/* Shared parts of the performance suite; see perf.h. */
#include "perf.h"
#include "resources.h"

#include "itest/check.h"
#include "itest/config.h"
#include "itest/http.h"
#include "itest/json.h"
#include "itest/mock_admin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double perf_duration(void)
{
    return itest_config()->perf_duration_s;
}

double perf_warmup(void)
{
    return fmin(1.0, perf_duration() / 5);
}

double perf_open_rate(void)
{
    return fmax(100.0, 4 * itest_config()->min_throughput);
}

void perf_url(char *url, size_t len, enum itest_service s, const char *path)
{
    snprintf(url, len, "%s%s", itest_require_service(s), path);
}

void perf_finish_at(const char *file, int line, const char *what, const char *prefix,
                    struct itest_load_result *res)
{
    const struct itest_config *cfg = itest_config();
    itest_load_measure(res, prefix);
    itest_load_check_at(file, line, res, what, cfg->max_latency_ms, cfg->min_throughput,
                        PERF_MAX_ERROR_RATE);
    itest_load_result_free(res);
}

void perf_http_at(const char *file, int line, const char *what, const char *prefix,
                  struct itest_load_options *o)
{
    if (o->duration_s == 0 && o->max_requests == 0)
        o->duration_s = perf_duration();
    if (o->warmup_s == 0)
        o->warmup_s = perf_warmup();
    itest_progress("%s: %s model, %s%g, %.1f s + %.1f s warm-up", what,
                   o->model == ITEST_LOAD_OPEN ? "open" : "closed",
                   o->model == ITEST_LOAD_OPEN ? "req/s " : "connections ",
                   o->model == ITEST_LOAD_OPEN ? o->rate : (double)o->connections, o->duration_s,
                   o->warmup_s);
    struct perf_resources used;
    perf_resources_begin(&used, o->n_requests ? o->requests[0].url : "");
    struct itest_load_result res;
    char err[256];
    if (itest_load_run(&res, o, err, sizeof err) != 0)
        itest_fail_at(file, line, "%s: %s", what, err);
    perf_finish_at(file, line, what, prefix, &res);
    perf_resources_end_at(file, line, &used, what, prefix);
}

void perf_calls_at(const char *file, int line, const char *what, const char *prefix,
                   const char *target, int threads, itest_load_fn fn, void *arg)
{
    itest_progress("%s: %d threads, %.1f s + %.1f s warm-up", what, threads, perf_duration(),
                   perf_warmup());
    struct perf_resources used;
    perf_resources_begin(&used, target);
    struct itest_load_result res;
    char err[256];
    if (itest_load_run_calls(&res, threads, perf_warmup(), perf_duration(), fn, arg, err,
                             sizeof err) != 0)
        itest_fail_at(file, line, "%s: %s", what, err);
    perf_finish_at(file, line, what, prefix, &res);
    perf_resources_end_at(file, line, &used, what, prefix);
}

char *perf_create_task(void)
{
    char url[2048];
    perf_url(url, sizeof url, ITEST_TASK_REGISTRY, "/tasks");
    struct itest_http_response r;
    itest_http_json(&r, "POST", url, "{\"title\": \"perf\", \"spec\": \"load\", \"priority\": 1}");
    itest_assert_http_status(&r, "POST", url, 201);
    cJSON *doc = cJSON_ParseWithLength(r.body, r.body_len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
    char *copy = cJSON_IsString(id) ? strdup(id->valuestring) : NULL;
    cJSON_Delete(doc);
    if (!copy)
        itest_fail_at(__FILE__, __LINE__, "POST %s: the 201 carried no string \"id\": %.200s", url,
                      r.body);
    itest_http_response_free(&r);
    return copy;
}

int perf_teardown(void **state)
{
    (void)state;
    for (int s = 0; s < ITEST_SERVICE_COUNT; s++)
        if (itest_service_is_mock(s))
            itest_mock_reset_scope(s);
    return 0;
}
