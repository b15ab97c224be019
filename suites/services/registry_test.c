/* Task Registry: create, get, list with cursors, the status machine, events, artifact records
 * and every validation error. */
#include "cases.h"
#include "svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const statuses[] = {"pending", "running", "succeeded", "failed", "cancelled"};
#define N_STATUSES 5

/* The contract's machine: pending -> running -> succeeded | failed; pending|running -> cancelled.
 */
static bool legal(int from, int to)
{
    return (from == 0 && (to == 1 || to == 4)) || (from == 1 && (to == 2 || to == 3 || to == 4));
}

void registry_create_and_get(void **state)
{
    char title[256], url[SVC_URL_MAX], body[512];
    svc_unique(title, sizeof title, "create");
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks");
    snprintf(body, sizeof body, "{\"title\": \"%s\", \"spec\": \"build it\", \"priority\": 7}",
             title);
    cJSON *created = svc_call(NULL, "POST", url, body, 201);
    itest_assert_json_string(created, "title", title);
    itest_assert_json_string(created, "spec", "build it");
    itest_assert_json_int(created, "priority", 7);
    itest_assert_json_string(created, "status", "pending");
    itest_assert_json_type(created, "created_at", cJSON_String);
    itest_assert_json_type(created, "updated_at", cJSON_String);
    itest_assert_json_type(created, "artifacts", cJSON_Array);
    const char *id = cJSON_GetStringValue(itest_json_require(created, "id"));
    itest_check(id && *id, "the created task's id is not a non-empty string");

    svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s", id);
    cJSON *fetched = svc_call(NULL, "GET", url, NULL, 200);
    itest_check(cJSON_Compare(created, fetched, true),
                "GET %s differs from what POST /tasks returned:\n  created: %s\n  fetched: %s", url,
                cJSON_PrintUnformatted(created), cJSON_PrintUnformatted(fetched));
    cJSON_Delete(created);
    cJSON_Delete(fetched);
}

/* Walks GET /tasks page by page to the end: no task twice, ours all there, in creation order. */
void registry_list_paginates_to_end(void **state)
{
    enum { OURS = 7, MAX_PAGES = 20000 };
    char *ids[OURS];
    for (int i = 0; i < OURS; i++) {
        char title[256];
        svc_unique(title, sizeof title, "page");
        ids[i] = svc_create_task(title, i);
    }
    size_t n_seen = 0, cap = 1024;
    char **seen = malloc(cap * sizeof *seen);
    int found_at[OURS];
    for (int i = 0; i < OURS; i++)
        found_at[i] = -1;
    char cursor[512] = "";
    int pages = 0;
    for (;; pages++) {
        itest_check(pages < MAX_PAGES, "GET /tasks did not reach the end in %d pages", MAX_PAGES);
        char url[SVC_URL_MAX];
        if (*cursor)
            svc_url(url, ITEST_TASK_REGISTRY, "/tasks?limit=3&cursor=%s", cursor);
        else
            svc_url(url, ITEST_TASK_REGISTRY, "/tasks?limit=3");
        cJSON *page = svc_call(NULL, "GET", url, NULL, 200);
        const cJSON *items = itest_json_require(page, "items");
        itest_check(cJSON_IsArray(items) && cJSON_GetArraySize(items) <= 3,
                    "GET %s: \"items\" must be an array of at most limit=3 tasks, got %d", url,
                    cJSON_GetArraySize(items));
        const cJSON *task;
        cJSON_ArrayForEach(task, items)
        {
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(task, "id"));
            itest_check(id, "GET %s: a task without a string id", url);
            if (n_seen == cap)
                seen = realloc(seen, (cap *= 2) * sizeof *seen);
            seen[n_seen] = strdup(id);
            for (int i = 0; i < OURS; i++)
                if (strcmp(id, ids[i]) == 0)
                    found_at[i] = (int)n_seen;
            n_seen++;
        }
        const cJSON *next = itest_json_require(page, "next_cursor");
        itest_check(cJSON_IsNull(next) || cJSON_IsString(next),
                    "GET %s: next_cursor must be a string or null", url);
        bool end = cJSON_IsNull(next);
        if (!end)
            snprintf(cursor, sizeof cursor, "%s", next->valuestring);
        cJSON_Delete(page);
        if (end)
            break;
    }
    itest_progress("walked %d pages, %zu tasks", pages + 1, n_seen);
    qsort(seen, n_seen, sizeof *seen, (int (*)(const void *, const void *))strcmp);
    for (size_t i = 1; i < n_seen; i++)
        itest_check(strcmp(seen[i - 1], seen[i]) != 0, "task %s was listed twice across the pages",
                    seen[i]);
    for (int i = 0; i < OURS; i++) {
        itest_check(found_at[i] >= 0, "task %s (created here) never appeared in the listing",
                    ids[i]);
        if (i > 0)
            itest_check(found_at[i] > found_at[i - 1],
                        "tasks are not listed in creation order: %s (created #%d) came before %s "
                        "(created #%d)",
                        ids[i], i, ids[i - 1], i - 1);
    }
    for (size_t i = 0; i < n_seen; i++)
        free(seen[i]);
    free(seen);
    for (int i = 0; i < OURS; i++)
        free(ids[i]);
}

void registry_list_filters_by_status(void **state)
{
    char title[256];
    svc_unique(title, sizeof title, "filter");
    char *id = svc_create_task(title, 1);
    svc_set_status(id, "running");
    char url[SVC_URL_MAX], cursor[512] = "";
    bool found = false;
    for (int pages = 0; pages < 20000; pages++) {
        if (*cursor)
            svc_url(url, ITEST_TASK_REGISTRY, "/tasks?status=running&limit=100&cursor=%s", cursor);
        else
            svc_url(url, ITEST_TASK_REGISTRY, "/tasks?status=running&limit=100");
        cJSON *page = svc_call(NULL, "GET", url, NULL, 200);
        const cJSON *task;
        cJSON_ArrayForEach(task, cJSON_GetObjectItem(page, "items"))
        {
            const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(task, "status"));
            itest_check(status && strcmp(status, "running") == 0,
                        "GET %s listed a task whose status is %s", url, status ? status : "(none)");
            const char *tid = cJSON_GetStringValue(cJSON_GetObjectItem(task, "id"));
            found = found || (tid && strcmp(tid, id) == 0);
        }
        const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(page, "next_cursor"));
        if (next)
            snprintf(cursor, sizeof cursor, "%s", next);
        cJSON_Delete(page);
        if (!next)
            break;
    }
    itest_check(found, "the running task %s is missing from GET /tasks?status=running", id);
    free(id);
}

/* Walks every legal path through the machine from a fresh task. */
void registry_legal_transitions(void **state)
{
    static const char *const paths[][4] = {
        {"running", "succeeded", NULL},
        {"running", "failed", NULL},
        {"running", "cancelled", NULL},
        {"cancelled", NULL},
    };
    for (size_t p = 0; p < sizeof paths / sizeof *paths; p++) {
        char title[256], url[SVC_URL_MAX];
        svc_unique(title, sizeof title, "legal");
        char *id = svc_create_task(title, 0);
        for (int i = 0; paths[p][i]; i++) {
            svc_set_status(id, paths[p][i]);
            svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s", id);
            cJSON *task = svc_call(NULL, "GET", url, NULL, 200);
            itest_assert_json_string(task, "status", paths[p][i]);
            cJSON_Delete(task);
        }
        free(id);
    }
}

/* Puts a fresh task into state `from` by a legal path. */
static char *task_in(int from)
{
    char title[256];
    svc_unique(title, sizeof title, "illegal");
    char *id = svc_create_task(title, 0);
    if (from == 4) {
        svc_set_status(id, "cancelled");
    } else if (from >= 1) {
        svc_set_status(id, "running");
        if (from >= 2)
            svc_set_status(id, statuses[from]);
    }
    return id;
}

/* Every pair (from, to) the machine does not allow gets 409 and leaves the task as it was. */
void registry_illegal_transitions_conflict(void **state)
{
    int checked = 0;
    for (int from = 0; from < N_STATUSES; from++) {
        for (int to = 0; to < N_STATUSES; to++) {
            if (legal(from, to))
                continue;
            char *id = task_in(from);
            char url[SVC_URL_MAX], body[64];
            svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s/status", id);
            snprintf(body, sizeof body, "{\"status\": \"%s\"}", statuses[to]);
            itest_progress("%s -> %s", statuses[from], statuses[to]);
            svc_expect_error("PATCH", url, body, 409, "illegal_transition");
            svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s", id);
            cJSON *task = svc_call(NULL, "GET", url, NULL, 200);
            itest_assert_json_string(task, "status", statuses[from]);
            cJSON_Delete(task);
            free(id);
            checked++;
        }
    }
    assert_int_equal(checked, 25 - 5); /* 5 legal pairs */
}

void registry_events_kept_in_order(void **state)
{
    enum { EVENTS = 20 };
    char title[256], url[SVC_URL_MAX];
    svc_unique(title, sizeof title, "events");
    char *id = svc_create_task(title, 0);
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s/events", id);
    for (int i = 0; i < EVENTS; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"type\": \"%s\", \"message\": \"step %d\"}",
                 i % 2 ? "progress" : "log", i);
        cJSON *event = svc_call(NULL, "POST", url, body, 201);
        itest_assert_json_string(event, "task_id", id);
        itest_assert_json_type(event, "at", cJSON_String);
        itest_assert_json_type(event, "id", cJSON_String);
        cJSON_Delete(event);
    }
    cJSON *list = svc_call(NULL, "GET", url, NULL, 200);
    const cJSON *items = itest_json_require(list, "items");
    itest_check(cJSON_GetArraySize(items) == EVENTS, "GET %s: expected %d events, found %d", url,
                EVENTS, cJSON_GetArraySize(items));
    for (int i = 0; i < EVENTS; i++) {
        char path[64], message[32];
        snprintf(path, sizeof path, "items[%d].message", i);
        snprintf(message, sizeof message, "step %d", i);
        itest_assert_json_string(list, path, message);
    }
    cJSON_Delete(list);
    free(id);
}

void registry_artifact_records(void **state)
{
    char title[256], url[SVC_URL_MAX];
    svc_unique(title, sizeof title, "records");
    char *id = svc_create_task(title, 0);
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s/artifacts", id);
    static const char sha_a[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    static const char sha_b[] = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
    char body[512];
    snprintf(body, sizeof body, "{\"key\": \"out/a.c\", \"sha256\": \"%s\", \"size\": 4}", sha_a);
    cJSON_Delete(svc_call(NULL, "POST", url, body, 201));
    snprintf(body, sizeof body, "{\"key\": \"out/b.c\", \"sha256\": \"%s\", \"size\": 11}", sha_b);
    cJSON_Delete(svc_call(NULL, "POST", url, body, 201));
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s", id);
    cJSON *task = svc_call(NULL, "GET", url, NULL, 200);
    itest_check(cJSON_GetArraySize(cJSON_GetObjectItem(task, "artifacts")) == 2,
                "GET %s: expected 2 artifact records, found %d", url,
                cJSON_GetArraySize(cJSON_GetObjectItem(task, "artifacts")));
    itest_assert_json_string(task, "artifacts[0].key", "out/a.c");
    itest_assert_json_string(task, "artifacts[0].sha256", sha_a);
    itest_assert_json_int(task, "artifacts[0].size", 4);
    itest_assert_json_string(task, "artifacts[1].key", "out/b.c");
    itest_assert_json_int(task, "artifacts[1].size", 11);
    cJSON_Delete(task);
    free(id);
}

/* Each bad request gets 400 with the code docs/mocks.md names. */
void registry_validation_errors(void **state)
{
    char title[256];
    svc_unique(title, sizeof title, "valid");
    char *id = svc_create_task(title, 0);
    static const struct {
        const char *method, *path, *body, *code;
    } bad[] = {
        {"POST", "/tasks", "{\"title\": \"t\", \"spec\": ", "invalid_json"},
        {"POST", "/tasks", "[1, 2]", "invalid_body"},
        {"POST", "/tasks", "{\"spec\": \"s\"}", "missing_field"},
        {"POST", "/tasks", "{\"title\": \"t\"}", "missing_field"},
        {"POST", "/tasks", "{\"title\": 5, \"spec\": \"s\"}", "invalid_field"},
        {"POST", "/tasks", "{\"title\": \"\", \"spec\": \"s\"}", "invalid_field"},
        {"POST", "/tasks", "{\"title\": \"t\", \"spec\": \"s\", \"priority\": 10}",
         "invalid_field"},
        {"POST", "/tasks", "{\"title\": \"t\", \"spec\": \"s\", \"priority\": -1}",
         "invalid_field"},
        {"POST", "/tasks", "{\"title\": \"t\", \"spec\": \"s\", \"priority\": \"high\"}",
         "invalid_field"},
        {"GET", "/tasks?limit=0", NULL, "invalid_limit"},
        {"GET", "/tasks?limit=101", NULL, "invalid_limit"},
        {"GET", "/tasks?cursor=not-a-cursor", NULL, "invalid_cursor"},
        {"GET", "/tasks?status=sleeping", NULL, "invalid_status"},
        {"PATCH", "/tasks/{id}/status", "{\"status\": \"sleeping\"}", "invalid_status"},
        {"PATCH", "/tasks/{id}/status", "{}", "missing_field"},
        {"POST", "/tasks/{id}/events", "{\"message\": \"m\"}", "missing_field"},
        {"POST", "/tasks/{id}/events", "{\"type\": 1, \"message\": \"m\"}", "invalid_field"},
        {"POST", "/tasks/{id}/artifacts", "{\"key\": \"k\", \"sha256\": \"xyz\", \"size\": 1}",
         "invalid_field"},
        {"POST", "/tasks/{id}/artifacts",
         "{\"key\": \"k\", \"sha256\": "
         "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\", \"size\": -1}",
         "invalid_field"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char url[SVC_URL_MAX];
        svc_url_with_id(url, ITEST_TASK_REGISTRY, bad[i].path, id);
        itest_progress("%s %s %s -> 400 %s", bad[i].method, bad[i].path,
                       bad[i].body ? bad[i].body : "", bad[i].code);
        svc_expect_error(bad[i].method, url, bad[i].body, 400, bad[i].code);
    }
    free(id);
}

void registry_unknown_task_not_found(void **state)
{
    static const char ghost[] = "00000000-0000-4000-8000-000000000000";
    static const struct {
        const char *method, *path, *body;
    } calls[] = {
        {"GET", "/tasks/{id}", NULL},
        {"PATCH", "/tasks/{id}/status", "{\"status\": \"running\"}"},
        {"POST", "/tasks/{id}/events", "{\"type\": \"log\", \"message\": \"m\"}"},
        {"GET", "/tasks/{id}/events", NULL},
        {"POST", "/tasks/{id}/artifacts",
         "{\"key\": \"k\", \"sha256\": "
         "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\", \"size\": 1}"},
    };
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        char url[SVC_URL_MAX];
        svc_url_with_id(url, ITEST_TASK_REGISTRY, calls[i].path, ghost);
        svc_expect_error(calls[i].method, url, calls[i].body, 404, "not_found");
    }
}
