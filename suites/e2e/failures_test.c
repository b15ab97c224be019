/* Failure scenarios under scoped faults: each checks what the runner did about the fault and
 * that it gave back everything it took. */
#include "cases.h"
#include "e2e.h"

#include "itest/clock.h"
#include "itest/config.h"
#include "itest/measure.h"
#include "itest/mock_admin.h"
#include "itest/pg.h"
#include "itest/targets.h"

#include <stdio.h>
#include <string.h>

/* the LLM step's call, through either API (E2E_LLM_API) */
#define LLM_PATH "\".*/(chat/completions|responses)\""

void e2e_llm_500_fails_task(void **state)
{
    (void)state;
    itest_require_mock(ITEST_LLM);
    itest_mock_fault(ITEST_LLM, "{\"request\": {\"method\": \"POST\", \"urlPathPattern\": " LLM_PATH
                                "}, \"response\": {\"status\": 500}}");
    struct runner_options opt = {.title = "e2e LLM 500", .prompt = E2E_PROMPT};
    struct runner_result res;
    runner_run(&res, &opt);
    e2e_verify_failed(&res, STEP_LLM, "HTTP 5xx");
    int expect = 1 + itest_config()->retry_count;
    int attempts = res.llm_attempts;
    runner_free(&res);
    itest_check(attempts == expect, "the LLM call was tried %d times, expected %d (1 + retries)",
                attempts, expect);
}

void e2e_llm_timeout_fails_task(void **state)
{
    (void)state;
    itest_require_mock(ITEST_LLM);
    itest_mock_fault(ITEST_LLM, "{\"request\": {\"method\": \"POST\", \"urlPathPattern\": " LLM_PATH
                                "}, \"response\": {\"fixedDelayMilliseconds\": 5000}}");
    struct runner_options opt = {
        .title = "e2e LLM timeout", .prompt = E2E_PROMPT, .llm_timeout_s = 0.5};
    struct runner_result res;
    runner_run(&res, &opt);
    double llm_s = res.llm_latency_ms / 1000.0;
    e2e_verify_failed(&res, STEP_LLM, "timeout");
    runner_free(&res);
    itest_measure("llm_gave_up_after_s", llm_s);
    /* every attempt is bounded by the timeout; retries add backoff, never the 5 s delay */
    double bound = (1 + itest_config()->retry_count) * (0.5 + 1.0);
    itest_check(llm_s < bound, "the LLM step took %.2f s with a 0.5 s timeout (bound %.1f s)",
                llm_s, bound);
}

void e2e_upload_retried_once(void **state)
{
    (void)state;
    itest_require_mock(ITEST_ARTIFACT_STORE);
    itest_mock_fault(
        ITEST_ARTIFACT_STORE,
        "{\"request\": {\"method\": \"PUT\", \"urlPathPattern\": \"/artifacts/e2e/.*\"},"
        " \"response\": {\"status\": 503}, \"times\": 1}");
    struct runner_options opt = {
        .title = "e2e upload retried", .prompt = E2E_PROMPT, .upload_retries = 2};
    struct runner_result res;
    runner_run(&res, &opt);
    int attempts = res.upload_attempts;
    e2e_verify_succeeded(&res);
    runner_free(&res);
    long puts = itest_mock_request_count(ITEST_ARTIFACT_STORE, "PUT", "/artifacts/e2e/.*");
    itest_check(attempts == 2 && puts == 2,
                "the upload should fail once and succeed on the retry: %d attempts, the store "
                "saw %ld PUTs",
                attempts, puts);
}

void e2e_pool_exhausted_waits_retry_after(void **state)
{
    (void)state;
    itest_require_mock(ITEST_REPO_POOL);
    itest_mock_fault(ITEST_REPO_POOL,
                     "{\"request\": {\"method\": \"POST\", \"urlPath\": \"/slots\"},"
                     " \"response\": {\"status\": 503, \"headers\": {\"Retry-After\": \"1\"},"
                     " \"jsonBody\": {\"error\": {\"code\": \"pool_exhausted\","
                     " \"message\": \"no free slot\"}}}, \"times\": 1}");
    struct runner_options opt = {.title = "e2e pool exhausted", .prompt = E2E_PROMPT};
    struct runner_result res;
    double t0 = itest_now_s();
    runner_run(&res, &opt);
    double took = itest_now_s() - t0;
    int attempts = res.slot_attempts;
    double waited = res.slot_waited_s;
    e2e_verify_succeeded(&res);
    runner_free(&res);
    itest_measure("slot_waited_s", waited);
    itest_check(attempts == 2 && waited >= 1.0 && took >= 1.0,
                "after a 503 with Retry-After: 1 the runner should wait 1 s and try again: %d "
                "attempts, waited %.2f s, the workflow took %.2f s",
                attempts, waited, took);
}

/* Ends the runner's session from another one, inside its transaction before COMMIT. */
static void lose_database(void *arg, PGconn *session)
{
    int *terminated = arg;
    char err[512], pid[24], sqlstate[6];
    snprintf(pid, sizeof pid, "%d", PQbackendPID(session));
    PGconn *admin = runner_db_open(err, sizeof err);
    const char *const params[] = {pid};
    PGresult *r = NULL;
    if (admin && itest_pg_try(&r, sqlstate, err, sizeof err, admin,
                              "SELECT pg_terminate_backend($1::int)", params, 1) == 0)
        *terminated = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    PQfinish(admin);
}

void e2e_database_lost_mid_run(void **state)
{
    (void)state;
    if (!itest_pg_is_fixture(ITEST_PG_DIRECT))
        itest_skip("DATABASE_URL names a real database: this case ends a session with "
                   "pg_terminate_backend, which needs the throwaway cluster");
    int terminated = 0;
    struct runner_options opt = {.title = "e2e database lost",
                                 .prompt = E2E_PROMPT,
                                 .before_commit = lose_database,
                                 .hook_arg = &terminated};
    struct runner_result res;
    runner_run(&res, &opt);
    itest_check(terminated, "the runner's database session could not be ended");
    e2e_verify_failed(&res, STEP_DATABASE, "connection");
    runner_free(&res);
}

void e2e_late_failure_cleans_up(void **state)
{
    (void)state;
    itest_require_mock(ITEST_TASK_REGISTRY);
    /* the last step that can fail after the upload and the commit */
    itest_mock_fault(ITEST_TASK_REGISTRY,
                     "{\"request\": {\"method\": \"POST\", \"urlPathPattern\": "
                     "\"/tasks/[^/]+/artifacts\"}, \"response\": {\"status\": 500}}");
    struct runner_options opt = {.title = "e2e late failure", .prompt = E2E_PROMPT};
    struct runner_result res;
    runner_run(&res, &opt);
    e2e_verify_failed(&res, STEP_RECORD_ARTIFACT, "HTTP 5xx");
    runner_free(&res);
}
