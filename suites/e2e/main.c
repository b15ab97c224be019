/* The e2e suite (label e2e): the agent runner of runner.h through the whole workflow, under
 * scoped faults, in parallel and 200 times in a row, checking that the Task Registry, the
 * Artifact Store, PostgreSQL and the Repo Pool agree afterwards. Every case allocates repo
 * slots, so none runs beside the cases that fill the pool (RESOURCE_LOCK repo_pool). */
#include "cases.h"
#include "e2e.h"

#include "itest/suite.h"

#define E2E_CASE(fn_)                                                                              \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .setup = e2e_setup, .teardown = e2e_teardown,                     \
        .resource_lock = "repo_pool"                                                               \
    }
#define FAULT_CASE(fn_)                                                                            \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .setup = e2e_setup, .teardown = e2e_teardown, .labels = "faults", \
        .resource_lock = "repo_pool"                                                               \
    }

static const struct itest_case cases[] = {
    E2E_CASE(e2e_workflow_succeeds),
    E2E_CASE(e2e_workflow_through_responses),
    FAULT_CASE(e2e_llm_500_fails_task),
    FAULT_CASE(e2e_llm_timeout_fails_task),
    FAULT_CASE(e2e_upload_retried_once),
    FAULT_CASE(e2e_pool_exhausted_waits_retry_after),
    FAULT_CASE(e2e_database_lost_mid_run),
    FAULT_CASE(e2e_late_failure_cleans_up),
    FAULT_CASE(e2e_retry_after_transient_failure),
    E2E_CASE(e2e_parallel_workflows_no_crosstalk),
    E2E_CASE(e2e_stress_200_workflows),
};

ITEST_SUITE_MAIN(cases)
