/* The whole workflow, and recovery: a run after a failed one succeeds, and the failed one left
 * nothing behind. */
#include "cases.h"
#include "e2e.h"

#include "itest/config.h"
#include "itest/llm_capabilities.h"
#include "itest/measure.h"
#include "itest/mock_admin.h"
#include "itest/targets.h"

void e2e_workflow_succeeds(void **state)
{
    (void)state;
    struct runner_options opt = {.title = "e2e whole workflow", .prompt = E2E_PROMPT};
    struct runner_result res;
    runner_run(&res, &opt);
    e2e_verify_succeeded(&res);
    itest_measure("workflow_ms", res.total_s * 1000.0);
    itest_measure("llm_latency_ms", (double)res.llm_latency_ms);
    itest_measure("artifact_bytes", (double)res.artifact_size);
    runner_free(&res);
}

/* The same workflow with the LLM step through the Responses API, as E2E_LLM_API=responses runs
 * every case: the reply's text, usage and model reach the database as a chat reply's do. */
void e2e_workflow_through_responses(void **state)
{
    (void)state;
    itest_llm_require(ITEST_LLM_CAP_RESPONSES);
    struct runner_options opt = {
        .title = "e2e through responses", .prompt = E2E_PROMPT, .llm_api = RUNNER_LLM_RESPONSES};
    struct runner_result res;
    runner_run(&res, &opt);
    e2e_verify_succeeded(&res);
    runner_free(&res);
    if (itest_service_is_mock(ITEST_LLM)) {
        long calls = itest_mock_request_count(ITEST_LLM, "POST", ".*/responses");
        itest_check(calls == 1, "the LLM step should call POST /responses once; the mock saw %ld",
                    calls);
    }
}

void e2e_retry_after_transient_failure(void **state)
{
    (void)state;
    itest_require_mock(ITEST_LLM);
    /* enough 500s to fail every attempt of one run (1 + INTEGRATION_TEST_RETRY_COUNT), no more */
    char fault[256];
    snprintf(fault, sizeof fault,
             "{\"request\": {\"method\": \"POST\", \"urlPathPattern\": "
             "\".*/(chat/completions|responses)\"},"
             " \"response\": {\"status\": 500}, \"times\": %d}",
             1 + itest_config()->retry_count);
    itest_mock_fault(ITEST_LLM, fault);
    struct runner_options opt = {.title = "e2e transient failure", .prompt = E2E_PROMPT};
    struct runner_result first, second;
    runner_run(&first, &opt);
    e2e_verify_failed(&first, STEP_LLM, "HTTP 5xx");
    runner_free(&first);
    runner_run(&second, &opt);
    e2e_verify_succeeded(&second);
    runner_free(&second);
}
