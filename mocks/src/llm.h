/* The LLM mock's modules and what they share (private to mocks/src), from the bottom up: the
 * checks every endpoint makes (llm_request.c), the shapes of chat answers (llm_reply.c), SSE
 * streams (llm_stream.c), chat completions (llm_chat.c), embeddings (llm_embeddings.c), and the
 * service itself (llm.c: state, models, auth, routing, metrics), which calls them. */
#ifndef MOCK_LLM_H
#define MOCK_LLM_H

#include "llm_text.h"
#include "server.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define MAX_MODELS 32

/* The service's state (svc->state). */
struct llm {
    char *models_text;
    const char *models[MAX_MODELS];
    size_t n_models;
    struct llm_rules rules;
    _Atomic unsigned long long next_id;
    _Atomic unsigned long long completions, streams, embeddings, prompt_tokens, completion_tokens;
};

/* A chat completion request as read from its body. */
struct chat {
    const char *model;
    const char *other_model; /* another served model, for llm.model_swapped (or model) */
    bool stream, include_usage;
    long max_tokens; /* 0: none */
    long n;
    size_t prompt_tokens;
    char *conversation; /* role: content lines, for the default reply's hash */
    char *prompt;       /* the last user message */
};

/* What the mock answers to a chat: the rule's or the stable default reply, cut at max_tokens. */
struct answer {
    char *content; /* NULL with a tool call */
    const char *tool_name, *tool_arguments;
    const char *finish_reason;
    size_t completion_tokens;
    double delay_ms;
};

/* ---- llm_request.c ---- */

bool llm_known_model(const struct llm *l, const char *model);

/* Answers 400 with OpenAI's invalid_request_error for param; returns false. */
bool llm_bad_request(struct mock_request *req, const char *param, const char *message);
/* An optional whole-number member of body in [min, max] into *out; false after answering 400. */
bool llm_whole_param(struct mock_request *req, const cJSON *body, const char *name, long min,
                     long max, long *out);

/* ---- llm_reply.c ---- */

/* usage with prompt and completion tokens and their details. */
cJSON *llm_usage_json(const struct mock_request *req, size_t prompt, size_t completion);
/* tool_calls for a's tool: the whole call, or (streamed) a piece of its arguments. */
cJSON *llm_tool_calls_json(const struct answer *a, const char *call_id, bool stream,
                           const char *arguments);
/* The members every chat object starts with: id, object, created, model, system_fingerprint. */
cJSON *llm_envelope(const struct mock_request *req, const char *object, const char *id,
                    const struct chat *c);

/* ---- llm_chat.c, llm_stream.c, llm_embeddings.c ---- */

/* POST /chat/completions. */
void llm_chat_completions(struct mock_service *svc, struct mock_request *req,
                          unsigned long long seq);
/* The SSE answer to a streamed chat: a chunk per token, a stream error or cut when a fault says
 * so, then [DONE]. */
void llm_reply_stream(struct mock_service *svc, struct mock_request *req, const struct chat *c,
                      const struct answer *a, const char *id);
/* POST /embeddings. */
void llm_embeddings(struct mock_service *svc, struct mock_request *req);

#endif
