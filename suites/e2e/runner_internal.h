/* What runner.c's two halves share: the single-file flow and the services in runner.c, the
 * work in a slot's git working tree in runner_tree.c. */
#ifndef E2E_RUNNER_INTERNAL_H
#define E2E_RUNNER_INTERNAL_H

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

/* Waits until the task after_task ended; fails with STEP_DEPENDENCY unless it succeeded. */
int runner_wait_for_dependency(struct runner_result *res, const struct runner_options *opt);

/* The workspace mode's work between the LLM's reply and the uploads: branch, the reply's
 * files, make, make test, the lease checked, commit, push. */
int runner_work_in_tree(struct runner_result *res, const struct runner_options *opt,
                        const char *reply);

/* The lease on the slot still held (GET /slots lists it); else a [workspace] failure naming
 * when it was found lost. */
int runner_check_lease(struct runner_result *res, const char *when);

#endif
