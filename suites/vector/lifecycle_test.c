/* Collections: made, described, listed, refused twice, removed; named vectors; the api-key. */
#include "cases.h"
#include "vec.h"

#include "itest/config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool listed(const char *name)
{
    const cJSON *result;
    cJSON *tree = vec_call("GET", "/collections", NULL, &result);
    const cJSON *c;
    bool found = false;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(result, "collections"))
    {
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "name"));
        found |= n && strcmp(n, name) == 0;
    }
    cJSON_Delete(tree);
    return found;
}

void vector_collection_lifecycle(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX], path[VEC_NAME_MAX + 32];
    vec_collection(name, 16, "Dot");
    snprintf(path, sizeof path, "/collections/%s", name);
    const cJSON *info;
    cJSON *tree = vec_call("GET", path, NULL, &info);
    itest_assert_json_int(info, "config.params.vectors.size", 16);
    itest_assert_json_string(info, "config.params.vectors.distance", "Dot");
    itest_assert_json_int(info, "points_count", 0);
    cJSON_Delete(tree);
    itest_check(listed(name), "GET /collections does not list %s, created a moment ago", name);
    vec_expect_error("PUT", path, "{\"vectors\": {\"size\": 16, \"distance\": \"Dot\"}}", 409,
                     "already exists");
    const cJSON *result;
    tree = vec_call("DELETE", path, NULL, &result);
    itest_check(cJSON_IsTrue(result), "DELETE %s answered result %s, not true", path,
                cJSON_IsFalse(result) ? "false" : "(not a boolean)");
    cJSON_Delete(tree);
    vec_expect_error("GET", path, NULL, 404, "doesn't exist");
    itest_check(!listed(name), "GET /collections still lists %s after DELETE", name);
}

void vector_bad_collection_config(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX], path[VEC_NAME_MAX + 32];
    vec_name(name);
    vec_track(name); /* removed even if a bad body is wrongly accepted */
    snprintf(path, sizeof path, "/collections/%s", name);
    static const char *const bodies[] = {
        "{\"vectors\": {\"size\": 4, \"distance\": \"cosine\"}}",
        "{\"vectors\": {\"size\": 0, \"distance\": \"Cosine\"}}",
        "{\"vectors\": {\"size\": 4.5, \"distance\": \"Dot\"}}",
        "{\"vectors\": {\"size\": \"4\", \"distance\": \"Dot\"}}",
        "{\"vectors\": [4]}",
        "{\"vectors\": ",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
        vec_expect_error("PUT", path, bodies[i], 400, NULL);
}

void vector_named_vectors(void **state)
{
    (void)state;
    char name[VEC_NAME_MAX], path[VEC_NAME_MAX + 48];
    vec_collection_body_at(__FILE__, __LINE__, name,
                           "{\"vectors\": {\"text\": {\"size\": 4, \"distance\": \"Cosine\"}, "
                           "\"image\": {\"size\": 2, \"distance\": \"Euclid\"}}}");
    snprintf(path, sizeof path, "/collections/%s/points?wait=true", name);
    cJSON_Delete(vec_call("PUT", path,
                          "{\"points\": ["
                          "{\"id\": 1, \"vector\": {\"text\": [1, 0, 0, 0], \"image\": [0, 0]}},"
                          "{\"id\": 2, \"vector\": {\"text\": [0, 1, 0, 0], \"image\": [5, 5]}},"
                          "{\"id\": 3, \"vector\": {\"text\": [0.9, 0.1, 0, 0], \"image\": [9, "
                          "9]}}]}",
                          NULL));
    snprintf(path, sizeof path, "/collections/%s/points/search", name);
    const cJSON *hits;
    /* by text, point 1 is nearest; by image, point 2 is nearest to (4, 4) */
    cJSON *tree = vec_call(
        "POST", path, "{\"vector\": {\"name\": \"text\", \"vector\": [1, 0, 0, 0]}, \"limit\": 3}",
        &hits);
    itest_assert_json_int(hits, "[0].id", 1);
    itest_assert_json_int(hits, "[1].id", 3);
    cJSON_Delete(tree);
    tree = vec_call("POST", path,
                    "{\"vector\": {\"name\": \"image\", \"vector\": [4, 4]}, \"limit\": 1}", &hits);
    itest_assert_json_int(hits, "[0].id", 2);
    double score;
    itest_check(itest_json_get_number(&score, hits, "[0].score") == 0 &&
                    fabs(score - sqrt(2)) < 1e-5,
                "the Euclid score of (5, 5) for (4, 4) is %.7g, not the distance sqrt(2)", score);
    cJSON_Delete(tree);
    snprintf(path, sizeof path, "/collections/%s/points?wait=true", name);
    vec_expect_error("PUT", path, "{\"points\": [{\"id\": 4, \"vector\": {\"text\": [1, 0]}}]}",
                     400, "dim");
}

void vector_api_key_required(void **state)
{
    (void)state;
    if (!vec_api_key())
        itest_skip("the vector store is used without an api-key; set QDRANT_API_KEY for a Qdrant "
                   "started with one (service.api_key) to test that it refuses requests without");
    itest_require_service(ITEST_VECTOR);
    struct itest_http_response r;
    vec_send(&r, "GET", "/collections", NULL, true);
    long status = r.status;
    CURLcode code = r.curl_code;
    itest_http_response_free(&r);
    itest_check(code == CURLE_OK, "GET /collections without the api-key got no answer");
    itest_check(status == 401 || status == 403,
                "[auth] GET /collections without the api-key answered %ld, not 401 or 403", status);
    cJSON_Delete(vec_call("GET", "/collections", NULL, NULL));
}
