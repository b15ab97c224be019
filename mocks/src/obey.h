/* What a mock does when a fault matches a request (faults.h): answer with the fault's status or
 * a rate limit (with Retry-After and x-ratelimit headers), or break the connection the way the
 * fault names. */
#ifndef MOCK_OBEY_H
#define MOCK_OBEY_H

#include "faults.h"
#include "request.h"

/* A 429 in the service's error format with Retry-After, retry-after-ms and x-ratelimit-*. */
void mock_obey_rate_limit(struct mock_request *req, const struct mock_fault *f);
/* The fault's status with its body and headers, or the service's error body. */
void mock_obey_status(struct mock_request *req, const struct mock_fault *f);
/* A connection-level fault on req's connection; the caller then lets libmicrohttpd close it. */
void mock_obey_break(struct mock_request *req, enum mock_fault_kind kind);

#endif
