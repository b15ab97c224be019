/* Faults: what a mock does instead of (or on top of) answering normally, registered through
 * the admin API or a --faults file. The vocabulary is WireMock's where the meaning is the same:
 * "fault" names (EMPTY_RESPONSE, ...), fixedDelayMilliseconds, delayDistribution,
 * chunkedDribbleDelay. A fault with a scope applies only to requests whose X-Itest-Scope header
 * equals it; one without is global. The newest matching fault wins. */
#ifndef MOCK_FAULTS_H
#define MOCK_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

enum mock_fault_kind {
    MOCK_FAULT_NONE,
    MOCK_FAULT_EMPTY_RESPONSE,           /* close without a byte */
    MOCK_FAULT_MALFORMED_RESPONSE_CHUNK, /* 200 header, a broken chunk, close */
    MOCK_FAULT_RANDOM_DATA_THEN_CLOSE,   /* garbage instead of HTTP, close */
    MOCK_FAULT_CONNECTION_RESET_BY_PEER, /* RST */
};

struct mock_fault_header {
    char *name, *value;
};

struct mock_fault {
    uint64_t id;
    char *scope; /* NULL: global */
    /* matching */
    char *method;    /* NULL: any */
    char *url_path;  /* exact path, or NULL */
    void *url_regex; /* regex_t* over the whole path, or NULL */
    long times;      /* hits left; -1 unlimited */
    double probability;
    /* response */
    int status; /* 0: the service answers as usual */
    char *body;
    size_t body_len;
    struct mock_fault_header *headers;
    size_t n_headers;
    enum mock_fault_kind kind;
    int delay_type; /* 0 none, 1 fixed, 2 uniform, 3 lognormal */
    double delay_a, delay_b;
    int dribble_chunks;
    double dribble_total_ms;
    bool rate_limit;
    double retry_after_ms;
    long rate_limit_limit, rate_limit_remaining;
    int stream_error_after; /* SSE: an error event after K chunks; -1 none */
    char *stream_error_message;
    int stream_cut_after; /* SSE: cut the connection after K chunks; -1 none */
    /* bookkeeping */
    long hits;
    int refs;
    cJSON *definition; /* as registered, echoed by the list */
};

const char *mock_fault_kind_name(enum mock_fault_kind kind);

/* Parses one fault definition. Returns it (one reference), or NULL with a message naming the
 * field and the problem in err. */
struct mock_fault *mock_fault_parse(const cJSON *def, char *err, size_t errlen);
void mock_fault_release(struct mock_fault *f);
/* A delay drawn from the fault's distribution, in ms (0 when none). */
double mock_fault_delay_ms(const struct mock_fault *f);
/* A short name of what the fault does, for the journal and the log ("status 503",
 * "CONNECTION_RESET_BY_PEER", "delay", "rate limit", ...). */
void mock_fault_describe(const struct mock_fault *f, char *buf, size_t len);

struct mock_fault_set;

struct mock_fault_set *mock_fault_set_new(void);
void mock_fault_set_free(struct mock_fault_set *set);
/* Takes the reference; gives the fault its id. */
void mock_fault_set_add(struct mock_fault_set *set, struct mock_fault *f);
/* The newest fault matching the request, with a reference for the caller (release it), its hit
 * counted; NULL when none. Lock-free when the set is empty. */
struct mock_fault *mock_fault_set_match(struct mock_fault_set *set, const char *method,
                                        const char *path, const char *scope);
/* Removes one fault by id (true if found), or every fault of a scope (scope NULL: all);
 * returns how many were removed. */
bool mock_fault_set_remove(struct mock_fault_set *set, uint64_t id);
size_t mock_fault_set_clear(struct mock_fault_set *set, const char *scope);
/* {"faults": [definition + id, hits, remaining]} */
cJSON *mock_fault_set_list(struct mock_fault_set *set);

#endif
