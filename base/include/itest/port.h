/* Loopback ports for the servers the fixtures start. */
#ifndef ITEST_PORT_H
#define ITEST_PORT_H

/* A free TCP port on 127.0.0.1 (bound, read, released: the caller retries if it is taken by the
 * time its server binds it), or -1. */
int itest_free_port(void);

#endif
