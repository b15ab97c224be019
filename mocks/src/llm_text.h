/* What the mock LLM says and how it counts: a deterministic tokenizer (words up to 6 bytes are
 * one token, longer ones split every 4 bytes, punctuation is a token of its own), the reply rule
 * table, the stable default reply, and embeddings derived from the text. */
#ifndef MOCK_LLM_TEXT_H
#define MOCK_LLM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

/* End of the token that starts at pos (pos < strlen(text)). Tokens cover the text exactly, so
 * streamed pieces join to the whole reply. */
size_t llm_token_end(const char *text, size_t pos);
size_t llm_count_tokens(const char *text);
/* Byte length of the first max_tokens tokens of text. */
size_t llm_prefix_bytes(const char *text, size_t max_tokens);

struct llm_rule {
    char *contains; /* case-insensitive substring, or NULL */
    void *regex;    /* regex_t*, case-insensitive, or NULL */
    char *model;    /* only for this model, or NULL */
    char *reply;    /* the content, or NULL with a tool call */
    char *tool_name;
    char *tool_arguments; /* JSON text */
    double delay_ms;
};

struct llm_rules {
    struct llm_rule *items;
    size_t n;
};

/* Loads a rules file (a JSON array, or {"rules": [...]}). Returns 0, or -1 with
 * "file: rule [i].member: problem" (or the file's JSON error, "file:line:column: ...") in err. */
int llm_rules_load(struct llm_rules *rules, const char *path, char *err, size_t errlen);
/* The same from a parsed document; name stands for the file in messages. */
int llm_rules_parse(struct llm_rules *rules, const cJSON *root, const char *name, char *err,
                    size_t errlen);
void llm_rules_free(struct llm_rules *rules);
/* The first rule matching the prompt (the last user message) and model, or NULL. */
const struct llm_rule *llm_rules_match(const struct llm_rules *rules, const char *prompt,
                                       const char *model);

/* The reply when no rule matches: stable for a given conversation, naming the prompt.
 * malloc'd. */
char *llm_default_reply(const char *conversation, const char *prompt);

/* A unit-length vector of dims float32 values derived from text (same text, same vector). */
void llm_embedding(float *out, size_t dims, const char *text, size_t len);

#endif
