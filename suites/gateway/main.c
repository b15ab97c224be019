/* The gateway suite (labels integration, llm, gateway): the reverse proxy between the agents and
 * the models, through its front and its backends' journals; docs/gateway.md. */
#include "cases.h"
#include "gw.h"

#include "itest/suite.h"

/* Every case leaves the backends as it found them: faults off, killed ones restarted, and every
 * replica back in rotation. A timing verdict runs alone (RUN_SERIAL). */
#define CASE(fn_)                                                                                  \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = gw_teardown                                           \
    }
#define TIMED(fn_)                                                                                 \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = gw_teardown, .run_serial = true                       \
    }
#define LOAD(fn_)                                                                                  \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = gw_teardown, .labels = "performance"                  \
    }
/* 1,000 connections load the whole machine: alone, as a good neighbour and for its figures */
#define HEAVY(fn_)                                                                                 \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = gw_teardown, .labels = "performance",                 \
        .run_serial = true                                                                         \
    }

static const struct itest_case cases[] = {
    CASE(gateway_health),
    CASE(gateway_routes_by_model),
    CASE(gateway_unknown_model),
    CASE(gateway_replicas_share_load),
    CASE(gateway_replica_killed),
    CASE(gateway_failing_replica_left_out),
    CASE(gateway_500_retried_on_other_replica),
    CASE(gateway_single_replica_500_passes),
    TIMED(gateway_stream_unbuffered),
    CASE(gateway_sse_whole_in_order),
    CASE(gateway_stream_not_retried),
    CASE(gateway_rate_limit_passes),
    CASE(gateway_hung_backend_cut),
    CASE(gateway_ids_and_auth_pass),
    CASE(gateway_overhead),
    LOAD(gateway_load_normal),
    HEAVY(gateway_load_high),
    LOAD(gateway_load_error_injection),
    LOAD(gateway_load_component_failure),
};

ITEST_SUITE_MAIN(cases)
