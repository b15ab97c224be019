/* The services suite's cases, one file per area. */
#ifndef SERVICES_CASES_H
#define SERVICES_CASES_H

void health_task_registry(void **state);
void health_repo_pool(void **state);
void health_artifact_store(void **state);
void latency_per_call(void **state);
void metrics_count_requests(void **state);
void cross_artifact_on_task_resolves(void **state);
void cross_slot_and_task_lifecycle(void **state);
void fault_timeout_is_bounded(void **state);
void fault_connection_reset_reported(void **state);
void fault_empty_response_reported(void **state);
void fault_garbage_response_reported(void **state);
void fault_5xx_retried_then_succeeds(void **state);
void fault_5xx_retries_bounded(void **state);
void fault_429_honours_retry_after(void **state);
void fault_malformed_body_reported(void **state);
void pool_allocate_and_release(void **state);
void pool_double_release_not_found(void **state);
void pool_exhaustion_retry_after(void **state);
void pool_ttl_expiry(void **state);
void pool_concurrent_allocation_unique(void **state);
void pool_validation_errors(void **state);
void registry_create_and_get(void **state);
void registry_list_paginates_to_end(void **state);
void registry_timestamps_follow_changes(void **state);
void registry_list_filters_by_status(void **state);
void registry_legal_transitions(void **state);
void registry_illegal_transitions_conflict(void **state);
void registry_events_kept_in_order(void **state);
void registry_artifact_records(void **state);
void registry_validation_errors(void **state);
void registry_unknown_task_not_found(void **state);
void store_text_round_trip(void **state);
void store_binary_round_trip(void **state);
void store_overwrite_replaces(void **state);
void store_large_streams_flat_memory(void **state);
void store_range_requests(void **state);
void store_head_headers_only(void **state);
void store_delete_then_not_found(void **state);
void store_bad_keys_rejected(void **state);
void store_too_large_413(void **state);

#endif
