/* Search checked against the exact answer the case computes itself: every distance, the query
 * API, offset and score_threshold, and recall@10 over 10,000 vectors with the latency of each
 * search as measurements. */
#include "cases.h"
#include "vec.h"

#include "itest/clock.h"
#include "itest/config.h"
#include "itest/measure.h"
#include "itest/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXACT_POINTS 500
#define EXACT_DIM 32
#define EXACT_QUERIES 20
#define K 10

static void exact_search(const char *distance)
{
    char name[VEC_NAME_MAX], what[256];
    vec_collection(name, EXACT_DIM, distance);
    float *data = malloc(sizeof(float) * EXACT_POINTS * EXACT_DIM);
    float *queries = malloc(sizeof(float) * EXACT_QUERIES * EXACT_DIM);
    vec_random(data, EXACT_POINTS, EXACT_DIM, 1);
    vec_random(queries, EXACT_QUERIES, EXACT_DIM, 2);
    vec_upsert(name, data, EXACT_POINTS, EXACT_DIM, 1, NULL);
    for (size_t q = 0; q < EXACT_QUERIES; q++) {
        struct vec_hit want[K + 5], got[K + 5];
        const float *query = queries + q * EXACT_DIM;
        size_t nwant =
            vec_exact_top(want, K + 5, distance, query, data, EXACT_POINTS, EXACT_DIM, 1, NULL);
        size_t ngot = vec_search(name, query, EXACT_DIM, K, NULL, got);
        snprintf(what, sizeof what, "%s search %zu of %d (top %d of %d points)", distance, q + 1,
                 EXACT_QUERIES, K, EXACT_POINTS);
        vec_assert_hits(got, ngot, want, nwant < K ? nwant : K, what);
        /* offset 5 gives the exact hits 6..15 */
        ngot = vec_search(name, query, EXACT_DIM, K, "\"offset\": 5", got);
        snprintf(what, sizeof what, "%s search %zu with offset 5", distance, q + 1);
        vec_assert_hits(got, ngot, want + 5, K, what);
        /* the threshold at the 4th exact score keeps exactly the first four */
        char extra[64];
        snprintf(extra, sizeof extra, "\"score_threshold\": %.9g",
                 want[3].score + (vec_larger_better(distance) ? -1e-6 : 1e-6));
        ngot = vec_search(name, query, EXACT_DIM, K, extra, got);
        snprintf(what, sizeof what, "%s search %zu with score_threshold at the 4th score", distance,
                 q + 1);
        vec_assert_hits(got, ngot, want, 4, what);
    }
    free(data);
    free(queries);
}

void vector_exact_cosine(void **state)
{
    (void)state;
    exact_search("Cosine");
}

void vector_exact_dot(void **state)
{
    (void)state;
    exact_search("Dot");
}

void vector_exact_euclid(void **state)
{
    (void)state;
    exact_search("Euclid");
}

void vector_exact_manhattan(void **state)
{
    (void)state;
    exact_search("Manhattan");
}

/* POST .../points/query answers {"points": [...]}, the same hits as the exact answer. */
void vector_query_api_exact(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX], path[VEC_NAME_MAX + 40];
    vec_collection(name, EXACT_DIM, "Cosine");
    float data[100 * EXACT_DIM], query[EXACT_DIM];
    vec_random(data, 100, EXACT_DIM, 3);
    vec_random(query, 1, EXACT_DIM, 4);
    vec_upsert(name, data, 100, EXACT_DIM, 1000, NULL);
    struct vec_hit want[5], got[5];
    size_t nwant = vec_exact_top(want, 5, "Cosine", query, data, 100, EXACT_DIM, 1000, NULL);
    snprintf(path, sizeof path, "/collections/%s/points/query", name);
    char *v = vec_floats_json(query, EXACT_DIM), body[2048];
    snprintf(body, sizeof body, "{\"query\": %s, \"limit\": 5}", v);
    free(v);
    const cJSON *result;
    cJSON *tree = vec_call("POST", path, body, &result);
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(result, "points");
    itest_check(cJSON_IsArray(points), "[invalid JSON] POST %s: result.points is not a list", path);
    size_t ngot = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, points)
    {
        double id = -1, score = 0;
        itest_json_get_number(&id, p, "id");
        itest_json_get_number(&score, p, "score");
        if (ngot < 5)
            got[ngot] = (struct vec_hit){(uint64_t)id, score};
        ngot++;
    }
    cJSON_Delete(tree);
    vec_assert_hits(got, ngot, want, nwant, "the query API's top 5");
}

#define RECALL_POINTS 10000
#define RECALL_DIM 128
#define RECALL_QUERIES 100

void vector_recall_at_10(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX];
    vec_collection(name, RECALL_DIM, "Cosine");
    float *data = malloc(sizeof(float) * RECALL_POINTS * RECALL_DIM);
    float *queries = malloc(sizeof(float) * RECALL_QUERIES * RECALL_DIM);
    vec_random(data, RECALL_POINTS, RECALL_DIM, 5);
    vec_random(queries, RECALL_QUERIES, RECALL_DIM, 6);
    uint64_t t0 = itest_now_ns();
    vec_upsert(name, data, RECALL_POINTS, RECALL_DIM, 1, NULL);
    itest_measure("upsert_10000_s", (double)(itest_now_ns() - t0) / 1e9);
    itest_check(vec_count(name, NULL) == RECALL_POINTS,
                "after upserting %d points the collection counts %ld", RECALL_POINTS,
                vec_count(name, NULL));
    /* the exact answers first, so that the searches are timed back to back */
    struct vec_hit(*exact)[K] = malloc(sizeof *exact * RECALL_QUERIES);
    for (size_t q = 0; q < RECALL_QUERIES; q++)
        vec_exact_top(exact[q], K, "Cosine", queries + q * RECALL_DIM, data, RECALL_POINTS,
                      RECALL_DIM, 1, NULL);
    struct itest_stats *lat = itest_stats_new();
    size_t found = 0;
    double worst = 1;
    uint64_t start = itest_now_ns();
    for (size_t q = 0; q < RECALL_QUERIES; q++) {
        struct vec_hit got[K];
        const struct vec_hit *want = exact[q];
        const float *query = queries + q * RECALL_DIM;
        uint64_t s = itest_now_ns();
        size_t ngot = vec_search(name, query, RECALL_DIM, K, NULL, got);
        itest_stats_add(lat, (double)(itest_now_ns() - s) / 1e6);
        size_t hit = 0;
        for (size_t i = 0; i < ngot; i++)
            for (size_t j = 0; j < K; j++)
                hit += got[i].id == want[j].id;
        found += hit;
        if ((double)hit / K < worst)
            worst = (double)hit / K;
    }
    double seconds = (double)(itest_now_ns() - start) / 1e9;
    double recall = (double)found / (RECALL_QUERIES * K);
    itest_measure("recall_at_10", recall);
    itest_measure("search_p50_ms", itest_stats_percentile(lat, 50));
    itest_measure("search_p95_ms", itest_stats_percentile(lat, 95));
    itest_measure("search_queries_per_s", RECALL_QUERIES / seconds);
    itest_stats_free(lat);
    free(exact);
    free(data);
    free(queries);
    double need = itest_service_is_mock(ITEST_VECTOR) ? 1.0 : itest_config()->vector_min_recall;
    itest_check(recall >= need,
                "recall@10 over %d searches of %d vectors is %.4f (worst search %.1f); %s needs "
                "%.2f",
                RECALL_QUERIES, RECALL_POINTS, recall, worst,
                itest_service_is_mock(ITEST_VECTOR) ? "the mock's exact search"
                                                    : "ITEST_VECTOR_MIN_RECALL",
                need);
}
