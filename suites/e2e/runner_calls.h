/* The runner's calls to the services (runner_calls.c), shared by runner.c and runner_tree.c. */
#ifndef E2E_RUNNER_CALLS_H
#define E2E_RUNNER_CALLS_H

#include "runner.h"

#include "itest/targets.h"

#include <cjson/cJSON.h>

#define URL_MAX 2048

/* Records the failure (step, category, message) in res; returns -1. */
int runner_fail(struct runner_result *res, enum runner_step step, const char *category,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The service's base URL followed by the formatted path, into url. */
void runner_url_of(char url[URL_MAX], enum itest_service s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* url with any credentials replaced, for messages. */
const char *runner_redacted(char buf[URL_MAX], const char *url);

/* Records a reply that was not the expected status: the exchange's category and the exchange as
 * every failure message shows it (itest_http_describe). Returns -1. */
struct itest_http_response;
int runner_fail_status(struct runner_result *res, enum runner_step step, const char *method,
                       const char *url, long expect, const struct itest_http_response *r);

/* A JSON request whose reply must have status expect (its body parsed into *out when out is
 * not NULL); a failure is recorded as step's. Returns 0 or -1. */
int runner_call(struct runner_result *res, enum runner_step step, const char *method,
                const char *url, const char *json, long expect, int retries, cJSON **out,
                int *attempts);

/* Posts an event to the task on the registry. */
int runner_post_event(struct runner_result *res, enum runner_step step, const char *type,
                      const char *message);

/* Changes the task's status on the registry, checking the reply's. */
int runner_set_status(struct runner_result *res, enum runner_step step, const char *status);

#endif
