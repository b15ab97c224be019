/* Secrets never reach output: URLs and connection strings shown with their passwords and key-like
 * parameters replaced, and a registry of secret values that output is scrubbed of. */
#ifndef ITEST_REDACT_H
#define ITEST_REDACT_H

#include <stddef.h>

/* Returns a malloc'd copy of a URL or libpq connection string with any password, and any query
 * parameter or keyword named like a secret (password, key, token, secret), replaced by "***".
 * NULL in, NULL out. */
char *itest_redact(const char *url);

/* Secrets that must never reach output (API keys, passwords). Values shorter than 4 bytes are
 * ignored (they would match everywhere). At most 32 are kept. Thread-safe. */
void itest_secret_add(const char *value);
/* The password of a URL ("scheme://user:PASSWORD@host") and of a "password=" keyword, if any,
 * become secrets. */
void itest_secret_add_from_url(const char *url);
/* Replaces, in place, every registered secret in buf with '*'. Thread-safe. */
void itest_secret_scrub(char *buf, size_t len);

#endif
