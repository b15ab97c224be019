/* A service that forwards every request to a real one (libcurl) and, with --record, writes each
 * exchange to a cassette (cassette.h). Streams (text/event-stream) are passed through as they
 * arrive; other answers once whole. /health, /metrics and the admin API stay the mock's own, so
 * faults still apply on top. Only loopback clients are served unless --proxy-remote-clients: the
 * proxy carries real credentials to a real service. */
#ifndef MOCK_PROXY_H
#define MOCK_PROXY_H

#include "request.h"

struct mock_proxy;

/* The largest body a proxy carries (and a replay takes). */
#define MOCK_PROXY_BODY_LIMIT (64u << 20)

/* A proxy to url (the service's base URL; an LLM's trailing "/v1" is dropped, the suites' paths
 * carry it) that records into record_dir (NULL: none) as service. NULL with why in err. */
struct mock_proxy *mock_proxy_new(const char *service, const char *url, const char *record_dir,
                                  bool remote_clients, char *err, size_t errlen);
/* True when req declares a body larger than MOCK_PROXY_BODY_LIMIT. */
bool mock_proxy_oversized(const struct mock_request *req);
/* Headers are in: the body limit of a forwarded request. A declared body over it is not taken:
 * the target is asked with the headers alone (a target that refuses on them is heard) and req
 * is answered now. */
void mock_proxy_begin(struct mock_proxy *p, struct mock_request *req);
/* Forwards req and answers it with what the target said (502 when it could not be reached). */
void mock_proxy_forward(struct mock_proxy *p, struct mock_request *req);
void mock_proxy_free(struct mock_proxy *p);

/* A service answered entirely by a proxy (opts->proxy_url[kind]). */
extern const struct mock_routes mock_proxy_routes;

#endif
