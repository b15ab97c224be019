/* What the vector suite's cases share: requests to the vector store (its api-key, Qdrant's
 * envelope checked), collections made per case and removed by the teardown, generated data,
 * and the exact answers a case computes itself to judge a search. */
#ifndef VEC_H
#define VEC_H

#include "itest/check.h"
#include "itest/http.h"
#include "itest/json.h"
#include "itest/suite.h"
#include "itest/targets.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VEC_URL_MAX 2048
#define VEC_NAME_MAX 96

/* The api-key sent: QDRANT_API_KEY, else the embedded mock's; NULL against a real store
 * without one. */
const char *vec_api_key(void);

/* Sends method to the store's path (e.g. "/collections/x") with json (or no body) and the
 * api-key unless without_key; no assertions, so threads may use it. Returns what
 * itest_http_send() returns. */
int vec_send(struct itest_http_response *resp, const char *method, const char *path,
             const char *json, bool without_key);
/* The same with a whole-request timeout (0: INTEGRATION_TEST_TIMEOUT). */
int vec_send_within(struct itest_http_response *resp, const char *method, const char *path,
                    const char *json, bool without_key, double timeout_s);

/* Sends, asserts the status (200 unless the store answered otherwise) and Qdrant's envelope
 * ({"result", "status": "ok", "time": number}); returns the parsed body (cJSON_Delete it) and
 * points *result at its "result". */
#define vec_call(method, path, json, result)                                                       \
    vec_call_at(__FILE__, __LINE__, method, path, json, result)
cJSON *vec_call_at(const char *file, int line, const char *method, const char *path,
                   const char *json, const cJSON **result);

/* Sends and asserts an error answer (a 400 expected may be 422, Qdrant's validation status): the
 * status and Qdrant's error body
 * {"status": {"error": "<text containing want>"}} (want NULL: any non-empty text). */
#define vec_expect_error(method, path, json, status, want)                                         \
    vec_expect_error_at(__FILE__, __LINE__, method, path, json, status, want)
void vec_expect_error_at(const char *file, int line, const char *method, const char *path,
                         const char *json, long status, const char *want);

/* A collection name of the running case: "itest-<case>-<pid>-<n>". */
void vec_name(char name[VEC_NAME_MAX]);

/* Creates a collection named for the case ("itest-<case>-<pid>-<n>") with one unnamed vector of
 * dim and distance ("Cosine", "Dot", "Euclid", "Manhattan"), and records it for the teardown. */
#define vec_collection(name, dim, distance)                                                        \
    vec_collection_at(__FILE__, __LINE__, name, dim, distance)
void vec_collection_at(const char *file, int line, char name[VEC_NAME_MAX], size_t dim,
                       const char *distance);
/* The same with a creation body of the caller's ({"vectors": ...}). */
void vec_collection_body_at(const char *file, int line, char name[VEC_NAME_MAX], const char *body);
/* Records a collection for the teardown (vec_collection does this itself). */
void vec_track(const char *name);
/* Removes the case's collections and, on the mock, its faults; the cases' teardown. */
int vec_teardown(void **state);

/* Payload of point i, as a JSON object text, or NULL for none. */
typedef const char *(*vec_payload_fn)(size_t i, char *buf, size_t len);

/* Upserts n points (ids first_id.., vectors[i * dim ...]) in batches with wait=true. */
#define vec_upsert(name, vectors, n, dim, first_id, payload)                                       \
    vec_upsert_at(__FILE__, __LINE__, name, vectors, n, dim, first_id, payload)
void vec_upsert_at(const char *file, int line, const char *name, const float *vectors, size_t n,
                   size_t dim, uint64_t first_id, vec_payload_fn payload);

/* A JSON array of the floats, in a malloc'd string ("%.9g": read back as the same float32). */
char *vec_floats_json(const float *v, size_t dim);

/* n * dim values uniform in [-1, 1), the same for the same seed. */
void vec_random(float *out, size_t n, size_t dim, uint64_t seed);

/* Qdrant's score of b for query a: Cosine on the normalised vectors, Dot, Euclid (the
 * distance) or Manhattan (the L1 distance). */
double vec_score(const char *distance, const float *a, const float *b, size_t dim);
/* True when larger scores rank first (Cosine, Dot). */
bool vec_larger_better(const char *distance);

struct vec_hit {
    uint64_t id;
    double score;
};
/* The exact top k of n points (ids first_id + i) for query, those passing keep (NULL: all),
 * best first; returns how many (<= k). */
size_t vec_exact_top(struct vec_hit *top, size_t k, const char *distance, const float *query,
                     const float *vectors, size_t n, size_t dim, uint64_t first_id,
                     bool (*keep)(size_t i));

/* Searches name for query (POST .../points/search, limit k, extra members such as
 * "\"filter\": {...}" or NULL) and parses the hits into out (up to k); returns how many. */
#define vec_search(name, query, dim, k, extra, out)                                                \
    vec_search_at(__FILE__, __LINE__, name, query, dim, k, extra, out)
size_t vec_search_at(const char *file, int line, const char *name, const float *query, size_t dim,
                     size_t k, const char *extra, struct vec_hit *out);

/* Fails unless got is exactly want: the same ids in the same order and each score within
 * tolerance (what names the search in the message). */
#define vec_assert_hits(got, ngot, want, nwant, what)                                              \
    vec_assert_hits_at(__FILE__, __LINE__, got, ngot, want, nwant, what)
void vec_assert_hits_at(const char *file, int line, const struct vec_hit *got, size_t ngot,
                        const struct vec_hit *want, size_t nwant, const char *what);

/* POST .../points/count with body (NULL: {"exact": true}); the count. */
#define vec_count(name, body) vec_count_at(__FILE__, __LINE__, name, body)
long vec_count_at(const char *file, int line, const char *name, const char *body);

/* Scores agree within this much (float32 arithmetic on the store's side). */
#define VEC_SCORE_TOLERANCE 1e-5

#endif
