/* Loopback ports for the servers the fixtures start, and the address part of a URL. */
#ifndef ITEST_PORT_H
#define ITEST_PORT_H

#include <stddef.h>

/* A free TCP port on 127.0.0.1 (bound, read, released: the caller retries if it is taken by the
 * time its server binds it), or -1. */
int itest_free_port(void);

/* The host:port of a URL ("http://user@127.0.0.1:9090/x" -> "127.0.0.1:9090"; a bare host:port
 * as it is), as Prometheus names a target's instance, into out. Returns 0, or -1 when it is empty
 * or does not fit. */
int itest_url_host_port(const char *url, char *out, size_t len);

#endif
