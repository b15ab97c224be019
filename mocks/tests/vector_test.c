/* The vector store's contract details the suite leaves to the mock: the points bound
 * (--max-points), the api-key in both forms, batch upserts (named too), scroll order across
 * number and UUID ids, and Qdrant's envelope on errors. */
#include "mock_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const json[] = {"Content-Type: application/json", NULL};

/* Sends with the JSON header and asserts the status; returns the parsed body. */
static cJSON *call(struct mock *m, const char *method, const char *path, const char *body,
                   long status)
{
    struct itest_http_response r;
    mt_send(&r, method, mt_url(m->url[VEC], path), body, json);
    if (r.status != status)
        itest_fail("%s %s answered %ld, expected %ld: %.300s", method, path, r.status, status,
                   r.body ? r.body : "");
    cJSON *tree = itest_json_parse_or_fail(r.body, r.body_len, path);
    itest_http_response_free(&r);
    return tree;
}

static void max_points_bound_the_store(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "vector", "--max-points", "5", NULL});
    cJSON_Delete(call(&m, "PUT", "/collections/c",
                      "{\"vectors\": {\"size\": 1, \"distance\": \"Dot\"}}", 200));
    cJSON *e = call(&m, "PUT", "/collections/c/points?wait=true",
                    "{\"batch\": {\"ids\": [1, 2, 3, 4, 5, 6], \"vectors\": [[1], [2], [3], [4], "
                    "[5], [6]]}}",
                    507);
    const char *text = NULL;
    itest_check(itest_json_get_string(&text, e, "status.error") == 0 &&
                    strstr(text, "--max-points"),
                "the 507 does not name --max-points");
    cJSON_Delete(e);
    cJSON *count = call(&m, "POST", "/collections/c/points/count", "{}", 200);
    itest_assert_json_int(count, "result.count", 0); /* nothing of the refused batch */
    cJSON_Delete(count);
    cJSON_Delete(call(
        &m, "PUT", "/collections/c/points?wait=true",
        "{\"batch\": {\"ids\": [1, 2, 3, 4, 5], \"vectors\": [[1], [2], [3], [4], [5]]}}", 200));
    /* replacing a point needs no room; a new one does */
    cJSON_Delete(call(&m, "PUT", "/collections/c/points",
                      "{\"points\": [{\"id\": 5, \"vector\": [50]}]}", 200));
    cJSON_Delete(call(&m, "PUT", "/collections/c/points",
                      "{\"points\": [{\"id\": 7, \"vector\": [7]}]}", 507));
    /* dropping the collection gives the room back */
    cJSON_Delete(call(&m, "DELETE", "/collections/c", NULL, 200));
    cJSON_Delete(call(&m, "PUT", "/collections/c",
                      "{\"vectors\": {\"size\": 1, \"distance\": \"Dot\"}}", 200));
    cJSON_Delete(call(&m, "PUT", "/collections/c/points",
                      "{\"points\": [{\"id\": 7, \"vector\": [7]}]}", 200));
    mock_stop(&m);
}

static void api_key_in_both_forms(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "vector", "--vector-api-key", "k-123", NULL});
    const char *url = mt_url(m.url[VEC], "/collections");
    const struct {
        const char *header;
        long status;
    } cases[] = {{NULL, 401},
                 {"api-key: wrong", 401},
                 {"api-key: k-123", 200},
                 {"Authorization: Bearer k-123", 200},
                 {"Authorization: Bearer wrong", 401}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *headers[] = {cases[i].header, NULL};
        struct itest_http_response r;
        mt_send(&r, "GET", url, NULL, cases[i].header ? headers : NULL);
        itest_check(r.status == cases[i].status, "GET /collections with %s answered %ld, not %ld",
                    cases[i].header ? cases[i].header : "no key", r.status, cases[i].status);
        itest_check(!r.body || !strstr(r.body, "wrong"), "the 401 echoes the key sent: %s", r.body);
        itest_http_response_free(&r);
    }
    /* health and metrics stay open, as Qdrant's are */
    struct itest_http_response r;
    mt_send(&r, "GET", mt_url(m.url[VEC], "/healthz"), NULL, NULL);
    itest_assert_int(r.status, 200);
    itest_http_response_free(&r);
    mock_stop(&m);
}

static void named_batches_and_scroll_order(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "vector", NULL});
    cJSON_Delete(call(&m, "PUT", "/collections/n",
                      "{\"vectors\": {\"a\": {\"size\": 2, \"distance\": \"Euclid\"}, \"b\": "
                      "{\"size\": 1, \"distance\": \"Manhattan\"}}}",
                      200));
    cJSON_Delete(call(&m, "PUT", "/collections/n/points?wait=true",
                      "{\"batch\": {\"ids\": [\"B5C56C79369F34FBF87E6C4BF54C28C2\", 10, 2], "
                      "\"vectors\": {\"a\": [[0, 0], [1, 1], [2, 2]], \"b\": [[1], [2], [3]]}, "
                      "\"payloads\": [{\"k\": \"u\"}, {\"k\": \"ten\"}, null]}}",
                      200));
    cJSON *page = call(&m, "POST", "/collections/n/points/scroll",
                       "{\"limit\": 2, \"with_vector\": [\"b\"]}", 200);
    itest_assert_json_int(page, "result.points[0].id", 2);
    itest_assert_json_int(page, "result.points[1].id", 10);
    itest_assert_json_int(page, "result.points[1].vector.b[0]", 2);
    itest_check(!itest_json_get(page, "result.points[1].vector.a"),
                "with_vector [\"b\"] also gave the vector a");
    /* the UUID, given without hyphens in capitals, comes back canonical, after the numbers */
    itest_assert_json_string(page, "result.next_page_offset",
                             "b5c56c79-369f-34fb-f87e-6c4bf54c28c2");
    cJSON_Delete(page);
    cJSON *hits = call(&m, "POST", "/collections/n/points/query",
                       "{\"query\": [3], \"using\": \"b\", \"limit\": 1}", 200);
    itest_assert_json_int(hits, "result.points[0].id", 2); /* |3 - 3| = 0 */
    cJSON_Delete(hits);
    cJSON *e = call(&m, "POST", "/collections/n/points/search", "{\"vector\": [1, 2]}", 400);
    itest_check(itest_json_get(e, "status.error") && !itest_json_get(e, "result"),
                "an error answer is {\"status\": {\"error\"}, \"time\"}");
    cJSON_Delete(e);
    e = call(&m, "GET", "/collections/n/points/77", NULL, 404);
    itest_assert_json_string(e, "status.error", "Not found: No point with id 77 found");
    cJSON_Delete(e);
    cJSON *gone = call(&m, "DELETE", "/collections/nothing-here", NULL, 200);
    itest_assert_json_bool(gone, "result", false);
    cJSON_Delete(gone);
    mock_stop(&m);
}

static const struct itest_case cases[] = {
    ITEST_CASE(max_points_bound_the_store),
    ITEST_CASE(api_key_in_both_forms),
    ITEST_CASE(named_batches_and_scroll_order),
};

ITEST_SUITE_MAIN(cases)
