/* Cassettes: writing exchanges as JSON lines, reading them back, finding the one that answers a
 * request; see cassette.h. */
#include "cassette.h"

#include "util.h"

#include "itest/file.h"
#include "itest/json_parse.h"
#include "itest/redact.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CASSETTE_MAX_BYTES (1024ull << 20)

/* Headers that carry credentials: their values never reach a cassette. */
static const char *const credential_headers[] = {
    "authorization", "proxy-authorization", "api-key",        "x-api-key",          "cookie",
    "set-cookie",    "openai-organization", "openai-project", "x-itest-admin-token"};

struct mock_cassettes {
    struct mock_exchange *x;
    size_t n;
    /* an index on what a request is matched by: chains of exchanges in recorded order */
    size_t *head, *next, mask;
    const cJSON *ignore;
    pthread_mutex_t lock;
};

void mock_exchange_clear(struct mock_exchange *x)
{
    free(x->method);
    free(x->path);
    free(x->query);
    free(x->scope);
    cJSON_Delete(x->request_headers);
    free(x->request_body);
    cJSON_Delete(x->response_headers);
    free(x->body);
    for (size_t i = 0; i < x->n_events; i++)
        free(x->events[i].data);
    free(x->events);
    free(x->canonical);
    *x = (struct mock_exchange){0};
}

void mock_cassette_case(char *out, size_t len, const char *scope)
{
    size_t n = scope ? strlen(scope) : 0;
    const char *hash = scope ? strrchr(scope, '#') : NULL;
    if (hash && hash[1] && strspn(hash + 1, "0123456789") == strlen(hash + 1))
        n = (size_t)(hash - scope);
    snprintf(out, len, "%.*s", (int)n, scope ? scope : "");
}

void mock_cassette_name(char *out, size_t len, const char *scope)
{
    size_t n = scope ? strlen(scope) : 0;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < len; i++) {
        unsigned char c = (unsigned char)scope[i];
        out[o++] = isalnum(c) || c == '.' || c == '_' || c == '-' ? (char)c : '_';
    }
    if (o == 0 || (o == 1 && out[0] == '.') || (o == 2 && out[0] == '.' && out[1] == '.'))
        o = (size_t)snprintf(out, len, "_unscoped");
    else
        out[o] = '\0';
}

/* ---- bodies ---- */

static bool utf8_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t more = c < 0x80             ? 0
                      : (c & 0xE0) == 0xC0 ? 1
                      : (c & 0xF0) == 0xE0 ? 2
                      : (c & 0xF8) == 0xF0 ? 3
                                           : 9;
        if (c == 0 || more == 9 || (more == 1 && c < 0xC2) || i + more >= n)
            return false;
        for (size_t k = 1; k <= more; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80)
                return false;
        i += more + 1;
    }
    return true;
}

/* Adds data as "NAME" (text) or "NAME_base64". */
static void put_body(cJSON *o, const char *name, const char *data, size_t len)
{
    if (utf8_text(data, len)) {
        char *copy = malloc(len + 1);
        if (!copy)
            return;
        memcpy(copy, data, len);
        copy[len] = '\0';
        cJSON_AddStringToObject(o, name, copy);
        free(copy);
        return;
    }
    char key[64];
    snprintf(key, sizeof key, "%s_base64", name);
    char *b64 = mock_base64(data, len);
    if (b64)
        cJSON_AddStringToObject(o, key, b64);
    free(b64);
}

/* Reads "NAME" or "NAME_base64" of o into *data (malloc'd, NUL-terminated). Absent: empty.
 * Returns 0, or -1 with why in err. */
static int get_body(const cJSON *o, const char *name, char **data, size_t *len, char *err,
                    size_t errlen)
{
    char key[64];
    snprintf(key, sizeof key, "%s_base64", name);
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(o, name);
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(o, key);
    if ((text && !cJSON_IsString(text)) || (b64 && !cJSON_IsString(b64))) {
        snprintf(err, errlen, "\"%s\" is not a string", text ? name : key);
        return -1;
    }
    const char *s = text ? text->valuestring : b64 ? b64->valuestring : "";
    size_t n = strlen(s);
    *data = malloc(n + 1);
    if (!*data) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!b64 || text) {
        memcpy(*data, s, n + 1);
        *len = n;
        return 0;
    }
    int out =
        n % 4 == 0 ? EVP_DecodeBlock((unsigned char *)*data, (const unsigned char *)s, (int)n) : -1;
    if (out < 0) {
        free(*data);
        *data = NULL;
        snprintf(err, errlen, "\"%s\" is not base64", key);
        return -1;
    }
    /* EVP_DecodeBlock counts the padding (at most two '=') as bytes */
    for (size_t pad = n; pad > 0 && pad + 2 > n && s[pad - 1] == '=' && out > 0; pad--)
        out--;
    (*data)[out] = '\0';
    *len = (size_t)out;
    return 0;
}

/* ---- canonical bodies ---- */

struct member {
    cJSON *item;
    size_t at; /* its place before sorting: members of one name keep their order */
};

static int by_name(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    int cmp = strcmp(x->item->string, y->item->string);
    return cmp ? cmp : x->at < y->at ? -1 : x->at > y->at;
}

static bool ignored(const char *name, const cJSON *ignore)
{
    const cJSON *i;
    cJSON_ArrayForEach(i, ignore)
    {
        if (cJSON_IsString(i) && strcmp(i->valuestring, name) == 0)
            return true;
    }
    return false;
}

/* Sorts every object's members by name and drops the ignored ones, at every depth. */
static void canonicalize(cJSON *node, const cJSON *ignore)
{
    if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
        return;
    size_t n = 0;
    for (cJSON *c = node->child, *next; c; c = next) {
        next = c->next;
        if (cJSON_IsObject(node) && ignore && ignored(c->string, ignore)) {
            cJSON_Delete(cJSON_DetachItemViaPointer(node, c));
            continue;
        }
        canonicalize(c, ignore);
        n++;
    }
    if (!cJSON_IsObject(node) || n < 2)
        return;
    struct member *all = malloc(n * sizeof *all);
    if (!all)
        return;
    size_t i = 0;
    for (cJSON *c = node->child; c; c = c->next, i++)
        all[i] = (struct member){c, i};
    qsort(all, n, sizeof *all, by_name);
    for (i = 0; i < n; i++) {
        all[i].item->prev = all[i ? i - 1 : n - 1].item; /* cJSON: the head's prev is the tail */
        all[i].item->next = i + 1 < n ? all[i + 1].item : NULL;
    }
    node->child = all[0].item;
    free(all);
}

static cJSON *canonical_tree(const char *body, size_t len, const cJSON *ignore)
{
    cJSON *root = len ? cJSON_ParseWithLength(body, len) : NULL;
    if (root)
        canonicalize(root, ignore);
    return root;
}

char *mock_cassette_canonical(const char *body, size_t len, const cJSON *ignore)
{
    cJSON *root = canonical_tree(body, len, ignore);
    char *out = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!out && (out = malloc(len + 1)) != NULL) {
        memcpy(out, body ? body : "", len);
        out[len] = '\0';
    }
    return out;
}

/* ---- writing ---- */

static cJSON *headers_for_cassette(const cJSON *headers)
{
    cJSON *out = cJSON_CreateObject();
    const cJSON *h;
    cJSON_ArrayForEach(h, headers)
    {
        bool secret = false;
        for (size_t i = 0; i < sizeof credential_headers / sizeof *credential_headers; i++)
            secret = secret || strcasecmp(h->string, credential_headers[i]) == 0;
        cJSON_AddStringToObject(out, h->string,
                                secret ? "[redacted]" : cJSON_GetStringValue((cJSON *)h));
    }
    return out;
}

static char *exchange_line(const struct mock_exchange *x)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *rq = cJSON_AddObjectToObject(o, "request");
    cJSON_AddStringToObject(rq, "method", x->method);
    cJSON_AddStringToObject(rq, "path", x->path);
    if (x->query && *x->query)
        cJSON_AddStringToObject(rq, "query", x->query);
    cJSON_AddStringToObject(rq, "scope", x->scope ? x->scope : "");
    cJSON_AddItemToObject(rq, "headers", headers_for_cassette(x->request_headers));
    if (x->request_len)
        put_body(rq, "body", x->request_body, x->request_len);
    cJSON *rs = cJSON_AddObjectToObject(o, "response");
    cJSON_AddNumberToObject(rs, "status", x->status);
    cJSON_AddItemToObject(rs, "headers", headers_for_cassette(x->response_headers));
    if (x->n_events) {
        cJSON *events = cJSON_AddArrayToObject(rs, "events");
        for (size_t i = 0; i < x->n_events; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "at_ms",
                                    (double)(long long)(x->events[i].at_ms * 1000) / 1000);
            put_body(e, "data", x->events[i].data, x->events[i].len);
            cJSON_AddItemToArray(events, e);
        }
    } else {
        put_body(rs, "body", x->body ? x->body : "", x->body_len);
    }
    cJSON_AddNumberToObject(o, "duration_ms", (double)(long long)(x->duration_ms * 1000) / 1000);
    char *line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return line;
}

/* True the first time this process writes to path: recording a case again replaces its
 * cassette (and leaves the other cases' alone). */
static bool first_write(const char *path)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static char **seen;
    static size_t n, cap;
    pthread_mutex_lock(&lock);
    bool first = true;
    for (size_t i = 0; i < n && first; i++)
        first = strcmp(seen[i], path) != 0;
    if (first && n == cap) {
        char **grown = realloc(seen, (cap ? cap * 2 : 64) * sizeof *seen);
        if (grown) {
            seen = grown;
            cap = cap ? cap * 2 : 64;
        }
    }
    if (first && n < cap && (seen[n] = strdup(path)) != NULL)
        n++;
    pthread_mutex_unlock(&lock);
    return first;
}

int mock_cassette_append(const char *dir, const char *service, const struct mock_exchange *x,
                         char *err, size_t errlen)
{
    char name[160], path[4096];
    mock_cassette_name(name, sizeof name, x->scope);
    snprintf(path, sizeof path, "%s/%s", dir, service);
    if (itest_make_dirs(path, 0755, err, errlen) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s/%s.jsonl", dir, service, name);
    char *line = exchange_line(x);
    if (!line) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    size_t n = strlen(line);
    itest_secret_scrub(line, n);
    line[n] = '\n';
    int fd = open(
        path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (first_write(path) ? O_TRUNC : 0), 0644);
    /* O_APPEND and one write: a line is never interleaved with another case's */
    size_t done = 0;
    ssize_t w = 0;
    while (fd >= 0 && done < n + 1 && (w = write(fd, line + done, n + 1 - done)) > 0)
        done += (size_t)w;
    int e = fd < 0 || w < 0 ? errno : ENOSPC;
    if (fd >= 0)
        close(fd);
    free(line);
    if (done != n + 1) {
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -1;
    }
    return 0;
}

/* ---- the index ---- */

#define NO_EXCHANGE ((size_t)-1)

static uint64_t key_hash(const char *method, const char *path, const char *query, const char *scope,
                         const char *canonical)
{
    const char *parts[] = {method, path, query, scope, canonical};
    uint64_t h = 0;
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        h = mock_hash(parts[i], strlen(parts[i]) + 1, h);
    return h;
}

/* The index: a bucket per hash, each a chain in recorded order. Returns 0 or -1. */
static int build_index(struct mock_cassettes *c)
{
    size_t buckets = 16;
    while (buckets < 2 * c->n)
        buckets *= 2;
    c->mask = buckets - 1;
    c->head = malloc(buckets * sizeof *c->head);
    c->next = malloc((c->n ? c->n : 1) * sizeof *c->next);
    if (!c->head || !c->next)
        return -1;
    for (size_t b = 0; b < buckets; b++)
        c->head[b] = NO_EXCHANGE;
    for (size_t i = c->n; i-- > 0;) { /* pushed in front from the last: chains keep the order */
        const struct mock_exchange *x = &c->x[i];
        size_t b = key_hash(x->method, x->path, x->query, x->scope, x->canonical) & c->mask;
        c->next[i] = c->head[b];
        c->head[b] = i;
    }
    return 0;
}

/* ---- reading ---- */

static char *dup_string(const cJSON *o, const char *name, const char *fallback)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
    return strdup(s ? s : fallback);
}

/* One cassette line into *x. Returns 0, or -1 with the problem in err. */
static int parse_exchange(struct mock_exchange *x, const cJSON *o, const cJSON *ignore, char *err,
                          size_t errlen)
{
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(o, "request");
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(o, "response");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(rs, "status");
    if (!cJSON_IsObject(rq) || !cJSON_IsObject(rs)) {
        snprintf(err, errlen, "not an exchange: \"request\" and \"response\" objects expected");
        return -1;
    }
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rq, "method")) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rq, "path"))) {
        snprintf(err, errlen, "request.method and request.path must be strings");
        return -1;
    }
    if (!cJSON_IsNumber(status) || status->valuedouble < 100 || status->valuedouble > 599) {
        snprintf(err, errlen, "response.status must be an HTTP status 100..599");
        return -1;
    }
    x->method = dup_string(rq, "method", "");
    x->path = dup_string(rq, "path", "");
    x->query = dup_string(rq, "query", "");
    x->scope = dup_string(rq, "scope", "");
    x->status = (int)status->valuedouble;
    x->response_headers = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rs, "headers"), 1);
    if (!x->response_headers)
        x->response_headers = cJSON_CreateObject();
    const cJSON *h;
    cJSON_ArrayForEach(h, x->response_headers)
    {
        if (!cJSON_IsString(h)) {
            snprintf(err, errlen, "response.headers.%s is not a string", h->string);
            return -1;
        }
    }
    char sub[256];
    if (get_body(rq, "body", &x->request_body, &x->request_len, sub, sizeof sub) != 0) {
        snprintf(err, errlen, "request: %s", sub);
        return -1;
    }
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(rs, "events");
    if (events && !cJSON_IsArray(events)) {
        snprintf(err, errlen, "response.events is not an array");
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(events);
    x->events = n ? calloc(n, sizeof *x->events) : NULL;
    size_t total = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, events)
    {
        struct mock_event *ev = &x->events[x->n_events];
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(e, "at_ms");
        if (!cJSON_IsNumber(at) || at->valuedouble < 0 ||
            get_body(e, "data", &ev->data, &ev->len, sub, sizeof sub) != 0) {
            snprintf(err, errlen, "response.events[%zu]: %s", x->n_events,
                     cJSON_IsNumber(at) && at->valuedouble >= 0 ? sub
                                                                : "at_ms must be a number >= 0");
            return -1;
        }
        ev->at_ms = at->valuedouble;
        total += ev->len;
        x->n_events++;
    }
    if (n) {
        x->body = malloc(total + 1);
        for (size_t i = 0; x->body && i < n; i++) {
            memcpy(x->body + x->body_len, x->events[i].data, x->events[i].len);
            x->body_len += x->events[i].len;
        }
        if (x->body)
            x->body[x->body_len] = '\0';
    } else if (get_body(rs, "body", &x->body, &x->body_len, sub, sizeof sub) != 0) {
        snprintf(err, errlen, "response: %s", sub);
        return -1;
    }
    x->canonical = mock_cassette_canonical(x->request_body, x->request_len, ignore);
    return 0;
}

static int jsonl_name(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 6 && strcmp(d->d_name + n - 6, ".jsonl") == 0;
}

/* Adds the exchanges of text (named name in messages). Returns 0, or -1 with "name:line:
 * problem" in err. */
static int load_text(struct mock_cassettes *c, const char *name, const char *text, size_t len,
                     char *err, size_t errlen)
{
    char sub[512];
    int rc = 0, line = 0;
    for (const char *p = text, *end; rc == 0 && p < text + len; p = end + 1) {
        line++;
        end = memchr(p, '\n', (size_t)(text + len - p));
        if (!end)
            end = text + len;
        size_t blank = 0;
        while (p + blank < end && strchr(" \t\r", p[blank]))
            blank++;
        if (p + blank == end)
            continue; /* a blank line */
        cJSON *o = itest_json_parse(p, (size_t)(end - p), sub, sizeof sub);
        if (!o) {
            snprintf(err, errlen, "%s:%d: not JSON: %s", name, line, sub);
            return -1;
        }
        struct mock_exchange *grown = realloc(c->x, (c->n + 1) * sizeof *c->x);
        if (!grown) {
            cJSON_Delete(o);
            snprintf(err, errlen, "%s:%d: out of memory", name, line);
            return -1;
        }
        c->x = grown;
        struct mock_exchange *x = &c->x[c->n++];
        *x = (struct mock_exchange){0};
        snprintf(x->where, sizeof x->where, "%s:%d", name, line);
        if (parse_exchange(x, o, c->ignore, sub, sizeof sub) != 0) {
            snprintf(err, errlen, "%s:%d: %s", name, line, sub);
            rc = -1;
        }
        cJSON_Delete(o);
    }
    return rc;
}

static int load_file(struct mock_cassettes *c, const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    char *text = itest_read_file(path, CASSETTE_MAX_BYTES, &len, err, errlen);
    if (!text)
        return -1;
    int rc = load_text(c, path, text, len, err, errlen);
    free(text);
    return rc;
}

static struct mock_cassettes *cassettes_new(const cJSON *ignore)
{
    struct mock_cassettes *c = calloc(1, sizeof *c);
    if (c) {
        c->ignore = ignore;
        pthread_mutex_init(&c->lock, NULL);
    }
    return c;
}

struct mock_cassettes *mock_cassettes_parse(const char *name, const char *text, size_t len,
                                            const cJSON *ignore, char *err, size_t errlen)
{
    struct mock_cassettes *c = cassettes_new(ignore);
    int rc = c ? load_text(c, name, text, len, err, errlen) : -1;
    if (rc == 0 && build_index(c) != 0) {
        snprintf(err, errlen, "%s: out of memory", name);
        rc = -1;
    }
    if (rc != 0) {
        mock_cassettes_free(c);
        return NULL;
    }
    return c;
}

struct mock_cassettes *mock_cassettes_load(const char *dir, const char *service,
                                           const cJSON *ignore, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, service);
    struct dirent **names = NULL;
    int n = scandir(path, &names, jsonl_name, alphasort);
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct mock_cassettes *c = cassettes_new(ignore);
    int rc = c ? 0 : -1;
    for (int i = 0; i < n; i++) {
        char file[4400];
        snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
        if (rc == 0)
            rc = load_file(c, file, err, errlen);
        free(names[i]);
    }
    free(names);
    if (rc == 0 && build_index(c) != 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = -1;
    }
    if (rc != 0) {
        mock_cassettes_free(c);
        return NULL;
    }
    return c;
}

size_t mock_cassettes_count(const struct mock_cassettes *c)
{
    return c ? c->n : 0;
}

const struct mock_exchange *mock_cassettes_at(const struct mock_cassettes *c, size_t i)
{
    return &c->x[i];
}

void mock_cassettes_rewind(struct mock_cassettes *c)
{
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n; i++)
        c->x[i].used = false;
    pthread_mutex_unlock(&c->lock);
}

void mock_cassettes_free(struct mock_cassettes *c)
{
    if (!c)
        return;
    free(c->head);
    free(c->next);
    for (size_t i = 0; i < c->n; i++)
        mock_exchange_clear(&c->x[i]);
    free(c->x);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* ---- finding, and saying why not ---- */

static void shown(char *out, size_t len, const cJSON *v)
{
    char *text = v ? cJSON_PrintUnformatted(v) : NULL;
    snprintf(out, len, "%.80s%s", text ? text : "(absent)", text && strlen(text) > 80 ? "..." : "");
    free(text);
}

/* The first place where two canonical trees differ, as "$.a.b[2]: recorded X, sent Y". Returns
 * true when one was found. */
static bool first_difference(char *out, size_t len, const char *at, const cJSON *rec,
                             const cJSON *sent)
{
    char here[512], a[100], b[100];
    if (rec && sent && cJSON_IsObject(rec) && cJSON_IsObject(sent)) {
        const cJSON *r = rec->child, *s = sent->child;
        while (r || s) {
            int cmp = !r ? 1 : !s ? -1 : strcmp(r->string, s->string);
            snprintf(here, sizeof here, "%s.%s", at, cmp <= 0 ? r->string : s->string);
            if (cmp != 0)
                return first_difference(out, len, here, cmp < 0 ? r : NULL, cmp > 0 ? s : NULL);
            if (first_difference(out, len, here, r, s))
                return true;
            r = r->next;
            s = s->next;
        }
        return false;
    }
    if (rec && sent && cJSON_IsArray(rec) && cJSON_IsArray(sent)) {
        const cJSON *r = rec->child, *s = sent->child;
        for (int i = 0; r || s; i++) {
            snprintf(here, sizeof here, "%s[%d]", at, i);
            if (first_difference(out, len, here, r, s))
                return true;
            r = r ? r->next : NULL;
            s = s ? s->next : NULL;
        }
        return false;
    }
    if (rec && sent && cJSON_Compare(rec, sent, true))
        return false;
    shown(a, sizeof a, rec);
    shown(b, sizeof b, sent);
    snprintf(out, len, "%s: recorded %s, sent %s", at, a, b);
    return true;
}

static void body_difference(char *out, size_t len, const struct mock_exchange *x, const char *body,
                            size_t body_len, const cJSON *ignore)
{
    cJSON *rec = canonical_tree(x->request_body, x->request_len, ignore);
    cJSON *sent = canonical_tree(body, body_len, ignore);
    if (!rec || !sent || !first_difference(out, len, "$", rec, sent))
        snprintf(out, len, "the body differs (recorded %zu bytes, sent %zu)", x->request_len,
                 body_len);
    cJSON_Delete(rec);
    cJSON_Delete(sent);
}

static void describe_miss(char *miss, size_t misslen, const struct mock_cassettes *c,
                          const char *method, const char *path, const char *query,
                          const char *scope, const char *canonical, const char *body, size_t len)
{
    int best = -1;
    const struct mock_exchange *closest = NULL;
    for (size_t i = 0; i < c->n; i++) {
        const struct mock_exchange *x = &c->x[i];
        int score = (strcmp(x->path, path) == 0) * 16 + (strcmp(x->method, method) == 0) * 8 +
                    (strcmp(x->scope, scope) == 0) * 4 + (strcmp(x->query, query) == 0) * 2 +
                    (strcmp(x->canonical, canonical) == 0);
        if (score > best) {
            best = score;
            closest = x;
        }
    }
    int n = snprintf(miss, misslen, "no recording of %s %s%s%s in case %s", method, path,
                     *query ? "?" : "", query, *scope ? scope : "(none)");
    if (!closest || n < 0 || (size_t)n >= misslen) {
        if (!closest && n >= 0 && (size_t)n < misslen)
            snprintf(miss + n, misslen - (size_t)n, ": the cassettes are empty");
        return;
    }
    char diff[700];
    if (strcmp(closest->path, path) != 0)
        snprintf(diff, sizeof diff, "path: recorded %s", closest->path);
    else if (strcmp(closest->method, method) != 0)
        snprintf(diff, sizeof diff, "method: recorded %s", closest->method);
    else if (strcmp(closest->scope, scope) != 0)
        snprintf(diff, sizeof diff, "case: recorded in %s",
                 *closest->scope ? closest->scope : "(none)");
    else if (strcmp(closest->query, query) != 0)
        snprintf(diff, sizeof diff, "query: recorded \"%s\", sent \"%s\"", closest->query, query);
    else if (strcmp(closest->canonical, canonical) != 0)
        body_difference(diff, sizeof diff, closest, body, len, c->ignore);
    else
        snprintf(diff, sizeof diff, "identical");
    snprintf(miss + n, misslen - (size_t)n, "; the closest is %s (%s %s): %s", closest->where,
             closest->method, closest->path, diff);
}

const struct mock_exchange *mock_cassettes_find(struct mock_cassettes *c, const char *method,
                                                const char *path, const char *query,
                                                const char *scope, const char *body, size_t len,
                                                char *miss, size_t misslen)
{
    char *canonical = mock_cassette_canonical(body, len, c->ignore);
    if (!canonical) {
        snprintf(miss, misslen, "out of memory");
        return NULL;
    }
    const struct mock_exchange *found = NULL, *repeat = NULL;
    pthread_mutex_lock(&c->lock);
    size_t first = c->head[key_hash(method, path, query, scope, canonical) & c->mask];
    for (size_t i = first; i != NO_EXCHANGE && !found; i = c->next[i]) {
        struct mock_exchange *x = &c->x[i];
        if (strcmp(x->path, path) != 0 || strcmp(x->method, method) != 0 ||
            strcmp(x->scope, scope) != 0 || strcmp(x->query, query) != 0 ||
            strcmp(x->canonical, canonical) != 0)
            continue;
        if (!x->used) {
            x->used = true;
            found = x;
        } else {
            repeat = x;
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (!found)
        found = repeat;
    if (!found)
        describe_miss(miss, misslen, c, method, path, query, scope, canonical, body, len);
    free(canonical);
    return found;
}
