/* The HTTP core every mock service shares: one libmicrohttpd daemon per service, the request
 * life cycle (headers, body, fault, handler, delay, response), /health, /metrics, the journal
 * and the log. Services and the admin API fill in a mock_routes table each and answer through
 * the mock_reply*() helpers; main.c wires the tables to the services, so this core calls up into
 * none of them. A request is decided without a socket (mock_request_decide), which the fuzz
 * targets use. */
#ifndef MOCK_SERVER_H
#define MOCK_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <microhttpd.h>
#include <cjson/cJSON.h>

#include "faults.h"
#include "hooks.h"
#include "journal.h"
#include "metrics.h"
#include "mutations.h"
#include "reply.h"
#include "request.h"

#include "itest/platform.h" /* enum itest_service: the services and their names */

struct mock_options {
    const char *bind;      /* address to listen on */
    unsigned port;         /* 0: ephemeral */
    const char *api_key;   /* LLM: Bearer key required when set */
    long capacity;         /* repo pool slots */
    const char *repos_dir; /* repo pool: the bare repositories served (NULL: none) */
    const char *seeds_dir; /* repo pool: seed projects made into bare repositories */
    uint64_t max_artifact_bytes;
    const char *rules_path; /* LLM reply rules */
    const char *data_dir;   /* where big bodies spill */
    long journal_size;
    long threads;
    long max_records;           /* task registry: tasks + events + artifact records */
    const char *vector_api_key; /* vector store: api-key required when set */
    const char *admin_token;    /* the admin API requires it when set */
    long max_points;            /* vector store: points in all collections */
    double ttft_ms;             /* LLM streaming: time to first token */
    double chunk_delay_ms;
    const char *models; /* LLM: comma list */
    const char
        *llm_profile; /* LLM: a profile file (fixtures/data/llm-profiles): behave as it says */
    /* record and replay (proxy.h, replay.h) */
    const char *proxy_url[ITEST_SERVICE_COUNT]; /* forward the service here (NULL: serve it) */
    const char *record_dir;                     /* write cassettes of what is forwarded here */
    const char *replay_dir;                     /* answer from the cassettes here */
    double replay_speed;                        /* stream pacing divisor; 0: at once */
    bool replay_miss_proxy;                     /* forward a request with no recording */
    bool proxy_remote_clients;                  /* forward for clients beyond loopback */
    const cJSON *replay_ignore;                 /* body members matching ignores */
    FILE *log;
};

struct mock_routes {
    /* Sets up service state; returns 0, or -1 after printing why. */
    int (*init)(struct mock_service *svc);
    void (*destroy)(struct mock_service *svc);
    /* Forgets every task, slot, artifact (POST /__admin/reset). */
    void (*reset)(struct mock_service *svc);
    /* Headers are in, the body is not: set body limits, or answer at once (e.g. 413). */
    void (*begin)(struct mock_service *svc, struct mock_request *req);
    /* The whole request is in: answer it with a mock_reply*() call. */
    void (*handle)(struct mock_service *svc, struct mock_request *req);
    /* Extra lines for GET /metrics (malloc'd text), or NULL. */
    char *(*metrics)(struct mock_service *svc);
};

struct mock_service {
    enum itest_service kind;
    const char *name;                 /* "task-registry", ... */
    const struct mock_routes *routes; /* the service's */
    const struct mock_routes *admin;  /* the admin API's (/__admin and below) */
    const struct mock_options *opts;
    const char *mode; /* "mock", "proxy" (to a real target) or "replay" (from cassettes) */
    struct MHD_Daemon *daemon;
    unsigned port;
    char url[96];
    struct mock_fault_set *faults;
    struct mock_mutation_set *mutations;
    struct mock_journal *journal;
    struct mock_hooks *hooks; /* webhook deliveries (POST /__hooks/NAME) */
    struct mock_metrics *metrics;
    struct MHD_Response *health; /* built once, queued for every GET /health */
    void *state;                 /* the service's own */
};

extern const struct mock_routes mock_task_registry_routes;
extern const struct mock_routes mock_repo_pool_routes;
extern const struct mock_routes mock_artifact_store_routes;
extern const struct mock_routes mock_llm_routes;
extern const struct mock_routes mock_vector_routes;
extern const struct mock_routes mock_admin_routes;

/* Sets up the service's state (faults, journal, metrics, the routes' init) without a daemon.
 * Returns 0 or -1 after printing why to stderr; mock_service_stop() undoes a half-done one. */
int mock_service_init(struct mock_service *svc, enum itest_service kind,
                      const struct mock_routes *routes, const struct mock_routes *admin,
                      const struct mock_options *opts);
/* Starts the service's daemon on opts->bind and port (0: ephemeral), after init. Returns 0 or -1
 * after printing why to stderr. */
int mock_service_listen(struct mock_service *svc, unsigned port);
void mock_service_stop(struct mock_service *svc);

/* True when path is the admin API's (/__admin, /__admin/...). */
bool mock_is_admin_path(const char *path);

/* A request on conn, or without a connection (conn NULL: headers and query then answer the
 * lookups, "Name: value" and "name=value" strings, NULL-terminated or NULL). mock_request_free()
 * releases it. */
struct mock_request *mock_request_new(struct mock_service *svc, struct MHD_Connection *conn,
                                      const char *method, const char *path,
                                      const char *const *headers, const char *const *query);
/* The headers are in: the routes' begin (limits, an answer on the headers alone). */
void mock_request_begin(struct mock_request *req);
/* The whole request is in: the admin API, a matching fault or the service answers it (once).
 * Afterwards req->status, req->out/custom, req->fault and req->delay_ms say what to send. */
void mock_request_decide(struct mock_request *req);
void mock_request_free(struct mock_request *req);

/* One line to the --log file, if any (thread-safe). */
void mock_log(const struct mock_options *opts, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
