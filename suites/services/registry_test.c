/* Task Registry: create, get, list with cursors, the status machine, events, artifact records
 * and every validation error. */
#include "cases.h"
#include "svc.h"

#include "itest/clock.h"

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

    /* a second task: each id names its own task, and GET answers the one asked for */
    char *second = svc_create_task(title, 2);
    itest_check(strcmp(second, id) != 0, "the two tasks created here got the same id %s", id);
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s", id);
    cJSON *fetched = svc_call(NULL, "GET", url, NULL, 200);
    itest_check(cJSON_Compare(created, fetched, true),
                "GET %s differs from what POST /tasks returned:\n  created: %s\n  fetched: %s", url,
                cJSON_PrintUnformatted(created), cJSON_PrintUnformatted(fetched));
    cJSON_Delete(created);
    cJSON_Delete(fetched);
    free(second);
}

/* A time member of a task or event, read as RFC 3339 (fails the case otherwise). */
static int64_t time_of(const cJSON *o, const char *member, const char *where)
{
    const char *text = NULL;
    int64_t ns = 0;
    itest_check(itest_json_get_string(&text, o, member) == 0, "[invalid JSON] %s: no string \"%s\"",
                where, member);
    itest_check(itest_parse_rfc3339(text, &ns) == 0,
                "[invalid JSON] %s: %s \"%s\" is not an RFC 3339 date-time", where, member, text);
    return ns;
}

/* Waits long enough for a registry that writes times like text to write a later one. */
static void let_time_pass(const char *text)
{
    itest_sleep_s(strchr(text, '.') ? 0.02 : 1.05); /* milliseconds, or whole seconds */
}

/* The contract's times: created_at never changes; updated_at moves on every status change and
 * every artifact record and is never before created_at; all are RFC 3339. */
void registry_timestamps_follow_changes(void **state)
{
    char title[256], url[SVC_URL_MAX], body[512];
    svc_unique(title, sizeof title, "times");
    svc_url(url, ITEST_TASK_REGISTRY, "/tasks");
    snprintf(body, sizeof body, "{\"title\": \"%s\", \"spec\": \"s\", \"priority\": 1}", title);
    cJSON *task = svc_call(NULL, "POST", url, body, 201);
    int64_t created = time_of(task, "created_at", "POST /tasks");
    int64_t updated = time_of(task, "updated_at", "POST /tasks");
    itest_check(updated >= created, "POST /tasks: updated_at %s is before created_at %s",
                cJSON_GetStringValue(cJSON_GetObjectItem(task, "updated_at")),
                cJSON_GetStringValue(cJSON_GetObjectItem(task, "created_at")));
    char *id = strdup(cJSON_GetStringValue(itest_json_require(task, "id")));
    char *created_text = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(task, "created_at")));
    let_time_pass(created_text);
    cJSON_Delete(task);

    static const char sha[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    static const struct {
        const char *what, *method, *path, *body;
        long status;
    } changes[] = {
        {"PATCH status running", "PATCH", "/tasks/{id}/status", "{\"status\": \"running\"}", 200},
        {"an artifact record", "POST", "/tasks/{id}/artifacts", NULL, 201},
        {"PATCH status succeeded", "PATCH", "/tasks/{id}/status", "{\"status\": \"succeeded\"}",
         200},
    };
    for (size_t i = 0; i < sizeof changes / sizeof *changes; i++) {
        svc_url_with_id(url, ITEST_TASK_REGISTRY, changes[i].path, id);
        snprintf(body, sizeof body, "{\"key\": \"out/t.c\", \"sha256\": \"%s\", \"size\": 4}", sha);
        cJSON_Delete(svc_call(NULL, changes[i].method, url,
                              changes[i].body ? changes[i].body : body, changes[i].status));
        svc_url(url, ITEST_TASK_REGISTRY, "/tasks/%s", id);
        task = svc_call(NULL, "GET", url, NULL, 200);
        char where[SVC_URL_MAX + 8];
        snprintf(where, sizeof where, "GET %s", url);
        int64_t c = time_of(task, "created_at", where), u = time_of(task, "updated_at", where);
        const char *c_text = cJSON_GetStringValue(cJSON_GetObjectItem(task, "created_at"));
        const char *u_text = cJSON_GetStringValue(cJSON_GetObjectItem(task, "updated_at"));
        itest_check(c == created, "created_at changed from %s to %s after %s", created_text, c_text,
                    changes[i].what);
        itest_check(u >= c, "updated_at %s is before created_at %s after %s", u_text, c_text,
                    changes[i].what);
        itest_check(u > updated, "updated_at did not change after %s: still %s", changes[i].what,
                    u_text);
        updated = u;
        let_time_pass(u_text);
        cJSON_Delete(task);
    }
    free(created_text);
    free(id);
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
    char **cursors = NULL; /* every next_cursor given: one given twice is a loop */
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
        if (!end) {
            snprintf(cursor, sizeof cursor, "%s", next->valuestring);
            for (int p = 0; p < pages; p++)
                itest_check(strcmp(cursors[p], cursor) != 0,
                            "GET %s: next_cursor %s was given before, by page %d: the listing "
                            "loops instead of ending with null",
                            url, cursor, p + 1);
            cursors = realloc(cursors, (size_t)(pages + 1) * sizeof *cursors);
            cursors[pages] = strdup(cursor);
        }
        cJSON_Delete(page);
        if (end)
            break;
    }
    for (int p = 0; p < pages; p++)
        free(cursors[p]);
    free(cursors);
    itest_check(pages >= 1, "GET /tasks?limit=3 ended after one page, with %d tasks created here",
                OURS);
    itest_progress("walked %d pages, %zu tasks", pages + 1, n_seen);
    qsort(seen, n_seen, sizeof *seen, svc_compare_strings);
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

/* Walks GET /tasks?status=running over several pages (limit 2, three running tasks of its own
 * before two pending ones): every page keeps to the filter, and ours are all there. */
void registry_list_filters_by_status(void **state)
{
    enum { OURS = 5 }; /* running, running, running, pending, pending */
    char *ids[OURS];
    for (int i = 0; i < OURS; i++) {
        char title[256];
        svc_unique(title, sizeof title, "filter");
        ids[i] = svc_create_task(title, 1);
        if (i < 3)
            svc_set_status(ids[i], "running");
    }
    char url[SVC_URL_MAX], cursor[512] = "";
    bool found[OURS] = {false};
    int pages = 0;
    for (;; pages++) {
        itest_check(pages < 20000, "GET /tasks?status=running did not end in 20000 pages");
        if (*cursor)
            svc_url(url, ITEST_TASK_REGISTRY, "/tasks?status=running&limit=2&cursor=%s", cursor);
        else
            svc_url(url, ITEST_TASK_REGISTRY, "/tasks?status=running&limit=2");
        cJSON *page = svc_call(NULL, "GET", url, NULL, 200);
        const cJSON *task;
        cJSON_ArrayForEach(task, cJSON_GetObjectItem(page, "items"))
        {
            const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(task, "status"));
            const char *tid = cJSON_GetStringValue(cJSON_GetObjectItem(task, "id"));
            itest_check(status && strcmp(status, "running") == 0,
                        "GET %s (page %d) listed task %s, whose status is %s: a status filter "
                        "applies to every page",
                        url, pages + 1, tid ? tid : "(no id)", status ? status : "(none)");
            for (int i = 0; i < OURS; i++)
                found[i] = found[i] || (tid && strcmp(tid, ids[i]) == 0);
        }
        const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(page, "next_cursor"));
        if (next)
            snprintf(cursor, sizeof cursor, "%s", next);
        cJSON_Delete(page);
        if (!next)
            break;
    }
    itest_check(pages >= 1,
                "GET /tasks?status=running&limit=2 ended after one page, though this case has 3 "
                "running tasks: the filter was never walked across pages");
    for (int i = 0; i < 3; i++)
        itest_check(found[i], "the running task %s is missing from GET /tasks?status=running",
                    ids[i]);
    for (int i = 0; i < OURS; i++)
        free(ids[i]);
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
            const char *now = cJSON_GetStringValue(cJSON_GetObjectItem(task, "status"));
            itest_check(now && strcmp(now, paths[p][i]) == 0,
                        "GET %s after PATCH status %s: the task's status is %s, so the change was "
                        "not kept",
                        url, paths[p][i], now ? now : "(none)");
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
            const char *now = cJSON_GetStringValue(cJSON_GetObjectItem(task, "status"));
            itest_check(now && strcmp(now, statuses[from]) == 0,
                        "GET %s after a 409 for %s -> %s: the task's status is %s; a refused "
                        "transition leaves it as it was",
                        url, statuses[from], statuses[to], now ? now : "(none)");
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
        itest_assert_json_type(event, "id", cJSON_String);
        time_of(event, "at", "POST events");
        cJSON_Delete(event);
    }
    cJSON *list = svc_call(NULL, "GET", url, NULL, 200);
    const cJSON *items = itest_json_require(list, "items");
    itest_check(cJSON_GetArraySize(items) == EVENTS, "GET %s: expected %d events, found %d", url,
                EVENTS, cJSON_GetArraySize(items));
    const char *event_ids[EVENTS];
    for (int i = 0; i < EVENTS; i++) {
        const cJSON *e = cJSON_GetArrayItem(items, i);
        char message[32], where[64];
        snprintf(message, sizeof message, "step %d", i);
        snprintf(where, sizeof where, "GET events: items[%d]", i);
        const char *got = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
        int step = -1;
        bool ours = got && sscanf(got, "step %d", &step) == 1 && step >= 0 && step < EVENTS;
        itest_check(!ours || step == i,
                    "GET %s: events are not in insertion order: items[%d] is \"%s\", the event "
                    "posted as #%d",
                    url, i, got, i);
        itest_check(got && strcmp(got, message) == 0,
                    "GET %s: items[%d].message is \"%s\"; the event was posted with \"%s\"", url, i,
                    got ? got : "(none)", message);
        itest_assert_json_string(e, "task_id", id);
        time_of(e, "at", where);
        event_ids[i] = cJSON_GetStringValue(cJSON_GetObjectItem(e, "id"));
        itest_check(event_ids[i], "GET %s: items[%d] has no string id", url, i);
        for (int k = 0; k < i; k++)
            itest_check(strcmp(event_ids[k], event_ids[i]) != 0,
                        "GET %s: event id %s is given twice (items[%d] and items[%d])", url,
                        event_ids[i], k, i);
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
