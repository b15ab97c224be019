/* Helpers for the mock's own tests: start a private itest-mock with the options a case needs
 * (it dies with the test process), and send requests without retries. */
#ifndef MOCK_TEST_H
#define MOCK_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "itest/check.h"
#include "itest/http.h"
#include "itest/json.h"
#include "itest/suite.h"

struct mock {
    pid_t pid;
    char dir[256];   /* private temp dir: state file, log, data */
    char state[320]; /* the state file */
    char log[320];
    char url[5][96]; /* task-registry, repo-pool, artifact-store, llm, vector; "" when not
                        started */
};

enum { TR, POOL, STORE, LLM, VEC };

/* Starts MOCK_EXE with --state-file, --log and --data-dir in a fresh directory plus args
 * (NULL-terminated, may be NULL) and waits up to 10 s for the state file. Fails the case when
 * the mock does not come up, with what it printed. */
void mock_start(struct mock *m, const char *const *args);
/* SIGTERM, then waits up to 10 s; returns the exit status (-1: killed, signal or timeout). */
int mock_stop(struct mock *m);
/* Peak resident memory of the mock, in KiB (VmHWM). */
long mock_peak_rss_kib(const struct mock *m);

/* One request, no retries; headers NULL-terminated or NULL. Returns the transport result. */
int mt_send(struct itest_http_response *resp, const char *method, const char *url, const char *body,
            const char *const *headers);
/* mt_send() that must answer with status expected; returns the body parsed as JSON (NULL for an
 * empty body). */
#define mt_expect(resp, method, url, body, expected)                                               \
    mt_expect_at(__FILE__, __LINE__, resp, method, url, body, expected)
cJSON *mt_expect_at(const char *file, int line, struct itest_http_response *resp,
                    const char *method, const char *url, const char *body, long expected);
/* The error code of an error body ({"error": {"code": ...}}) must be code. */
#define mt_assert_error(json, code) itest_assert_json_string(json, "error.code", code)

/* "<base><path>" into a static thread-local buffer. */
const char *mt_url(const char *base, const char *path);

/* Registers a fault (JSON) on the mock at base; returns its id or fails the case. */
#define mt_fault(base, json) mt_fault_at(__FILE__, __LINE__, base, json)
long mt_fault_at(const char *file, int line, const char *base, const char *json);

#endif
