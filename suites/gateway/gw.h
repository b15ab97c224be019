/* What the gateway suite's cases share: the gateway under test (GATEWAY_URL, else the `gateway`
 * fixture's gateway.json), its backends per model (GATEWAY_BACKENDS, else the fixture's), its
 * promised timeouts, requests through it and straight to a backend, and the backends' journals
 * and faults for the running case's scope. */
#ifndef GW_H
#define GW_H

#include "itest/http.h"
#include "itest/llm.h"

#include <stdbool.h>
#include <stddef.h>

/* The models the cases ask for: the fixture's, or the first three GATEWAY_BACKENDS names in its
 * order (a model with two or more replicas, another model, an embedding model). */
#define GW_MODEL gw_model(0)     /* gpt-4o: two replicas in the fixture */
#define GW_SINGLE gw_model(1)    /* gpt-4o-mini: one */
#define GW_EMBEDDING gw_model(2) /* text-embedding-3-small, on gpt-4o-mini's backend */
const char *gw_model(int i);
#define GW_MAX_BACKENDS 8

/* The gateway's base URL. */
const char *gw_url(void);
/* True when the gateway is the fixture's (its backends can be killed and restarted). */
bool gw_is_fixture(void);
/* Skips the case unless the gateway is the fixture's; why names what the case does. */
void gw_require_fixture(const char *why);
/* The roots of model's backends (their URLs) into urls; how many. Skips the case, saying how to
 * name them, when fewer than min are known or they are not itest-mock (no admin API). The
 * strings stay valid for the next 7 calls. */
size_t gw_backends(const char *model, const char **urls, size_t min);
/* The seconds the gateway waits for a silent backend, and leaves a failed one out. */
double gw_read_timeout_s(void);
double gw_fail_timeout_s(void);

/* INTEGRATION_TEST_GATEWAY_MAX_LATENCY: the high-load scenario's p95 bound, ms (2000). */
double gw_high_load_max_p95_ms(void);

/* A chat completion body for model: one user message. malloc'd. */
char *gw_chat_body(const char *model, const char *prompt);
/* POST path with body through the gateway (root NULL) or to a backend's root, with the key,
 * extra headers (NULL-terminated or NULL), no retries. Returns what itest_http_send returns. */
int gw_post(struct itest_http_response *resp, const char *root, const char *path, const char *body,
            const char *const *extra, double timeout_s);
/* A chat completion of model with prompt: gw_post of POST /v1/chat/completions. */
int gw_chat(struct itest_http_response *resp, const char *root, const char *model,
            const char *prompt, const char *const *extra, double timeout_s);

/* Streams a chat completion of model (root NULL: through the gateway, else straight from that
 * backend) offering gzip as the SDKs do, with the LLM client: the chunks, [DONE], the time to the
 * first piece and to the end, and the first protocol problem (a chunk that is not JSON, another
 * completion id). Returns what itest_llm_chat returns; free with itest_llm_reply_free. */
int gw_stream(struct itest_llm_reply *reply, const char *root, const char *model,
              const char *prompt);

/* Requests of the running case a backend journaled (POST, /v1/...). */
long gw_count(const char *root);
/* Of those, how many it answered with status. */
long gw_count_status(const char *root, int status);
/* Registers fault (a definition, scoped to the case) on every root. */
void gw_fault(const char *const *roots, size_t n, const char *json);

/* Kills the fixture's backend serving url (SIGKILL) and returns once it is gone. */
void gw_kill_backend(const char *url);
/* Starts it again on its port; fails the case when it does not come back. */
void gw_restart_backend(const char *url);

/* The fixture's nginx error log (skips for a real gateway). */
const char *gw_fixture_log(void);

/* Teardown: the case's faults and journal off every backend, every killed backend restarted,
 * then, when the case faulted or killed one, a wait of the fail timeout (and the second more
 * nginx's whole-second clock may take), so that the next case finds every replica in rotation. */
int gw_teardown(void **state);

#endif
