/* The target's CPU and memory under a case's load, read from Prometheus (the target's
 * process_cpu_seconds_total and process_resident_memory_bytes, found by its `instance`, the
 * host:port of its URL) and checked against INTEGRATION_TEST_MAX_CPU_USAGE and
 * INTEGRATION_TEST_MAX_MEMORY_USAGE. Without a Prometheus that scrapes the target (or a scrape
 * after the load) nothing is measured: the case says so, and skips after its other checks when a
 * threshold was set. */
#ifndef PERF_RESOURCES_H
#define PERF_RESOURCES_H

#include <stdbool.h>

struct perf_resources {
    bool on;            /* the target's series are there */
    char instance[256]; /* its `instance` label */
    char why[1400];     /* why not, when not on */
    double cpu0, t0;    /* CPU seconds at the last scrape before the load, and that scrape's time */
};

/* Before the load of the target at url: its CPU seconds, right after a fresh scrape. */
void perf_resources_begin(struct perf_resources *r, const char *url);

/* After it: the cores it used between the scrapes around the load and its peak resident memory,
 * as measurements under prefix, checked against the thresholds ([performance] with the figures). */
#define perf_resources_end(r, what, prefix)                                                        \
    perf_resources_end_at(__FILE__, __LINE__, r, what, prefix)
void perf_resources_end_at(const char *file, int line, struct perf_resources *r, const char *what,
                           const char *prefix);

#endif
