/* The performance suite (label performance): each service's main calls, the LLM's streaming,
 * PostgreSQL directly and through PgBouncer, under the load generator of itest/load.h. Every
 * case reports p50/p95/p99, throughput and error rate as measurements and checks
 * INTEGRATION_TEST_MAX_LATENCY (p95) and INTEGRATION_TEST_MIN_THROUGHPUT; each drives load for
 * INTEGRATION_TEST_PERF_DURATION seconds. The cases run one at a time (RESOURCE_LOCK
 * performance) so that they do not load each other. */
#include "cases.h"
#include "perf.h"

#include "itest/suite.h"

#define PERF_CASE(fn_)                                                                             \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = perf_teardown, .resource_lock = "performance"         \
    }
/* The pool cases allocate slots: not beside the cases that fill the pool. */
#define POOL_CASE(fn_)                                                                             \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = perf_teardown,                                        \
        .resource_lock = "performance;repo_pool"                                                   \
    }
#define STORE_CASE(fn_)                                                                            \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = perf_store_teardown, .resource_lock = "performance"   \
    }
#define LLM_CASE(fn_)                                                                              \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = perf_teardown, .labels = "llm",                       \
        .resource_lock = "performance"                                                             \
    }

/* Their verdicts are ratios of two timed runs (1 worker against 8, open against closed): run
 * alone, so that other tests under ctest -j do not take the CPU from one run and not the other. */
#define MODEL_CASE(fn_)                                                                            \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = perf_teardown, .resource_lock = "performance",        \
        .run_serial = true                                                                         \
    }

static const struct itest_case cases[] = {
    PERF_CASE(perf_registry_get_task),       PERF_CASE(perf_registry_list_tasks),
    PERF_CASE(perf_registry_create_task),    POOL_CASE(perf_pool_list_slots),
    POOL_CASE(perf_pool_allocate_release),   STORE_CASE(perf_store_put_artifact),
    STORE_CASE(perf_store_get_artifact),     LLM_CASE(perf_llm_chat),
    LLM_CASE(perf_llm_stream_ttft),          PERF_CASE(perf_pg_query_direct),
    PERF_CASE(perf_pg_query_pooled),         MODEL_CASE(perf_parallel_speedup),
    MODEL_CASE(perf_open_model_shows_stall),
};

ITEST_SUITE_MAIN(cases)
