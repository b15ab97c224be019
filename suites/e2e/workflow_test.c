/* The whole workflow, and recovery: a run after a failed one succeeds, and the failed one left
 * nothing behind. */
#include "cases.h"
#include "e2e.h"

#include "itest/config.h"
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

void e2e_retry_after_transient_failure(void **state)
{
    (void)state;
    itest_require_mock(ITEST_LLM);
    /* enough 500s to fail every attempt of one run (1 + INTEGRATION_TEST_RETRY_COUNT), no more */
    char fault[256];
    snprintf(fault, sizeof fault,
             "{\"request\": {\"method\": \"POST\", \"urlPathPattern\": \".*/chat/completions\"},"
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
