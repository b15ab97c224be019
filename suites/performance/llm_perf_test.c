/* The LLM when streaming: time to first token and tokens per second, from a few clients that
 * each read whole streams back to back. A target without include_usage (its profile says so) is
 * measured from the content it sent: pieces per second, the token counts being unavailable. */
#include "cases.h"
#include "perf.h"
#include "resources.h"

#include "itest/check.h"
#include "itest/config.h"
#include "itest/llm.h"
#include "itest/llm_capabilities.h"
#include "itest/measure.h"
#include "itest/stats.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define STREAM_CLIENTS 4

struct stream_figures {
    bool usage; /* the target counts tokens in streams (include_usage) */
    pthread_mutex_t lock;
    struct itest_stats *ttft_ms;
    struct itest_stats *tokens_per_s;
};

static enum itest_load_error stream_once(void *arg, int thread, char *err, size_t errlen)
{
    struct stream_figures *f = arg;
    char prompt[128];
    snprintf(prompt, sizeof prompt, "Count from one to twenty in words, client %d.", thread);
    struct itest_llm_request req = {.prompt = prompt,
                                    .stream = true,
                                    .include_usage = f->usage,
                                    .max_tokens = 64,
                                    .no_retries = true};
    struct itest_llm_reply reply;
    enum itest_load_error e = ITEST_LOAD_OK;
    /* without usage, the pieces that carried content stand for the tokens */
    long tokens = 0;
    if (itest_llm_chat(&reply, &req) != 0) {
        snprintf(err, errlen, "%s", reply.error);
        e = itest_load_error_of(reply.category);
    } else if (reply.ttft_s < 0 ||
               (tokens = f->usage ? reply.completion_tokens : reply.chunks - 2) <= 0) {
        snprintf(err, errlen, "a stream without content%s (ttft %.3f s, %ld %s)",
                 f->usage ? " or usage" : "", reply.ttft_s, tokens, f->usage ? "tokens" : "pieces");
        e = ITEST_LOAD_ERR_OTHER;
    } else {
        double gen_s = reply.total_s - reply.ttft_s;
        pthread_mutex_lock(&f->lock);
        itest_stats_add(f->ttft_ms, reply.ttft_s * 1000.0);
        /* tokens after the first, over the time they took; a reply that arrived at once is
         * counted over a millisecond */
        itest_stats_add(f->tokens_per_s, (double)tokens / (gen_s > 1e-3 ? gen_s : 1e-3));
        pthread_mutex_unlock(&f->lock);
    }
    itest_llm_reply_free(&reply);
    return e;
}

void perf_llm_stream_ttft(void **state)
{
    (void)state;
    const char *llm = itest_require_service(ITEST_LLM);
    struct stream_figures f = {.usage = itest_llm_has(ITEST_LLM_CAP_INCLUDE_USAGE),
                               .ttft_ms = itest_stats_new(),
                               .tokens_per_s = itest_stats_new()};
    pthread_mutex_init(&f.lock, NULL);
    if (!f.usage)
        itest_progress("the target sends no usage in streams (include_usage: LLM_PROFILE=%s): "
                       "token counts are unavailable, rates are content pieces per second",
                       itest_llm_profile()->name);
    itest_check(f.ttft_ms && f.tokens_per_s, "out of memory");
    struct itest_load_result res;
    char err[256];
    itest_progress("streamed chat: %d clients, %.1f s", STREAM_CLIENTS, perf_duration());
    struct perf_resources used;
    perf_resources_begin(&used, llm);
    int rc = itest_load_run_calls(&res, STREAM_CLIENTS, perf_warmup(), perf_duration(), stream_once,
                                  &f, err, sizeof err);
    double ttft[3] = {itest_stats_percentile(f.ttft_ms, 50), itest_stats_percentile(f.ttft_ms, 95),
                      itest_stats_percentile(f.ttft_ms, 99)};
    double tps50 = itest_stats_percentile(f.tokens_per_s, 50);
    double tps_min = itest_stats_min(f.tokens_per_s);
    itest_stats_free(f.ttft_ms);
    itest_stats_free(f.tokens_per_s);
    pthread_mutex_destroy(&f.lock);
    itest_check(rc == 0, "streamed chat: %s", err);
    itest_measure("ttft_p50_ms", ttft[0]);
    itest_measure("ttft_p95_ms", ttft[1]);
    itest_measure("ttft_p99_ms", ttft[2]);
    itest_measure(f.usage ? "tokens_per_s_p50" : "pieces_per_s_p50", tps50);
    itest_measure(f.usage ? "tokens_per_s_min" : "pieces_per_s_min", tps_min);
    const struct itest_config *cfg = itest_config();
    if (res.completed > 0 && res.error_rate <= PERF_MAX_ERROR_RATE)
        itest_check(ttft[1] <= cfg->max_latency_ms,
                    "streamed chat: time to first token p95 %.2f ms is over "
                    "INTEGRATION_TEST_MAX_LATENCY=%g ms (p50 %.2f, p99 %.2f)",
                    ttft[1], cfg->max_latency_ms, ttft[0], ttft[2]);
    /* whole streams: their latency and rate, checked against the thresholds as well */
    perf_finish_at(__FILE__, __LINE__, "streamed chat", "stream_", &res);
    perf_resources_end(&used, "streamed chat", "stream_");
}
