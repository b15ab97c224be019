#include "faults.h"
#include "util.h"

#include "itest/regex.h"

#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"", "EMPTY_RESPONSE", "MALFORMED_RESPONSE_CHUNK",
                                         "RANDOM_DATA_THEN_CLOSE", "CONNECTION_RESET_BY_PEER"};

const char *mock_fault_kind_name(enum mock_fault_kind kind)
{
    return kind_names[kind];
}

static struct mock_fault *fail(struct mock_fault *f, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static struct mock_fault *fail(struct mock_fault *f, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    mock_fault_release(f);
    return NULL;
}

/* Every member of obj must be named in allowed (a NULL-terminated list). */
static const char *unknown_member(const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            known = known || strcmp(*a, m->string) == 0;
        if (!known)
            return m->string;
    }
    return NULL;
}

static bool number_in(const cJSON *n, double min, double max, double *out)
{
    if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble) || n->valuedouble < min ||
        n->valuedouble > max)
        return false;
    *out = n->valuedouble;
    return true;
}

static bool whole_in(const cJSON *n, long min, long max, long *out)
{
    double v;
    if (!number_in(n, (double)min, (double)max, &v) || v != floor(v))
        return false;
    *out = (long)v;
    return true;
}

static struct mock_fault *parse_delay(struct mock_fault *f, const cJSON *d, char *err, size_t n)
{
    static const char *const allowed[] = {"type",   "milliseconds", "lower", "upper",
                                          "median", "sigma",        NULL};
    if (!cJSON_IsObject(d))
        return fail(f, err, n, "response.delayDistribution: expected an object");
    const char *bad = unknown_member(d, allowed);
    if (bad)
        return fail(f, err, n, "response.delayDistribution.%s: unknown member", bad);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(d, "type");
    const char *t = cJSON_GetStringValue(type);
    if (!t)
        return fail(f, err, n,
                    "response.delayDistribution.type: expected \"fixed\", \"uniform\" "
                    "or \"lognormal\"");
    if (strcmp(t, "fixed") == 0) {
        f->delay_type = 1;
        if (!number_in(cJSON_GetObjectItem(d, "milliseconds"), 0, 3600e3, &f->delay_a))
            return fail(f, err, n, "response.delayDistribution.milliseconds: expected 0..3600000");
    } else if (strcmp(t, "uniform") == 0) {
        f->delay_type = 2;
        if (!number_in(cJSON_GetObjectItem(d, "lower"), 0, 3600e3, &f->delay_a) ||
            !number_in(cJSON_GetObjectItem(d, "upper"), f->delay_a, 3600e3, &f->delay_b))
            return fail(f, err, n,
                        "response.delayDistribution: uniform needs lower and upper in "
                        "0..3600000 ms with lower <= upper");
    } else if (strcmp(t, "lognormal") == 0) {
        f->delay_type = 3;
        if (!number_in(cJSON_GetObjectItem(d, "median"), 0, 3600e3, &f->delay_a) ||
            !number_in(cJSON_GetObjectItem(d, "sigma"), 0, 10, &f->delay_b))
            return fail(f, err, n,
                        "response.delayDistribution: lognormal needs median (ms, 0..3600000) "
                        "and sigma (0..10)");
    } else {
        return fail(f, err, n,
                    "response.delayDistribution.type: unknown type \"%s\"; expected fixed, "
                    "uniform or lognormal",
                    t);
    }
    return f;
}

static struct mock_fault *parse_request(struct mock_fault *f, const cJSON *r, char *err, size_t n)
{
    static const char *const allowed[] = {"method", "urlPath",    "urlPathPattern",
                                          "url",    "urlPattern", NULL};
    if (!cJSON_IsObject(r))
        return fail(f, err, n, "request: expected an object");
    const char *bad = unknown_member(r, allowed);
    if (bad)
        return fail(f, err, n,
                    "request.%s: unknown member; expected method, urlPath or urlPathPattern", bad);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "method");
    if (m) {
        if (!cJSON_IsString(m) || !m->valuestring[0] || strlen(m->valuestring) > 10)
            return fail(f, err, n, "request.method: expected a method name such as \"GET\"");
        if (strcmp(m->valuestring, "ANY") != 0)
            f->method = strdup(m->valuestring);
    }
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(r, "urlPath");
    if (!p)
        p = cJSON_GetObjectItemCaseSensitive(r, "url");
    if (p) {
        if (!cJSON_IsString(p) || p->valuestring[0] != '/')
            return fail(f, err, n, "request.urlPath: expected a path starting with '/'");
        f->url_path = strdup(p->valuestring);
    }
    const cJSON *re = cJSON_GetObjectItemCaseSensitive(r, "urlPathPattern");
    if (!re)
        re = cJSON_GetObjectItemCaseSensitive(r, "urlPattern");
    if (re) {
        if (!cJSON_IsString(re))
            return fail(f, err, n, "request.urlPathPattern: expected a regular expression");
        char *anchored;
        if (asprintf(&anchored, "^(%s)$", re->valuestring) < 0)
            return fail(f, err, n, "out of memory");
        regex_t *rx = malloc(sizeof *rx);
        char why[160] = "out of memory";
        int rc =
            rx ? itest_regex_compile(rx, anchored, REG_EXTENDED | REG_NOSUB, why, sizeof why) : -1;
        free(anchored);
        if (rc != 0) {
            free(rx);
            return fail(f, err, n,
                        "request.urlPathPattern: \"%s\" is not a POSIX extended "
                        "regular expression: %s",
                        re->valuestring, why);
        }
        f->url_regex = rx;
    }
    return f;
}

static struct mock_fault *parse_response(struct mock_fault *f, const cJSON *r, char *err, size_t n)
{
    static const char *const allowed[] = {"status",
                                          "body",
                                          "jsonBody",
                                          "headers",
                                          "fault",
                                          "fixedDelayMilliseconds",
                                          "delayDistribution",
                                          "chunkedDribbleDelay",
                                          "rateLimit",
                                          "streamError",
                                          "streamCut",
                                          NULL};
    if (!cJSON_IsObject(r))
        return fail(f, err, n, "response: expected an object");
    const char *bad = unknown_member(r, allowed);
    if (bad)
        return fail(f, err, n, "response.%s: unknown member", bad);
    const cJSON *item;
    long v;
    if ((item = cJSON_GetObjectItemCaseSensitive(r, "status"))) {
        if (!whole_in(item, 100, 599, &v))
            return fail(f, err, n, "response.status: expected an HTTP status 100..599");
        f->status = (int)v;
    }
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(r, "body");
    const cJSON *json_body = cJSON_GetObjectItemCaseSensitive(r, "jsonBody");
    if (body && json_body)
        return fail(f, err, n, "response: give body or jsonBody, not both");
    if (body) {
        if (!cJSON_IsString(body))
            return fail(f, err, n, "response.body: expected a string (use jsonBody for JSON)");
        f->body = strdup(body->valuestring);
        f->body_len = strlen(f->body);
    } else if (json_body) {
        f->body = cJSON_PrintUnformatted(json_body);
        f->body_len = strlen(f->body);
        f->headers = calloc(1, sizeof *f->headers);
        f->headers[0] =
            (struct mock_fault_header){strdup("Content-Type"), strdup("application/json")};
        f->n_headers = 1;
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(r, "headers"))) {
        if (!cJSON_IsObject(item))
            return fail(f, err, n, "response.headers: expected an object of name: value");
        for (const cJSON *h = item->child; h; h = h->next) {
            if (!cJSON_IsString(h) || strpbrk(h->string, "\r\n:") ||
                strpbrk(h->valuestring, "\r\n"))
                return fail(f, err, n, "response.headers.%s: expected a string value without CR/LF",
                            h->string);
            struct mock_fault_header *hs = realloc(f->headers, (f->n_headers + 1) * sizeof *hs);
            if (!hs)
                return fail(f, err, n, "out of memory");
            f->headers = hs;
            f->headers[f->n_headers++] =
                (struct mock_fault_header){strdup(h->string), strdup(h->valuestring)};
        }
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(r, "fault"))) {
        const char *name = cJSON_GetStringValue(item);
        for (int k = 1; name && k <= MOCK_FAULT_CONNECTION_RESET_BY_PEER; k++)
            if (strcmp(name, kind_names[k]) == 0)
                f->kind = (enum mock_fault_kind)k;
        if (f->kind == MOCK_FAULT_NONE)
            return fail(f, err, n,
                        "response.fault: unknown fault %s%s%s; expected EMPTY_RESPONSE, "
                        "MALFORMED_RESPONSE_CHUNK, RANDOM_DATA_THEN_CLOSE or "
                        "CONNECTION_RESET_BY_PEER",
                        name ? "\"" : "", name ? name : "(not a string)", name ? "\"" : "");
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(r, "fixedDelayMilliseconds"))) {
        f->delay_type = 1;
        if (!number_in(item, 0, 3600e3, &f->delay_a))
            return fail(f, err, n, "response.fixedDelayMilliseconds: expected 0..3600000");
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(r, "delayDistribution"))) {
        if (f->delay_type)
            return fail(f, err, n,
                        "response: give fixedDelayMilliseconds or delayDistribution, "
                        "not both");
        if (!parse_delay(f, item, err, n))
            return NULL;
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(r, "chunkedDribbleDelay"))) {
        long chunks;
        if (!cJSON_IsObject(item) ||
            !whole_in(cJSON_GetObjectItem(item, "numberOfChunks"), 1, 100000, &chunks) ||
            !number_in(cJSON_GetObjectItem(item, "totalDuration"), 0, 3600e3, &f->dribble_total_ms))
            return fail(f, err, n,
                        "response.chunkedDribbleDelay: expected {\"numberOfChunks\": "
                        "1..100000, \"totalDuration\": ms}");
        f->dribble_chunks = (int)chunks;
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(r, "rateLimit"))) {
        static const char *const rl_allowed[] = {"retryAfterMs", "limit", "remaining", NULL};
        if (!cJSON_IsObject(item) || unknown_member(item, rl_allowed))
            return fail(f, err, n,
                        "response.rateLimit: expected {\"retryAfterMs\", \"limit\", "
                        "\"remaining\"}");
        f->rate_limit = true;
        f->retry_after_ms = 1000;
        f->rate_limit_limit = 60;
        const cJSON *x;
        if ((x = cJSON_GetObjectItem(item, "retryAfterMs")) &&
            !number_in(x, 0, 3600e3, &f->retry_after_ms))
            return fail(f, err, n, "response.rateLimit.retryAfterMs: expected 0..3600000");
        if ((x = cJSON_GetObjectItem(item, "limit")) &&
            !whole_in(x, 1, 1000000000, &f->rate_limit_limit))
            return fail(f, err, n, "response.rateLimit.limit: expected a positive integer");
        if ((x = cJSON_GetObjectItem(item, "remaining")) &&
            !whole_in(x, 0, f->rate_limit_limit, &f->rate_limit_remaining))
            return fail(f, err, n, "response.rateLimit.remaining: expected 0..limit");
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(r, "streamError"))) {
        long k;
        if (!cJSON_IsObject(item) ||
            !whole_in(cJSON_GetObjectItem(item, "afterChunks"), 0, 1000000, &k))
            return fail(f, err, n,
                        "response.streamError: expected {\"afterChunks\": K, "
                        "\"message\": optional text}");
        f->stream_error_after = (int)k;
        const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(item, "message"));
        f->stream_error_message = strdup(msg ? msg
                                             : "The server had an error while processing "
                                               "your request.");
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(r, "streamCut"))) {
        long k;
        if (!cJSON_IsObject(item) ||
            !whole_in(cJSON_GetObjectItem(item, "afterChunks"), 0, 1000000, &k))
            return fail(f, err, n, "response.streamCut: expected {\"afterChunks\": K}");
        f->stream_cut_after = (int)k;
    }
    int effects = (f->status != 0) + (f->kind != MOCK_FAULT_NONE) + f->rate_limit;
    if (effects > 1)
        return fail(f, err, n, "response: status, fault and rateLimit exclude one another");
    if (effects == 0 && !f->delay_type && !f->dribble_chunks && f->stream_error_after < 0 &&
        f->stream_cut_after < 0)
        return fail(f, err, n,
                    "response: nothing to do; give status, fault, rateLimit, a delay, "
                    "chunkedDribbleDelay, streamError or streamCut");
    if ((f->body || f->n_headers) && f->status == 0)
        return fail(f, err, n, "response: body and headers need a status");
    return f;
}

struct mock_fault *mock_fault_parse(const cJSON *def, char *err, size_t errlen)
{
    struct mock_fault *f = calloc(1, sizeof *f);
    if (!f)
        return fail(NULL, err, errlen, "out of memory");
    f->refs = 1;
    f->times = -1;
    f->probability = 1;
    f->stream_error_after = f->stream_cut_after = -1;
    static const char *const allowed[] = {"scope",       "request", "response", "times",
                                          "probability", "service", "id",       NULL};
    if (!cJSON_IsObject(def))
        return fail(f, err, errlen, "a fault must be a JSON object");
    const char *bad = unknown_member(def, allowed);
    if (bad)
        return fail(f, err, errlen,
                    "%s: unknown member; expected scope, request, response, times, probability",
                    bad);
    const cJSON *item;
    if ((item = cJSON_GetObjectItemCaseSensitive(def, "scope")) && !cJSON_IsNull(item)) {
        if (!cJSON_IsString(item) || !item->valuestring[0] || strlen(item->valuestring) >= 128)
            return fail(f, err, errlen, "scope: expected a non-empty string under 128 bytes");
        f->scope = strdup(item->valuestring);
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(def, "times")) &&
        !whole_in(item, 1, 1000000000, &f->times))
        return fail(f, err, errlen, "times: expected a positive integer");
    if ((item = cJSON_GetObjectItemCaseSensitive(def, "probability")) &&
        !number_in(item, 0, 1, &f->probability))
        return fail(f, err, errlen, "probability: expected a number in 0..1");
    if ((item = cJSON_GetObjectItemCaseSensitive(def, "request")) &&
        !parse_request(f, item, err, errlen))
        return NULL;
    item = cJSON_GetObjectItemCaseSensitive(def, "response");
    if (!item)
        return fail(f, err, errlen, "response: missing; say what the fault does");
    if (!parse_response(f, item, err, errlen))
        return NULL;
    f->definition = cJSON_Duplicate(def, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(f->definition, "id");
    return f;
}

void mock_fault_release(struct mock_fault *f)
{
    if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    free(f->scope);
    free(f->method);
    free(f->url_path);
    if (f->url_regex) {
        regfree(f->url_regex);
        free(f->url_regex);
    }
    free(f->body);
    for (size_t i = 0; i < f->n_headers; i++) {
        free(f->headers[i].name);
        free(f->headers[i].value);
    }
    free(f->headers);
    free(f->stream_error_message);
    cJSON_Delete(f->definition);
    free(f);
}

double mock_fault_delay_ms(const struct mock_fault *f)
{
    switch (f->delay_type) {
    case 1:
        return f->delay_a;
    case 2:
        return f->delay_a + (f->delay_b - f->delay_a) * mock_random();
    case 3: {
        /* Box-Muller: median * exp(sigma * N(0,1)), as WireMock's lognormal */
        double u1 = mock_random(), u2 = mock_random();
        double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
        double ms = f->delay_a * exp(f->delay_b * z);
        return ms > 3600e3 ? 3600e3 : ms;
    }
    default:
        return 0;
    }
}

void mock_fault_describe(const struct mock_fault *f, char *buf, size_t len)
{
    if (f->kind != MOCK_FAULT_NONE)
        snprintf(buf, len, "%s", kind_names[f->kind]);
    else if (f->rate_limit)
        snprintf(buf, len, "RATE_LIMIT");
    else if (f->status)
        snprintf(buf, len, "STATUS_%d", f->status);
    else if (f->stream_error_after >= 0)
        snprintf(buf, len, "STREAM_ERROR");
    else if (f->stream_cut_after >= 0)
        snprintf(buf, len, "STREAM_CUT");
    else if (f->dribble_chunks)
        snprintf(buf, len, "CHUNKED_DRIBBLE");
    else
        snprintf(buf, len, "DELAY");
}

/* ---- the set ---- */

struct mock_fault_set {
    pthread_mutex_t lock;
    struct mock_fault **items; /* oldest first */
    size_t n, cap;
    _Atomic size_t count; /* read without the lock on the fast path */
    uint64_t next_id;
};

struct mock_fault_set *mock_fault_set_new(void)
{
    struct mock_fault_set *s = calloc(1, sizeof *s);
    if (s) {
        pthread_mutex_init(&s->lock, NULL);
        s->next_id = 1;
    }
    return s;
}

void mock_fault_set_free(struct mock_fault_set *s)
{
    if (!s)
        return;
    mock_fault_set_clear(s, NULL);
    free(s->items);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void mock_fault_set_add(struct mock_fault_set *s, struct mock_fault *f)
{
    pthread_mutex_lock(&s->lock);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct mock_fault **items = realloc(s->items, cap * sizeof *items);
        if (!items) {
            pthread_mutex_unlock(&s->lock);
            mock_fault_release(f);
            return;
        }
        s->items = items;
        s->cap = cap;
    }
    f->id = s->next_id++;
    s->items[s->n++] = f;
    atomic_store(&s->count, s->n);
    pthread_mutex_unlock(&s->lock);
}

static void remove_at(struct mock_fault_set *s, size_t i)
{
    mock_fault_release(s->items[i]);
    memmove(&s->items[i], &s->items[i + 1], (s->n - i - 1) * sizeof *s->items);
    s->n--;
    atomic_store(&s->count, s->n);
}

static bool fault_matches(const struct mock_fault *f, const char *method, const char *path,
                          const char *scope)
{
    if (f->scope && (!scope || strcmp(f->scope, scope) != 0))
        return false;
    if (f->method && strcasecmp(f->method, method) != 0)
        return false;
    if (f->url_path && strcmp(f->url_path, path) != 0)
        return false;
    if (f->url_regex && regexec(f->url_regex, path, 0, NULL, 0) != 0)
        return false;
    return true;
}

struct mock_fault *mock_fault_set_match(struct mock_fault_set *s, const char *method,
                                        const char *path, const char *scope)
{
    if (atomic_load_explicit(&s->count, memory_order_relaxed) == 0)
        return NULL;
    struct mock_fault *hit = NULL;
    pthread_mutex_lock(&s->lock);
    for (size_t i = s->n; i-- > 0;) {
        struct mock_fault *f = s->items[i];
        if (!fault_matches(f, method, path, scope))
            continue;
        if (f->probability < 1 && mock_random() >= f->probability)
            continue;
        f->hits++;
        __atomic_add_fetch(&f->refs, 1, __ATOMIC_ACQ_REL);
        hit = f;
        if (f->times > 0 && --f->times == 0)
            remove_at(s, i); /* used up: gone from the list, alive while the request holds it */
        break;
    }
    pthread_mutex_unlock(&s->lock);
    return hit;
}

bool mock_fault_set_remove(struct mock_fault_set *s, uint64_t id)
{
    bool found = false;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n && !found; i++) {
        if (s->items[i]->id == id) {
            remove_at(s, i);
            found = true;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return found;
}

size_t mock_fault_set_clear(struct mock_fault_set *s, const char *scope)
{
    size_t removed = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = s->n; i-- > 0;) {
        const char *fs = s->items[i]->scope;
        if (!scope || (fs && strcmp(fs, scope) == 0)) {
            remove_at(s, i);
            removed++;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return removed;
}

cJSON *mock_fault_set_list(struct mock_fault_set *s)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(root, "faults");
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n; i++) {
        const struct mock_fault *f = s->items[i];
        cJSON *o = cJSON_Duplicate(f->definition, 1);
        cJSON_AddNumberToObject(o, "id", (double)f->id);
        cJSON_AddNumberToObject(o, "hits", (double)f->hits);
        if (f->times >= 0)
            cJSON_AddNumberToObject(o, "remaining", (double)f->times);
        cJSON_AddItemToArray(list, o);
    }
    pthread_mutex_unlock(&s->lock);
    return root;
}
