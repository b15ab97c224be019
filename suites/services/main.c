/* The services suite (label integration): the Task Registry, Repo Pool Manager and Artifact
 * Store contracts, across services, availability, and error handling under scoped faults. */
#include "cases.h"
#include "svc.h"

#include "itest/suite.h"

/* Every case's teardown gives back what it took. */
#define SVC_CASE(fn_)                                                                              \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = svc_teardown                                          \
    }
/* Cases that fill or count the repo pool run one at a time. */
#define POOL_CASE(fn_)                                                                             \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = svc_teardown, .resource_lock = "repo_pool"            \
    }
/* Fault cases carry the label faults (ctest -L faults), and need the mocks. */
#define FAULT_CASE(fn_)                                                                            \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = svc_teardown, .labels = "faults"                      \
    }

static const struct itest_case cases[] = {
    SVC_CASE(registry_create_and_get),
    SVC_CASE(registry_list_paginates_to_end),
    SVC_CASE(registry_timestamps_follow_changes),
    SVC_CASE(registry_list_filters_by_status),
    SVC_CASE(registry_legal_transitions),
    SVC_CASE(registry_illegal_transitions_conflict),
    SVC_CASE(registry_events_kept_in_order),
    SVC_CASE(registry_artifact_records),
    SVC_CASE(registry_validation_errors),
    SVC_CASE(registry_unknown_task_not_found),
    POOL_CASE(pool_allocate_and_release),
    POOL_CASE(pool_double_release_not_found),
    POOL_CASE(pool_exhaustion_retry_after),
    POOL_CASE(pool_ttl_expiry),
    POOL_CASE(pool_concurrent_allocation_unique),
    SVC_CASE(pool_validation_errors),
    SVC_CASE(store_text_round_trip),
    SVC_CASE(store_binary_round_trip),
    SVC_CASE(store_overwrite_replaces),
    SVC_CASE(store_large_streams_flat_memory),
    SVC_CASE(store_range_requests),
    SVC_CASE(store_head_headers_only),
    SVC_CASE(store_delete_then_not_found),
    SVC_CASE(store_bad_keys_rejected),
    SVC_CASE(store_too_large_413),
    SVC_CASE(cross_artifact_on_task_resolves),
    POOL_CASE(cross_slot_and_task_lifecycle),
    SVC_CASE(health_task_registry),
    SVC_CASE(health_repo_pool),
    SVC_CASE(health_artifact_store),
    SVC_CASE(metrics_count_requests),
    POOL_CASE(latency_per_call),
    FAULT_CASE(fault_timeout_is_bounded),
    FAULT_CASE(fault_connection_reset_reported),
    FAULT_CASE(fault_empty_response_reported),
    FAULT_CASE(fault_garbage_response_reported),
    FAULT_CASE(fault_5xx_retried_then_succeeds),
    FAULT_CASE(fault_5xx_retries_bounded),
    FAULT_CASE(fault_429_honours_retry_after),
    FAULT_CASE(fault_malformed_body_reported),
};

ITEST_SUITE_MAIN(cases)
