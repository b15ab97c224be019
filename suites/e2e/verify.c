/* Checking that the registry, the store, the database and the pool agree; see e2e.h. */
#include "e2e.h"

#include "itest/llm_capabilities.h"
#include "itest/config.h"
#include "itest/digest.h"
#include "itest/git.h"
#include "itest/http.h"
#include "itest/json.h"
#include "itest/mock_admin.h"
#include "itest/pg.h"
#include "itest/targets.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define URL_MAX 2048
/* itest_check() reporting the caller's file and line. */
#define CHECK_AT(file, line, cond, ...)                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            itest_fail_at(file, line, __VA_ARGS__);                                                \
    } while (0)

void e2e_expect_success_at(const char *file, int line, struct runner_result *res)
{
    if (res->failed_step == STEP_NONE)
        return;
    /* a task's own categories (the code, its tests, git, the workspace) are the target not
     * doing what the case expects: an assertion to the report, the task's word kept */
    static const char *const task_categories[] = {
        RUNNER_CATEGORY_IMPLEMENTATION, RUNNER_CATEGORY_TESTS, RUNNER_CATEGORY_GIT,
        RUNNER_CATEGORY_WORKSPACE, RUNNER_CATEGORY_DEPENDENCY};
    const char *category = res->category ? res->category : "other";
    const char *task_word = NULL;
    for (size_t i = 0; i < sizeof task_categories / sizeof *task_categories; i++)
        if (strcmp(category, task_categories[i]) == 0)
            task_word = category;
    char msg[1400];
    snprintf(msg, sizeof msg, "[%s] the workflow failed at step %s%s%s%s: %s",
             task_word ? "assertion" : category, runner_step_name(res->failed_step),
             task_word ? " (" : "", task_word ? task_word : "", task_word ? ")" : "", res->error);
    runner_free(res);
    itest_fail_at(file, line, "%s", msg);
}

/* GETs <base of s><path> and returns the parsed body; fails the case unless the status is 200. */
static cJSON *get_json(const char *file, int line, enum itest_service s, const char *path)
{
    char url[URL_MAX];
    snprintf(url, sizeof url, "%s%s", itest_require_service_at(file, line, s), path);
    struct itest_http_response r;
    itest_http_json(&r, "GET", url, NULL);
    itest_http_assert_status_at(file, line, &r, "GET", url, 200);
    cJSON *doc = cJSON_ParseWithLength(r.body, r.body_len);
    itest_http_response_free(&r);
    if (!doc)
        itest_fail_at(file, line, "[invalid JSON] GET %s: the body is not JSON", url);
    return doc;
}

static const char *string_of(const cJSON *obj, const char *member)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, member);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The slot is not among the pool's leases. */
static void check_slot_free(const char *file, int line, const char *slot_id)
{
    cJSON *slots = get_json(file, line, ITEST_REPO_POOL, "/slots");
    const cJSON *item;
    bool held = false;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(slots, "items")) held |=
        strcmp(string_of(item, "slot_id"), slot_id) == 0;
    cJSON_Delete(slots);
    CHECK_AT(file, line, !held, "pool: slot %s is still leased after the workflow", slot_id);
}

static long long count_rows(const char *file, int line, PGconn *db, const char *table,
                            const char *column, const char *task_id)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s = $1", table, column);
    const char *const params[] = {task_id};
    return itest_pg_int_at(file, line, db, sql, params, 1);
}

void e2e_verify_succeeded_at(const char *file, int line, struct runner_result *res)
{
    e2e_expect_success_at(file, line, res);
    char path[512];
    /* the registry: status, artifact record, events in order */
    snprintf(path, sizeof path, "/tasks/%s", res->task_id);
    cJSON *task = get_json(file, line, ITEST_TASK_REGISTRY, path);
    char status[32];
    snprintf(status, sizeof status, "%s", string_of(task, "status"));
    const cJSON *art = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(task, "artifacts"), 0);
    char rec_key[256], rec_sha[80];
    snprintf(rec_key, sizeof rec_key, "%s", string_of(art, "key"));
    snprintf(rec_sha, sizeof rec_sha, "%s", string_of(art, "sha256"));
    cJSON_Delete(task);
    CHECK_AT(file, line, strcmp(status, "succeeded") == 0,
             "registry: task %s is '%s', expected 'succeeded'", res->task_id, status);
    CHECK_AT(file, line,
             strcmp(rec_key, res->artifact_key) == 0 && strcmp(rec_sha, res->sha256) == 0,
             "registry: task %s records artifact '%s' (%s), expected '%s' (%s)", res->task_id,
             rec_key, rec_sha, res->artifact_key, res->sha256);
    snprintf(path, sizeof path, "/tasks/%s/events", res->task_id);
    cJSON *events = get_json(file, line, ITEST_TASK_REGISTRY, path);
    char types[256] = "";
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(events, "items"))
    {
        size_t used = strlen(types);
        snprintf(types + used, sizeof types - used, "%s%s", used ? "," : "", string_of(ev, "type"));
    }
    cJSON_Delete(events);
    CHECK_AT(file, line, strcmp(types, "task.started,artifact.uploaded,task.succeeded") == 0,
             "registry: task %s has events [%s], expected "
             "[task.started,artifact.uploaded,task.succeeded]",
             res->task_id, types);

    /* the store: the exact bytes and their sha256 */
    char url[URL_MAX];
    snprintf(url, sizeof url, "%s/artifacts/%s",
             itest_require_service_at(file, line, ITEST_ARTIFACT_STORE), res->artifact_key);
    struct itest_http_response r;
    itest_http_json(&r, "GET", url, NULL);
    itest_http_assert_status_at(file, line, &r, "GET", url, 200);
    char sha[65];
    itest_sha256_hex(sha, r.body, r.body_len);
    bool same = r.body_len == res->artifact_size && memcmp(r.body, res->artifact, r.body_len) == 0;
    itest_http_response_free(&r);
    CHECK_AT(file, line, same && strcmp(sha, res->sha256) == 0,
             "store: %s holds %s, not the %zu bytes uploaded (%s)", res->artifact_key, sha,
             res->artifact_size, res->sha256);

    /* the database: the task, its LLM call and its artifact */
    PGconn *db = itest_pg_connect_at(file, line, ITEST_PG_DIRECT, itest_config()->db_schema);
    const char *const id[] = {res->task_id};
    char *db_status =
        itest_pg_value_at(file, line, db, "SELECT status FROM tasks WHERE id = $1", id, 1);
    bool status_ok = db_status && strcmp(db_status, "succeeded") == 0;
    free(db_status);
    CHECK_AT(file, line, status_ok, "database: task %s is not 'succeeded'", res->task_id);
    char *call = itest_pg_value_at(file, line, db,
                                   "SELECT model || ' ' || prompt_tokens || ' ' || "
                                   "completion_tokens || ' ' || total_tokens FROM llm_calls "
                                   "WHERE task_id = $1",
                                   id, 1);
    char expect[400];
    snprintf(expect, sizeof expect, "%s %ld %ld %ld", res->model, res->prompt_tokens,
             res->completion_tokens, res->total_tokens);
    bool call_ok = call && strcmp(call, expect) == 0;
    CHECK_AT(file, line, call_ok, "database: the LLM call row is '%s', expected '%s'",
             call ? call : "NULL", expect);
    free(call);
    char *row = itest_pg_value_at(file, line, db,
                                  "SELECT key || ' ' || sha256 || ' ' || size_bytes FROM "
                                  "artifacts WHERE task_id = $1",
                                  id, 1);
    snprintf(expect, sizeof expect, "%s %s %zu", res->artifact_key, res->sha256,
             res->artifact_size);
    bool row_ok = row && strcmp(row, expect) == 0;
    CHECK_AT(file, line, row_ok, "database: the artifact row is '%s', expected '%s'",
             row ? row : "NULL", expect);
    free(row);
    itest_pg_disconnect(db);

    /* the pool: the slot is free again */
    check_slot_free(file, line, res->slot_id);
    e2e_track(res);
}

/* The slot's working tree was removed with its lease (a mock's; a real pool's is its own). */
static void check_tree_gone(const char *file, int line, const struct runner_result *res)
{
    if (!res->workspace[0] || !itest_service_is_mock(ITEST_REPO_POOL))
        return;
    CHECK_AT(file, line, access(res->workspace, F_OK) != 0,
             "pool: the working tree %s of released slot %s is still there", res->workspace,
             res->slot_id);
}

/* The registry's event types of the task, comma-separated. */
static void event_types(const char *file, int line, const char *task_id, char *types, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "/tasks/%s/events", task_id);
    cJSON *events = get_json(file, line, ITEST_TASK_REGISTRY, path);
    types[0] = '\0';
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(events, "items"))
    {
        size_t used = strlen(types);
        snprintf(types + used, len - used, "%s%s", used ? "," : "", string_of(ev, "type"));
    }
    cJSON_Delete(events);
}

bool e2e_has_event(const char *task_id, const char *type, const char *message_part)
{
    char path[512];
    snprintf(path, sizeof path, "/tasks/%s/events", task_id);
    cJSON *events = get_json(__FILE__, __LINE__, ITEST_TASK_REGISTRY, path);
    bool found = false;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(events, "items")) found |=
        strcmp(string_of(ev, "type"), type) == 0 &&
        (!message_part || strstr(string_of(ev, "message"), message_part));
    cJSON_Delete(events);
    return found;
}

/* The store holds exactly len bytes with sha256 sha at key. */
static void check_stored(const char *file, int line, const char *key, const char *bytes, size_t len,
                         const char *sha)
{
    char url[URL_MAX];
    snprintf(url, sizeof url, "%s/artifacts/%s",
             itest_require_service_at(file, line, ITEST_ARTIFACT_STORE), key);
    struct itest_http_response r;
    itest_http_json(&r, "GET", url, NULL);
    itest_http_assert_status_at(file, line, &r, "GET", url, 200);
    char got[65];
    itest_sha256_hex(got, r.body, r.body_len);
    bool same = r.body_len == len && (len == 0 || memcmp(r.body, bytes, len) == 0);
    itest_http_response_free(&r);
    CHECK_AT(file, line, same && strcmp(got, sha) == 0,
             "store: %s holds %s, not the %zu bytes uploaded (%s)", key, got, len, sha);
}

void e2e_verify_committed_at(const char *file, int line, struct runner_result *res,
                             const char *const *files)
{
    e2e_expect_success_at(file, line, res);
    char path[512], types[512];
    /* the registry: succeeded, both artifacts recorded, the events in order */
    snprintf(path, sizeof path, "/tasks/%s", res->task_id);
    cJSON *task = get_json(file, line, ITEST_TASK_REGISTRY, path);
    char status[32], records[1024] = "", expect[1400];
    snprintf(status, sizeof status, "%s", string_of(task, "status"));
    const cJSON *art;
    cJSON_ArrayForEach(art, cJSON_GetObjectItemCaseSensitive(task, "artifacts"))
    {
        size_t used = strlen(records);
        snprintf(records + used, sizeof records - used, "%s%s %s", used ? "," : "",
                 string_of(art, "key"), string_of(art, "sha256"));
    }
    cJSON_Delete(task);
    CHECK_AT(file, line, strcmp(status, "succeeded") == 0,
             "registry: task %s is '%s', expected 'succeeded'", res->task_id, status);
    snprintf(expect, sizeof expect, "%s %s,%s %s", res->artifact_key, res->sha256, res->log_key,
             res->log_sha256);
    CHECK_AT(file, line, strcmp(records, expect) == 0,
             "registry: task %s records artifacts [%s], expected [%s]", res->task_id, records,
             expect);
    event_types(file, line, res->task_id, types, sizeof types);
    static const char want_events[] = "task.started,tests.passed,commit.pushed,artifact.uploaded,"
                                      "artifact.uploaded,task.succeeded";
    CHECK_AT(file, line, strcmp(types, want_events) == 0,
             "registry: task %s has events [%s], expected [%s]", res->task_id, types, want_events);

    /* the store: the patch and the test log, byte for byte */
    check_stored(file, line, res->artifact_key, res->artifact, res->artifact_size, res->sha256);
    check_stored(file, line, res->log_key, res->log, res->log_size, res->log_sha256);
    CHECK_AT(file, line, res->artifact_size > 0 && strstr(res->artifact, res->commit),
             "store: the patch %s does not name commit %s", res->artifact_key, res->commit);

    /* the database: the commit and both artifacts */
    PGconn *db = itest_pg_connect_at(file, line, ITEST_PG_DIRECT, itest_config()->db_schema);
    const char *const id[] = {res->task_id};
    char *row = itest_pg_value_at(file, line, db,
                                  "SELECT repo || ' ' || branch || ' ' || commit_id FROM "
                                  "task_commits WHERE task_id = $1",
                                  id, 1);
    snprintf(expect, sizeof expect, "%s %s %s", res->repo_url, res->branch, res->commit);
    bool row_ok = row && strcmp(row, expect) == 0;
    CHECK_AT(file, line, row_ok, "database: the commit row of task %s is '%s', expected '%s'",
             res->task_id, row ? row : "NULL", expect);
    free(row);
    long long arts = count_rows(file, line, db, "artifacts", "task_id", res->task_id);
    char *st = itest_pg_value_at(file, line, db, "SELECT status FROM tasks WHERE id = $1", id, 1);
    bool st_ok = st && strcmp(st, "succeeded") == 0;
    free(st);
    itest_pg_disconnect(db);
    CHECK_AT(file, line, arts == 2 && st_ok,
             "database: task %s has %lld artifact rows (expected 2) and status ok=%d", res->task_id,
             arts, st_ok);

    /* the bare repository: the branch at the commit, on the base, with exactly the files */
    char bare[1024], at[ITEST_GIT_OID_HEX], parent[ITEST_GIT_OID_HEX], err[1024];
    if (e2e_bare_path(res, bare, sizeof bare)) {
        int found = itest_git_resolve(bare, res->branch, at, err, sizeof err);
        CHECK_AT(file, line, found == 0 && strcmp(at, res->commit) == 0,
                 "git: %s's branch %s is %s, expected the pushed commit %s", bare, res->branch,
                 found == 0   ? at
                 : found == 1 ? "missing"
                              : err,
                 res->commit);
        char *msg = NULL, **got = NULL;
        size_t n = 0;
        int rc = itest_git_commit_info(bare, res->commit, &msg, parent, &got, &n, err, sizeof err);
        CHECK_AT(file, line, rc == 0, "git: commit %s in %s: %s", res->commit, bare, err);
        char listed[1024] = "", wanted[1024] = "";
        for (size_t i = 0; i < n; i++) {
            size_t used = strlen(listed);
            snprintf(listed + used, sizeof listed - used, "%s%s", i ? "," : "", got[i]);
        }
        for (size_t i = 0; files && files[i]; i++) {
            size_t used = strlen(wanted);
            snprintf(wanted + used, sizeof wanted - used, "%s%s", i ? "," : "", files[i]);
        }
        bool named = msg && strstr(msg, res->task_id);
        free(msg);
        itest_git_strings_free(got);
        CHECK_AT(file, line, strcmp(listed, wanted) == 0,
                 "git: commit %s changes [%s], expected exactly [%s]", res->commit, listed, wanted);
        CHECK_AT(file, line, strcmp(parent, res->base_commit) == 0,
                 "git: commit %s's parent is %s, expected the base %s", res->commit, parent,
                 res->base_commit);
        CHECK_AT(file, line, named, "git: commit %s's message does not name task %s", res->commit,
                 res->task_id);
    }
    /* the pool: the slot free, its tree gone */
    check_slot_free(file, line, res->slot_id);
    check_tree_gone(file, line, res);
    e2e_track(res);
}

void e2e_verify_failed_at(const char *file, int line, struct runner_result *res,
                          enum runner_step step, const char *category)
{
    CHECK_AT(file, line, res->failed_step != STEP_NONE,
             "the workflow succeeded, but it should have failed at step %s [%s]",
             runner_step_name(step), category);
    CHECK_AT(file, line,
             res->failed_step == step && res->category && strcmp(res->category, category) == 0,
             "the workflow failed at step %s [%s], expected step %s [%s]: %s",
             runner_step_name(res->failed_step), res->category ? res->category : "none",
             runner_step_name(step), category, res->error);
    CHECK_AT(file, line, !res->cleanup_failed, "the runner could not clean up: %s",
             res->cleanup_error);
    char path[512];
    snprintf(path, sizeof path, "/tasks/%s", res->task_id);
    cJSON *task = get_json(file, line, ITEST_TASK_REGISTRY, path);
    char status[32];
    snprintf(status, sizeof status, "%s", string_of(task, "status"));
    cJSON_Delete(task);
    bool never_ran = step <= STEP_ALLOCATE_SLOT || step == STEP_DEPENDENCY;
    const char *want = never_ran ? "cancelled" : "failed";
    CHECK_AT(file, line, strcmp(status, want) == 0,
             "registry: task %s is '%s' after a failure at %s, expected '%s'", res->task_id, status,
             runner_step_name(step), want);
    snprintf(path, sizeof path, "/tasks/%s/events", res->task_id);
    cJSON *events = get_json(file, line, ITEST_TASK_REGISTRY, path);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(events, "items");
    const cJSON *last = cJSON_GetArrayItem(items, cJSON_GetArraySize(items) - 1);
    char type[64], message[1300], expect[128];
    snprintf(type, sizeof type, "%s", string_of(last, "type"));
    snprintf(message, sizeof message, "%s", string_of(last, "message"));
    cJSON_Delete(events);
    snprintf(expect, sizeof expect, "%s: [%s]", runner_step_name(step), category);
    CHECK_AT(file, line, strcmp(type, "task.failed") == 0 && strstr(message, expect),
             "registry: the last event of task %s is %s '%s', expected task.failed "
             "saying '%s'",
             res->task_id, type, message, expect);
    if (res->artifact_key[0]) {
        char url[URL_MAX];
        snprintf(url, sizeof url, "%s/artifacts/%s",
                 itest_require_service_at(file, line, ITEST_ARTIFACT_STORE), res->artifact_key);
        struct itest_http_response r;
        itest_http_json(&r, "HEAD", url, NULL);
        itest_http_assert_status_at(file, line, &r, "HEAD", url, 404);
        itest_http_response_free(&r);
    }
    PGconn *db = itest_pg_connect_at(file, line, ITEST_PG_DIRECT, itest_config()->db_schema);
    long long rows = count_rows(file, line, db, "tasks", "id", res->task_id) +
                     count_rows(file, line, db, "llm_calls", "task_id", res->task_id) +
                     count_rows(file, line, db, "artifacts", "task_id", res->task_id) +
                     count_rows(file, line, db, "task_events", "task_id", res->task_id) +
                     count_rows(file, line, db, "task_commits", "task_id", res->task_id);
    itest_pg_disconnect(db);
    CHECK_AT(file, line, rows == 0, "database: %lld row(s) of failed task %s were left behind",
             rows, res->task_id);
    if (res->slot_id[0])
        check_slot_free(file, line, res->slot_id);
    char bare[1024], id[ITEST_GIT_OID_HEX], err[1024];
    if (res->branch[0] && e2e_bare_path(res, bare, sizeof bare)) {
        int found = itest_git_resolve(bare, res->branch, id, err, sizeof err);
        CHECK_AT(file, line, found == 1, "git: %s holds branch %s of failed task %s (at %.12s)%s%s",
                 bare, res->branch, res->task_id, found == 0 ? id : "?", found < 0 ? ": " : "",
                 found < 0 ? err : "");
    }
    check_tree_gone(file, line, res);
}

/* Successful workflows to clean up after the case: rows, artifacts, pushed branches. */
struct tracked_task {
    char id[64];
    char bare[1024]; /* the bare repository its branch was pushed to, or "" */
    char branch[128];
};
static pthread_mutex_t tracked_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tracked_task *tracked;
static size_t n_tracked, cap_tracked;

void e2e_track(const struct runner_result *res)
{
    pthread_mutex_lock(&tracked_lock);
    if (n_tracked == cap_tracked) {
        size_t cap = cap_tracked ? cap_tracked * 2 : 64;
        void *p = realloc(tracked, cap * sizeof *tracked);
        if (p) {
            tracked = p;
            cap_tracked = cap;
        }
    }
    if (n_tracked < cap_tracked) {
        struct tracked_task *t = &tracked[n_tracked++];
        snprintf(t->id, sizeof t->id, "%s", res->task_id);
        t->bare[0] = '\0';
        if (res->pushed)
            e2e_bare_path(res, t->bare, sizeof t->bare);
        snprintf(t->branch, sizeof t->branch, "%s", res->branch);
    }
    pthread_mutex_unlock(&tracked_lock);
}

const char *e2e_repo(void)
{
    const char *repo = getenv("E2E_REPO");
    return repo && *repo ? repo : "wordcount";
}

const char *e2e_bare_path(const struct runner_result *res, char *buf, size_t len)
{
    const char *url = res->repo_url;
    if (strncmp(url, "file://", 7) == 0)
        url += 7;
    if (url[0] != '/')
        return NULL;
    snprintf(buf, len, "%s", url);
    return buf;
}

int e2e_setup(void **state)
{
    (void)state;
    struct runner_options configured = {0};
    if (runner_llm_api(&configured) == RUNNER_LLM_RESPONSES)
        itest_llm_require(ITEST_LLM_CAP_RESPONSES);
    return 0;
}

int e2e_teardown(void **state)
{
    (void)state;
    char err[512];
    PGconn *db = n_tracked ? runner_db_open(err, sizeof err) : NULL;
    char base[URL_MAX - 100];
    const char *store = itest_service_url(ITEST_ARTIFACT_STORE, err, sizeof err);
    snprintf(base, sizeof base, "%s", store ? store : "");
    static const char *const keys[] = {"solution.c", "change.patch", "test.log"};
    for (size_t i = 0; i < n_tracked; i++) {
        if (db)
            runner_db_forget(db, tracked[i].id, err, sizeof err);
        for (size_t k = 0; store && k < sizeof keys / sizeof *keys; k++) {
            char url[URL_MAX];
            snprintf(url, sizeof url, "%s/artifacts/e2e/%s/%s", base, tracked[i].id, keys[k]);
            struct itest_http_request req = {.method = "DELETE", .url = url, .retries = 0};
            struct itest_http_response r;
            itest_http_send(&r, &req);
            itest_http_response_free(&r);
        }
        if (tracked[i].bare[0])
            itest_git_delete_branch(tracked[i].bare, tracked[i].branch, err, sizeof err);
    }
    PQfinish(db);
    n_tracked = 0;
    for (int s = 0; s < ITEST_SERVICE_COUNT; s++)
        if (itest_service_is_mock(s))
            itest_mock_reset_scope(s);
    itest_pg_disconnect_all();
    return 0;
}
