/* Sampling controls: stop sequences, seed with system_fingerprint, logprobs and top_logprobs
 * (plain and streamed). */
#include "cases.h"
#include "llm_suite.h"

#include <stdio.h>
#include <string.h>

void chat_stop_sequence(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_STOP);
    struct itest_llm_request req = {.prompt = "Repeat exactly: alpha beta gamma delta epsilon",
                                    .max_tokens = 40,
                                    .extra_json = "{\"stop\": [\"gamma\"]}"};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    itest_check(!strstr(reply.content, "gamma"),
                "stop [\"gamma\"] should end the reply before it; it says \"%s\"", reply.content);
    itest_check(reply.finish_reason && strcmp(reply.finish_reason, "stop") == 0,
                "a reply ended by a stop sequence has finish_reason stop, not %s",
                reply.finish_reason ? reply.finish_reason : "none");
    itest_llm_reply_free(&reply);
}

void chat_seed_reproducible(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_SEED);
    struct itest_llm_reply a, b;
    struct itest_llm_request req = {.prompt = "Name a random animal.",
                                    .max_tokens = 20,
                                    .temperature = 1,
                                    .extra_json = "{\"seed\": 4242}"};
    llm_chat_ok(&a, &req);
    llm_chat_ok(&b, &req);
    const char *fa = NULL, *fb = NULL;
    itest_check(itest_json_get_string(&fa, a.json, "system_fingerprint") == 0 &&
                    itest_json_get_string(&fb, b.json, "system_fingerprint") == 0,
                "a seeded reply should carry a system_fingerprint");
    /* OpenAI promises the same reply mostly, not always; the mock always */
    if (itest_service_is_mock(ITEST_LLM))
        itest_check(strcmp(a.content, b.content) == 0,
                    "seed 4242 twice gave \"%s\" and \"%s\"; the same seed gives the same reply",
                    a.content, b.content);
    else if (strcmp(a.content, b.content) != 0)
        itest_progress("seed 4242 twice gave two replies (system_fingerprint %s, then %s): "
                       "OpenAI's seed is best effort",
                       fa, fb);
    itest_llm_reply_free(&a);
    itest_llm_reply_free(&b);
}

/* Each entry: a token, a logprob <= 0, top_logprobs (k of them, most likely first) whose first
 * is the token itself; the tokens join to the content. */
static void check_logprobs(const struct itest_llm_reply *r, int k, const char *what)
{
    int n = cJSON_GetArraySize(r->logprobs);
    itest_check(n > 0, "%s: logprobs true, but no logprobs.content came back", what);
    char joined[4096] = "";
    for (int i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(r->logprobs, i);
        const char *token = cJSON_GetStringValue(cJSON_GetObjectItem(e, "token"));
        const cJSON *lp = cJSON_GetObjectItem(e, "logprob");
        itest_check(token && cJSON_IsNumber(lp) && lp->valuedouble <= 0,
                    "%s: logprobs.content[%d] needs a token and a logprob <= 0", what, i);
        const cJSON *top = cJSON_GetObjectItem(e, "top_logprobs");
        itest_check(cJSON_GetArraySize(top) == k,
                    "%s: top_logprobs %d asked for %d alternatives; entry %d has %d", what, k, k, i,
                    cJSON_GetArraySize(top));
        for (int t = 1; t < k; t++)
            itest_check(
                cJSON_GetObjectItem(cJSON_GetArrayItem(top, t), "logprob")->valuedouble <=
                    cJSON_GetObjectItem(cJSON_GetArrayItem(top, t - 1), "logprob")->valuedouble,
                "%s: entry %d's top_logprobs are not most likely first", what, i);
        strncat(joined, token, sizeof joined - strlen(joined) - 1);
    }
    itest_check(strcmp(joined, r->content) == 0,
                "%s: the logprob tokens join to \"%.200s\", the content is \"%.200s\"", what,
                joined, r->content);
}

void chat_logprobs(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_LOGPROBS);
    for (int streamed = 0; streamed < 2; streamed++) {
        struct itest_llm_request req = {.prompt = "Say hello to the sea.",
                                        .max_tokens = 12,
                                        .stream = streamed,
                                        .extra_json = "{\"logprobs\": true, \"top_logprobs\": 2}"};
        struct itest_llm_reply reply;
        llm_chat_ok(&reply, &req);
        check_logprobs(&reply, 2, streamed ? "streamed" : "plain");
        itest_llm_reply_free(&reply);
    }
}
