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

#define WORKSPACE_CASE(fn_)                                                                        \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .setup = e2e_workspace_setup, .teardown = e2e_teardown,           \
        .labels = "workspace", .resource_lock = "repo_pool"                                        \
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
    WORKSPACE_CASE(e2e_workspace_several_files_pass),
    WORKSPACE_CASE(e2e_workspace_through_responses),
    WORKSPACE_CASE(e2e_workspace_implementation_fails),
    WORKSPACE_CASE(e2e_workspace_tests_fail),
    WORKSPACE_CASE(e2e_workspace_hang_is_killed),
    WORKSPACE_CASE(e2e_workspace_dependency_builds_on_its_branch),
    WORKSPACE_CASE(e2e_workspace_dependency_failed_never_runs),
    WORKSPACE_CASE(e2e_workspace_path_outside_fails),
    WORKSPACE_CASE(e2e_workspace_reply_names_no_file),
    WORKSPACE_CASE(e2e_workspace_push_rejected),
    WORKSPACE_CASE(e2e_workspace_repo_missing),
    WORKSPACE_CASE(e2e_workspace_corrupt_ref),
    WORKSPACE_CASE(e2e_workspace_not_writable),
    WORKSPACE_CASE(e2e_workspace_file_size_limit),
    WORKSPACE_CASE(e2e_workspace_slot_expires),
    WORKSPACE_CASE(e2e_workspace_broken_seed_named),
    WORKSPACE_CASE(e2e_workspace_upload_failure_removes_branch),
    WORKSPACE_CASE(e2e_workspace_parallel_no_crosstalk),
    WORKSPACE_CASE(e2e_workspace_stress_100_tasks),
};

ITEST_SUITE_MAIN(cases)
