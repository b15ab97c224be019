/* What the performance suite's cases share: the user's thresholds and duration, running a load
 * and checking it, and the URLs and bodies of the calls under load. */
#ifndef PERF_H
#define PERF_H

#include "itest/load.h"
#include "itest/targets.h"

#include <stddef.h>

/* Errors a case tolerates under load before it fails (1%). */
#define PERF_MAX_ERROR_RATE 0.01
/* Concurrency of the closed-model cases. */
#define PERF_CONNECTIONS 8

/* INTEGRATION_TEST_PERF_DURATION, and the warm-up before it (a fifth, at most 1 s). */
double perf_duration(void);
double perf_warmup(void);
/* The open-model cases' arrival rate: four times INTEGRATION_TEST_MIN_THROUGHPUT, at least 100/s,
 * so that the throughput check has room and the rate stays a steady, modest load. */
double perf_open_rate(void);

/* "<base of s><path>" into url (fails the case when s has no URL). */
void perf_url(char *url, size_t len, enum itest_service s, const char *path);

/* Runs o (its duration and warm-up default to the user's), prints the figures as measurements
 * under prefix, checks the user's thresholds (the target's CPU and memory too, resources.h) and
 * frees the result; fails the case on error. */
#define perf_http(what, prefix, o) perf_http_at(__FILE__, __LINE__, what, prefix, o)
void perf_http_at(const char *file, int line, const char *what, const char *prefix,
                  struct itest_load_options *o);

/* The same for any call (itest_load_run_calls) in `threads` threads to the service at target. */
#define perf_calls(what, prefix, target, threads, fn, arg)                                         \
    perf_calls_at(__FILE__, __LINE__, what, prefix, target, threads, fn, arg)
void perf_calls_at(const char *file, int line, const char *what, const char *prefix,
                   const char *target, int threads, itest_load_fn fn, void *arg);

/* Measures and checks a finished result, then frees it. */
void perf_finish_at(const char *file, int line, const char *what, const char *prefix,
                    struct itest_load_result *res);

/* Creates a task in the registry and returns its id (malloc'd); fails the case otherwise. */
char *perf_create_task(void);

/* Teardown: clears the case's faults and journal on the mocks. */
int perf_teardown(void **state);

#endif
