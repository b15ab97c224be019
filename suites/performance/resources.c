/* The target's CPU and memory under load, through Prometheus; see resources.h. */
#include "resources.h"

#include "itest/check.h"
#include "itest/clock.h"
#include "itest/config.h"
#include "itest/measure.h"
#include "itest/port.h"
#include "itest/prometheus.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool thresholds_set(void)
{
    return itest_config()->max_cpu_usage > 0 || itest_config()->max_memory_bytes > 0;
}

/* The instance's CPU seconds and the time of the scrape that read them; false when absent. */
static bool cpu_sample(const struct perf_resources *r, double *cpu, double *scraped)
{
    char expr[512];
    /* a range selector answers the samples with their own scrape times, value and time in
     * one query (two queries could see two different scrapes) */
    snprintf(expr, sizeof expr, "process_cpu_seconds_total{instance=\"%s\"}[%.0fs]", r->instance,
             3 * itest_prom_interval_s() + 5);
    const cJSON *res = itest_prom_query(expr);
    const cJSON *values = cJSON_GetObjectItem(cJSON_GetArrayItem(res, 0), "values");
    int n = cJSON_GetArraySize(values);
    if (n < 1)
        return false;
    const cJSON *last = cJSON_GetArrayItem(values, n - 1);
    const cJSON *t = cJSON_GetArrayItem(last, 0), *v = cJSON_GetArrayItem(last, 1);
    *scraped = cJSON_IsNumber(t) ? t->valuedouble : NAN;
    *cpu = cJSON_IsString(v) ? strtod(v->valuestring, NULL) : NAN;
    return !isnan(*cpu) && !isnan(*scraped);
}

/* Waits (at most timeout_s) for a scrape later than after; false if none came. */
static bool next_scrape(struct perf_resources *r, double after, double timeout_s, double *cpu,
                        double *scraped)
{
    double until = itest_now_s() + timeout_s;
    do {
        if (cpu_sample(r, cpu, scraped) && *scraped > after)
            return true;
        itest_sleep_s(0.05);
    } while (itest_now_s() < until);
    return false;
}

void perf_resources_begin(struct perf_resources *r, const char *url)
{
    memset(r, 0, sizeof *r);
    const char *prom = itest_prom_find(r->why, sizeof r->why);
    if (!prom)
        return;
    if (itest_url_host_port(url, r->instance, sizeof r->instance) != 0) {
        snprintf(r->why, sizeof r->why, "the target's URL %s names no host:port", url);
        return;
    }
    double cpu, scraped;
    if (!cpu_sample(r, &cpu, &scraped)) {
        snprintf(r->why, sizeof r->why,
                 "Prometheus at %s has no process_cpu_seconds_total{instance=\"%s\"} (it does not "
                 "scrape the target at that address)",
                 prom, r->instance);
        return;
    }
    /* start right after a scrape, so that the figures cover the load and at most one interval
     * more; against a slow real Prometheus, from its last scrape */
    double interval = itest_prom_interval_s();
    if (interval <= 5)
        next_scrape(r, scraped, 1.5 * interval + 1, &cpu, &scraped);
    r->cpu0 = cpu;
    r->t0 = scraped;
    r->on = true;
}

void perf_resources_end_at(const char *file, int line, struct perf_resources *r, const char *what,
                           const char *prefix)
{
    double interval = itest_prom_interval_s(), cpu1 = NAN, t1 = NAN;
    if (r->on && !next_scrape(r, itest_prom_now(), 2 * interval + 2, &cpu1, &t1)) {
        /* Prometheus may lag on a loaded machine: a figure not taken, not the target's fault */
        snprintf(r->why, sizeof r->why,
                 "Prometheus took no scrape of %s within %.0f s after the load (see its "
                 "targets page)",
                 r->instance, 2 * interval + 2);
        r->on = false;
    }
    if (!r->on) {
        if (thresholds_set())
            itest_skip("%s: the load's own checks passed, but INTEGRATION_TEST_MAX_CPU_USAGE / "
                       "_MAX_MEMORY_USAGE could not be checked: %s",
                       what, r->why);
        itest_progress("%s: CPU and memory not measured: %s", what, r->why);
        return;
    }
    double cores = (cpu1 - r->cpu0) / (t1 - r->t0);
    char expr[512], name[128];
    snprintf(expr, sizeof expr,
             "max_over_time(process_resident_memory_bytes{instance=\"%s\"}[%ds])", r->instance,
             (int)ceil(t1 - r->t0) + 1);
    const cJSON *res = itest_prom_query(expr);
    double rss =
        cJSON_GetArraySize(res) ? itest_prom_sample_value(cJSON_GetArrayItem(res, 0)) : NAN;
    snprintf(name, sizeof name, "%scpu_cores", prefix);
    itest_measure(name, cores);
    if (!isnan(rss)) {
        snprintf(name, sizeof name, "%srss_peak_bytes", prefix);
        itest_measure(name, rss);
    }
    const struct itest_config *cfg = itest_config();
    itest_progress("%s: %s used %.2f cores over %.1f s, %.0f MiB resident at most", what,
                   r->instance, cores, t1 - r->t0, rss / 1048576);
    if (cfg->max_cpu_usage > 0 && cores > cfg->max_cpu_usage)
        itest_fail_at(file, line,
                      "[performance] %s: the target at %s used %.2f cores between the scrapes "
                      "around the load (%.1f s), over INTEGRATION_TEST_MAX_CPU_USAGE=%g",
                      what, r->instance, cores, t1 - r->t0, cfg->max_cpu_usage);
    if (cfg->max_memory_bytes > 0 && isnan(rss))
        itest_fail_at(file, line,
                      "[schema] %s: Prometheus has no process_resident_memory_bytes for %s, "
                      "which INTEGRATION_TEST_MAX_MEMORY_USAGE checks",
                      what, r->instance);
    if (cfg->max_memory_bytes > 0 && rss > cfg->max_memory_bytes)
        itest_fail_at(file, line,
                      "[performance] %s: the target at %s held %.0f bytes (%.1f MiB) resident, "
                      "over INTEGRATION_TEST_MAX_MEMORY_USAGE=%.0f bytes (%.1f MiB)",
                      what, r->instance, rss, rss / 1048576, cfg->max_memory_bytes,
                      cfg->max_memory_bytes / 1048576);
}
