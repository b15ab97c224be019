/* What the services suite's cases share: URLs, one-call requests that assert the status and
 * parse the body, the contract's error shape, and a per-case record of slots and artifacts that
 * the teardown gives back even when the case failed half-way. */
#ifndef SVC_H
#define SVC_H

#include "itest/check.h"
#include "itest/http.h"
#include "itest/json.h"
#include "itest/suite.h"
#include "itest/targets.h"

#include <stdbool.h>
#include <stddef.h>

#define SVC_URL_MAX 2048

/* Every helper here that can fail a case is a macro over an _at function, so that the failure
 * names the case's own file and line. */

/* "<base of s><path>" into url; path is printf-style. Fails the case when s has no URL. */
#define svc_url(url, s, ...) svc_url_at(__FILE__, __LINE__, url, s, __VA_ARGS__)
void svc_url_at(const char *file, int line, char url[SVC_URL_MAX], enum itest_service s,
                const char *fmt, ...) ITEST_PRINTF(5, 6);

/* "<base of s><tmpl>" with every "{id}" in tmpl replaced by id (for tables of calls). */
#define svc_url_with_id(url, s, tmpl, id) svc_url_with_id_at(__FILE__, __LINE__, url, s, tmpl, id)
void svc_url_with_id_at(const char *file, int line, char url[SVC_URL_MAX], enum itest_service s,
                        const char *tmpl, const char *id);

/* Sends method to url with json (a JSON body, or NULL for none) and retries (-1: the configured
 * count); no assertions, so threads may use it. Returns what itest_http_send() returns. */
int svc_send(struct itest_http_response *resp, const char *method, const char *url,
             const char *json, int retries);

/* Sends method to url with json (or no body) and retries as configured, asserts the status and
 * returns the body parsed (free with cJSON_Delete), or NULL for a body-less status (204, HEAD).
 * resp may be NULL when the caller needs nothing but the tree. */
#define svc_call(resp, method, url, json, expect)                                                  \
    svc_call_at(__FILE__, __LINE__, resp, method, url, json, expect)
cJSON *svc_call_at(const char *file, int line, struct itest_http_response *resp, const char *method,
                   const char *url, const char *json, long expect);

/* Sends without retries, the path as written (no folding of "/../"), and asserts an error reply:
 * the status and the contract's
 * {"error": {"code": code, "message": non-empty}}. */
#define svc_expect_error(method, url, json, status, code)                                          \
    svc_expect_error_at(__FILE__, __LINE__, method, url, json, status, code)
void svc_expect_error_at(const char *file, int line, const char *method, const char *url,
                         const char *json, long status, const char *code);

/* qsort() comparator for an array of strings (char *). */
int svc_compare_strings(const void *a, const void *b);

/* A title, repo name or key part unique to this case and call: "<case>-<pid>-<n>". */
void svc_unique(char *buf, size_t len, const char *prefix);

/* Creates a task and returns its id (malloc'd: the caller frees it). */
#define svc_create_task(title, priority) svc_create_task_at(__FILE__, __LINE__, title, priority)
char *svc_create_task_at(const char *file, int line, const char *title, int priority);
/* PATCHes a task's status: asserts 200 and that the task it returns has that status. */
#define svc_set_status(task_id, status) svc_set_status_at(__FILE__, __LINE__, task_id, status)
void svc_set_status_at(const char *file, int line, const char *task_id, const char *status);

/* Allocates a slot for repo with ttl_s and records it for the teardown; returns its id
 * (malloc'd: the caller frees it) or NULL when the pool answered 503 (with *retry_after_s set
 * when non-NULL). */
#define svc_allocate(repo, ttl_s, retry_after_s)                                                   \
    svc_allocate_at(__FILE__, __LINE__, repo, ttl_s, retry_after_s)
char *svc_allocate_at(const char *file, int line, const char *repo, int ttl_s,
                      double *retry_after_s);
/* Releases a slot: asserts 204, then forgets it (a slot that would not go stays for the
 * teardown). */
#define svc_release(slot_id) svc_release_at(__FILE__, __LINE__, slot_id)
void svc_release_at(const char *file, int line, const char *slot_id);
/* GET /slots: capacity and in_use. */
#define svc_pool_usage(capacity, in_use) svc_pool_usage_at(__FILE__, __LINE__, capacity, in_use)
void svc_pool_usage_at(const char *file, int line, long *capacity, long *in_use);

/* Records a slot for the teardown to release (svc_allocate does this itself). */
void svc_track_slot(const char *slot_id);
/* Records an artifact key for the teardown to delete. */
void svc_track_artifact(const char *key);

/* DELETEs <base of s>/<collection>/<id> without retries or assertions (cleanup; threads may
 * use it); nothing when id is NULL or s has no URL. */
void svc_delete_quietly(enum itest_service s, const char *collection, const char *id);

/* Teardown of every case: releases recorded slots, deletes recorded artifacts, clears the
 * case's faults and journal on the mocks. */
int svc_teardown(void **state);

#endif
