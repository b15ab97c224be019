/* Usage details: cached prompt tokens for a repeated prefix of 1024 tokens and more, reasoning
 * tokens for a model that reasons. */
#include "cases.h"
#include "llm_suite.h"

#include "itest/scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A prompt of about 1400 tokens, the same each time; unique per run so that a real server's
 * cache from an earlier run does not count. */
static char *long_prompt(void)
{
    char *text = malloc(16384);
    itest_check(text, "out of memory");
    snprintf(text, 16384, "Run %ld, a long preamble: ", itest_run_number());
    for (int i = 0; i < 280; i++)
        strcat(text, "the platform keeps every task, ");
    strcat(text, "now say ok.");
    return text;
}

void chat_cached_tokens(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_PROMPT_CACHING);
    char *prompt = long_prompt();
    struct itest_llm_request req = {.prompt = prompt, .max_tokens = 5};
    struct itest_llm_reply first, second;
    llm_chat_ok(&first, &req);
    itest_check(first.prompt_tokens >= 1024,
                "the prompt should be 1024 tokens or more for caching; it cost %ld",
                first.prompt_tokens);
    llm_chat_ok(&second, &req);
    free(prompt);
    itest_check(second.cached_tokens > 0,
                "the same %ld-token prompt again should count cached_tokens in "
                "usage.prompt_tokens_details; it counts %ld",
                second.prompt_tokens, second.cached_tokens);
    itest_check(second.cached_tokens <= second.prompt_tokens,
                "cached_tokens %ld is more than prompt_tokens %ld", second.cached_tokens,
                second.prompt_tokens);
    itest_llm_reply_free(&first);
    itest_llm_reply_free(&second);
}

/* The model that reasons: LLM_REASONING_MODEL, or on the mock its reasoning model. */
static const char *reasoning_model(void)
{
    const char *m = getenv("LLM_REASONING_MODEL");
    if (m && *m)
        return m;
    if (itest_service_is_mock(ITEST_LLM))
        return ITEST_DEFAULT_REASONING_MODEL;
    itest_skip("LLM_REASONING_MODEL is unset: name a model of the target that reasons");
}

void chat_reasoning_tokens(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_REASONING_TOKENS);
    for (int api = 0; api < 2; api++) {
        if (api == 1 && !itest_llm_has(ITEST_LLM_CAP_RESPONSES))
            break;
        struct itest_llm_request req = {.model = reasoning_model(),
                                        .prompt = "Is 91 a prime number?",
                                        .max_tokens = 400,
                                        .no_temperature = true,
                                        .responses = api == 1};
        struct itest_llm_reply reply;
        llm_chat_ok(&reply, &req);
        const char *what = api ? "the Responses API" : "chat";
        itest_check(reply.reasoning_tokens > 0,
                    "%s: a reasoning model's usage should count reasoning_tokens; it counts %ld",
                    what, reply.reasoning_tokens);
        itest_check(reply.completion_tokens >= reply.reasoning_tokens,
                    "%s: completion_tokens %ld should include the %ld reasoning tokens", what,
                    reply.completion_tokens, reply.reasoning_tokens);
        itest_llm_reply_free(&reply);
    }
}
