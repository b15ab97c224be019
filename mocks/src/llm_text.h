/* What the mock LLM says and how it counts: a deterministic tokenizer (words up to 6 bytes are
 * one token, longer ones split every 4 bytes, punctuation is a token of its own), the stable
 * default reply, and embeddings derived from the text. The reply rules are llm_rules.h's. */
#ifndef MOCK_LLM_TEXT_H
#define MOCK_LLM_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* End of the token that starts at pos (pos < strlen(text)). Tokens cover the text exactly, so
 * streamed pieces join to the whole reply. */
size_t llm_token_end(const char *text, size_t pos);
size_t llm_count_tokens(const char *text);
/* Byte length of the first max_tokens tokens of text. */
size_t llm_prefix_bytes(const char *text, size_t max_tokens);

/* The reply when no rule matches: stable for a given conversation, naming the prompt.
 * malloc'd. */
char *llm_default_reply(const char *conversation, const char *prompt);

/* A unit-length vector of dims float32 values derived from text (same text, same vector): a
 * feature-hashed bag of its words, so that texts sharing words lie near each other (cosine
 * about shared / sqrt(words_a * words_b)); a text without words gets stable noise. */
void llm_embedding(float *out, size_t dims, const char *text, size_t len);

#endif
