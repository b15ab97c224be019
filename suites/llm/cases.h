/* The llm suite's cases, one file per area, and the prompt cases' registration. */
#ifndef LLM_CASES_H
#define LLM_CASES_H

#include <stddef.h>

struct itest_case_list;

void models_list(void **state);
void chat_round_trip(void **state);
void chat_system_message(void **state);
void chat_multi_turn(void **state);
void chat_max_tokens_gives_length(void **state);
void chat_usage_adds_up(void **state);
void chat_usage_grows_with_prompt(void **state);
void chat_n_choices(void **state);
void chat_tool_call(void **state);
void code_quality_reply_compiles(void **state);
void embeddings_float_and_base64_agree(void **state);
void embeddings_batch_in_order(void **state);
void embeddings_dimensions_honoured(void **state);
void error_401_bad_key(void **state);
void error_404_unknown_model(void **state);
void error_400_bad_request(void **state);
void error_500_reported(void **state);
void error_malformed_json_reported(void **state);
void error_truncated_stream_reported(void **state);
void error_event_mid_stream_reported(void **state);
void ratelimit_retry_after_honoured(void **state);
void ratelimit_retries_bounded(void **state);
void ratelimit_headers_read(void **state);
void timeout_short_fails_within_bound(void **state);
void stream_assembles_to_plain_reply(void **state);
void stream_usage_chunk_matches(void **state);
void stream_without_usage_has_none(void **state);
void stream_ttft_and_rate_measured(void **state);
void stream_n_choices(void **state);
void chat_json_object(void **state);
void chat_json_schema_strict(void **state);
void chat_json_schema_generated(void **state);
void chat_refusal(void **state);
void chat_parallel_tool_calls(void **state);
void chat_parallel_tool_calls_off(void **state);
void chat_tool_choice_named(void **state);
void chat_stop_sequence(void **state);
void chat_seed_reproducible(void **state);
void chat_logprobs(void **state);
void chat_cached_tokens(void **state);
void chat_reasoning_tokens(void **state);
void responses_round_trip(void **state);
void responses_stream_assembles(void **state);
void responses_max_output_tokens_incomplete(void **state);
void responses_instructions_count(void **state);
void responses_previous_response_id_carries_context(void **state);
void responses_function_call_round_trip(void **state);
void responses_store_false_not_kept(void **state);
void responses_json_schema(void **state);
void responses_usage_details(void **state);
void responses_stream_cut_reported(void **state);
void responses_failed_event_reported(void **state);
void stream_tool_call_assembles(void **state);

/* Appends prompt.<id>@<model> for every case of the prompt file and model (prompt_cases.c). */
int add_prompt_cases(struct itest_case_list *list, const char *const *models, size_t n_models);
/* Registers the example validator max_words (example_validators.c). */
int register_example_validators(void);

#endif
