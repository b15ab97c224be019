/* The data-driven prompt cases: fixtures/data/prompts.jsonc (or $ITEST_PROMPTS_FILE), one case
 * per entry and model, registered as prompt.<id>@<model>. */
#include "cases.h"
#include "llm_suite.h"

#include "itest/measure.h"
#include "itest/prompt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ITEST_PROMPTS_DEFAULT
#define ITEST_PROMPTS_DEFAULT "prompts.jsonc"
#endif

static void prompt_case(void **state)
{
    const struct itest_prompt_case *c = *state;
    llm_require_model(c->model);
    const cJSON *need;
    cJSON_ArrayForEach(need, c->needs)
    {
        itest_llm_require_at(c->file, c->line, itest_llm_capability_parse(need->valuestring));
    }
    if (c->responses)
        itest_llm_require_at(c->file, c->line, ITEST_LLM_CAP_RESPONSES);
    itest_progress("%s:%d:%d: case %s on %s", c->file, c->line, c->column, c->id, c->model);
    /* the Responses API takes the messages as input items */
    struct itest_llm_request req = {.model = c->model,
                                    .messages_json = c->responses ? NULL : c->messages_json,
                                    .input_json = c->responses ? c->messages_json : NULL,
                                    .responses = c->responses,
                                    .max_tokens = c->max_tokens,
                                    .temperature = c->temperature,
                                    .stream = c->stream,
                                    .include_usage = c->stream && !c->responses &&
                                                     itest_llm_has(ITEST_LLM_CAP_INCLUDE_USAGE),
                                    .extra_json = c->extra_json};
    struct itest_llm_reply reply;
    itest_llm_chat(&reply, &req);
    itest_llm_require_ok_at(c->file, c->line, &reply, &req);
    itest_measure("latency_ms", reply.total_s * 1000);
    if (reply.completion_tokens >= 0)
        itest_measure("completion_tokens", (double)reply.completion_tokens);
    struct itest_prompt_reply seen = {.content = reply.content,
                                      .finish_reason = reply.finish_reason,
                                      .prompt_tokens = reply.prompt_tokens,
                                      .completion_tokens = reply.completion_tokens,
                                      .total_tokens = reply.total_tokens,
                                      .latency_ms = reply.total_s * 1000,
                                      .model = c->model,
                                      .tool_calls = reply.tool_calls};
    char why[4096], skipped[512];
    int rc = itest_prompt_validate(c, &seen, itest_service_is_mock(ITEST_LLM), why, sizeof why,
                                   skipped, sizeof skipped);
    if (skipped[0])
        itest_progress("left out against a real endpoint (mock_only): %s", skipped);
    if (rc != 0) {
        char shown[700];
        snprintf(shown, sizeof shown, "%.600s%s", reply.content,
                 strlen(reply.content) > 600 ? "..." : "");
        itest_fail_at(c->file, c->line, "[assertion] case %s on %s:\n%s\nreply: %s", c->id,
                      c->model, why, shown);
    }
    itest_llm_reply_free(&reply);
}

int add_prompt_cases(struct itest_case_list *list, const char *const *models, size_t n_models)
{
    const char *path = getenv("ITEST_PROMPTS_FILE");
    if (!path || !*path)
        path = ITEST_PROMPTS_DEFAULT;
    char err[1024];
    /* kept for the whole run (the cases point into it), reachable from here */
    static struct itest_prompt_file *file;
    itest_prompt_file_free(file);
    file = itest_prompt_file_load(path, models, n_models, err, sizeof err);
    if (!file) {
        fprintf(stderr, "%s: error: the prompt cases cannot be loaded\n", err);
        return -1;
    }
    for (size_t i = 0; i < file->n_cases; i++) {
        struct itest_prompt_case *c = &file->cases[i];
        char name[256];
        snprintf(name, sizeof name, "prompt.%s@%s", c->id, c->model);
        struct itest_case tc = {.name = name,
                                .fn = prompt_case,
                                .teardown = llm_teardown,
                                .initial_state = c,
                                .labels = c->tags,
                                .depends = c->depends,
                                .cost = c->priority};
        if (itest_case_list_add(list, &tc) != 0)
            return -1;
    }
    return 0;
}
