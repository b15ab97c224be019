/* What the llm suite's cases share. */
#ifndef LLM_SUITE_H
#define LLM_SUITE_H

#include "itest/check.h"
#include "itest/http.h"
#include "itest/json.h"
#include "itest/llm.h"
#include "itest/llm_capabilities.h"
#include "itest/suite.h"
#include "itest/targets.h"

#include <stdbool.h>

/* The models cases are registered for (one CTest test per model): ITEST_LLM_MODELS from the
 * configure step, which defaults to LLM_MODELS at configure time, else ITEST_DEFAULT_MODELS. */
#ifndef ITEST_LLM_MODELS
#define ITEST_LLM_MODELS ITEST_DEFAULT_MODELS
#endif

/* Skips the case when LLM_MODELS is set now and leaves model out, saying how to register the
 * models it names. */
void llm_require_model(const char *model);

/* extra_json of a chat request with one tool (get_weather, a city) that must be called. */
#define LLM_WEATHER_TOOL_REQUIRED                                                                  \
    "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\","              \
    " \"description\": \"The weather in a city\", \"parameters\": {\"type\": \"object\","          \
    " \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}],"           \
    " \"tool_choice\": \"required\"}"

/* Sends req and fails the case unless a complete reply arrived. */
#define llm_chat_ok(reply, req)                                                                    \
    do {                                                                                           \
        itest_llm_chat(reply, req);                                                                \
        itest_llm_require_ok(reply, req);                                                          \
    } while (0)

/* Fails unless the failed reply has the category expected; prints what was reported. */
#define llm_expect_category(reply, expected)                                                       \
    llm_expect_category_at(__FILE__, __LINE__, reply, expected)
void llm_expect_category_at(const char *file, int line, const struct itest_llm_reply *reply,
                            const char *expected);

/* Fails unless usage is present and prompt + completion == total. */
#define llm_expect_usage_adds_up(reply) llm_expect_usage_adds_up_at(__FILE__, __LINE__, reply)
void llm_expect_usage_adds_up_at(const char *file, int line, const struct itest_llm_reply *reply);

/* Fails unless the reply names the requested model or a dated snapshot of it ("gpt-4o" or
 * "gpt-4o-2024-08-06", never "gpt-4o-mini"). */
#define llm_expect_model(reply, requested) llm_expect_model_at(__FILE__, __LINE__, reply, requested)
void llm_expect_model_at(const char *file, int line, const struct itest_llm_reply *reply,
                         const char *requested);

/* Parses text as JSON and fails unless it is valid under schema (a JSON text): "[invalid JSON]
 * <what> is not JSON" or "<what> does not follow the schema: at /x: ...". Returns the value (free
 * it). */
#define llm_expect_json_schema(text, schema, what)                                                 \
    llm_expect_json_schema_at(__FILE__, __LINE__, text, schema, what)
cJSON *llm_expect_json_schema_at(const char *file, int line, const char *text, const char *schema,
                                 const char *what);

/* Teardown of every case: clears the case's faults and journal on the LLM mock. */
int llm_teardown(void **state);

#endif
