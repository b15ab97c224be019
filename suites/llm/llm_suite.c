/* Helpers of the llm suite; see llm_suite.h. */
#include "llm_suite.h"

#include "itest/config.h"
#include "itest/json_parse.h"
#include "itest/json_schema.h"
#include "itest/mock_admin.h"

#include <stdio.h>
#include <string.h>

void llm_require_model(const char *model)
{
    if (!itest_config()->llm_models)
        return;
    const char *now[64];
    size_t n = itest_config_models(now, 64);
    for (size_t i = 0; i < n; i++)
        if (strcmp(now[i], model) == 0)
            return;
    itest_skip("model %s is not in LLM_MODELS=%s; the tests were registered for %s: configure "
               "with -DITEST_LLM_MODELS=%s (or with LLM_MODELS set) to register those",
               model, itest_config()->llm_models, ITEST_LLM_MODELS, itest_config()->llm_models);
}

void llm_expect_category_at(const char *file, int line, const struct itest_llm_reply *reply,
                            const char *expected)
{
    if (reply->category && strcmp(reply->category, expected) == 0) {
        itest_progress("reported as expected: [%s] %s", reply->category, reply->error);
        return;
    }
    if (!reply->category)
        itest_fail_at(file, line,
                      "[" ITEST_CATEGORY_ASSERTION "] expected a failure reported as %s, but the "
                      "reply succeeded (status %ld, %zu bytes)",
                      expected, reply->http.status, reply->http.body_len);
    itest_fail_at(file, line,
                  "[" ITEST_CATEGORY_ASSERTION
                  "] expected a failure reported as %s, but it was %s: "
                  "%s",
                  expected, reply->category, reply->error);
}

void llm_expect_usage_adds_up_at(const char *file, int line, const struct itest_llm_reply *reply)
{
    if (reply->prompt_tokens < 0 || reply->completion_tokens < 0 || reply->total_tokens < 0)
        itest_fail_at(file, line,
                      "the reply carries no complete usage (prompt %ld, completion "
                      "%ld, total %ld; -1 = missing)",
                      reply->prompt_tokens, reply->completion_tokens, reply->total_tokens);
    if (reply->prompt_tokens + reply->completion_tokens != reply->total_tokens)
        itest_fail_at(file, line,
                      "usage does not add up: prompt_tokens %ld + completion_tokens %ld != "
                      "total_tokens %ld",
                      reply->prompt_tokens, reply->completion_tokens, reply->total_tokens);
    if (reply->prompt_tokens == 0)
        itest_fail_at(file, line, "usage.prompt_tokens is 0 for a non-empty prompt");
}

void llm_expect_model_at(const char *file, int line, const struct itest_llm_reply *reply,
                         const char *requested)
{
    const char *named = reply->model;
    size_t n = strlen(requested);
    int y, m, d, used = 0;
    bool same = named && strcmp(named, requested) == 0;
    bool snapshot = named && strncmp(named, requested, n) == 0 &&
                    sscanf(named + n, "-%4d-%2d-%2d%n", &y, &m, &d, &used) == 3 &&
                    named[n + (size_t)used] == '\0';
    if (!same && !snapshot)
        itest_fail_at(file, line,
                      "the reply names the model %s, but %s was requested (a dated snapshot "
                      "%s-YYYY-MM-DD would do)",
                      named ? named : "(none)", requested, requested);
}

cJSON *llm_expect_json_schema_at(const char *file, int line, const char *text, const char *schema,
                                 const char *what)
{
    char err[512];
    cJSON *s = itest_json_parse(schema, strlen(schema), err, sizeof err);
    if (!s || itest_json_schema_check(s, err, sizeof err) != 0)
        itest_fail_at(file, line, "the case's own schema is wrong: %s", err);
    cJSON *v = itest_json_parse(text, strlen(text), err, sizeof err);
    if (!v) {
        cJSON_Delete(s);
        itest_fail_at(file, line, "[invalid JSON] %s is not JSON (%s): %.300s", what, err, text);
    }
    if (!itest_json_schema_valid(s, v, err, sizeof err)) {
        cJSON_Delete(s);
        cJSON_Delete(v);
        itest_fail_at(file, line, "%s does not follow the schema: %s: %.300s", what, err, text);
    }
    cJSON_Delete(s);
    return v;
}

int llm_teardown(void **state)
{
    (void)state;
    if (itest_service_is_mock(ITEST_LLM))
        itest_mock_reset_scope(ITEST_LLM);
    return 0;
}
