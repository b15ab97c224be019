/* A request as a mock service sees it: what came in (method, path, headers, body, scope) and the
 * answer being built. The core (server.c) fills it in; services answer it through reply.h. */
#ifndef MOCK_REQUEST_H
#define MOCK_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>

#include "body.h"

struct mock_service;
struct mock_fault;
struct mock_mutation_set;

struct mock_header {
    char *name, *value;
};

struct mock_request {
    struct mock_service *svc;
    struct mock_mutation_set *mutations; /* the service's: mock_mutated() asks it */
    bool openai_errors; /* the LLM answers errors in OpenAI's shape, the platform in its own */
    bool numeric_codes; /* OpenAI errors carry the status as code (a server without OpenAI's codes)
                         */
    bool flat_errors;   /* OpenAI errors without the "error" object (an older vLLM) */
    struct MHD_Connection *conn;   /* NULL for a request decided without a socket (fuzzing) */
    const char *const *headers_in; /* without conn: "Name: value" strings, NULL-terminated */
    const char *const *query_in;   /* without conn: "name=value" strings, NULL-terminated */
    const char *method;
    char *path;
    bool admin; /* the path is /__admin or below it: decided once, on the headers */
    char scope[128];
    uint64_t start_ns;
    struct mock_body body;
    /* the answer */
    int status;
    char *out; /* in-memory body (malloc'd), unless custom is set */
    size_t out_len;
    struct mock_header headers[32]; /* a proxied answer keeps the target's */
    size_t n_headers;
    struct MHD_Response *custom; /* a ready response (files, streams) */
    struct mock_fault *fault;    /* matched fault, one reference */
    double delay_ms;
    bool answered, decided, queued, journaled;
};

#endif
