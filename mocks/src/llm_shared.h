/* What the LLM mock's modules share (private to mocks/src): its state, a request as asked and
 * the answer decided, and each module's entry points, from the bottom up: the checks every
 * endpoint makes (llm_request.c), JSON that follows a schema (llm_schema.c), what the model
 * answers to a request (llm_answer.c), the shapes of chat answers (llm_reply.c), SSE streams
 * (llm_stream.c), chat completions (llm_chat.c), the Responses API (its objects,
 * llm_response_object.c; the endpoints, llm_responses.c; streams, llm_responses_stream.c; stored
 * responses, llm_store.c), embeddings (llm_embeddings.c), and the service itself (llm.c: state,
 * models, auth, routing, metrics), which calls them. */
#ifndef MOCK_LLM_SHARED_H
#define MOCK_LLM_SHARED_H

#include "llm_rules.h"

#include "itest/llm_profile.h"
#include "llm_text.h"
#include "server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_MODELS 32
#define MAX_STOP 4
#define MAX_CALLS 8
#define PREFIX_CACHE 4096 /* prompt prefixes remembered for cached_tokens */

struct llm_store;

/* The service's state (svc->state). */
struct llm {
    char *models_text;
    const char *models[MAX_MODELS];
    size_t n_models;
    struct llm_rules rules;
    struct llm_store *store;          /* stored responses (the Responses API) */
    struct itest_llm_profile profile; /* what this server offers (--llm-profile; else all) */
    pthread_mutex_t prefix_lock;
    uint64_t prefixes[PREFIX_CACHE]; /* hashes of prompt prefixes seen, a ring */
    size_t next_prefix;
    _Atomic unsigned long long next_id;
    _Atomic unsigned long long completions, streams, embeddings, responses, prompt_tokens,
        completion_tokens;
};

enum tool_choice { TOOLS_AUTO, TOOLS_NONE, TOOLS_REQUIRED, TOOLS_NAMED };
enum answer_format { FORMAT_TEXT, FORMAT_JSON_OBJECT, FORMAT_JSON_SCHEMA };

/* A request to the model, whichever API it came through. */
struct ask {
    const char *model;
    const char *other_model; /* another served model, for llm.model_swapped (or model) */
    bool stream, include_usage;
    long max_tokens; /* 0: none */
    long n;
    size_t prompt_tokens;
    char *conversation; /* role: content lines, for the default reply's hash and the prefix cache */
    char *prompt;       /* the last user message */
    char *tool_output;  /* the last message is a tool's result: its text; else NULL */
    const cJSON *tools; /* [{name, parameters}] offered (points into the request body), or NULL */
    enum tool_choice tool_choice;
    const char *tool_choice_name; /* TOOLS_NAMED */
    bool parallel_tool_calls;
    enum answer_format answer_format;
    const cJSON *schema; /* FORMAT_JSON_SCHEMA */
    const char *stop[MAX_STOP];
    size_t n_stop;
    bool has_seed;
    long long seed;
    bool logprobs;
    long top_logprobs;
};

struct answer_call {
    char *name, *arguments, *call_id;
};

/* What the model answers: text, a refusal, or tool calls; and what it cost. */
struct answer {
    char *content; /* NULL with a refusal or tool calls */
    char *refusal;
    struct answer_call calls[MAX_CALLS];
    size_t n_calls;
    const char *finish_reason; /* stop, length, tool_calls */
    size_t completion_tokens;  /* reasoning tokens included */
    size_t reasoning_tokens;
    size_t cached_tokens; /* of the prompt */
    double delay_ms;
};

/* True when the server offers capability c (the profile it was started with says so). */
static inline bool llm_offers(const struct llm *l, enum itest_llm_capability c)
{
    return l->profile.has[c];
}

/* ---- llm_request.c ---- */

bool llm_known_model(const struct llm *l, const char *model);

/* Answers 400 with OpenAI's invalid_request_error for param; returns false. */
bool llm_bad_request(struct mock_request *req, const char *param, const char *message);
/* An optional whole-number member of body in [min, max] into *out; false after answering 400. */
bool llm_whole_param(struct mock_request *req, const cJSON *body, const char *name, long min,
                     long max, long *out);
/* The text of a message's content: a string, or the text parts of an array ("" otherwise);
 * *owned is what to free. */
const char *llm_content_text(const cJSON *content, char **owned);
/* Appends "role: text\n" to ask->conversation and counts its tokens. */
void llm_ask_add(struct ask *a, const char *role, const char *text);
/* Reads the members both APIs share into a (tools, tool_choice, parallel_tool_calls,
 * temperature); tools_flat: the Responses shape ({"type": "function", "name", ...}) rather than
 * chat's ({"type": "function", "function": {...}}). The tools are copied into *tools_out (free
 * it). False after answering 400. */
bool llm_read_tools(struct mock_request *req, const cJSON *body, bool tools_flat, struct ask *a,
                    cJSON **tools_out);
/* Frees what llm_ask_add and the readers allocated. */
void llm_ask_free(struct ask *a);

/* ---- llm_schema.c ---- */

/* A value that follows schema (the strict-mode subset), derived from seed: the same schema and
 * seed give the same value. NULL when the schema cannot be followed (schema false). */
cJSON *llm_schema_example(const cJSON *schema, uint64_t seed);

/* ---- llm_answer.c ---- */

/* Decides what the model answers to a: the rules first, then the tool choice and format, else
 * the stable default reply; cut at stop sequences and max_tokens; counts reasoning and cached
 * tokens. free with llm_answer_free. */
void llm_decide(const struct mock_request *req, struct llm *l, const struct ask *a,
                struct answer *out);
void llm_answer_free(struct answer *out);
/* A deterministic logprob of the token at position i of a reply (< 0). */
double llm_logprob(const char *token, size_t len, size_t i, long long seed);

/* ---- llm_reply.c ---- */

/* usage with prompt and completion tokens and their details. */
cJSON *llm_usage_json(const struct mock_request *req, const struct ask *a, const struct answer *an,
                      size_t completion);
/* tool_calls for an answer's calls: whole, or (streamed) the k-th call's piece of arguments
 * (with its id and name when first is set). */
cJSON *llm_tool_calls_json(const struct answer *an);
cJSON *llm_tool_call_delta(const struct answer_call *c, size_t k, bool first, const char *piece);
/* choice.logprobs for the tokens of text (the whole reply, or a streamed piece starting at token
 * position from). */
cJSON *llm_logprobs_json(const struct mock_request *req, const struct ask *a, const char *text,
                         size_t from);
/* The members every chat object starts with: id, object, created, model, system_fingerprint. */
cJSON *llm_envelope(const struct mock_request *req, const char *object, const char *id,
                    const struct ask *a);

/* ---- llm_chat.c, llm_stream.c, llm_response_object.c, llm_responses*.c, llm_embeddings.c ---- */

/* POST /chat/completions. */
void llm_chat_completions(struct mock_service *svc, struct mock_request *req,
                          unsigned long long seq);
/* The SSE answer to a streamed chat: chunks per token, a stream error or cut when a fault says
 * so, then [DONE]. */
void llm_reply_stream(struct mock_service *svc, struct mock_request *req, const struct ask *a,
                      const struct answer *an, const char *id);
/* What a response object says beside the answer: its id, when, and the request's settings. */
struct response_meta {
    char id[48];
    double created_s;
    const cJSON *body; /* the request: instructions, tools, tool_choice, text, metadata */
    const char *previous_response_id;
    bool store;
    bool reasons; /* the model reasons: a reasoning item comes first */
    /* where this request's instructions stand in the conversation, and their tokens: a
     * response stored for previous_response_id keeps the conversation without them */
    size_t instructions_at, instructions_len, instructions_tokens;
};

/* POST /responses, GET and DELETE /responses/{id} (id NULL for the POST). */
void llm_responses(struct mock_service *svc, struct mock_request *req, const char *id,
                   unsigned long long seq);
/* The response object: done, with its output, status and usage; else as it starts (status
 * in_progress, no output, no usage). */
cJSON *llm_response_object(const struct mock_request *req, const struct ask *a,
                           const struct answer *an, const struct response_meta *m, bool done);
/* Output item k of the response (a reasoning item, the message, a function call), done or as it
 * starts (in_progress, empty text or arguments); how many there are. */
cJSON *llm_response_item(const struct mock_request *req, const struct answer *an,
                         const struct response_meta *m, size_t k, bool done);
size_t llm_response_items(const struct answer *an, const struct response_meta *m);
/* The typed SSE events of a streamed response, ending with response.completed / .incomplete /
 * .failed (a stream error fault), or cut. */
void llm_responses_stream(struct mock_service *svc, struct mock_request *req, const struct ask *a,
                          const struct answer *an, const struct response_meta *m);
/* POST /embeddings. */
void llm_embeddings(struct mock_service *svc, struct mock_request *req);

#endif
