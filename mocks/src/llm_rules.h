/* The mock LLM's reply rules (--rules FILE, docs/mocks.md): each matches the last user message
 * (a case-insensitive substring or regex, optionally one model) and answers with a reply, a JSON
 * value, a refusal, or one or more tool calls, after an optional delay; a reply may cite what
 * a pattern finds in the prompt. The file may also name
 * the models that reason (their usage counts reasoning tokens). */
#ifndef MOCK_LLM_RULES_H
#define MOCK_LLM_RULES_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct llm_rule_call {
    char *name;
    char *arguments; /* JSON text */
};

struct llm_rule {
    char *contains; /* case-insensitive substring, or NULL */
    void *regex;    /* regex_t*, case-insensitive, or NULL */
    char *model;    /* only for this model, or NULL */
    char *reply;    /* the content, or NULL */
    void *cite;     /* regex_t*: the reply ends with each match of it in the prompt (a model that
                       cites the context it was given), or NULL */
    char *json;     /* a JSON value as text: the reply, and what a JSON format asked for gets */
    char *refusal;  /* the model declines: message.refusal */
    struct llm_rule_call *calls; /* tool calls, in order (several: parallel calls) */
    size_t n_calls;
    double delay_ms;
};

struct llm_rules {
    struct llm_rule *items;
    size_t n;
    char **reasoning_models; /* "reasoning_models": models whose usage counts reasoning tokens */
    size_t n_reasoning;
};

/* Loads a rules file (a JSON array, or {"rules": [...], "reasoning_models": [...]}). Returns 0,
 * or -1 with "file: rule [i].member: problem" (or the file's JSON error, "file:line:column:
 * ...") in err. */
int llm_rules_load(struct llm_rules *rules, const char *path, char *err, size_t errlen);
/* The same from a parsed document; name stands for the file in messages. */
int llm_rules_parse(struct llm_rules *rules, const cJSON *root, const char *name, char *err,
                    size_t errlen);
void llm_rules_free(struct llm_rules *rules);
/* The first rule matching the prompt (the last user message) and model, or NULL. */
const struct llm_rule *llm_rules_match(const struct llm_rules *rules, const char *prompt,
                                       const char *model);
/* True when the rules name model as a reasoning model. */
int llm_rules_reasons(const struct llm_rules *rules, const char *model);

#endif
