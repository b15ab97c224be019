/* The Responses API's stored responses (store: true): a bounded table, oldest out first, of the
 * response object and the conversation it ends (what previous_response_id carries on). */
#ifndef MOCK_LLM_STORE_H
#define MOCK_LLM_STORE_H

#include <stdbool.h>
#include <stddef.h>

struct llm_store;

struct llm_store *llm_store_new(size_t capacity);
void llm_store_free(struct llm_store *s);
/* Keeps a copy of response (the response object as JSON text) under id with the conversation after
 * it (the input, then the output, as "role: text" lines) and its length in tokens; the oldest entry
 * goes when the table is full. */
void llm_store_put(struct llm_store *s, const char *id, const char *response,
                   const char *conversation, size_t tokens);
/* A copy of what is kept under id (either out parameter may be NULL), or false. */
bool llm_store_get(struct llm_store *s, const char *id, char **response, char **conversation,
                   size_t *tokens);
bool llm_store_delete(struct llm_store *s, const char *id);
/* Forgets everything (POST /__admin/reset). */
void llm_store_clear(struct llm_store *s);

#endif
