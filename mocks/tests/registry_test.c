/* Task Registry contract, against a private itest-mock. */
#include "mock_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *create(const char *base, const char *title, int priority)
{
    char body[256];
    snprintf(body, sizeof body, "{\"title\":\"%s\",\"spec\":\"do it\",\"priority\":%d}", title,
             priority);
    struct itest_http_response r;
    cJSON *task = mt_expect(&r, "POST", mt_url(base, "/tasks"), body, 201);
    itest_assert_json_string(task, "status", "pending");
    itest_assert_json_int(task, "priority", priority);
    itest_assert_json_type(task, "artifacts", cJSON_Array);
    const char *id;
    assert_int_equal(itest_json_get_string(&id, task, "id"), 0);
    char *copy = strdup(id);
    cJSON_Delete(task);
    itest_http_response_free(&r);
    return copy;
}

static long patch(const char *base, const char *id, const char *status)
{
    char path[128], body[64];
    snprintf(path, sizeof path, "/tasks/%s/status", id);
    snprintf(body, sizeof body, "{\"status\":\"%s\"}", status);
    struct itest_http_response r;
    mt_send(&r, "PATCH", mt_url(base, path), body, NULL);
    long status_code = r.status;
    if (status_code == 409) {
        cJSON *err = itest_json_parse_or_fail(r.body, r.body_len, "409 body");
        mt_assert_error(err, "illegal_transition");
        cJSON_Delete(err);
    }
    itest_http_response_free(&r);
    return status_code;
}

static void create_get_and_404(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    char *id = create(m.url[TR], "first", 7);
    char path[128];
    snprintf(path, sizeof path, "/tasks/%s", id);
    struct itest_http_response r;
    cJSON *task = mt_expect(&r, "GET", mt_url(m.url[TR], path), NULL, 200);
    itest_assert_json_string(task, "id", id);
    itest_assert_json_string(task, "title", "first");
    itest_assert_json_type(task, "created_at", cJSON_String);
    cJSON_Delete(task);
    itest_http_response_free(&r);
    cJSON *err = mt_expect(&r, "GET", mt_url(m.url[TR], "/tasks/no-such-task"), NULL, 404);
    mt_assert_error(err, "not_found");
    cJSON_Delete(err);
    itest_http_response_free(&r);
    free(id);
    assert_int_equal(mock_stop(&m), 0);
}

static void every_transition(void **state)
{
    static const char *const statuses[] = {"pending", "running", "succeeded", "failed",
                                           "cancelled"};
    /* legal[from][to] per CONTRACTS.md */
    static const int legal[5][5] = {{0, 1, 0, 0, 1}, {0, 0, 1, 1, 1}, {0}, {0}, {0}};
    /* a path from pending to each status */
    static const char *const path_to[5][3] = {{NULL},
                                              {"running", NULL},
                                              {"running", "succeeded", NULL},
                                              {"running", "failed", NULL},
                                              {"cancelled", NULL}};
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    for (int from = 0; from < 5; from++) {
        for (int to = 0; to < 5; to++) {
            char *id = create(m.url[TR], "t", 1);
            for (int i = 0; path_to[from][i]; i++)
                assert_int_equal(patch(m.url[TR], id, path_to[from][i]), 200);
            long got = patch(m.url[TR], id, statuses[to]);
            if (got != (legal[from][to] ? 200 : 409))
                itest_fail("%s -> %s answered %ld, expected %d", statuses[from], statuses[to], got,
                           legal[from][to] ? 200 : 409);
            free(id);
        }
    }
    assert_int_equal(mock_stop(&m), 0);
}

static void pagination_reaches_the_end(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    enum { N = 53 };
    char *ids[N];
    for (int i = 0; i < N; i++)
        ids[i] = create(m.url[TR], "page", i % 10);
    patch(m.url[TR], ids[4], "running");
    char cursor[128] = "";
    int seen = 0, pages = 0;
    for (;;) {
        char path[256];
        snprintf(path, sizeof path, "/tasks?limit=10%s%s", cursor[0] ? "&cursor=" : "", cursor);
        struct itest_http_response r;
        cJSON *page = mt_expect(&r, "GET", mt_url(m.url[TR], path), NULL, 200);
        const cJSON *items = itest_json_require(page, "items");
        cJSON *item;
        cJSON_ArrayForEach(item, items)
        {
            itest_assert_json_string(item, "id", ids[seen]); /* creation order, no gaps */
            seen++;
        }
        pages++;
        const cJSON *next = itest_json_require(page, "next_cursor");
        bool last = cJSON_IsNull(next);
        if (!last)
            snprintf(cursor, sizeof cursor, "%s", next->valuestring);
        cJSON_Delete(page);
        itest_http_response_free(&r);
        if (last)
            break;
        assert_true(pages < 20);
    }
    assert_int_equal(seen, N);
    assert_int_equal(pages, 6);
    /* the status filter */
    struct itest_http_response r;
    cJSON *running = mt_expect(&r, "GET", mt_url(m.url[TR], "/tasks?status=running"), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(itest_json_get(running, "items")), 1);
    itest_assert_json_string(running, "items[0].id", ids[4]);
    cJSON_Delete(running);
    itest_http_response_free(&r);
    /* bad parameters */
    static const char *const bad[][2] = {
        {"/tasks?limit=0", "invalid_limit"},     {"/tasks?limit=101", "invalid_limit"},
        {"/tasks?limit=x", "invalid_limit"},     {"/tasks?status=done", "invalid_status"},
        {"/tasks?cursor=abc", "invalid_cursor"}, {"/tasks?cursor=1.000000", "invalid_cursor"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *err = mt_expect(&r, "GET", mt_url(m.url[TR], bad[i][0]), NULL, 400);
        mt_assert_error(err, bad[i][1]);
        cJSON_Delete(err);
        itest_http_response_free(&r);
    }
    for (int i = 0; i < N; i++)
        free(ids[i]);
    assert_int_equal(mock_stop(&m), 0);
}

static void events_in_order_and_artifact_records(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    char *id = create(m.url[TR], "ev", 2);
    char path[160];
    snprintf(path, sizeof path, "/tasks/%s/events", id);
    struct itest_http_response r;
    for (int i = 0; i < 25; i++) {
        char body[96];
        snprintf(body, sizeof body, "{\"type\":\"step\",\"message\":\"event %d\"}", i);
        cJSON *e = mt_expect(&r, "POST", mt_url(m.url[TR], path), body, 201);
        itest_assert_json_string(e, "task_id", id);
        cJSON_Delete(e);
        itest_http_response_free(&r);
    }
    cJSON *list = mt_expect(&r, "GET", mt_url(m.url[TR], path), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(itest_json_get(list, "items")), 25);
    for (int i = 0; i < 25; i++) {
        char at[32], want[32];
        snprintf(at, sizeof at, "items[%d].message", i);
        snprintf(want, sizeof want, "event %d", i);
        itest_assert_json_string(list, at, want);
    }
    cJSON_Delete(list);
    itest_http_response_free(&r);
    snprintf(path, sizeof path, "/tasks/%s/artifacts", id);
    const char *record = "{\"key\":\"runs/1/out.c\",\"sha256\":"
                         "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
                         "\"size\":0}";
    cJSON_Delete(mt_expect(&r, "POST", mt_url(m.url[TR], path), record, 201));
    itest_http_response_free(&r);
    snprintf(path, sizeof path, "/tasks/%s", id);
    cJSON *task = mt_expect(&r, "GET", mt_url(m.url[TR], path), NULL, 200);
    itest_assert_json_string(task, "artifacts[0].key", "runs/1/out.c");
    itest_assert_json_int(task, "artifacts[0].size", 0);
    cJSON_Delete(task);
    itest_http_response_free(&r);
    /* unknown task */
    cJSON *err = mt_expect(&r, "POST", mt_url(m.url[TR], "/tasks/nope/events"),
                           "{\"type\":\"x\",\"message\":\"y\"}", 404);
    mt_assert_error(err, "not_found");
    cJSON_Delete(err);
    itest_http_response_free(&r);
    free(id);
    assert_int_equal(mock_stop(&m), 0);
}

static void each_validation_error(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", NULL});
    char *id = create(m.url[TR], "v", 0);
    char events[160], records[160], status[160];
    snprintf(events, sizeof events, "/tasks/%s/events", id);
    snprintf(records, sizeof records, "/tasks/%s/artifacts", id);
    snprintf(status, sizeof status, "/tasks/%s/status", id);
    static const char sha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    char good_sha_bad_size[160], bad_sha[160];
    snprintf(good_sha_bad_size, sizeof good_sha_bad_size,
             "{\"key\":\"k\",\"sha256\":\"%s\",\"size\":-1}", sha);
    snprintf(bad_sha, sizeof bad_sha, "{\"key\":\"k\",\"sha256\":\"%.63sX\",\"size\":1}", sha);
    const struct {
        const char *method, *path, *body, *code, *mentions;
    } cases[] = {
        {"POST", "/tasks", "{\"spec\":\"s\"}", "missing_field", "title"},
        {"POST", "/tasks", "{\"title\":\"\",\"spec\":\"s\"}", "invalid_field", "title"},
        {"POST", "/tasks", "{\"title\":5,\"spec\":\"s\"}", "invalid_field", "title"},
        {"POST", "/tasks", "{\"title\":\"t\"}", "missing_field", "spec"},
        {"POST", "/tasks", "{\"title\":\"t\",\"spec\":\"s\",\"priority\":10}", "invalid_field",
         "priority"},
        {"POST", "/tasks", "{\"title\":\"t\",\"spec\":\"s\",\"priority\":1.5}", "invalid_field",
         "priority"},
        {"POST", "/tasks", "{\"title\":\"t\",\"spec\":\"s\",\"priority\":\"1\"}", "invalid_field",
         "priority"},
        {"POST", "/tasks", "[1,2]", "invalid_body", "object"},
        {"POST", "/tasks", "{\"title\":", "invalid_json", "line 1, column"},
        {"POST", "/tasks", "", "invalid_json", "empty"},
        {"PATCH", status, "{}", "missing_field", "status"},
        {"PATCH", status, "{\"status\":\"done\"}", "invalid_status", "done"},
        {"POST", events, "{\"message\":\"m\"}", "missing_field", "type"},
        {"POST", events, "{\"type\":\"t\",\"message\":7}", "invalid_field", "message"},
        {"POST", records, "{\"sha256\":\"x\",\"size\":1}", "missing_field", "key"},
        {"POST", records, bad_sha, "invalid_field", "sha256"},
        {"POST", records, good_sha_bad_size, "invalid_field", "size"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct itest_http_response r;
        cJSON *err =
            mt_expect(&r, cases[i].method, mt_url(m.url[TR], cases[i].path), cases[i].body, 400);
        mt_assert_error(err, cases[i].code);
        const char *message = "";
        itest_json_get_string(&message, err, "error.message");
        if (!strstr(message, cases[i].mentions))
            itest_fail("%s %s %s: message \"%s\" does not mention \"%s\"", cases[i].method,
                       cases[i].path, cases[i].body, message, cases[i].mentions);
        cJSON_Delete(err);
        itest_http_response_free(&r);
    }
    free(id);
    assert_int_equal(mock_stop(&m), 0);
}

static void methods_and_storage_limit(void **state)
{
    struct mock m;
    mock_start(&m, (const char *[]){"--service", "task-registry", "--max-records", "3", NULL});
    struct itest_http_response r;
    cJSON *err = mt_expect(&r, "DELETE", mt_url(m.url[TR], "/tasks"), NULL, 405);
    mt_assert_error(err, "method_not_allowed");
    assert_non_null(itest_http_header(&r, "Allow"));
    cJSON_Delete(err);
    itest_http_response_free(&r);
    for (int i = 0; i < 3; i++)
        free(create(m.url[TR], "full", 1));
    err =
        mt_expect(&r, "POST", mt_url(m.url[TR], "/tasks"), "{\"title\":\"t\",\"spec\":\"s\"}", 507);
    mt_assert_error(err, "storage_full");
    cJSON_Delete(err);
    itest_http_response_free(&r);
    /* Prometheus text counts what happened */
    mt_send(&r, "GET", mt_url(m.url[TR], "/metrics"), NULL, NULL);
    itest_assert_http_status(&r, "GET", "/metrics", 200);
    const char *want[] = {
        "itest_mock_requests_total{service=\"task-registry\",method=\"POST\",status=\"201\"} 3",
        "itest_mock_requests_total{service=\"task-registry\",method=\"POST\",status=\"507\"} 1",
        "itest_mock_requests_total{service=\"task-registry\",method=\"DELETE\",status=\"405\"} 1",
        "itest_mock_request_duration_seconds_count{service=\"task-registry\"} 5",
        "itest_mock_records 3"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(r.body, want[i]))
            itest_fail("/metrics lacks \"%s\":\n%s", want[i], r.body);
    itest_http_response_free(&r);
    /* reset forgets everything, and ids from before stay unknown */
    cJSON_Delete(mt_expect(&r, "POST", mt_url(m.url[TR], "/__admin/reset"), NULL, 200));
    itest_http_response_free(&r);
    char *id = create(m.url[TR], "after reset", 1);
    cJSON *list = mt_expect(&r, "GET", mt_url(m.url[TR], "/tasks"), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(itest_json_get(list, "items")), 1);
    cJSON_Delete(list);
    itest_http_response_free(&r);
    free(id);
    assert_int_equal(mock_stop(&m), 0);
}

static const struct itest_case cases[] = {
    ITEST_CASE(create_get_and_404),         ITEST_CASE(every_transition),
    ITEST_CASE(pagination_reaches_the_end), ITEST_CASE(events_in_order_and_artifact_records),
    ITEST_CASE(each_validation_error),      ITEST_CASE(methods_and_storage_limit),
};

ITEST_SUITE_MAIN(cases)
