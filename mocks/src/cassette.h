/* Cassettes: the exchanges a recording proxy saw, one JSON line each, in DIR/<service>/<case>.jsonl
 * (the case from the scope header, its "#pid" dropped so that the next run finds it), and the
 * lookup a replaying mock answers from. Credentials are written as "[redacted]" and registered
 * secrets are scrubbed before a line is written; bodies that are not UTF-8 text are written as
 * base64. The format is in docs/record-replay.md. */
#ifndef MOCK_CASSETTE_H
#define MOCK_CASSETTE_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

/* One piece of a streamed answer and when it arrived after the request was sent. */
struct mock_event {
    double at_ms;
    char *data;
    size_t len;
};

struct mock_exchange {
    /* the request */
    char *method, *path, *query, *scope; /* query: "a=1&b=2" or ""; scope: "" when none */
    cJSON *request_headers;              /* {"name": "value"}, names in lower case */
    char *request_body;
    size_t request_len;
    /* the answer */
    int status;
    cJSON *response_headers; /* {"name": "value"} */
    char *body;              /* the whole body (the events joined, for a stream) */
    size_t body_len;
    struct mock_event *events; /* a stream's pieces (SSE), else none */
    size_t n_events;
    double duration_ms;
    /* replay bookkeeping */
    char *canonical; /* the request body in canonical form (see mock_cassette_canonical) */
    bool used;
    char where[320]; /* "file:line" */
};

void mock_exchange_clear(struct mock_exchange *x);

/* The case a scope header names, its "#pid" dropped ("suite.case#123" -> "suite.case"). */
void mock_cassette_case(char *out, size_t len, const char *scope);
/* The cassette file name of a case (mock_cassette_case()): anything outside [A-Za-z0-9._-] made
 * '_',
 * "_unscoped" when empty. */
void mock_cassette_name(char *out, size_t len, const char *scope);

/* A JSON body with its object keys sorted (at every depth), the members named in ignore (a JSON
 * array of names, may be NULL) removed, printed compactly; a body that is not JSON, as it is.
 * Malloc'd. */
char *mock_cassette_canonical(const char *body, size_t len, const cJSON *ignore);

/* Appends x to DIR/<service>/<case>.jsonl (one write, so that concurrent cases never interleave);
 * the first exchange this process writes to a file replaces what the file held (a case recorded
 * again).
 * Returns 0, or -1 with why in err. */
int mock_cassette_append(const char *dir, const char *service, const struct mock_exchange *x,
                         char *err, size_t errlen);

/* Every exchange of DIR/<service>/ (its .jsonl files in name order). NULL with the reason in err
 * ("file:line: problem") when a file cannot be read or a line is not an exchange. */
struct mock_cassettes *mock_cassettes_load(const char *dir, const char *service,
                                           const cJSON *ignore, char *err, size_t errlen);
/* The exchanges of len bytes of cassette text, named name in messages (the fuzz target's way
 * in). */
struct mock_cassettes *mock_cassettes_parse(const char *name, const char *text, size_t len,
                                            const cJSON *ignore, char *err, size_t errlen);
size_t mock_cassettes_count(const struct mock_cassettes *c);
/* The i-th exchange, in load order (i < mock_cassettes_count()). */
const struct mock_exchange *mock_cassettes_at(const struct mock_cassettes *c, size_t i);
/* The recording that answers a request: the first unused one with the same method, path, query,
 * case and canonical body (marked used), else the last used such one (a repeated request). NULL
 * when there is none, with a message in miss naming the closest recording, where it is and how
 * it differs. Thread-safe. */
const struct mock_exchange *mock_cassettes_find(struct mock_cassettes *c, const char *method,
                                                const char *path, const char *query,
                                                const char *scope, const char *body, size_t len,
                                                char *miss, size_t misslen);
/* Forgets which recordings were used (POST /__admin/reset). */
void mock_cassettes_rewind(struct mock_cassettes *c);
void mock_cassettes_free(struct mock_cassettes *c);

#endif
