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

#include "itest/git.h"

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
    /* the workspace mode's (runner_options.repo) */
    STEP_DEPENDENCY, /* waiting for the task this one builds on */
    STEP_WORKSPACE,  /* the slot's working tree: the lease, the reply's paths, the writes */
    STEP_BUILD,      /* make */
    STEP_TEST,       /* make test */
    STEP_GIT,        /* branch, commit, push */
};

/* The workspace mode's failure categories (task.failed's "[category]"), beside the HTTP and
 * database ones of itest/category.h: */
#define RUNNER_CATEGORY_IMPLEMENTATION "implementation" /* no file named, or it does not build */
#define RUNNER_CATEGORY_TESTS "tests"                   /* it builds; the project's tests fail */
#define RUNNER_CATEGORY_GIT "git"                       /* libgit2 refused: its text follows */
#define RUNNER_CATEGORY_WORKSPACE                                                                  \
    "workspace"                                 /* a path outside, a write refused, the lease lost \
                                                 */
#define RUNNER_CATEGORY_DEPENDENCY "dependency" /* the task it builds on did not succeed */

struct runner_result;

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

    /* The workspace mode: the slot is for repository repo (the fixture's seed "wordcount", or
     * E2E_REPO's against a real pool) and the runner works in the slot's working tree: the
     * reply's files written, make and make test run, a commit on itest/<task> pushed, the patch
     * and the test log uploaded. NULL: the single-file flow above. */
    const char *repo;
    const char *after_task;   /* a task whose branch itest/<id> this one builds on: waits for
                                 it, and never runs when it did not succeed */
    double dependency_wait_s; /* how long to wait for after_task (0: 120 s) */
    double build_timeout_s;   /* make, and make test, each (0: 60 s) */
    size_t output_max;        /* bytes of make's output kept (0: 256 KiB) */
    size_t file_size_max;     /* RLIMIT_FSIZE of the writes (0: 1 MiB) */
    int slot_ttl_s;           /* the lease asked for (0: 300) */
    /* Test hooks, with hook_arg: the slot's tree known (res->workspace, res->repo_url), before
     * the push, and before the slot's release (always called once a slot was held). */
    void (*after_allocate)(void *arg, struct runner_result *res);
    void (*before_push)(void *arg, struct runner_result *res);
    void (*before_release)(void *arg, struct runner_result *res);
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

    /* the workspace mode's: the patch is artifact_key/artifact/sha256 above */
    char repo_url[1024];  /* the slot's "repo" */
    char workspace[1024]; /* the slot's "path" */
    char branch[128];     /* itest/<task id> */
    char base_commit[ITEST_GIT_OID_HEX], commit[ITEST_GIT_OID_HEX];
    char **files; /* the committed files, sorted (NULL-terminated) */
    size_t n_files;
    char failure[512]; /* the first failing line of make or make test */
    int tests_passed;  /* "ok" lines of make test */
    char log_key[256], log_sha256[65];
    char *log; /* make test's output, as uploaded */
    size_t log_size;
    bool pushed;
    double allocate_s, build_s, test_s, commit_s, push_s; /* per step, seconds */
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
