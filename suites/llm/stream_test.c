/* Streaming: the chunks assemble to the plain reply, the usage chunk, the stream's shape, and
 * time to first token. */
#include "cases.h"
#include "llm_suite.h"

#include "itest/measure.h"

#include <stdio.h>
#include <string.h>

/* Per model (registered as stream_assembles_to_plain_reply@<model>; *state is the model). */
void stream_assembles_to_plain_reply(void **state)
{
    llm_require_model(*state);
    struct itest_llm_request plain = {
        .model = *state, .prompt = "Describe a lighthouse in one sentence.", .max_tokens = 60};
    struct itest_llm_request streamed = plain;
    streamed.stream = true;
    struct itest_llm_reply a, b;
    llm_chat_ok(&a, &plain);
    llm_chat_ok(&b, &streamed);
    itest_check(b.content[0], "the streamed reply assembled to nothing (%d chunks)", b.chunks);
    itest_check(b.finish_reason, "no chunk carried a finish_reason");
    if (itest_service_is_mock(ITEST_LLM))
        itest_check(strcmp(a.content, b.content) == 0,
                    "the streamed pieces joined differ from the plain reply:\n  plain:    "
                    "\"%s\"\n  streamed: \"%s\"",
                    a.content, b.content);
    itest_llm_reply_free(&a);
    itest_llm_reply_free(&b);
}

void stream_usage_chunk_matches(void **state)
{
    struct itest_llm_request plain = {.prompt = "Name three rivers.", .max_tokens = 40};
    struct itest_llm_request streamed = plain;
    streamed.stream = true;
    streamed.include_usage = true;
    struct itest_llm_reply a, b;
    llm_chat_ok(&a, &plain);
    llm_chat_ok(&b, &streamed);
    itest_check(b.usage_chunk,
                "stream_options.include_usage asked for a last chunk with usage and no choices; "
                "none arrived in %d chunks",
                b.chunks);
    llm_expect_usage_adds_up(&b);
    itest_check(b.prompt_tokens == a.prompt_tokens,
                "the same prompt costs %ld tokens streamed but %ld plain", b.prompt_tokens,
                a.prompt_tokens);
    if (itest_service_is_mock(ITEST_LLM))
        itest_check(b.completion_tokens == a.completion_tokens,
                    "the same reply counts %ld completion tokens streamed, %ld plain",
                    b.completion_tokens, a.completion_tokens);
    itest_llm_reply_free(&a);
    itest_llm_reply_free(&b);
}

void stream_without_usage_has_none(void **state)
{
    struct itest_llm_request req = {.prompt = "Say hi.", .max_tokens = 10, .stream = true};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    itest_check(!reply.usage_chunk && reply.total_tokens < 0,
                "without stream_options.include_usage the stream should carry no usage, but "
                "total_tokens %ld arrived",
                reply.total_tokens);
    itest_check(reply.chunks >= 2, "a reply in %d chunk(s) is not much of a stream", reply.chunks);
    itest_llm_reply_free(&reply);
}

void stream_ttft_and_rate_measured(void **state)
{
    struct itest_llm_request req = {.prompt = "Write two sentences about the sea.",
                                    .max_tokens = 80,
                                    .stream = true,
                                    .include_usage = true};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    itest_check(reply.ttft_s >= 0, "no content piece arrived in %d chunks", reply.chunks);
    itest_check(reply.ttft_s <= reply.total_s, "first token at %.3f s, after the end at %.3f s",
                reply.ttft_s, reply.total_s);
    itest_measure("ttft_ms", reply.ttft_s * 1000);
    itest_measure("total_ms", reply.total_s * 1000);
    double generating = reply.total_s - reply.ttft_s;
    if (reply.completion_tokens > 0 && generating > 0)
        itest_measure("tokens_per_s", (double)reply.completion_tokens / generating);
    itest_llm_reply_free(&reply);
}
