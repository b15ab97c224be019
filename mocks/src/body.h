/* A request body as it arrives: in memory up to a threshold, then spilled to a temporary file,
 * so a 256 MiB artifact never sits in RAM. Optionally hashed (sha256) on the way in. */
#ifndef MOCK_BODY_H
#define MOCK_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mock_body {
    /* settings, before the first byte */
    uint64_t limit;         /* bytes accepted; beyond it the body is counted, not kept */
    size_t spill_threshold; /* 0: never spill */
    const char *spill_dir;
    bool hash;
    /* state */
    char *data; /* in memory (NUL-terminated) while not spilled */
    size_t len, cap;
    uint64_t total; /* bytes received, kept or not */
    bool too_large; /* total exceeded limit */
    int fd;         /* the spill file, or -1 */
    char *path;     /* its name (unlinked by mock_body_free unless taken) */
    void *sha;      /* EVP_MD_CTX */
    int error;      /* errno of a failed write, else 0 */
};

void mock_body_init(struct mock_body *b);
void mock_body_append(struct mock_body *b, const char *data, size_t len);
/* Finishes the hash into hex[65] (when hashing). */
void mock_body_sha256(struct mock_body *b, char hex[65]);
void mock_body_free(struct mock_body *b);

#endif
