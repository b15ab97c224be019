/* Points: wait=true makes them searchable at once, retrieval by id, scroll pages that cover the
 * collection once, counts, overwrites, deletes by id and by filter, and the errors for a wrong
 * dimension, a bad id and an unknown collection. */
#include "cases.h"
#include "vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIM 8

/* A point is searchable once the upsert with wait=true has answered: each round adds one and
 * searches for it at once. */
void vector_wait_true_searchable(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX];
    vec_collection(name, DIM, "Euclid");
    float v[DIM];
    for (uint64_t round = 0; round < 30; round++) {
        vec_random(v, 1, DIM, 100 + round);
        vec_upsert(name, v, 1, DIM, round + 1, NULL);
        struct vec_hit got[1];
        size_t n = vec_search(name, v, DIM, 1, NULL, got);
        itest_check(n == 1 && got[0].id == round + 1 && got[0].score < 1e-5,
                    "round %llu: a search right after the upsert (wait=true) of point %llu finds "
                    "%s %llu at distance %.3g, not the point itself at 0",
                    (unsigned long long)round + 1, (unsigned long long)round + 1,
                    n ? "point" : "nothing:", n ? (unsigned long long)got[0].id : 0ull,
                    n ? got[0].score : 0.0);
    }
    itest_check(vec_count(name, NULL) == 30, "30 upserts of one point each: the count is %ld",
                vec_count(name, NULL));
}

static const char *colour_payload(size_t i, char *buf, size_t len)
{
    static const char *const colours[] = {"red", "green", "blue"};
    snprintf(buf, len, "{\"colour\": \"%s\", \"n\": %zu}", colours[i % 3], i);
    return buf;
}

void vector_get_scroll_count(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX], path[VEC_NAME_MAX + 48];
    vec_collection(name, DIM, "Dot");
    enum { N = 95 };
    float data[N * DIM];
    vec_random(data, N, DIM, 7);
    vec_upsert(name, data, N, DIM, 1, colour_payload);
    /* by ids: the known ones with their payloads, the unknown one left out */
    snprintf(path, sizeof path, "/collections/%s/points", name);
    const cJSON *result;
    cJSON *tree =
        vec_call("POST", path, "{\"ids\": [3, 9999, 5], \"with_payload\": true}", &result);
    itest_check(cJSON_GetArraySize(result) == 2,
                "POST %s for ids 3, 9999 and 5 answered %d points; 9999 was never stored", path,
                cJSON_GetArraySize(result));
    const cJSON *p;
    cJSON_ArrayForEach(p, result)
    {
        double id = 0, n = -1;
        itest_json_get_number(&id, p, "id");
        itest_json_get_number(&n, p, "payload.n");
        itest_check((id == 3 || id == 5) && n == id - 1,
                    "point %.0f came back with payload.n %.0f; it was stored with %.0f", id, n,
                    id - 1);
    }
    cJSON_Delete(tree);
    /* scroll in pages of 10: every point once, in id order, then no next page */
    snprintf(path, sizeof path, "/collections/%s/points/scroll", name);
    bool seen[N + 1] = {false};
    char body[128] = "{\"limit\": 10}";
    int pages = 0;
    for (;;) {
        tree = vec_call("POST", path, body, &result);
        double last = 0;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(result, "points"))
        {
            double id = 0;
            itest_json_get_number(&id, p, "id");
            itest_check(id >= 1 && id <= N && !seen[(int)id] && id > last,
                        "scroll page %d: point %.0f is out of order, unknown or seen before",
                        pages + 1, id);
            seen[(int)id] = true;
            last = id;
        }
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(result, "next_page_offset");
        pages++;
        if (!next || cJSON_IsNull(next)) {
            cJSON_Delete(tree);
            break;
        }
        itest_check(cJSON_IsNumber(next) && pages < 20,
                    "scroll: next_page_offset is not a point id, or the pages never end");
        snprintf(body, sizeof body, "{\"limit\": 10, \"offset\": %.0f}", next->valuedouble);
        cJSON_Delete(tree);
    }
    for (int i = 1; i <= N; i++)
        itest_check(seen[i], "scrolling %d pages never showed point %d", pages, i);
    itest_check(pages == 10, "%d points in pages of 10 took %d pages, not 10", N, pages);
    itest_check(vec_count(name, NULL) == N, "the count is %ld, not %d", vec_count(name, NULL), N);
    long red = vec_count(name, "{\"exact\": true, \"filter\": {\"must\": [{\"key\": \"colour\", "
                               "\"match\": {\"value\": \"red\"}}]}}");
    itest_check(red == (N + 2) / 3, "%ld points counted red; %d were stored red", red, (N + 2) / 3);
}

void vector_upsert_overwrites(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX], path[VEC_NAME_MAX + 48];
    vec_collection(name, 2, "Euclid");
    snprintf(path, sizeof path, "/collections/%s/points?wait=true", name);
    cJSON_Delete(
        vec_call("PUT", path,
                 "{\"points\": [{\"id\": 7, \"vector\": [0, 0], \"payload\": {\"v\": 1}}]}", NULL));
    cJSON_Delete(
        vec_call("PUT", path,
                 "{\"points\": [{\"id\": 7, \"vector\": [3, 4], \"payload\": {\"w\": 2}}]}", NULL));
    itest_check(vec_count(name, NULL) == 1, "two upserts of id 7 left %ld points",
                vec_count(name, NULL));
    snprintf(path, sizeof path, "/collections/%s/points", name);
    const cJSON *result;
    cJSON *tree = vec_call(
        "POST", path, "{\"ids\": [7], \"with_payload\": true, \"with_vector\": true}", &result);
    itest_check(!itest_json_get(result, "[0].payload.v"),
                "the second upsert of id 7 kept the first payload's member v");
    itest_assert_json_int(result, "[0].payload.w", 2);
    itest_assert_json_int(result, "[0].vector[1]", 4);
    cJSON_Delete(tree);
}

void vector_delete_points(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX], path[VEC_NAME_MAX + 48];
    vec_collection(name, DIM, "Cosine");
    enum { N = 60 };
    float data[N * DIM];
    vec_random(data, N, DIM, 8);
    vec_upsert(name, data, N, DIM, 1, colour_payload);
    snprintf(path, sizeof path, "/collections/%s/points/delete?wait=true", name);
    cJSON_Delete(vec_call("POST", path, "{\"points\": [1, 2, 3]}", NULL));
    itest_check(vec_count(name, NULL) == N - 3, "deleting 3 of %d points left %ld", N,
                vec_count(name, NULL));
    /* a deleted point is never found again, not even by its own vector */
    struct vec_hit got[1];
    vec_search(name, data, DIM, 1, NULL, got);
    itest_check(got[0].id != 1, "point 1 was deleted, and a search by its vector still finds it");
    cJSON_Delete(vec_call("POST", path,
                          "{\"filter\": {\"must\": [{\"key\": \"colour\", \"match\": {\"value\": "
                          "\"green\"}}]}}",
                          NULL));
    long green = vec_count(name, "{\"exact\": true, \"filter\": {\"must\": [{\"key\": \"colour\", "
                                 "\"match\": {\"value\": \"green\"}}]}}");
    itest_check(green == 0, "a delete by filter colour=green left %ld green points", green);
    /* ids 1..60 with i % 3 == 1 (ids 2, 5, ...) were green; 2 was already gone */
    itest_check(vec_count(name, NULL) == N - 3 - 19, "after both deletes %ld points remain, not %d",
                vec_count(name, NULL), N - 3 - 19);
}

void vector_wrong_dimension_rejected(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX], path[VEC_NAME_MAX + 48];
    vec_collection(name, 4, "Cosine");
    snprintf(path, sizeof path, "/collections/%s/points?wait=true", name);
    vec_expect_error("PUT", path, "{\"points\": [{\"id\": 1, \"vector\": [1, 2, 3]}]}", 400, "dim");
    vec_expect_error("PUT", path, "{\"points\": [{\"id\": 1, \"vector\": [1, 2, 3, 4, 5]}]}", 400,
                     "dim");
    vec_expect_error("PUT", path, "{\"points\": [{\"id\": -1, \"vector\": [1, 2, 3, 4]}]}", 400,
                     NULL);
    vec_expect_error("PUT", path,
                     "{\"points\": [{\"id\": \"not-a-uuid\", \"vector\": [1, 2, 3, 4]}]}", 400,
                     NULL);
    itest_check(vec_count(name, NULL) == 0, "refused upserts left %ld points",
                vec_count(name, NULL));
    snprintf(path, sizeof path, "/collections/%s/points/search", name);
    vec_expect_error("POST", path, "{\"vector\": [1, 2], \"limit\": 3}", 400, "dim");
}

void vector_unknown_collection_404(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX], path[VEC_NAME_MAX + 48];
    vec_name(name);
    snprintf(path, sizeof path, "/collections/%s", name);
    vec_expect_error("GET", path, NULL, 404, "doesn't exist");
    snprintf(path, sizeof path, "/collections/%s/points/search", name);
    vec_expect_error("POST", path, "{\"vector\": [1, 2], \"limit\": 3}", 404, "doesn't exist");
    snprintf(path, sizeof path, "/collections/%s/points?wait=true", name);
    vec_expect_error("PUT", path, "{\"points\": [{\"id\": 1, \"vector\": [1, 2]}]}", 404,
                     "doesn't exist");
    snprintf(path, sizeof path, "/collections/%s/points/count", name);
    vec_expect_error("POST", path, "{}", 404, "doesn't exist");
}
