/* The performance suite's cases, one file per area. */
#ifndef PERFORMANCE_CASES_H
#define PERFORMANCE_CASES_H

void perf_registry_get_task(void **state);
void perf_registry_list_tasks(void **state);
void perf_registry_create_task(void **state);
void perf_pool_list_slots(void **state);
void perf_pool_allocate_release(void **state);
void perf_store_put_artifact(void **state);
void perf_store_get_artifact(void **state);
int perf_store_teardown(void **state);
void perf_llm_chat(void **state);
void perf_llm_stream_ttft(void **state);
void perf_pg_query_direct(void **state);
void perf_pg_query_pooled(void **state);
void perf_parallel_speedup(void **state);
void perf_open_model_shows_stall(void **state);

#endif
