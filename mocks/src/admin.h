/* The admin API under /__admin/ on every service: faults, the request journal, reset. Its
 * routes are mock_admin_routes (server.h); here, loading faults from a file. */
#ifndef MOCK_ADMIN_H
#define MOCK_ADMIN_H

#include "server.h"

/* Registers the faults of a --faults file (a JSON array, or {"faults": [...]}) on the services
 * each names ("service": name; none: all). Returns 0, or -1 after printing the problem. */
int mock_admin_load_faults(struct mock_service *services, size_t n, const char *path);

#endif
