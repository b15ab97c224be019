/* The agent runner; see runner.h. */
#include "runner.h"
#include "runner_calls.h"
#include "runner_tree.h"
#include "mistake.h"

#include "itest/clock.h"
#include "itest/code_check.h"
#include "itest/config.h"
#include "itest/digest.h"
#include "itest/http.h"
#include "itest/json.h"
#include "itest/llm.h"
#include "itest/measure.h"
#include "itest/number.h"
#include "itest/pg.h"
#include "itest/redact.h"
#include "itest/targets.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_SLOT_WAIT_S 30.0
#define SLOT_TTL_S 300
/* The convention the workspace mode reads replies by (itest_code_files). */
#define WORKSPACE_SYSTEM_PROMPT                                                                    \
    "You work in a C project's git repository. Answer with the complete content of every file "    \
    "you add or change, each in a fenced block whose info string names its path relative to the "  \
    "repository's root, such as ```c path=src/parse.c"

const char *runner_step_name(enum runner_step step)
{
    static const char *const names[] = {
        [STEP_NONE] = "none",
        [STEP_CREATE_TASK] = "create_task",
        [STEP_ALLOCATE_SLOT] = "allocate_slot",
        [STEP_MARK_RUNNING] = "mark_running",
        [STEP_LLM] = "llm",
        [STEP_VALIDATE] = "validate",
        [STEP_UPLOAD] = "upload",
        [STEP_DATABASE] = "database",
        [STEP_RECORD_ARTIFACT] = "record_artifact",
        [STEP_MARK_SUCCEEDED] = "mark_succeeded",
        [STEP_RELEASE_SLOT] = "release_slot",
        [STEP_DEPENDENCY] = "dependency",
        [STEP_WORKSPACE] = "workspace",
        [STEP_BUILD] = "build",
        [STEP_TEST] = "test",
        [STEP_GIT] = "git",
    };
    return (unsigned)step < sizeof names / sizeof names[0] ? names[step] : "unknown";
}

static int copy_string(struct runner_result *res, enum runner_step step, char *dst, size_t len,
                       const cJSON *doc, const char *member)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, member);
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= len)
        return runner_fail(res, step, ITEST_CATEGORY_INVALID_JSON,
                           "the reply has no usable string \"%s\"", member);
    memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
    return 0;
}

static int create_task(struct runner_result *res, const struct runner_options *opt)
{
    char url[URL_MAX];
    runner_url_of(url, ITEST_TASK_REGISTRY, "/tasks");
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "title", opt->title ? opt->title : "e2e task");
    cJSON_AddStringToObject(body, "spec", opt->prompt);
    cJSON_AddNumberToObject(body, "priority", 5);
    char *json = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    cJSON *task = NULL;
    int rc = runner_call(res, STEP_CREATE_TASK, "POST", url, json, 201, -1, &task, NULL);
    free(json);
    if (rc == 0)
        rc = copy_string(res, STEP_CREATE_TASK, res->task_id, sizeof res->task_id, task, "id");
    cJSON_Delete(task);
    return rc;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

/* The task's spec as the registry returns it (GET /tasks/{id}), malloc'd into *spec. */
static int read_spec(struct runner_result *res, char **spec)
{
    char url[URL_MAX], shown[URL_MAX];
    runner_url_of(url, ITEST_TASK_REGISTRY, "/tasks/%s", res->task_id);
    cJSON *task = NULL;
    if (runner_call(res, STEP_MARK_RUNNING, "GET", url, NULL, 200, -1, &task, NULL) != 0)
        return -1;
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(task, "spec"));
    int rc = 0;
    if (!text || !*text)
        rc = runner_fail(res, STEP_MARK_RUNNING, ITEST_CATEGORY_INVALID_JSON,
                         "GET %s: the task has no spec to work from", runner_redacted(shown, url));
    else if (!(*spec = strdup(text)))
        rc = runner_fail(res, STEP_MARK_RUNNING, "other", "out of memory");
    cJSON_Delete(task);
    return rc;
}

/* A slot, waiting as Retry-After says (1 s when it says nothing) while the pool is exhausted. */
static int allocate_slot(struct runner_result *res, const struct runner_options *opt)
{
    char url[URL_MAX], json[1024], shown[URL_MAX];
    runner_url_of(url, ITEST_REPO_POOL, "/slots");
    cJSON *ask = cJSON_CreateObject();
    if (opt->repo) {
        cJSON_AddStringToObject(ask, "repo", opt->repo);
    } else {
        char name[96];
        snprintf(name, sizeof name, "e2e-%s", res->task_id);
        cJSON_AddStringToObject(ask, "repo", name);
    }
    cJSON_AddNumberToObject(ask, "ttl_s", opt->slot_ttl_s > 0 ? opt->slot_ttl_s : SLOT_TTL_S);
    if (!cJSON_PrintPreallocated(ask, json, sizeof json, false))
        json[0] = '\0';
    cJSON_Delete(ask);
    double budget = opt->slot_wait_max_s > 0 ? opt->slot_wait_max_s : DEFAULT_SLOT_WAIT_S;
    static const char *const headers[] = {"Content-Type: application/json", NULL};
    struct itest_http_request req = {.method = "POST",
                                     .url = url,
                                     .headers = headers,
                                     .body = json,
                                     .body_len = strlen(json),
                                     .retries = 0};
    struct itest_http_response r;
    for (;;) {
        itest_http_send(&r, &req);
        res->slot_attempts++;
        if (r.status != 503)
            break;
        double wait = itest_http_retry_after(&r);
        itest_http_response_free(&r);
        if (wait < 0)
            wait = 1.0;
        if (res->slot_waited_s + wait > budget)
            return runner_fail(res, STEP_ALLOCATE_SLOT, ITEST_CATEGORY_HTTP_5XX,
                               "POST %s: the pool stayed exhausted for %.1f s (%d attempts)",
                               runner_redacted(shown, url), res->slot_waited_s, res->slot_attempts);
        sleep_s(wait);
        res->slot_waited_s += wait;
    }
    int rc = 0;
    cJSON *slot = NULL;
    if (r.status != 201) {
        rc = runner_fail_status(res, STEP_ALLOCATE_SLOT, "POST", url, 201, &r);
    } else if (!(slot = cJSON_ParseWithLength(r.body, r.body_len))) {
        rc = runner_fail(res, STEP_ALLOCATE_SLOT, ITEST_CATEGORY_INVALID_JSON,
                         "POST %s: the 201 reply is not JSON", runner_redacted(shown, url));
    } else {
        rc = copy_string(res, STEP_ALLOCATE_SLOT, res->slot_id, sizeof res->slot_id, slot,
                         "slot_id");
        if (rc == 0 && opt->repo)
            rc = copy_string(res, STEP_ALLOCATE_SLOT, res->repo_url, sizeof res->repo_url, slot,
                             "repo");
        if (rc == 0 && opt->repo)
            rc = copy_string(res, STEP_ALLOCATE_SLOT, res->workspace, sizeof res->workspace, slot,
                             "path");
    }
    cJSON_Delete(slot);
    itest_http_response_free(&r);
    return rc;
}

/* E2E_LLM_API: "chat" (or unset) or "responses"; anything else is a configuration error. */
static int configured_api(enum runner_llm_api *api)
{
    const char *v = getenv("E2E_LLM_API");
    *api = RUNNER_LLM_CHAT;
    if (!v || !*v || strcmp(v, "chat") == 0)
        return 0;
    if (strcmp(v, "responses") == 0) {
        *api = RUNNER_LLM_RESPONSES;
        return 0;
    }
    return -1;
}

static int check_variables(char *err, size_t errlen)
{
    enum runner_llm_api api;
    if (configured_api(&api) == 0)
        return 0;
    char msg[300];
    itest_config_problem(err, errlen, "%s",
                         itest_bad_value(msg, sizeof msg, "E2E_LLM_API", getenv("E2E_LLM_API"),
                                         "chat or responses"));
    return -1;
}

__attribute__((constructor)) static void register_check(void)
{
    itest_config_add_check(check_variables);
}

enum runner_llm_api runner_llm_api(const struct runner_options *opt)
{
    enum runner_llm_api api = opt->llm_api;
    if (api == RUNNER_LLM_CONFIGURED)
        configured_api(&api);
    return api;
}

/* Asks the LLM and keeps the model, usage and latency for the database; *code is the reply's
 * C block, or in the workspace mode the whole reply (its blocks name their files). */
static int ask_llm(struct runner_result *res, const struct runner_options *opt, const char *spec,
                   char **code)
{
    struct itest_llm_request req = {.prompt = spec,
                                    .system = opt->repo ? WORKSPACE_SYSTEM_PROMPT
                                                        : "Answer with one C code block.",
                                    .max_tokens = opt->repo ? 4096 : 512,
                                    .timeout_s = opt->llm_timeout_s,
                                    .responses = runner_llm_api(opt) == RUNNER_LLM_RESPONSES};
    struct itest_llm_reply reply;
    double t0 = itest_now_s();
    int rc = itest_llm_chat(&reply, &req);
    res->llm_latency_ms = lround((itest_now_s() - t0) * 1000.0);
    res->llm_attempts = reply.http.attempts;
    if (rc != 0) {
        runner_fail(res, STEP_LLM, reply.category, "%s", reply.error);
    } else {
        snprintf(res->model, sizeof res->model, "%s",
                 reply.model ? reply.model : itest_llm_model());
        res->prompt_tokens = reply.prompt_tokens;
        res->completion_tokens = reply.completion_tokens;
        res->total_tokens = reply.total_tokens;
        if (res->prompt_tokens < 0 || res->completion_tokens < 0)
            rc = runner_fail(res, STEP_LLM, ITEST_CATEGORY_INVALID_JSON,
                             "the reply carried no usage");
        else if (opt->repo && !(*code = strdup(reply.content ? reply.content : "")))
            rc = runner_fail(res, STEP_LLM, "other", "out of memory");
        else if (!opt->repo && !(*code = itest_code_extract_c(reply.content)))
            rc = runner_fail(res, STEP_VALIDATE, "assertion",
                             "the reply has no C code block: %.200s", reply.content);
    }
    itest_llm_reply_free(&reply);
    return rc;
}

static int validate(struct runner_result *res, const char *code)
{
    char diag[1024];
    int rc = itest_code_check_c(code, diag, sizeof diag);
    if (rc == 1)
        return runner_fail(res, STEP_VALIDATE, "assertion", "cc -fsyntax-only rejects the code: %s",
                           diag);
    if (rc != 0)
        return runner_fail(res, STEP_VALIDATE, "other", "the compiler did not run: %s", diag);
    return 0;
}

/* PUTs len bytes as key, with upload_retries, and checks the store's sha256 of them (put into
 * sha). */
static int put_artifact(struct runner_result *res, const struct runner_options *opt,
                        const char *key, const char *bytes, size_t len, const char *content_type,
                        char sha[65])
{
    itest_sha256_hex(sha, bytes, len);
    char url[URL_MAX], shown[URL_MAX], type[128];
    runner_url_of(url, ITEST_ARTIFACT_STORE, "/artifacts/%s", key);
    snprintf(type, sizeof type, "Content-Type: %s", content_type);
    const char *const headers[] = {type, NULL};
    struct itest_http_request req = {.method = "PUT",
                                     .url = url,
                                     .headers = headers,
                                     .body = bytes,
                                     .body_len = len,
                                     .retries = opt->upload_retries,
                                     .retry_transport_errors = true};
    struct itest_http_response r;
    itest_http_send(&r, &req);
    res->upload_attempts += r.attempts;
    int rc = 0;
    if (r.status != 201 && r.status != 200) {
        rc = runner_fail_status(res, STEP_UPLOAD, "PUT", url, 201, &r);
    } else {
        cJSON *doc = cJSON_ParseWithLength(r.body, r.body_len);
        const cJSON *got = cJSON_GetObjectItemCaseSensitive(doc, "sha256");
        if (!cJSON_IsString(got) || strcmp(got->valuestring, sha) != 0)
            rc = runner_fail(res, STEP_UPLOAD, ITEST_CATEGORY_INVALID_JSON,
                             "PUT %s: the store's sha256 %s is not the upload's %s",
                             runner_redacted(shown, url),
                             cJSON_IsString(got) ? got->valuestring : "(missing)", sha);
        cJSON_Delete(doc);
    }
    itest_http_response_free(&r);
    return rc;
}

/* Uploads "<header naming the task>\n<code>": the bytes differ per task, so cross-talk between
 * parallel runners would show in the store. In the workspace mode: the commit as a patch, then
 * make test's log. */
static int upload(struct runner_result *res, const struct runner_options *opt, const char *code)
{
    snprintf(res->artifact_key, sizeof res->artifact_key, "e2e/%s/%s", res->task_id,
             opt->repo ? "change.patch" : "solution.c");
    if (opt->repo) {
        char err[1024];
        if (itest_git_patch(res->workspace, "HEAD", &res->artifact, &res->artifact_size, err,
                            sizeof err) != 0)
            return runner_fail(res, STEP_GIT, RUNNER_CATEGORY_GIT, "the commit as a patch: %s",
                               err);
    } else if (asprintf(&res->artifact, "/* itest e2e task %s */\n%s", res->task_id, code) < 0) {
        res->artifact = NULL;
        return runner_fail(res, STEP_UPLOAD, "other", "out of memory");
    } else {
        res->artifact_size = strlen(res->artifact);
    }
    int rc = put_artifact(res, opt, res->artifact_key, res->artifact, res->artifact_size,
                          opt->repo ? "text/x-diff" : "text/x-c", res->sha256);
    if (rc == 0 && opt->repo) {
        snprintf(res->log_key, sizeof res->log_key, "e2e/%s/test.log", res->task_id);
        rc = put_artifact(res, opt, res->log_key, res->log ? res->log : "", res->log_size,
                          "text/plain", res->log_sha256);
    }
    return rc;
}

PGconn *runner_db_open(char *err, size_t errlen)
{
    const char *conninfo = itest_pg_conninfo(ITEST_PG_DIRECT, err, errlen);
    if (!conninfo)
        return NULL;
    return itest_pg_open(conninfo, 0, itest_config()->db_schema, err, errlen);
}

static int db_step(struct runner_result *res, PGconn *db, const char *sql,
                   const char *const *params, int n)
{
    char sqlstate[6], err[512];
    if (itest_pg_try(NULL, sqlstate, err, sizeof err, db, sql, params, n) == 0)
        return 0;
    const char *category = itest_pg_category(sqlstate);
    return runner_fail(res, STEP_DATABASE, category ? category : "other", "database: %s: %s", sql,
                       err);
}

/* "N tests passed": the tests.passed event's message. */
static const char *tests_passed_text(struct runner_result *res)
{
    static __thread char text[64];
    snprintf(text, sizeof text, "%d tests passed", res->tests_passed);
    return text;
}

/* The task, its LLM call, its artifacts, its commit and its events in one transaction. */
static int record_in_database(struct runner_result *res, const struct runner_options *opt)
{
    char err[512];
    PGconn *db = runner_db_open(err, sizeof err);
    if (!db)
        return runner_fail(res, STEP_DATABASE, itest_pg_open_category(ITEST_PG_DIRECT, err),
                           "database: %s", err);
    char prompt_tokens[24], completion_tokens[24], total_tokens[24], latency[24], size[24];
    snprintf(prompt_tokens, sizeof prompt_tokens, "%ld", res->prompt_tokens);
    snprintf(completion_tokens, sizeof completion_tokens, "%ld", res->completion_tokens);
    snprintf(total_tokens, sizeof total_tokens, "%ld", res->total_tokens);
    snprintf(latency, sizeof latency, "%ld", res->llm_latency_ms);
    snprintf(size, sizeof size, "%zu", res->artifact_size);
    const char *title = opt->title ? opt->title : "e2e task";
    int rc = db_step(res, db, "BEGIN", NULL, 0);
    if (rc == 0)
        rc = db_step(res, db,
                     "INSERT INTO tasks (id, title, spec, priority, status)"
                     " VALUES ($1, $2, $3, 5, 'succeeded')",
                     (const char *const[]){res->task_id, title, opt->prompt}, 3);
    if (rc == 0)
        rc = db_step(res, db,
                     "INSERT INTO llm_calls (task_id, model, prompt_tokens, completion_tokens,"
                     " total_tokens, latency_ms, finish_reason) VALUES ($1, $2, $3, $4, $5, $6,"
                     " 'stop')",
                     (const char *const[]){res->task_id, res->model, prompt_tokens,
                                           completion_tokens, total_tokens, latency},
                     6);
    if (rc == 0)
        rc = db_step(res, db,
                     "INSERT INTO artifacts (task_id, key, sha256, size_bytes)"
                     " VALUES ($1, $2, $3, $4)",
                     (const char *const[]){res->task_id, res->artifact_key, res->sha256, size}, 4);
    if (rc == 0 && !opt->repo)
        rc = db_step(res, db,
                     "INSERT INTO task_events (task_id, type, message) VALUES"
                     " ($1, 'task.started', 'slot ' || $2), ($1, 'artifact.uploaded', $3),"
                     " ($1, 'task.succeeded', '')",
                     (const char *const[]){res->task_id, res->slot_id, res->artifact_key}, 3);
    if (rc == 0 && opt->repo) {
        char log_size[24];
        snprintf(log_size, sizeof log_size, "%zu", res->log_size);
        rc = db_step(res, db,
                     "INSERT INTO artifacts (task_id, key, sha256, size_bytes)"
                     " VALUES ($1, $2, $3, $4)",
                     (const char *const[]){res->task_id, res->log_key, res->log_sha256, log_size},
                     4);
    }
    if (rc == 0 && opt->repo)
        rc = db_step(res, db,
                     "INSERT INTO task_commits (task_id, repo, branch, commit_id)"
                     " VALUES ($1, $2, $3, $4)",
                     (const char *const[]){res->task_id, res->repo_url, res->branch, res->commit},
                     4);
    if (rc == 0 && opt->repo)
        rc = db_step(res, db,
                     "INSERT INTO task_events (task_id, type, message) VALUES"
                     " ($1, 'task.started', 'slot ' || $2), ($1, 'tests.passed', $3),"
                     " ($1, 'commit.pushed', $4 || ' ' || $5), ($1, 'artifact.uploaded', $6),"
                     " ($1, 'artifact.uploaded', $7), ($1, 'task.succeeded', '')",
                     (const char *const[]){res->task_id, res->slot_id, tests_passed_text(res),
                                           res->branch, res->commit, res->artifact_key,
                                           res->log_key},
                     7);
    if (rc == 0 && opt->before_commit)
        opt->before_commit(opt->hook_arg, db);
    if (rc == 0)
        rc = db_step(res, db, "COMMIT", NULL, 0);
    /* a failed transaction is rolled back by the server when the session ends */
    PQfinish(db);
    return rc;
}

/* Compensation after a failure that came after the commit: the rows go. */
int runner_db_forget(PGconn *db, const char *task_id, char *err, size_t errlen)
{
    const char *const params[] = {task_id};
    char sqlstate[6];
    /* llm_calls refuses a task's deletion (ON DELETE RESTRICT): it goes first; events and
     * artifacts go with the task (ON DELETE CASCADE) */
    return itest_pg_try(NULL, sqlstate, err, errlen, db,
                        "WITH c AS (DELETE FROM llm_calls WHERE task_id = $1)"
                        " DELETE FROM tasks WHERE id = $1",
                        params, 1);
}

static void forget_database_rows(struct runner_result *res)
{
    char err[512];
    PGconn *db = runner_db_open(err, sizeof err);
    if (!db || runner_db_forget(db, res->task_id, err, sizeof err) != 0) {
        res->cleanup_failed = true;
        snprintf(res->cleanup_error, sizeof res->cleanup_error, "database rows: %s", err);
    }
    PQfinish(db);
}

/* The failure path: the task failed (or cancelled, if it never ran) with an event saying why,
 * and the artifact, the rows and the slot given back. */
static void give_back(struct runner_result *res, const struct runner_options *opt, bool running,
                      bool uploaded, bool committed, bool slot_held)
{
    char url[URL_MAX], err[800];
    struct runner_result scratch = {0};
    memcpy(scratch.task_id, res->task_id, sizeof scratch.task_id);
    for (int i = 0; i < 2 && uploaded; i++) {
        const char *key = i == 0 ? res->artifact_key : res->log_key;
        if (!key[0])
            continue;
        /* 404 is fine: a failed upload may never have landed */
        runner_url_of(url, ITEST_ARTIFACT_STORE, "/artifacts/%s", key);
        if (runner_call(&scratch, STEP_UPLOAD, "DELETE", url, NULL, 204, -1, NULL, NULL) != 0 &&
            !strstr(scratch.error, "got 404"))
            res->cleanup_failed = true;
    }
    if (committed)
        forget_database_rows(res);
    /* a pushed branch of a failed task would look like its result */
    if (res->pushed && !runner_mistake("pushed_branch_kept") &&
        itest_git_push(res->workspace, res->branch, true, err, sizeof err) != 0) {
        res->cleanup_failed = true;
        snprintf(res->cleanup_error, sizeof res->cleanup_error, "deleting the pushed %s: %s",
                 res->branch, err);
    }
    if (res->task_id[0]) {
        char message[1200];
        snprintf(message, sizeof message, "%s: [%s] %s", runner_step_name(res->failed_step),
                 res->category ? res->category : "other", res->error);
        if (runner_post_event(&scratch, res->failed_step, "task.failed", message) != 0 ||
            runner_set_status(&scratch, res->failed_step, running ? "failed" : "cancelled") != 0)
            res->cleanup_failed = true;
    }
    if (slot_held) {
        if (opt->before_release)
            opt->before_release(opt->hook_arg, res);
        runner_url_of(url, ITEST_REPO_POOL, "/slots/%s", res->slot_id);
        /* 404 is fine once the lease was found lost: the slot went back by itself */
        bool lost = res->failed_step == STEP_WORKSPACE && strstr(res->error, "no longer leased");
        if (runner_call(&scratch, STEP_RELEASE_SLOT, "DELETE", url, NULL, 204, -1, NULL, NULL) !=
                0 &&
            !(lost && strstr(scratch.error, "got 404")))
            res->cleanup_failed = true;
    }
    if (res->cleanup_failed && !res->cleanup_error[0])
        snprintf(res->cleanup_error, sizeof res->cleanup_error, "%s", scratch.error);
}

/* Records an artifact on the registry's task. */
static int record_artifact(struct runner_result *res, const char *key, const char *sha, size_t size)
{
    char url[URL_MAX], json[512];
    runner_url_of(url, ITEST_TASK_REGISTRY, "/tasks/%s/artifacts", res->task_id);
    snprintf(json, sizeof json, "{\"key\": \"%s\", \"sha256\": \"%s\", \"size\": %zu}", key, sha,
             size);
    cJSON *record = NULL; /* JSON like every body of the contract */
    int rc = runner_call(res, STEP_RECORD_ARTIFACT, "POST", url, json, 201, -1, &record, NULL);
    cJSON_Delete(record);
    return rc;
}

int runner_run(struct runner_result *res, const struct runner_options *opt)
{
    memset(res, 0, sizeof *res);
    double t0 = itest_now_s();
    char *code = NULL, *spec = NULL;
    bool running = false, uploaded = false, committed = false, slot_held = false;
    int rc = create_task(res, opt);
    if (rc == 0 && opt->after_task && !runner_mistake("no_dependency_wait"))
        rc = runner_wait_for_dependency(res, opt);
    if (rc == 0) {
        double t = itest_now_s();
        rc = allocate_slot(res, opt);
        res->allocate_s = itest_now_s() - t;
        slot_held = res->slot_id[0] != '\0'; /* leased even when its reply lacked a field */
    }
    if (rc == 0 && opt->after_allocate)
        opt->after_allocate(opt->hook_arg, res);
    if (rc == 0 && (rc = runner_set_status(res, STEP_MARK_RUNNING, "running")) == 0)
        running = true;
    if (rc == 0)
        rc = runner_post_event(res, STEP_MARK_RUNNING, "task.started", res->slot_id);
    /* the workspace mode works from the task as the registry keeps it, as a platform's runner
     * that picks tasks up does */
    if (rc == 0 && opt->repo)
        rc = read_spec(res, &spec);
    if (rc == 0)
        rc = ask_llm(res, opt, spec ? spec : opt->prompt, &code);
    if (rc == 0 && !opt->repo)
        rc = validate(res, code);
    if (rc == 0 && opt->repo)
        rc = runner_work_in_tree(res, opt, code);
    if (rc == 0 && opt->repo)
        rc = runner_post_event(res, STEP_TEST, "tests.passed", tests_passed_text(res));
    if (rc == 0 && opt->repo) {
        char pushed[256];
        snprintf(pushed, sizeof pushed, "%s %s", res->branch, res->commit);
        rc = runner_post_event(res, STEP_GIT, "commit.pushed", pushed);
    }
    if (rc == 0 && (rc = upload(res, opt, code)) == 0)
        uploaded = true;
    if (rc == 0)
        rc = runner_post_event(res, STEP_UPLOAD, "artifact.uploaded", res->artifact_key);
    if (rc == 0 && opt->repo)
        rc = runner_post_event(res, STEP_UPLOAD, "artifact.uploaded", res->log_key);
    /* an upload that failed may still have landed (a cut connection after the write) */
    uploaded = uploaded || (rc != 0 && res->failed_step == STEP_UPLOAD);
    if (rc == 0 && (rc = record_in_database(res, opt)) == 0)
        committed = true;
    if (rc == 0)
        rc = record_artifact(res, res->artifact_key, res->sha256, res->artifact_size);
    if (rc == 0 && opt->repo)
        rc = record_artifact(res, res->log_key, res->log_sha256, res->log_size);
    if (rc == 0)
        rc = runner_post_event(res, STEP_MARK_SUCCEEDED, "task.succeeded", res->artifact_key);
    if (rc == 0)
        rc = runner_set_status(res, STEP_MARK_SUCCEEDED, "succeeded");
    if (rc == 0) {
        char url[URL_MAX];
        if (opt->before_release)
            opt->before_release(opt->hook_arg, res);
        runner_url_of(url, ITEST_REPO_POOL, "/slots/%s", res->slot_id);
        rc = runner_call(res, STEP_RELEASE_SLOT, "DELETE", url, NULL, 204, -1, NULL, NULL);
        slot_held = false; /* released, or refused: nothing more to do with it */
    }
    if (rc != 0 && res->failed_step != STEP_RELEASE_SLOT)
        give_back(res, opt, running, uploaded, committed, slot_held);
    free(code);
    free(spec);
    res->total_s = itest_now_s() - t0;
    return rc;
}

void runner_free(struct runner_result *res)
{
    free(res->artifact);
    res->artifact = NULL;
    free(res->log);
    res->log = NULL;
    itest_git_strings_free(res->files);
    res->files = NULL;
}
