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

#endif
