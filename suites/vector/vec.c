/* Helpers of the vector suite; see vec.h. */
#include "vec.h"

#include "itest/scope.h"
#include "itest/config.h"
#include "itest/mock_admin.h"
#include "itest/platform.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define UPSERT_BATCH 500

const char *vec_api_key(void)
{
    const char *key = itest_config()->qdrant_api_key;
    if (key)
        return key;
    return itest_service_is_mock(ITEST_VECTOR) ? ITEST_MOCK_VECTOR_KEY : NULL;
}

int vec_send(struct itest_http_response *resp, const char *method, const char *path,
             const char *json, bool without_key)
{
    return vec_send_within(resp, method, path, json, without_key, 0);
}

int vec_send_within(struct itest_http_response *resp, const char *method, const char *path,
                    const char *json, bool without_key, double timeout_s)
{
    char err[2560], url[VEC_URL_MAX], key[512];
    const char *base = itest_service_url(ITEST_VECTOR, err, sizeof err);
    if (!base) {
        memset(resp, 0, sizeof *resp);
        resp->curl_code = CURLE_URL_MALFORMAT;
        snprintf(resp->error, sizeof resp->error, "%.500s", err);
        return -1;
    }
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    snprintf(url, sizeof url, "%.*s%s", (int)n, base, path);
    const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
    const char *api_key = vec_api_key();
    if (api_key && !without_key) {
        snprintf(key, sizeof key, "api-key: %s", api_key);
        headers[1] = key;
    }
    struct itest_http_request req = {.method = method,
                                     .url = url,
                                     .headers = headers,
                                     .body = json,
                                     .body_len = json ? strlen(json) : 0,
                                     .timeout_s = timeout_s,
                                     .retries = -1};
    return itest_http_send(resp, &req);
}

static void url_of(char *url, size_t len, const char *path)
{
    char err[2560];
    const char *base = itest_service_url(ITEST_VECTOR, err, sizeof err);
    snprintf(url, len, "%s%s", base ? base : "(no vector store)", path);
}

/* The start of tree as text, for a message; frees tree. */
static void shown_and_freed(char *out, size_t len, cJSON *tree)
{
    char *text = cJSON_PrintUnformatted(tree);
    snprintf(out, len, "%.360s", text ? text : "");
    free(text);
    cJSON_Delete(tree);
}

cJSON *vec_call_at(const char *file, int line, const char *method, const char *path,
                   const char *json, const cJSON **result)
{
    struct itest_http_response r;
    char url[VEC_URL_MAX];
    itest_require_service_at(file, line, ITEST_VECTOR);
    url_of(url, sizeof url, path);
    vec_send(&r, method, path, json, false);
    itest_http_assert_status_at(file, line, &r, method, url, 200);
    char what[VEC_URL_MAX + 64];
    snprintf(what, sizeof what, "the body of %s %s", method, url);
    cJSON *tree = itest_json_parse_or_fail_at(file, line, r.body, r.body_len, what);
    itest_http_response_free(&r);
    const char *status = NULL;
    double t;
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(tree, "result");
    if (!res || itest_json_get_string(&status, tree, "status") != 0 || strcmp(status, "ok") != 0 ||
        itest_json_get_number(&t, tree, "time") != 0) {
        char shown[400];
        shown_and_freed(shown, sizeof shown, tree);
        itest_fail_at(file, line,
                      "[invalid JSON] %s %s: not Qdrant's envelope {\"result\", \"status\": "
                      "\"ok\", \"time\"}: %s",
                      method, url, shown);
    }
    if (result)
        *result = res;
    return tree;
}

void vec_expect_error_at(const char *file, int line, const char *method, const char *path,
                         const char *json, long status, const char *want)
{
    struct itest_http_response r;
    char url[VEC_URL_MAX];
    itest_require_service_at(file, line, ITEST_VECTOR);
    url_of(url, sizeof url, path);
    vec_send(&r, method, path, json, false);
    if (status == 400 && r.status == 422) /* Qdrant answers some invalid bodies 422 */
        status = 422;
    if (r.curl_code != CURLE_OK || r.status != status) {
        if (r.curl_code == CURLE_OK)
            printf("sent: %.280s\n", json ? json : "(no body)");
        itest_http_assert_status_at(file, line, &r, method, url, status);
    }
    char what[VEC_URL_MAX + 64];
    snprintf(what, sizeof what, "the error body of %s %s", method, url);
    cJSON *tree = itest_json_parse_or_fail_at(file, line, r.body, r.body_len, what);
    itest_http_response_free(&r);
    const char *text = NULL;
    if (itest_json_get_string(&text, tree, "status.error") != 0 || !*text) {
        char shown[400];
        shown_and_freed(shown, sizeof shown, tree);
        itest_fail_at(file, line,
                      "[invalid JSON] %s %s: the error body is not Qdrant's {\"status\": "
                      "{\"error\": \"...\"}}: %s",
                      method, url, shown);
    }
    if (want && !strcasestr(text, want)) {
        char shown[400];
        snprintf(shown, sizeof shown, "%.360s", text);
        cJSON_Delete(tree);
        itest_fail_at(file, line,
                      "%s %s answered %ld as expected, but its error does not say '%s': %s", method,
                      url, status, want, shown);
    }
    cJSON_Delete(tree);
}

/* ---- collections of the running case ---- */

#define MAX_TRACKED 64
static char *tracked[MAX_TRACKED];

void vec_track(const char *name)
{
    for (int i = 0; i < MAX_TRACKED; i++)
        if (!tracked[i]) {
            tracked[i] = strdup(name);
            return;
        }
}

void vec_name(char name[VEC_NAME_MAX])
{
    static int counter;
    const char *c = itest_current_case();
    snprintf(name, VEC_NAME_MAX, "itest-%.60s-%ld-%d", c ? c : "none", itest_run_number(),
             __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
}

void vec_collection_body_at(const char *file, int line, char name[VEC_NAME_MAX], const char *body)
{
    vec_name(name);
    char path[VEC_NAME_MAX + 16];
    snprintf(path, sizeof path, "/collections/%s", name);
    vec_track(name); /* before the call: a half-made collection is removed too */
    const cJSON *result;
    cJSON *tree = vec_call_at(file, line, "PUT", path, body, &result);
    bool ok = cJSON_IsTrue(result);
    cJSON_Delete(tree);
    if (!ok)
        itest_fail_at(file, line, "PUT %s answered 200 with a result that is not true", path);
}

void vec_collection_at(const char *file, int line, char name[VEC_NAME_MAX], size_t dim,
                       const char *distance)
{
    char body[128];
    snprintf(body, sizeof body, "{\"vectors\": {\"size\": %zu, \"distance\": \"%s\"}}", dim,
             distance);
    vec_collection_body_at(file, line, name, body);
}

int vec_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (!tracked[i])
            continue;
        char path[VEC_NAME_MAX + 16];
        snprintf(path, sizeof path, "/collections/%s", tracked[i]);
        struct itest_http_response r;
        vec_send(&r, "DELETE", path, NULL, false);
        itest_http_response_free(&r);
        free(tracked[i]);
        tracked[i] = NULL;
    }
    if (itest_service_is_mock(ITEST_VECTOR))
        itest_mock_reset_scope(ITEST_VECTOR);
    if (itest_service_is_mock(ITEST_LLM))
        itest_mock_reset_scope(ITEST_LLM);
    return 0;
}

/* ---- data ---- */

char *vec_floats_json(const float *v, size_t dim)
{
    char *text = malloc(dim * 18 + 3), *at = text;
    if (!text)
        return NULL;
    *at++ = '[';
    for (size_t i = 0; i < dim; i++)
        at += sprintf(at, "%s%.9g", i ? "," : "", (double)v[i]);
    strcpy(at, "]");
    return text;
}

void vec_upsert_at(const char *file, int line, const char *name, const float *vectors, size_t n,
                   size_t dim, uint64_t first_id, vec_payload_fn payload)
{
    char path[VEC_NAME_MAX + 40];
    snprintf(path, sizeof path, "/collections/%s/points?wait=true", name);
    for (size_t from = 0; from < n; from += UPSERT_BATCH) {
        size_t to = from + UPSERT_BATCH < n ? from + UPSERT_BATCH : n;
        size_t cap = (to - from) * (dim * 18 + 600) + 64, len = 0;
        char *body = malloc(cap);
        if (!body)
            itest_fail_at(file, line, "out of memory for an upsert of %zu points", to - from);
        len += (size_t)snprintf(body + len, cap - len, "{\"points\": [");
        for (size_t i = from; i < to; i++) {
            char *v = vec_floats_json(vectors + i * dim, dim), buf[512];
            const char *p = payload ? payload(i, buf, sizeof buf) : NULL;
            len += (size_t)snprintf(body + len, cap - len, "%s{\"id\": %llu, \"vector\": %s%s%s}",
                                    i > from ? "," : "", (unsigned long long)(first_id + i),
                                    v ? v : "[]", p ? ", \"payload\": " : "", p ? p : "");
            free(v);
        }
        snprintf(body + len, cap - len, "]}");
        const cJSON *result;
        cJSON *tree = vec_call_at(file, line, "PUT", path, body, &result);
        free(body);
        const char *status = NULL;
        if (itest_json_get_string(&status, result, "status") != 0 ||
            strcmp(status, "completed") != 0) {
            cJSON_Delete(tree);
            itest_fail_at(file, line,
                          "PUT %s (wait=true) answered without result.status \"completed\"", path);
        }
        cJSON_Delete(tree);
    }
}

void vec_random(float *out, size_t n, size_t dim, uint64_t seed)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    for (size_t i = 0; i < n * dim; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        out[i] = (float)((double)(s >> 11) / 9007199254740992.0 * 2 - 1);
    }
}

bool vec_larger_better(const char *distance)
{
    return strcmp(distance, "Cosine") == 0 || strcmp(distance, "Dot") == 0;
}

double vec_score(const char *distance, const float *a, const float *b, size_t dim)
{
    double sum = 0, na = 0, nb = 0;
    for (size_t i = 0; i < dim; i++) {
        double x = a[i], y = b[i];
        if (strcmp(distance, "Euclid") == 0)
            sum += (x - y) * (x - y);
        else if (strcmp(distance, "Manhattan") == 0)
            sum += fabs(x - y);
        else
            sum += x * y;
        na += x * x;
        nb += y * y;
    }
    if (strcmp(distance, "Cosine") == 0)
        return na > 0 && nb > 0 ? sum / sqrt(na * nb) : 0;
    return strcmp(distance, "Euclid") == 0 ? sqrt(sum) : sum;
}

size_t vec_exact_top(struct vec_hit *top, size_t k, const char *distance, const float *query,
                     const float *vectors, size_t n, size_t dim, uint64_t first_id,
                     bool (*keep)(size_t i))
{
    bool larger = vec_larger_better(distance);
    size_t got = 0;
    for (size_t i = 0; i < n && k; i++) {
        if (keep && !keep(i))
            continue;
        struct vec_hit h = {first_id + i, vec_score(distance, query, vectors + i * dim, dim)};
        size_t at = got < k ? got++ : k;
        if (at == k && !(larger ? h.score > top[k - 1].score : h.score < top[k - 1].score))
            continue;
        if (at == k)
            at = k - 1;
        while (at > 0 && (larger ? h.score > top[at - 1].score : h.score < top[at - 1].score)) {
            top[at] = top[at - 1];
            at--;
        }
        top[at] = h;
    }
    return got;
}

size_t vec_search_at(const char *file, int line, const char *name, const float *query, size_t dim,
                     size_t k, const char *extra, struct vec_hit *out)
{
    char path[VEC_NAME_MAX + 40];
    snprintf(path, sizeof path, "/collections/%s/points/search", name);
    char *v = vec_floats_json(query, dim);
    size_t cap = dim * 18 + (extra ? strlen(extra) : 0) + 128;
    char *body = malloc(cap);
    snprintf(body, cap, "{\"vector\": %s, \"limit\": %zu%s%s}", v ? v : "[]", k, extra ? ", " : "",
             extra ? extra : "");
    free(v);
    const cJSON *result;
    cJSON *tree = vec_call_at(file, line, "POST", path, body, &result);
    free(body);
    if (!cJSON_IsArray(result)) {
        cJSON_Delete(tree);
        itest_fail_at(file, line, "[invalid JSON] POST %s: result is not a list of hits", path);
    }
    size_t n = 0;
    const cJSON *hit;
    cJSON_ArrayForEach(hit, result)
    {
        double id, score;
        if (itest_json_get_number(&id, hit, "id") != 0 ||
            itest_json_get_number(&score, hit, "score") != 0) {
            cJSON_Delete(tree);
            itest_fail_at(file, line, "[invalid JSON] POST %s: hit %zu lacks a numeric id or score",
                          path, n);
        }
        if (n < k)
            out[n] = (struct vec_hit){(uint64_t)id, score};
        n++;
    }
    cJSON_Delete(tree);
    if (n > k)
        itest_fail_at(file, line, "POST %s with limit %zu answered %zu hits", path, k, n);
    return n;
}

static bool close_enough(double a, double b)
{
    return fabs(a - b) <= VEC_SCORE_TOLERANCE * (fabs(b) > 1 ? fabs(b) : 1);
}

void vec_assert_hits_at(const char *file, int line, const struct vec_hit *got, size_t ngot,
                        const struct vec_hit *want, size_t nwant, const char *what)
{
    if (ngot != nwant)
        itest_fail_at(file, line, "%s: %zu hits, the exact answer has %zu", what, ngot, nwant);
    for (size_t i = 0; i < ngot; i++) {
        /* a different id at rank i is only right when its exact score ties the expected one */
        bool tie = false;
        for (size_t j = 0; j < nwant && got[i].id != want[i].id; j++)
            tie |= want[j].id == got[i].id && close_enough(want[j].score, want[i].score);
        if (got[i].id != want[i].id && !tie)
            itest_fail_at(file, line,
                          "%s: hit %zu is point %llu (score %.7g); the exact answer there is point "
                          "%llu (score %.7g)",
                          what, i + 1, (unsigned long long)got[i].id, got[i].score,
                          (unsigned long long)want[i].id, want[i].score);
        if (!close_enough(got[i].score, want[i].score))
            itest_fail_at(file, line,
                          "%s: hit %zu (point %llu) has score %.9g; the exact score is %.9g "
                          "(off by %.3g, tolerance %g)",
                          what, i + 1, (unsigned long long)got[i].id, got[i].score, want[i].score,
                          fabs(got[i].score - want[i].score), VEC_SCORE_TOLERANCE);
    }
}

long vec_count_at(const char *file, int line, const char *name, const char *body)
{
    char path[VEC_NAME_MAX + 40];
    snprintf(path, sizeof path, "/collections/%s/points/count", name);
    const cJSON *result;
    cJSON *tree = vec_call_at(file, line, "POST", path, body ? body : "{\"exact\": true}", &result);
    long long n;
    if (itest_json_get_int(&n, result, "count") != 0) {
        cJSON_Delete(tree);
        itest_fail_at(file, line, "[invalid JSON] POST %s: result.count is not a whole number",
                      path);
    }
    cJSON_Delete(tree);
    return (long)n;
}
