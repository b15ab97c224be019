/* What an OpenAI-compatible server offers beyond chat completions and /v1/models: the optional
 * features the llm suite (and every suite that talks to an LLM) checks only where the target has
 * them. A profile file (fixtures/data/llm-profiles/<name>.json, written from each server's public
 * documentation, with the version and source) says true or false for each; the suites read it
 * for LLM_PROFILE, and itest-mock --llm-profile FILE makes the mock behave as that server. */
#ifndef ITEST_LLM_PROFILE_H
#define ITEST_LLM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

/* X(ENUM, "name", "what the server then does") */
#define ITEST_LLM_CAPABILITIES(X)                                                                  \
    X(N_CHOICES, "n_choices", "n > 1 gives that many choices")                                     \
    X(RATELIMIT_HEADERS, "ratelimit_headers", "x-ratelimit-* headers on every reply")              \
    X(REQUEST_ID, "request_id", "an x-request-id header on every reply")                           \
    X(BASE64_EMBEDDINGS, "base64_embeddings", "encoding_format base64 for embeddings")             \
    X(EMBEDDINGS_DIMENSIONS, "embeddings_dimensions", "dimensions shortens embeddings")            \
    X(KEY_ENFORCED, "key_enforced", "a wrong API key gets 401")                                    \
    X(MODEL_NOT_FOUND_CODE, "model_not_found_code",                                                \
      "an unknown model gets 404, code model_not_found")                                           \
    X(INVALID_API_KEY_CODE, "invalid_api_key_code", "a wrong key gets code invalid_api_key")       \
    X(ERROR_OBJECT, "error_object", "errors are {\"error\": {message, type, param, code}}")        \
    X(MODEL_RETRIEVE, "model_retrieve", "GET /v1/models/{id}")                                     \
    X(INCLUDE_USAGE, "include_usage", "stream_options.include_usage gives a usage chunk")          \
    X(RESPONSES, "responses", "the Responses API (POST /v1/responses, stored responses)")          \
    X(STRICT_SCHEMA, "strict_schema", "response_format json_schema with strict: true")             \
    X(JSON_OBJECT, "json_object", "response_format json_object")                                   \
    X(TOOLS, "tools", "function tools and tool_choice")                                            \
    X(PARALLEL_TOOLS, "parallel_tools", "several tool calls in one reply; parallel_tool_calls")    \
    X(LOGPROBS, "logprobs", "logprobs and top_logprobs")                                           \
    X(SEED, "seed", "seed gives the same reply again, with system_fingerprint")                    \
    X(STOP, "stop", "stop sequences end the reply")                                                \
    X(PROMPT_CACHING, "prompt_caching",                                                            \
      "cached_tokens for a repeated prompt prefix of 1024+ tokens")                                \
    X(REASONING_TOKENS, "reasoning_tokens", "a reasoning model's usage counts reasoning_tokens")

enum itest_llm_capability {
#define ITEST_LLM_CAP_ENUM(e, name, what) ITEST_LLM_CAP_##e,
    ITEST_LLM_CAPABILITIES(ITEST_LLM_CAP_ENUM)
#undef ITEST_LLM_CAP_ENUM
        ITEST_LLM_CAP_COUNT
};

/* The capability's name ("n_choices") and what it means. */
const char *itest_llm_capability_name(enum itest_llm_capability c);
const char *itest_llm_capability_what(enum itest_llm_capability c);
/* The capability named name, or -1. */
int itest_llm_capability_parse(const char *name);

struct itest_llm_profile {
    char name[64];    /* "vllm", the file's "profile" */
    char source[512]; /* where its facts come from: the server's documentation, version */
    bool has[ITEST_LLM_CAP_COUNT];
};

/* Reads a profile file: {"profile": name, "version": ..., "source": ..., "capabilities":
 * {<every capability>: true|false}}. Returns 0, or -1 with "path: problem" in err (a capability
 * missing or unknown, a value that is not a boolean). */
int itest_llm_profile_load(const char *path, struct itest_llm_profile *out, char *err, size_t len);

/* Applies "+name,-name,..." (LLM_CAPABILITIES) to p. Returns 0, or -1 with "... is not ..." in
 * err naming the first part that is not +/- and a capability. */
int itest_llm_profile_adjust(struct itest_llm_profile *p, const char *adjust, char *err,
                             size_t len);

#endif
