/* Payload filters: each search with a filter is checked against the exact answer over the points
 * that pass it, computed here; with_payload and with_vector give what was asked for; a filter
 * the store cannot read is refused. */
#include "cases.h"
#include "vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 400
#define DIM 16

static const char *const cities[] = {"Berlin", "Paris", "Rome", "Oslo"};

/* Point i: city cities[i % 4], price i % 100, tags ["even" or "odd", "tenth" when i % 10 == 0]. */
static const char *payload(size_t i, char *buf, size_t len)
{
    snprintf(buf, len, "{\"city\": \"%s\", \"price\": %zu, \"tags\": [\"%s\"%s]}", cities[i % 4],
             i % 100, i % 2 ? "odd" : "even", i % 10 == 0 ? ", \"tenth\"" : "");
    return buf;
}

static bool berlin_or_rome(size_t i)
{
    return i % 4 == 0 || i % 4 == 2;
}
static bool cheap_not_paris(size_t i)
{
    return i % 100 < 30 && i % 4 != 1;
}
static bool odd_between(size_t i)
{
    return i % 2 == 1 && i % 100 >= 40 && i % 100 <= 60;
}
static bool tenth_or_oslo(size_t i)
{
    return i % 10 == 0 || i % 4 == 3;
}
static bool nested(size_t i)
{
    return (i % 4 == 1 || i % 4 == 3) && !(i % 100 > 80);
}

void vector_filters_exact(void **state)
{
    (void)state;
    static const struct {
        const char *filter;
        bool (*keep)(size_t i);
    } cases[] = {
        {"{\"must\": [{\"key\": \"city\", \"match\": {\"any\": [\"Berlin\", \"Rome\"]}}]}",
         berlin_or_rome},
        {"{\"must\": [{\"key\": \"price\", \"range\": {\"lt\": 30}}], \"must_not\": [{\"key\": "
         "\"city\", \"match\": {\"value\": \"Paris\"}}]}",
         cheap_not_paris},
        {"{\"must\": [{\"key\": \"tags\", \"match\": {\"value\": \"odd\"}}, {\"key\": \"price\", "
         "\"range\": {\"gte\": 40, \"lte\": 60}}]}",
         odd_between},
        {"{\"should\": [{\"key\": \"tags\", \"match\": {\"value\": \"tenth\"}}, {\"key\": "
         "\"city\", "
         "\"match\": {\"value\": \"Oslo\"}}]}",
         tenth_or_oslo},
        {"{\"must\": [{\"should\": [{\"key\": \"city\", \"match\": {\"value\": \"Paris\"}}, "
         "{\"key\": \"city\", \"match\": {\"value\": \"Oslo\"}}]}], \"must_not\": [{\"key\": "
         "\"price\", \"range\": {\"gt\": 80}}]}",
         nested},
    };
    char name[VEC_NAME_MAX], what[256];
    vec_collection(name, DIM, "Cosine");
    float *data = malloc(sizeof(float) * N * DIM), query[DIM];
    vec_random(data, N, DIM, 11);
    vec_upsert(name, data, N, DIM, 0, payload);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        size_t pass = 0;
        for (size_t i = 0; i < N; i++)
            pass += cases[c].keep(i);
        char body[1024];
        snprintf(body, sizeof body, "{\"exact\": true, \"filter\": %s}", cases[c].filter);
        long counted = vec_count(name, body);
        itest_check(counted == (long)pass, "filter %zu (%s): points/count says %ld, %zu pass it",
                    c + 1, cases[c].filter, counted, pass);
        for (uint64_t q = 0; q < 5; q++) {
            vec_random(query, 1, DIM, 200 + q);
            struct vec_hit want[10], got[10];
            size_t nwant = vec_exact_top(want, 10, "Cosine", query, data, N, DIM, 0, cases[c].keep);
            char extra[1024];
            snprintf(extra, sizeof extra, "\"filter\": %s", cases[c].filter);
            size_t ngot = vec_search(name, query, DIM, 10, extra, got);
            snprintf(what, sizeof what, "search %llu with filter %zu (%s)",
                     (unsigned long long)q + 1, c + 1, cases[c].filter);
            vec_assert_hits(got, ngot, want, nwant, what);
        }
    }
    free(data);
}

void vector_payload_and_vector_returned(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX], path[VEC_NAME_MAX + 48];
    vec_collection(name, 3, "Dot");
    snprintf(path, sizeof path, "/collections/%s/points?wait=true", name);
    cJSON_Delete(vec_call("PUT", path,
                          "{\"points\": [{\"id\": \"5c56c793-69f3-4fbf-87e6-c4bf54c28c26\", "
                          "\"vector\": [0.5, 0.25, 2], \"payload\": {\"title\": \"intro\", "
                          "\"chunk\": 3, \"meta\": {\"lang\": \"en\"}}}]}",
                          NULL));
    snprintf(path, sizeof path, "/collections/%s/points/search", name);
    const cJSON *hits;
    cJSON *tree = vec_call("POST", path,
                           "{\"vector\": [1, 1, 1], \"limit\": 1, \"with_payload\": true, "
                           "\"with_vector\": true}",
                           &hits);
    itest_assert_json_string(hits, "[0].id", "5c56c793-69f3-4fbf-87e6-c4bf54c28c26");
    itest_assert_json_string(hits, "[0].payload.title", "intro");
    itest_assert_json_int(hits, "[0].payload.chunk", 3);
    itest_assert_json_string(hits, "[0].payload.meta.lang", "en");
    double v2 = 0;
    itest_check(itest_json_get_number(&v2, hits, "[0].vector[2]") == 0 && v2 == 2,
                "with_vector: the stored vector's last value came back as %g, not 2", v2);
    cJSON_Delete(tree);
    /* a list of keys gives only those; without with_payload no payload */
    tree = vec_call("POST", path,
                    "{\"vector\": [1, 1, 1], \"limit\": 1, \"with_payload\": [\"chunk\"]}", &hits);
    itest_assert_json_int(hits, "[0].payload.chunk", 3);
    itest_check(!itest_json_get(hits, "[0].payload.title"),
                "with_payload [\"chunk\"] also gave the payload's title");
    cJSON_Delete(tree);
    tree = vec_call("POST", path, "{\"vector\": [1, 1, 1], \"limit\": 1}", &hits);
    const cJSON *p = itest_json_get(hits, "[0].payload");
    itest_check(!p || cJSON_IsNull(p) || (cJSON_IsObject(p) && !p->child),
                "a search without with_payload returned the payload");
    cJSON_Delete(tree);
    /* a filter on a nested key */
    tree = vec_call("POST", path,
                    "{\"vector\": [1, 1, 1], \"limit\": 1, \"filter\": {\"must\": [{\"key\": "
                    "\"meta.lang\", \"match\": {\"value\": \"de\"}}]}}",
                    &hits);
    itest_check(cJSON_GetArraySize(hits) == 0,
                "a filter meta.lang = de matched the point whose meta.lang is en");
    cJSON_Delete(tree);
}

void vector_bad_filter_rejected(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX], path[VEC_NAME_MAX + 48];
    vec_collection(name, 2, "Cosine");
    snprintf(path, sizeof path, "/collections/%s/points/search", name);
    static const char *const bodies[] = {
        "{\"vector\": [1, 0], \"filter\": {\"must\": [{\"key\": \"a\"}]}}",
        "{\"vector\": [1, 0], \"filter\": {\"must\": [{\"key\": \"a\", \"match\": {\"value\": "
        "1.5}}]}}",
        "{\"vector\": [1, 0], \"filter\": {\"must\": [{\"key\": \"a\", \"range\": {\"lt\": "
        "\"x\"}}]}}",
        "{\"vector\": [1, 0], \"filter\": {\"must\": [{\"nonsense\": true}]}}",
        "{\"vector\": [1, 0], \"filter\": {\"must\": \"a\"}}",
        "{\"vector\": [1, 0], \"filter\": 3}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
        vec_expect_error("POST", path, bodies[i], 400, NULL);
}
