/* The agent runner the e2e suite drives: one task from creation to a validated, stored and
 * recorded result, across the Task Registry, the Repo Pool, the LLM, the C compiler, the
 * Artifact Store and PostgreSQL, as a platform's runner would do it. It handles the failures a
 * runner must handle (retries where they are safe, a failed task with an event saying why, and
 * giving back everything it took) and reports what happened instead of asserting: cases check
 * the result on their own thread, and several runners may work in parallel threads.
 *
 * Steps: create the task; allocate a repo slot (waiting as Retry-After says while the pool is
 * exhausted); mark it running; ask the LLM for code; validate it (cc -fsyntax-only); upload it;
 * in one database transaction write the task, its LLM call (model, tokens, latency), its
 * artifact and its events; record the artifact on the registry's task; mark it succeeded;
 * release the slot. The database is written before the registry's artifact record because the
 * registry cannot forget a record: every step that can still fail after the upload comes first.
 */
#ifndef E2E_RUNNER_H
#define E2E_RUNNER_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

enum runner_step {
    STEP_NONE, /* succeeded */
    STEP_CREATE_TASK,
    STEP_ALLOCATE_SLOT,
    STEP_MARK_RUNNING,
    STEP_LLM,
    STEP_VALIDATE,
    STEP_UPLOAD,
    STEP_DATABASE,
    STEP_RECORD_ARTIFACT,
    STEP_MARK_SUCCEEDED,
    STEP_RELEASE_SLOT,
};

/* Which API the LLM step calls. */
enum runner_llm_api {
    RUNNER_LLM_CONFIGURED, /* as E2E_LLM_API says: chat (unset) or responses */
    RUNNER_LLM_CHAT,       /* POST /chat/completions */
    RUNNER_LLM_RESPONSES,  /* POST /responses */
};

struct runner_options {
    const char *title;      /* NULL: "e2e task" */
    const char *prompt;     /* what the LLM is asked */
    double llm_timeout_s;   /* 0: INTEGRATION_TEST_TIMEOUT */
    int upload_retries;     /* extra attempts of the upload on 5xx or a cut connection */
    double slot_wait_max_s; /* how long to wait for a free slot in all (0: 30 s) */
    enum runner_llm_api llm_api;
    /* Test hook: called inside the database transaction before COMMIT, with the runner's
     * session (to take the database away mid-run). */
    void (*before_commit)(void *arg, PGconn *session);
    void *hook_arg;
};

struct runner_result {
    enum runner_step failed_step; /* STEP_NONE when the task succeeded */
    const char *category;         /* the failure's ITEST_CATEGORY_* word, or NULL */
    char error[1024];             /* what went wrong, for messages */
    bool cleanup_failed;          /* giving back what the run took did not all work */
    char cleanup_error[1100];

    char task_id[64];
    char slot_id[128];
    char artifact_key[256];
    char sha256[65];
    size_t artifact_size;
    char *artifact; /* the uploaded bytes (malloc'd), or NULL */
    char model[128];
    long prompt_tokens, completion_tokens, total_tokens;
    long llm_latency_ms;
    int llm_attempts, upload_attempts, slot_attempts;
    double slot_waited_s;
    double total_s;
};

/* Runs one task through every step and fills *res (zeroed first; free with runner_free). Returns
 * 0 when the task succeeded, else -1 with the failed step, category and error set, the task
 * failed in the registry (cancelled when it never ran) with a "task.failed" event, and the
 * slot, the artifact and the database rows given back. */
int runner_run(struct runner_result *res, const struct runner_options *opt);
void runner_free(struct runner_result *res);

/* The API a runner with these options calls: CHAT or RESPONSES, never CONFIGURED. */
enum runner_llm_api runner_llm_api(const struct runner_options *opt);

/* "llm", "upload", ...: the step's name, as the failure event says it. */
const char *runner_step_name(enum runner_step step);

/* A new direct session to the platform database (its schema on the search path), or NULL with
 * the reason in err. */
PGconn *runner_db_open(char *err, size_t errlen);

/* Deletes a task's rows (task, LLM calls, artifacts, events) on db. Returns 0, or -1 with the
 * reason in err. */
int runner_db_forget(PGconn *db, const char *task_id, char *err, size_t errlen);

#endif
