/* Artifact Store: byte-exact PUT/GET/HEAD/DELETE by key, ETag = sha256, single Range requests,
 * a size limit (CONTRACTS.md). Bodies over 1 MiB live in files under the data directory and are
 * served with sendfile, never loaded whole. */
#include "server.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPILL_BYTES (1u << 20)

struct artifact {
    struct artifact *next; /* bucket chain */
    char *key;
    char sha256[65];
    uint64_t size;
    char *content_type;
    char *data; /* in memory, or */
    char *path; /* in a file */
};

struct store {
    pthread_mutex_t lock;
    struct artifact **buckets;
    size_t n_buckets, count;
    uint64_t bytes;
    unsigned long long puts, gets, deletes;
};

static int init(struct mock_service *svc)
{
    struct store *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->n_buckets = 1024;
    s->buckets = calloc(s->n_buckets, sizeof *s->buckets);
    if (!s->buckets) {
        free(s);
        return -1;
    }
    pthread_mutex_init(&s->lock, NULL);
    svc->state = s;
    return 0;
}

static void free_artifact(struct artifact *a)
{
    if (a->path) {
        unlink(a->path);
        free(a->path);
    }
    free(a->data);
    free(a->key);
    free(a->content_type);
    free(a);
}

static void reset(struct mock_service *svc)
{
    struct store *s = svc->state;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_buckets; i++) {
        for (struct artifact *a = s->buckets[i], *next; a; a = next) {
            next = a->next;
            free_artifact(a);
        }
        s->buckets[i] = NULL;
    }
    s->count = 0;
    s->bytes = 0;
    pthread_mutex_unlock(&s->lock);
}

static void destroy(struct mock_service *svc)
{
    struct store *s = svc->state;
    if (!s)
        return;
    reset(svc);
    free(s->buckets);
    pthread_mutex_destroy(&s->lock);
    free(s);
    svc->state = NULL;
}

static struct artifact **slot_of(struct store *s, const char *key)
{
    struct artifact **at = &s->buckets[mock_hash(key, strlen(key), 0) % s->n_buckets];
    while (*at && strcmp((*at)->key, key) != 0)
        at = &(*at)->next;
    return at;
}

static void grow(struct store *s)
{
    size_t n = s->n_buckets * 2;
    struct artifact **buckets = calloc(n, sizeof *buckets);
    if (!buckets)
        return; /* chains get longer; still correct */
    for (size_t i = 0; i < s->n_buckets; i++) {
        for (struct artifact *a = s->buckets[i], *next; a; a = next) {
            next = a->next;
            size_t b = mock_hash(a->key, strlen(a->key), 0) % n;
            a->next = buckets[b];
            buckets[b] = a;
        }
    }
    free(s->buckets);
    s->buckets = buckets;
    s->n_buckets = n;
}

/* Keys: 1-512 of [A-Za-z0-9._/-], without "..". Writes the problem to why. */
static bool valid_key(const struct mock_request *req, const char *key, char *why, size_t len)
{
    size_t n = strlen(key);
    size_t longest = mock_mutated(req, MOCK_MUT_STORE_LONGEST_KEY_REFUSED) ? 256 : 512;
    if (n == 0 || n > longest) {
        snprintf(why, len, "key must be 1..%zu characters, got %zu", longest, n);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '/' || c == '-')) {
            snprintf(why, len,
                     "key has a character outside [A-Za-z0-9._/-] at position %zu "
                     "(byte 0x%02x)",
                     i, c);
            return false;
        }
    }
    if (strstr(key, "..") && !mock_mutated(req, MOCK_MUT_STORE_DOTDOT_ACCEPTED)) {
        snprintf(why, len, "key must not contain \"..\"");
        return false;
    }
    return true;
}

static const char *key_of(const struct mock_request *req)
{
    return strncmp(req->path, "/artifacts/", 11) == 0 ? req->path + 11 : NULL;
}

static void begin(struct mock_service *svc, struct mock_request *req)
{
    const char *key = key_of(req);
    if (!key || strcmp(req->method, "PUT") != 0)
        return;
    char why[160];
    if (!valid_key(req, key, why, sizeof why))
        return mock_reply_error(req, 400, "invalid_key", "%s", why);
    uint64_t max = svc->opts->max_artifact_bytes;
    const char *length = mock_request_header(req, "Content-Length");
    unsigned long long declared;
    int too_large = mock_mutated(req, MOCK_MUT_STORE_LIMIT_400) ? 400 : 413;
    if (length && sscanf(length, "%llu", &declared) == 1 && declared > max)
        return mock_reply_error(req, too_large, "payload_too_large",
                                "artifact of %llu bytes is over the limit of %" PRIu64 " bytes",
                                declared, max);
    req->body.limit = max;
    req->body.spill_threshold = SPILL_BYTES;
    req->body.spill_dir = svc->opts->data_dir;
    req->body.hash = true;
}

static cJSON *summary(const struct mock_request *req, const struct artifact *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "key", a->key);
    cJSON_AddNumberToObject(o, "size",
                            (double)a->size + mock_mutated(req, MOCK_MUT_STORE_PUT_SIZE_WRONG));
    char sha[65];
    memcpy(sha, a->sha256, sizeof sha);
    if (mock_mutated(req, MOCK_MUT_STORE_PUT_SHA_WRONG))
        sha[0] = sha[0] == '0' ? '1' : '0';
    cJSON_AddStringToObject(o, "sha256", sha);
    cJSON_AddStringToObject(o, "content_type", a->content_type);
    return o;
}

static void put(struct mock_service *svc, struct mock_request *req, const char *key)
{
    struct store *s = svc->state;
    struct mock_body *b = &req->body;
    if (b->too_large)
        return mock_reply_error(req, 413, "payload_too_large",
                                "artifact of %" PRIu64 "+ bytes is over the limit of %" PRIu64
                                " bytes",
                                b->total, b->limit);
    if (b->error)
        return mock_reply_error(req, 507, "storage_error", "cannot keep the body: %s",
                                strerror(b->error));
    struct artifact *a = calloc(1, sizeof *a);
    a->key = strdup(key);
    a->size = b->total;
    mock_body_sha256(b, a->sha256);
    const char *type = mock_request_header(req, "Content-Type");
    a->content_type = strdup(type && *type ? type : "application/octet-stream");
    if (b->fd >= 0) { /* take the spill file */
        close(b->fd);
        b->fd = -1;
        a->path = b->path;
        b->path = NULL;
    } else {
        a->data = b->data ? b->data : strdup("");
        b->data = NULL;
        b->len = b->cap = 0;
    }
    cJSON *out = summary(req, a);
    pthread_mutex_lock(&s->lock);
    struct artifact **at = slot_of(s, key);
    struct artifact *old = *at;
    if (old && mock_mutated(req, MOCK_MUT_STORE_OVERWRITE_KEEPS_FIRST)) {
        pthread_mutex_unlock(&s->lock);
        free_artifact(a);
        return mock_reply_json(req, 200, out);
    }
    if (old) {
        a->next = old->next;
        s->bytes -= old->size;
    } else {
        s->count++;
    }
    *at = a;
    s->bytes += a->size;
    s->puts++;
    if (s->count > 2 * s->n_buckets)
        grow(s);
    pthread_mutex_unlock(&s->lock);
    if (old)
        free_artifact(old); /* a GET already streaming it holds its own descriptor */
    mock_reply_json(req, old && !mock_mutated(req, MOCK_MUT_STORE_OVERWRITE_201) ? 200 : 201, out);
}

/* "bytes=a-b", "bytes=a-", "bytes=-n" against size. Returns 1 with the range, 0 to ignore the
 * header (absent, several ranges, not bytes), -1 when unsatisfiable. */
static int parse_range(const char *header, uint64_t size, uint64_t *from, uint64_t *to)
{
    if (!header || strncmp(header, "bytes=", 6) != 0 || strchr(header, ','))
        return 0;
    const char *spec = header + 6;
    unsigned long long a = 0, b = 0;
    int used = 0;
    if (sscanf(spec, "-%llu%n", &b, &used) == 1 && spec[used] == '\0') {
        if (b == 0 || size == 0)
            return -1;
        *from = b >= size ? 0 : size - b;
        *to = size - 1;
        return 1;
    }
    used = 0;
    if (sscanf(spec, "%llu-%n", &a, &used) == 1 && spec[used] == '\0') {
        b = size ? size - 1 : 0;
    } else if (sscanf(spec, "%llu-%llu%n", &a, &b, &used) != 2 || spec[used] != '\0' || b < a) {
        return 0;
    }
    if (a >= size)
        return -1;
    *from = a;
    *to = b >= size ? size - 1 : b;
    return 1;
}

static void get(struct mock_service *svc, struct mock_request *req, const char *key)
{
    struct store *s = svc->state;
    pthread_mutex_lock(&s->lock);
    struct artifact *a = *slot_of(s, key);
    if (!a) {
        pthread_mutex_unlock(&s->lock);
        return mock_reply_error(req, 404, "not_found", "no artifact %s", key);
    }
    s->gets++;
    char etag[70], type[256];
    if (mock_mutated(req, MOCK_MUT_STORE_ETAG_IS_SIZE))
        snprintf(etag, sizeof etag, "\"%" PRIu64 "\"", a->size);
    else if (mock_mutated(req, MOCK_MUT_STORE_ETAG_UNQUOTED))
        snprintf(etag, sizeof etag, "%s", a->sha256);
    else
        snprintf(etag, sizeof etag, "\"%s\"", a->sha256);
    snprintf(type, sizeof type, "%s",
             mock_mutated(req, MOCK_MUT_STORE_CONTENT_TYPE_DROPPED) ? "application/octet-stream"
                                                                    : a->content_type);
    uint64_t size = a->size, from = 0, to = size ? size - 1 : 0;
    const char *inm = mock_request_header(req, "If-None-Match");
    if (inm && (strcmp(inm, etag) == 0 || strcmp(inm, "*") == 0)) {
        pthread_mutex_unlock(&s->lock);
        mock_reply(req, 304, NULL, "", 0);
        mock_add_header(req, "ETag", etag);
        return;
    }
    int range = mock_mutated(req, MOCK_MUT_STORE_RANGE_IGNORED)
                    ? 0
                    : parse_range(mock_request_header(req, "Range"), size, &from, &to);
    if (range < 0 && mock_mutated(req, MOCK_MUT_STORE_UNSATISFIABLE_200)) {
        range = 0;
        from = 0;
        to = size ? size - 1 : 0;
    }
    if (range < 0) {
        pthread_mutex_unlock(&s->lock);
        char cr[64];
        snprintf(cr, sizeof cr, "bytes */%" PRIu64, size);
        mock_reply_error(req, 416, "range_not_satisfiable", "artifact %s has %" PRIu64 " bytes",
                         key, size);
        mock_add_header(req, "Content-Range", cr);
        return;
    }
    uint64_t len = size ? to - from + 1 : 0;
    int status = range > 0 ? 206 : 200;
    /* what is sent: from + shift, len bytes (a mutation may shift or shorten them) */
    uint64_t shift = range > 0 && mock_mutated(req, MOCK_MUT_STORE_RANGE_SHIFTED) && to + 1 < size;
    bool head = strcmp(req->method, "HEAD") == 0;
    if (head && mock_mutated(req, MOCK_MUT_STORE_HEAD_LENGTH_ZERO)) {
        pthread_mutex_unlock(&s->lock);
        mock_reply(req, status, type, "", 0);
    } else if (a->path) {
        int fd = open(a->path, O_RDONLY | O_CLOEXEC);
        pthread_mutex_unlock(&s->lock);
        if (fd < 0)
            return mock_reply_error(req, 500, "storage_error", "cannot open artifact %s: %s", key,
                                    strerror(errno));
        uint64_t sent = len - (len > 0 && mock_mutated(req, MOCK_MUT_STORE_LARGE_BODY_SHORT));
        struct MHD_Response *resp =
            MHD_create_response_from_fd_at_offset64(sent, fd, (int64_t)(from + shift));
        if (!resp) {
            close(fd);
            return mock_reply_error(req, 500, "internal_error", "cannot stream artifact %s", key);
        }
        mock_reply_custom(req, status, resp);
        mock_add_header(req, "Content-Type", type);
    } else {
        mock_reply(req, status, type, a->data + from + shift, len);
        pthread_mutex_unlock(&s->lock);
        if (len > 0 && req->out && mock_mutated(req, MOCK_MUT_STORE_BYTES_ALTERED))
            req->out[len - 1] ^= 0x01;
    }
    if (!(head && mock_mutated(req, MOCK_MUT_STORE_HEAD_WITHOUT_ETAG)))
        mock_add_header(req, "ETag", etag);
    mock_add_header(req, "Accept-Ranges", "bytes");
    if (range > 0) {
        char cr[96];
        if (mock_mutated(req, MOCK_MUT_STORE_CONTENT_RANGE_WRONG))
            snprintf(cr, sizeof cr, "bytes %" PRIu64 "-%" PRIu64 "/*", from, to);
        else
            snprintf(cr, sizeof cr, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, from, to, size);
        mock_add_header(req, "Content-Range", cr);
    }
}

static void del(struct mock_service *svc, struct mock_request *req, const char *key)
{
    struct store *s = svc->state;
    pthread_mutex_lock(&s->lock);
    struct artifact **at = slot_of(s, key);
    struct artifact *a = *at;
    if (a && mock_mutated(req, MOCK_MUT_STORE_DELETE_KEEPS)) {
        pthread_mutex_unlock(&s->lock);
        return mock_reply(req, 204, NULL, "", 0);
    }
    if (a) {
        *at = a->next;
        s->count--;
        s->bytes -= a->size;
        s->deletes++;
    }
    pthread_mutex_unlock(&s->lock);
    if (!a)
        return mock_reply_error(req, 404, "not_found", "no artifact %s", key);
    free_artifact(a);
    mock_reply(req, 204, NULL, "", 0);
}

static void handle(struct mock_service *svc, struct mock_request *req)
{
    const char *key = key_of(req);
    const char *m = req->method;
    if (!key)
        return mock_reply_error(req, 404, "not_found", "no route %s %s", m, req->path);
    char why[160];
    if (!valid_key(req, key, why, sizeof why))
        return mock_reply_error(req, 400, "invalid_key", "%s", why);
    if (strcmp(m, "PUT") == 0)
        return put(svc, req, key);
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
        return get(svc, req, key);
    if (strcmp(m, "DELETE") == 0)
        return del(svc, req, key);
    mock_reply_error(req, 405, "method_not_allowed", "%s %s: allowed are GET, HEAD, PUT, DELETE", m,
                     req->path);
    mock_add_header(req, "Allow", "GET, HEAD, PUT, DELETE");
}

static char *metrics(struct mock_service *svc)
{
    struct store *s = svc->state;
    pthread_mutex_lock(&s->lock);
    char *text = NULL;
    int rc =
        asprintf(&text,
                 "# HELP itest_mock_artifacts Artifacts the store holds.\n"
                 "# TYPE itest_mock_artifacts gauge\nitest_mock_artifacts %zu\n"
                 "# HELP itest_mock_artifact_bytes Bytes of the artifacts held.\n"
                 "# TYPE itest_mock_artifact_bytes gauge\nitest_mock_artifact_bytes %" PRIu64 "\n",
                 s->count, s->bytes);
    pthread_mutex_unlock(&s->lock);
    return rc < 0 ? NULL : text;
}

const struct mock_routes mock_artifact_store_routes = {.init = init,
                                                       .destroy = destroy,
                                                       .reset = reset,
                                                       .begin = begin,
                                                       .handle = handle,
                                                       .metrics = metrics};
