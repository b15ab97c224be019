/* Mutations: one clause of a contract broken on purpose while the mock answers normally
 * otherwise (a 200 with the wrong thing, not a transport fault). The teeth harness plants each
 * one (itest-mock --mutate NAME) and checks that the cases named for it in
 * fixtures/data/mutation-catalogue.json catch it; cases can scope one to themselves through the
 * admin API (POST /__admin/mutations), like faults. Each mutation belongs to one service, or to
 * every service ("all."); the code that answers checks mock_mutated() where the clause is kept. */
#ifndef MOCK_MUTATIONS_H
#define MOCK_MUTATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "request.h"

#include "itest/platform.h"

/* X(ENUM, "name", service, "what the mock then does"); service -1 is every service. */
#define MOCK_MUTATIONS(X)                                                                          \
    X(ALL_HEALTH_NAMES_ANOTHER_SERVICE, "all.health_names_another_service", -1,                    \
      "/health names another service")                                                             \
    X(ALL_ERROR_BODY_FLAT, "all.error_body_flat", -1,                                              \
      "platform errors are {\"code\", \"message\"} without the \"error\" object")                  \
    X(ALL_JSON_AS_TEXT, "all.json_served_as_text", -1,                                             \
      "JSON replies say Content-Type: text/plain")                                                 \
    X(ALL_REQUESTS_NOT_COUNTED, "all.requests_not_counted", -1,                                    \
      "/metrics stops counting requests in itest_mock_requests_total")                             \
    X(ALL_REQUESTS_METRIC_RENAMED, "all.requests_metric_renamed", -1,                              \
      "/metrics names the request counter itest_mock_http_requests_total")                         \
    X(REGISTRY_CREATE_200, "registry.create_answers_200", ITEST_TASK_REGISTRY,                     \
      "POST /tasks answers 200, not 201")                                                          \
    X(REGISTRY_TITLE_TRUNCATED, "registry.title_truncated", ITEST_TASK_REGISTRY,                   \
      "titles are kept to their first 20 characters")                                              \
    X(REGISTRY_PRIORITY_IGNORED, "registry.priority_ignored", ITEST_TASK_REGISTRY,                 \
      "every task gets priority 0")                                                                \
    X(REGISTRY_SPEC_DROPPED, "registry.spec_dropped", ITEST_TASK_REGISTRY,                         \
      "tasks come back with an empty spec")                                                        \
    X(REGISTRY_CREATED_RUNNING, "registry.created_running", ITEST_TASK_REGISTRY,                   \
      "new tasks start as running, not pending")                                                   \
    X(REGISTRY_GET_NEWEST, "registry.get_answers_newest", ITEST_TASK_REGISTRY,                     \
      "GET /tasks/{id} answers with the newest task, whatever the id")                             \
    X(REGISTRY_IDS_REPEAT, "registry.ids_repeat", ITEST_TASK_REGISTRY,                             \
      "every second task gets the id of the one before it")                                        \
    X(REGISTRY_CREATED_AT_MOVES, "registry.created_at_moves", ITEST_TASK_REGISTRY,                 \
      "created_at changes with every status change")                                               \
    X(REGISTRY_UPDATED_AT_FROZEN, "registry.updated_at_frozen", ITEST_TASK_REGISTRY,               \
      "updated_at never changes after creation")                                                   \
    X(REGISTRY_UPDATED_AT_IGNORES_ARTIFACTS, "registry.updated_at_ignores_artifacts",              \
      ITEST_TASK_REGISTRY, "an artifact record leaves updated_at as it was")                       \
    X(REGISTRY_UPDATED_BEFORE_CREATED, "registry.updated_at_before_created", ITEST_TASK_REGISTRY,  \
      "updated_at is written an hour before created_at")                                           \
    X(REGISTRY_TIMES_NOT_RFC3339, "registry.times_not_rfc3339", ITEST_TASK_REGISTRY,               \
      "task and event times are \"2026-12-01 22:00:00\", not RFC 3339")                            \
    X(REGISTRY_LIMIT_IGNORED, "registry.limit_ignored", ITEST_TASK_REGISTRY,                       \
      "listings ignore limit and give up to 20 tasks a page")                                      \
    X(REGISTRY_PAGES_OVERLAP, "registry.pages_overlap", ITEST_TASK_REGISTRY,                       \
      "each next page repeats the last task of the page before")                                   \
    X(REGISTRY_PAGES_SKIP, "registry.pages_skip", ITEST_TASK_REGISTRY,                             \
      "each next page skips one task")                                                             \
    X(REGISTRY_LAST_PAGE_LOOPS, "registry.last_page_loops", ITEST_TASK_REGISTRY,                   \
      "the last page's next_cursor leads back to the first page instead of null")                  \
    X(REGISTRY_FILTER_FIRST_PAGE_ONLY, "registry.filter_first_page_only", ITEST_TASK_REGISTRY,     \
      "a status filter applies to the first page only")                                            \
    X(REGISTRY_FILTER_IGNORED, "registry.filter_ignored", ITEST_TASK_REGISTRY,                     \
      "the status filter is ignored")                                                              \
    X(REGISTRY_TERMINAL_REOPENS, "registry.terminal_reopens", ITEST_TASK_REGISTRY,                 \
      "a succeeded, failed or cancelled task may go back to running")                              \
    X(REGISTRY_PENDING_SKIPS_RUNNING, "registry.pending_skips_running", ITEST_TASK_REGISTRY,       \
      "a pending task may go straight to succeeded or failed")                                     \
    X(REGISTRY_CANCEL_REFUSED, "registry.cancel_refused", ITEST_TASK_REGISTRY,                     \
      "a running task cannot be cancelled (409)")                                                  \
    X(REGISTRY_PATCH_REPLY_STALE, "registry.patch_reply_stale", ITEST_TASK_REGISTRY,               \
      "PATCH /tasks/{id}/status answers with the task as it was before")                           \
    X(REGISTRY_PATCH_NOT_KEPT, "registry.patch_not_kept", ITEST_TASK_REGISTRY,                     \
      "PATCH /tasks/{id}/status answers the new status but does not keep it")                      \
    X(REGISTRY_CONFLICT_CHANGES_TASK, "registry.conflict_changes_task", ITEST_TASK_REGISTRY,       \
      "an illegal transition answers 409 and makes it anyway")                                     \
    X(REGISTRY_EVENTS_NEWEST_FIRST, "registry.events_newest_first", ITEST_TASK_REGISTRY,           \
      "GET /tasks/{id}/events lists the newest event first")                                       \
    X(REGISTRY_EVENT_TASK_ID_WRONG, "registry.event_task_id_wrong", ITEST_TASK_REGISTRY,           \
      "events name another task in task_id")                                                       \
    X(REGISTRY_EVENT_MESSAGE_CUT, "registry.event_message_cut", ITEST_TASK_REGISTRY,               \
      "event messages are kept to their first 4 bytes")                                            \
    X(REGISTRY_EVENT_IDS_REPEAT, "registry.event_ids_repeat", ITEST_TASK_REGISTRY,                 \
      "every event of a task has the id of its first event")                                       \
    X(REGISTRY_EVENTS_DROP_FIRST, "registry.events_drop_first", ITEST_TASK_REGISTRY,               \
      "GET /tasks/{id}/events leaves out the first event")                                         \
    X(REGISTRY_ARTIFACT_NOT_LISTED, "registry.artifact_not_listed", ITEST_TASK_REGISTRY,           \
      "an artifact record answers 201 but the task does not list it")                              \
    X(REGISTRY_ARTIFACT_SHA_CHANGED, "registry.artifact_sha_changed", ITEST_TASK_REGISTRY,         \
      "artifact records come back with another sha256")                                            \
    X(REGISTRY_ARTIFACT_SIZE_CHANGED, "registry.artifact_size_changed", ITEST_TASK_REGISTRY,       \
      "artifact records come back one byte larger")                                                \
    X(REGISTRY_UNKNOWN_TASK_400, "registry.unknown_task_answers_400", ITEST_TASK_REGISTRY,         \
      "an unknown task id answers 400, not 404")                                                   \
    X(REGISTRY_PRIORITY_UNCHECKED, "registry.priority_unchecked", ITEST_TASK_REGISTRY,             \
      "a priority outside 0..9 is accepted")                                                       \
    X(POOL_RELEASE_KEEPS_SLOT, "pool.release_keeps_slot", ITEST_REPO_POOL,                         \
      "DELETE /slots/{id} answers 204 but the slot stays taken")                                   \
    X(POOL_IN_USE_OFF_BY_ONE, "pool.in_use_off_by_one", ITEST_REPO_POOL,                           \
      "in_use counts one slot more than are taken")                                                \
    X(POOL_CAPACITY_OVERSTATED, "pool.capacity_overstated", ITEST_REPO_POOL,                       \
      "capacity says one slot more than the pool has")                                             \
    X(POOL_OVERBOOKS, "pool.overbooks", ITEST_REPO_POOL,                                           \
      "an exhausted pool hands out slots past its capacity instead of 503")                        \
    X(POOL_NO_RETRY_AFTER, "pool.exhausted_without_retry_after", ITEST_REPO_POOL,                  \
      "the 503 of an exhausted pool has no Retry-After")                                           \
    X(POOL_TTL_IGNORED, "pool.ttl_ignored", ITEST_REPO_POOL, "slots never expire")                 \
    X(POOL_EXPIRES_EARLY, "pool.expires_at_half_ttl", ITEST_REPO_POOL,                             \
      "slots return to the pool after half their ttl_s")                                           \
    X(POOL_EXPIRES_AT_WRONG, "pool.expires_at_misreported", ITEST_REPO_POOL,                       \
      "expires_at names the allocation time, not allocation + ttl_s")                              \
    X(POOL_DOUBLE_RELEASE_204, "pool.double_release_204", ITEST_REPO_POOL,                         \
      "releasing a released slot answers 204, not 404")                                            \
    X(POOL_REPO_NOT_ECHOED, "pool.repo_not_echoed", ITEST_REPO_POOL,                               \
      "a slot's repo comes back with \".git\" appended")                                           \
    X(POOL_SLOT_IDS_SHARED, "pool.slot_ids_shared", ITEST_REPO_POOL,                               \
      "slots of one repo share one slot_id")                                                       \
    X(POOL_PATHS_SHARED, "pool.paths_shared", ITEST_REPO_POOL,                                     \
      "slots of one repo share one working-tree path")                                             \
    X(POOL_NEW_SLOT_UNLISTED, "pool.new_slot_unlisted", ITEST_REPO_POOL,                           \
      "GET /slots leaves out the newest slot")                                                     \
    X(POOL_TTL_UNCHECKED, "pool.ttl_unchecked", ITEST_REPO_POOL,                                   \
      "a ttl_s outside 1..86400 is accepted")                                                      \
    X(STORE_ETAG_IS_SIZE, "store.etag_is_size", ITEST_ARTIFACT_STORE,                              \
      "ETag is the size, not the sha256")                                                          \
    X(STORE_ETAG_UNQUOTED, "store.etag_unquoted", ITEST_ARTIFACT_STORE,                            \
      "ETag is the sha256 without its quotes")                                                     \
    X(STORE_CONTENT_TYPE_DROPPED, "store.content_type_dropped", ITEST_ARTIFACT_STORE,              \
      "GET answers application/octet-stream whatever Content-Type was stored")                     \
    X(STORE_OVERWRITE_201, "store.overwrite_answers_201", ITEST_ARTIFACT_STORE,                    \
      "overwriting an artifact answers 201, not 200")                                              \
    X(STORE_OVERWRITE_KEEPS_FIRST, "store.overwrite_keeps_first", ITEST_ARTIFACT_STORE,            \
      "an overwrite answers 200 but the first body stays")                                         \
    X(STORE_PUT_SHA_WRONG, "store.put_sha_wrong", ITEST_ARTIFACT_STORE,                            \
      "the PUT reply's sha256 is not the body's")                                                  \
    X(STORE_PUT_SIZE_WRONG, "store.put_size_off_by_one", ITEST_ARTIFACT_STORE,                     \
      "the PUT reply's size is one byte more than was stored")                                     \
    X(STORE_BYTES_ALTERED, "store.bytes_altered", ITEST_ARTIFACT_STORE,                            \
      "the last byte of an artifact kept in memory comes back changed")                            \
    X(STORE_LARGE_BODY_SHORT, "store.large_body_short", ITEST_ARTIFACT_STORE,                      \
      "an artifact kept in a file comes back one byte short")                                      \
    X(STORE_RANGE_IGNORED, "store.range_ignored", ITEST_ARTIFACT_STORE,                            \
      "Range is ignored: 200 and the whole body")                                                  \
    X(STORE_RANGE_SHIFTED, "store.range_shifted", ITEST_ARTIFACT_STORE,                            \
      "a 206 carries the bytes one after the range it names")                                      \
    X(STORE_CONTENT_RANGE_WRONG, "store.content_range_total_unknown", ITEST_ARTIFACT_STORE,        \
      "Content-Range gives the total as \"*\"")                                                    \
    X(STORE_UNSATISFIABLE_200, "store.unsatisfiable_range_200", ITEST_ARTIFACT_STORE,              \
      "a range past the end answers 200 and the whole body, not 416")                              \
    X(STORE_HEAD_LENGTH_ZERO, "store.head_length_zero", ITEST_ARTIFACT_STORE,                      \
      "HEAD says Content-Length: 0")                                                               \
    X(STORE_HEAD_WITHOUT_ETAG, "store.head_without_etag", ITEST_ARTIFACT_STORE,                    \
      "HEAD carries no ETag")                                                                      \
    X(STORE_DELETE_KEEPS, "store.delete_keeps", ITEST_ARTIFACT_STORE,                              \
      "DELETE answers 204 but the artifact stays")                                                 \
    X(STORE_DOTDOT_ACCEPTED, "store.dotdot_keys_accepted", ITEST_ARTIFACT_STORE,                   \
      "keys with \"..\" are accepted")                                                             \
    X(STORE_LONGEST_KEY_REFUSED, "store.longest_key_refused", ITEST_ARTIFACT_STORE,                \
      "keys of more than 256 characters are refused")                                              \
    X(STORE_LIMIT_400, "store.limit_answered_400", ITEST_ARTIFACT_STORE,                           \
      "a body over the size limit answers 400, not 413")                                           \
    X(LLM_MODEL_SWAPPED, "llm.model_swapped", ITEST_LLM,                                           \
      "replies and chunks name another served model than the one requested")                       \
    X(LLM_STREAM_MODEL_CHANGES, "llm.stream_model_changes", ITEST_LLM,                             \
      "stream chunks after the first name another model")                                          \
    X(LLM_USAGE_TOTAL_OFF, "llm.usage_total_off", ITEST_LLM,                                       \
      "total_tokens is one more than prompt_tokens + completion_tokens")                           \
    X(LLM_PROMPT_TOKENS_FIXED, "llm.prompt_tokens_fixed", ITEST_LLM,                               \
      "prompt_tokens is 12 whatever the prompt")                                                   \
    X(LLM_STREAM_USAGE_MISSING, "llm.stream_usage_missing", ITEST_LLM,                             \
      "stream_options.include_usage gets no usage chunk")                                          \
    X(LLM_STREAM_USAGE_UNASKED, "llm.stream_usage_unasked", ITEST_LLM,                             \
      "streams carry a usage chunk without include_usage")                                         \
    X(LLM_USAGE_IN_CHOICE_CHUNK, "llm.usage_in_choice_chunk", ITEST_LLM,                           \
      "the usage rides on the finish chunk, not a last chunk with empty choices")                  \
    X(LLM_STREAM_WITHOUT_DONE, "llm.stream_without_done", ITEST_LLM,                               \
      "streams end cleanly without data: [DONE]")                                                  \
    X(LLM_STREAM_NO_FINISH_REASON, "llm.stream_no_finish_reason", ITEST_LLM,                       \
      "no stream chunk carries a finish_reason")                                                   \
    X(LLM_STREAM_DROPS_PIECE, "llm.stream_drops_piece", ITEST_LLM,                                 \
      "streams leave out the second content piece")                                                \
    X(LLM_STREAM_IDS_CHANGE, "llm.stream_ids_change", ITEST_LLM,                                   \
      "each stream chunk carries another completion id")                                           \
    X(LLM_STREAM_CONTENT_TYPE, "llm.stream_as_json", ITEST_LLM,                                    \
      "streams say Content-Type: application/json, not text/event-stream")                         \
    X(LLM_STREAM_ROLE_MISSING, "llm.stream_role_missing", ITEST_LLM,                               \
      "the first delta of a stream has no role")                                                   \
    X(LLM_MAX_TOKENS_IGNORED, "llm.max_tokens_ignored", ITEST_LLM,                                 \
      "max_tokens is ignored: the whole reply, finish_reason stop")                                \
    X(LLM_LENGTH_CALLED_STOP, "llm.length_called_stop", ITEST_LLM,                                 \
      "a reply cut at max_tokens says finish_reason stop, not length")                             \
    X(LLM_COMPLETION_TOKENS_PAST_MAX, "llm.completion_tokens_past_max", ITEST_LLM,                 \
      "a reply cut at max_tokens counts the tokens of the whole reply")                            \
    X(LLM_N_IGNORED, "llm.n_ignored", ITEST_LLM, "n is ignored: one choice")                       \
    X(LLM_CHOICE_INDICES_ZERO, "llm.choice_indices_zero", ITEST_LLM,                               \
      "every choice of a reply has index 0")                                                       \
    X(LLM_STREAM_CHOICE_INDICES_ZERO, "llm.stream_choice_indices_zero", ITEST_LLM,                 \
      "every streamed choice has index 0")                                                         \
    X(LLM_TOOL_ARGUMENTS_CUT, "llm.tool_arguments_cut", ITEST_LLM,                                 \
      "tool-call arguments lose their last character (not JSON)")                                  \
    X(LLM_TOOL_CALL_FINISH_STOP, "llm.tool_call_finish_stop", ITEST_LLM,                           \
      "a tool call says finish_reason stop, not tool_calls")                                       \
    X(LLM_STREAM_TOOL_ARGUMENTS_REVERSED, "llm.stream_tool_arguments_reversed", ITEST_LLM,         \
      "streamed tool-call argument pieces come in reverse order")                                  \
    X(LLM_EMBEDDINGS_REVERSED, "llm.embeddings_reversed", ITEST_LLM,                               \
      "a batch's vectors come in reverse order, their index members still 0..n-1")                 \
    X(LLM_EMBEDDINGS_INDEX_ZERO, "llm.embeddings_index_zero", ITEST_LLM,                           \
      "every embedding of a batch has index 0")                                                    \
    X(LLM_EMBEDDINGS_BIG_ENDIAN, "llm.embeddings_base64_big_endian", ITEST_LLM,                    \
      "base64 embeddings are big-endian float32")                                                  \
    X(LLM_EMBEDDINGS_NOT_UNIT, "llm.embeddings_not_unit_length", ITEST_LLM,                        \
      "embeddings are twice unit length")                                                          \
    X(LLM_EMBEDDINGS_DIMENSIONS_IGNORED, "llm.embeddings_dimensions_ignored", ITEST_LLM,           \
      "the dimensions parameter is ignored")                                                       \
    X(LLM_UNKNOWN_MODEL_SERVED, "llm.unknown_model_served", ITEST_LLM,                             \
      "an unknown model is answered by the first served model")                                    \
    X(LLM_KEY_NOT_CHECKED, "llm.key_not_checked", ITEST_LLM, "any API key is accepted")            \
    X(LLM_ERROR_BODY_FLAT, "llm.error_body_flat", ITEST_LLM,                                       \
      "OpenAI errors lose their \"error\" object: {\"message\", \"type\", ...}")                   \
    X(LLM_MODELS_LIST_SHORT, "llm.models_list_short", ITEST_LLM,                                   \
      "GET /v1/models leaves out the first served model")                                          \
    X(LLM_OBJECT_WRONG, "llm.object_wrong", ITEST_LLM,                                             \
      "replies say object text_completion, not chat.completion")                                   \
    X(LLM_ROLE_WRONG, "llm.role_wrong", ITEST_LLM, "reply messages have role system")              \
    X(LLM_CREATED_IN_MS, "llm.created_in_milliseconds", ITEST_LLM,                                 \
      "created is in milliseconds, not Unix seconds")                                              \
    X(LLM_REQUEST_ID_MISSING, "llm.request_id_missing", ITEST_LLM,                                 \
      "replies carry no x-request-id")                                                             \
    X(LLM_RATELIMIT_REMAINING_OVER, "llm.ratelimit_remaining_over_limit", ITEST_LLM,               \
      "x-ratelimit-remaining-requests is above x-ratelimit-limit-requests")                        \
    X(LLM_RETRY_AFTER_DROPPED, "llm.retry_after_dropped", ITEST_LLM,                               \
      "a 429 carries no retry-after or retry-after-ms")                                            \
    X(LLM_RESPONSES_SEQUENCE_REPEATS, "llm.responses_sequence_repeats", ITEST_LLM,                 \
      "streamed response events repeat their sequence_number")                                     \
    X(LLM_RESPONSES_TEXT_DONE_DIFFERS, "llm.responses_text_done_differs", ITEST_LLM,               \
      "response.output_text.done drops the last character the deltas sent")                        \
    X(LLM_RESPONSES_NO_TERMINAL_EVENT, "llm.responses_no_terminal_event", ITEST_LLM,               \
      "a streamed response ends without response.completed or .incomplete")                        \
    X(LLM_RESPONSES_COMPLETED_WHEN_CUT, "llm.responses_completed_when_cut", ITEST_LLM,             \
      "a response cut at max_output_tokens says status completed")                                 \
    X(LLM_RESPONSES_PREVIOUS_IGNORED, "llm.responses_previous_ignored", ITEST_LLM,                 \
      "previous_response_id is accepted but its conversation is not carried on")                   \
    X(LLM_RESPONSES_STORE_IGNORED, "llm.responses_store_ignored", ITEST_LLM,                       \
      "store: true responses are not kept (GET answers 404)")                                      \
    X(LLM_RESPONSES_DELETE_KEEPS, "llm.responses_delete_keeps", ITEST_LLM,                         \
      "DELETE /v1/responses/{id} answers deleted but the response stays")                          \
    X(LLM_RESPONSES_FUNCTION_OUTPUT_IGNORED, "llm.responses_function_output_ignored", ITEST_LLM,   \
      "a function_call_output item is read as nothing: the model calls the tool again")            \
    X(LLM_JSON_SCHEMA_IGNORED, "llm.json_schema_ignored", ITEST_LLM,                               \
      "a json_schema format is ignored: the reply is plain text")                                  \
    X(LLM_STOP_IGNORED, "llm.stop_ignored", ITEST_LLM, "stop sequences are ignored")               \
    X(LLM_PARALLEL_CALLS_SHARE_ID, "llm.parallel_calls_share_id", ITEST_LLM,                       \
      "the tool calls of one reply share one id")                                                  \
    X(LLM_PARALLEL_OFF_IGNORED, "llm.parallel_off_ignored", ITEST_LLM,                             \
      "parallel_tool_calls: false is ignored")                                                     \
    X(LLM_TOOL_CHOICE_NAMED_IGNORED, "llm.tool_choice_named_ignored", ITEST_LLM,                   \
      "a tool_choice naming a function is ignored: the reply is text")                             \
    X(LLM_CACHED_TOKENS_MISSING, "llm.cached_tokens_missing", ITEST_LLM,                           \
      "a repeated prompt prefix never counts cached_tokens")                                       \
    X(LLM_REASONING_TOKENS_MISSING, "llm.reasoning_tokens_missing", ITEST_LLM,                     \
      "a reasoning model's usage counts no reasoning_tokens")                                      \
    X(LLM_LOGPROBS_TOKENS_DIFFER, "llm.logprobs_tokens_differ", ITEST_LLM,                         \
      "logprobs leave out the first token of the reply")                                           \
    X(LLM_REFUSAL_AS_CONTENT, "llm.refusal_as_content", ITEST_LLM,                                 \
      "a refusal comes as content, message.refusal null")                                          \
    X(VECTOR_WRONG_NEIGHBOUR, "vector.wrong_neighbour", ITEST_VECTOR,                              \
      "the last hit of every search is the next-best point, not the k-th")                         \
    X(VECTOR_SCORE_OFF, "vector.score_off", ITEST_VECTOR,                                          \
      "search scores are reported 0.001 too high")                                                 \
    X(VECTOR_MUST_NOT_IGNORED, "vector.must_not_ignored", ITEST_VECTOR,                            \
      "filters' must_not clauses are ignored")                                                     \
    X(VECTOR_DELETE_KEEPS, "vector.delete_keeps_points", ITEST_VECTOR,                             \
      "points/delete answers completed and keeps the points")                                      \
    X(VECTOR_DIMENSION_UNCHECKED, "vector.dimension_unchecked", ITEST_VECTOR,                      \
      "vectors of the wrong size are accepted (cut or padded with zeros)")                         \
    X(VECTOR_UPSERT_DROPS, "vector.upsert_drops_points", ITEST_VECTOR,                             \
      "every 50th point of an upsert is answered as stored but dropped")                           \
    X(VECTOR_COUNT_OFF, "vector.count_off_by_one", ITEST_VECTOR,                                   \
      "points/count answers one more than there are")                                              \
    X(VECTOR_UNKNOWN_COLLECTION_EMPTY, "vector.unknown_collection_empty", ITEST_VECTOR,            \
      "a search of an unknown collection answers 200 with no hits, not 404")                       \
    X(VECTOR_PAYLOAD_DROPPED, "vector.payload_dropped", ITEST_VECTOR,                              \
      "points come back with an empty payload")

enum mock_mutation {
#define MOCK_MUTATION_ENUM(e, name, service, what) MOCK_MUT_##e,
    MOCK_MUTATIONS(MOCK_MUTATION_ENUM)
#undef MOCK_MUTATION_ENUM
        MOCK_MUTATION_COUNT
};

struct mock_mutation_info {
    const char *name;
    int service; /* enum itest_service, or -1: every service */
    const char *what;
};

/* The mutation's name, service and what it does. */
const struct mock_mutation_info *mock_mutation_info(enum mock_mutation m);
/* The mutation named name, or -1. */
int mock_mutation_parse(const char *name);
/* True when m can be planted in service s. */
bool mock_mutation_applies(enum mock_mutation m, enum itest_service s);

/* The mutations active on one service: global ones (--mutate, or the admin API without a scope)
 * and scoped ones (X-Itest-Scope equals the scope). Lock-free to ask while none is scoped. */
struct mock_mutation_set;

struct mock_mutation_set *mock_mutation_set_new(void);
void mock_mutation_set_free(struct mock_mutation_set *set);
/* Activates m globally (scope NULL or "") or for one scope. Returns 0, or -1 out of memory. */
int mock_mutation_set_add(struct mock_mutation_set *set, enum mock_mutation m, const char *scope);
/* True when m is active for a request in scope ("" or NULL: none). */
bool mock_mutation_set_has(struct mock_mutation_set *set, enum mock_mutation m, const char *scope);
/* Removes the scope's mutations (scope NULL: every mutation, global ones too); how many. */
size_t mock_mutation_set_clear(struct mock_mutation_set *set, const char *scope);
/* {"mutations": [{"name", "scope", "what"}...]} */
cJSON *mock_mutation_set_list(struct mock_mutation_set *set);

/* True when the answer to req breaks clause m (planted globally or for the request's scope);
 * never for the admin API, which stays truthful so that harnesses can steer the mock. */
static inline bool mock_mutated(const struct mock_request *req, enum mock_mutation m)
{
    return !req->admin && mock_mutation_set_has(req->mutations, m, req->scope);
}

#endif
