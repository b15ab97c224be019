/* The e2e suite's cases, one file per area. */
#ifndef E2E_CASES_H
#define E2E_CASES_H

void e2e_workflow_succeeds(void **state);
void e2e_workflow_through_responses(void **state);
void e2e_retry_after_transient_failure(void **state);
void e2e_llm_500_fails_task(void **state);
void e2e_llm_timeout_fails_task(void **state);
void e2e_upload_retried_once(void **state);
void e2e_pool_exhausted_waits_retry_after(void **state);
void e2e_database_lost_mid_run(void **state);
void e2e_late_failure_cleans_up(void **state);
void e2e_parallel_workflows_no_crosstalk(void **state);
void e2e_stress_200_workflows(void **state);

void e2e_workspace_several_files_pass(void **state);
void e2e_workspace_through_responses(void **state);
void e2e_workspace_implementation_fails(void **state);
void e2e_workspace_tests_fail(void **state);
void e2e_workspace_hang_is_killed(void **state);
void e2e_workspace_dependency_builds_on_its_branch(void **state);
void e2e_workspace_dependency_failed_never_runs(void **state);
void e2e_workspace_path_outside_fails(void **state);
void e2e_workspace_reply_names_no_file(void **state);
void e2e_workspace_push_rejected(void **state);
void e2e_workspace_repo_missing(void **state);
void e2e_workspace_corrupt_ref(void **state);
void e2e_workspace_not_writable(void **state);
void e2e_workspace_file_size_limit(void **state);
void e2e_workspace_slot_expires(void **state);
void e2e_workspace_broken_seed_named(void **state);
void e2e_workspace_upload_failure_removes_branch(void **state);
void e2e_workspace_parallel_no_crosstalk(void **state);
void e2e_workspace_stress_100_tasks(void **state);

#endif
