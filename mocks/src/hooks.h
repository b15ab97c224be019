/* Webhook deliveries: every service takes POST /__hooks/NAME (an Alertmanager webhook receiver,
 * for one) and keeps the last deliveries whole, body and all, for GET /__admin/hooks/NAME. The
 * journal keeps only the start of a body; a notification is read whole. Memory is bounded. */
#ifndef MOCK_HOOKS_H
#define MOCK_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#define MOCK_HOOKS_KEPT 128            /* deliveries kept per service (a ring) */
#define MOCK_HOOKS_BODY_MAX (1u << 20) /* bytes of one delivery */

struct mock_hooks;

struct mock_hooks *mock_hooks_new(void);
void mock_hooks_free(struct mock_hooks *h);

/* True when path is a hook's (/__hooks/NAME, NAME non-empty); its NAME in *name. */
bool mock_hooks_path(const char *path, const char **name);

/* Keeps one delivery to name. Returns its id (from 1). */
unsigned long long mock_hooks_add(struct mock_hooks *h, const char *name, const char *body,
                                  size_t len);

/* The deliveries to name (NULL: every name), oldest first: {"hooks": [{"id", "name",
 * "receivedAt", "body"}], "meta": {"total", "kept", "capacity"}}; a body that is JSON is given as
 * JSON, any other as text. */
cJSON *mock_hooks_find(struct mock_hooks *h, const char *name);

/* Forgets the deliveries to name (NULL: all). Returns how many. */
size_t mock_hooks_clear(struct mock_hooks *h, const char *name);

#endif
