/* The gateway suite's cases, one file per area. */
#ifndef GATEWAY_CASES_H
#define GATEWAY_CASES_H

/* routing_test.c */
void gateway_health(void **state);
void gateway_routes_by_model(void **state);
void gateway_unknown_model(void **state);
void gateway_replicas_share_load(void **state);
/* failover_test.c */
void gateway_replica_killed(void **state);
void gateway_failing_replica_left_out(void **state);
void gateway_500_retried_on_other_replica(void **state);
void gateway_single_replica_500_passes(void **state);
/* stream_test.c */
void gateway_stream_unbuffered(void **state);
void gateway_sse_whole_in_order(void **state);
void gateway_stream_not_retried(void **state);
/* limits_test.c */
void gateway_rate_limit_passes(void **state);
void gateway_hung_backend_cut(void **state);
void gateway_ids_and_auth_pass(void **state);
void gateway_overhead(void **state);
/* load_test.c */
void gateway_load_normal(void **state);
void gateway_load_high(void **state);
void gateway_load_error_injection(void **state);
void gateway_load_component_failure(void **state);

#endif
