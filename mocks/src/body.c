#include "body.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

void mock_body_init(struct mock_body *b)
{
    memset(b, 0, sizeof *b);
    b->limit = UINT64_MAX;
    b->fd = -1;
}

static int spill(struct mock_body *b)
{
    if (asprintf(&b->path, "%s/body-XXXXXX", b->spill_dir ? b->spill_dir : "/tmp") < 0) {
        b->path = NULL;
        return -1;
    }
    b->fd = mkstemp(b->path);
    if (b->fd < 0) {
        b->error = errno;
        free(b->path);
        b->path = NULL;
        return -1;
    }
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(b->fd, b->data + off, b->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            b->error = errno ? errno : EIO;
            return -1;
        }
        off += (size_t)w;
    }
    free(b->data);
    b->data = NULL;
    b->cap = 0;
    return 0;
}

void mock_body_append(struct mock_body *b, const char *data, size_t len)
{
    if (b->hash && !b->sha) {
        b->sha = EVP_MD_CTX_new();
        EVP_DigestInit_ex(b->sha, EVP_sha256(), NULL);
    }
    b->total += len;
    if (b->too_large || b->total > b->limit) {
        b->too_large = true;
        return;
    }
    if (b->sha)
        EVP_DigestUpdate(b->sha, data, len);
    if (b->error)
        return;
    if (b->fd < 0 && b->spill_threshold && b->len + len > b->spill_threshold && spill(b) != 0)
        return;
    if (b->fd >= 0) {
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(b->fd, data + off, len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                b->error = errno ? errno : EIO;
                return;
            }
            off += (size_t)w;
        }
        b->len += len;
        return;
    }
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
            b->error = ENOMEM;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void mock_body_sha256(struct mock_body *b, char hex[65])
{
    unsigned char digest[32];
    unsigned int n = 0;
    if (!b->sha) { /* an empty body */
        EVP_Digest("", 0, digest, &n, EVP_sha256(), NULL);
    } else {
        EVP_DigestFinal_ex(b->sha, digest, &n);
        EVP_MD_CTX_free(b->sha);
        b->sha = NULL;
    }
    mock_hex(hex, digest, 32);
}

void mock_body_free(struct mock_body *b)
{
    free(b->data);
    if (b->fd >= 0)
        close(b->fd);
    if (b->path) {
        unlink(b->path);
        free(b->path);
    }
    if (b->sha)
        EVP_MD_CTX_free(b->sha);
    mock_body_init(b);
}
