/* The llm suite (label llm): an OpenAI-compatible endpoint, the embedded mock or LLM_BASE_URL.
 * Fixed cases, cases run once per model (<case>@<model>), and the data-driven prompt cases. */
#include "cases.h"
#include "llm_suite.h"

#include "itest/prompt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LLM_CASE(fn_)                                                                              \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = llm_teardown                                          \
    }
#define FAULT_CASE(fn_)                                                                            \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = llm_teardown, .labels = "faults"                      \
    }

static const struct itest_case cases[] = {
    LLM_CASE(models_list),
    LLM_CASE(chat_system_message),
    LLM_CASE(chat_multi_turn),
    LLM_CASE(chat_usage_grows_with_prompt),
    LLM_CASE(chat_n_choices),
    LLM_CASE(chat_tool_call),
    LLM_CASE(stream_usage_chunk_matches),
    LLM_CASE(stream_without_usage_has_none),
    LLM_CASE(stream_ttft_and_rate_measured),
    LLM_CASE(stream_n_choices),
    LLM_CASE(chat_json_object),
    LLM_CASE(chat_json_schema_generated),
    LLM_CASE(chat_refusal),
    LLM_CASE(chat_parallel_tool_calls),
    LLM_CASE(chat_parallel_tool_calls_off),
    LLM_CASE(chat_tool_choice_named),
    LLM_CASE(chat_stop_sequence),
    LLM_CASE(chat_seed_reproducible),
    LLM_CASE(chat_logprobs),
    LLM_CASE(chat_cached_tokens),
    LLM_CASE(chat_reasoning_tokens),
    LLM_CASE(responses_instructions_count),
    LLM_CASE(responses_previous_response_id_carries_context),
    LLM_CASE(responses_function_call_round_trip),
    LLM_CASE(responses_store_false_not_kept),
    LLM_CASE(responses_json_schema),
    LLM_CASE(responses_usage_details),
    FAULT_CASE(responses_stream_cut_reported),
    FAULT_CASE(responses_failed_event_reported),
    LLM_CASE(stream_tool_call_assembles),
    LLM_CASE(embeddings_float_and_base64_agree),
    LLM_CASE(embeddings_batch_in_order),
    LLM_CASE(embeddings_dimensions_honoured),
    LLM_CASE(ratelimit_headers_read),
    FAULT_CASE(ratelimit_retry_after_honoured),
    FAULT_CASE(ratelimit_retries_bounded),
    LLM_CASE(timeout_short_fails_within_bound),
    LLM_CASE(error_401_bad_key),
    LLM_CASE(error_404_unknown_model),
    LLM_CASE(error_400_bad_request),
    FAULT_CASE(error_500_reported),
    FAULT_CASE(error_malformed_json_reported),
    FAULT_CASE(error_truncated_stream_reported),
    FAULT_CASE(error_event_mid_stream_reported),
    LLM_CASE(code_quality_reply_compiles),
};

/* Cases that run once per model, as <name>@<model>. */
static const struct {
    const char *name;
    itest_case_fn fn;
} per_model[] = {
    {"chat_round_trip", chat_round_trip},
    {"chat_max_tokens_gives_length", chat_max_tokens_gives_length},
    {"chat_usage_adds_up", chat_usage_adds_up},
    {"stream_assembles_to_plain_reply", stream_assembles_to_plain_reply},
    {"chat_json_schema_strict", chat_json_schema_strict},
    {"responses_round_trip", responses_round_trip},
    {"responses_stream_assembles", responses_stream_assembles},
    {"responses_max_output_tokens_incomplete", responses_max_output_tokens_incomplete},
};

/* The models of ITEST_LLM_MODELS, split once; they live for the whole run. */
static size_t registered_models(const char **models, size_t max)
{
    static char list[] = ITEST_LLM_MODELS;
    static const char *split[64];
    static size_t n;
    if (n == 0) {
        char *save = NULL;
        for (char *t = strtok_r(list, ",", &save); t && n < 64; t = strtok_r(NULL, ",", &save))
            if (*t)
                split[n++] = t;
    }
    size_t k = n < max ? n : max;
    memcpy(models, split, k * sizeof *models);
    return k;
}

static int add_cases(struct itest_case_list *list)
{
    const char *models[64];
    size_t n = registered_models(models, 64);
    for (size_t m = 0; m < n; m++) {
        for (size_t i = 0; i < sizeof per_model / sizeof *per_model; i++) {
            char name[256];
            snprintf(name, sizeof name, "%s@%s", per_model[i].name, models[m]);
            struct itest_case c = {.name = name,
                                   .fn = per_model[i].fn,
                                   .teardown = llm_teardown,
                                   .initial_state = (void *)models[m],
                                   .labels = "compare"};
            if (itest_case_list_add(list, &c) != 0)
                return -1;
        }
    }
    return add_prompt_cases(list, models, n);
}

int main(int argc, char **argv)
{
    /* Unset, LLM_MODELS means the registered models: the cases that are not per model then use
     * the first of them, as the per-model ones use each. */
    setenv("LLM_MODELS", ITEST_LLM_MODELS, 0);
    if (register_example_validators() != 0) {
        fprintf(stderr, "itest-llm: cannot register the example validators\n");
        return 2;
    }
    static const struct itest_suite suite = {ITEST_SUITE_NAME, ITEST_SUITE_LABELS, cases,
                                             sizeof cases / sizeof cases[0], add_cases};
    return itest_suite_main(&suite, argc, argv);
}
