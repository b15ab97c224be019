#include "llm_text.h"
#include "util.h"

#include "itest/json_parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool word_byte(unsigned char c)
{
    return isalnum(c) || c >= 0x80; /* UTF-8 sequences stay inside words */
}

size_t llm_token_end(const char *text, size_t pos)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t i = pos;
    /* leading spaces belong to the token that follows, as in BPE vocabularies */
    while (t[i] == ' ')
        i++;
    if (!t[i])
        return i;
    if (!word_byte(t[i]))
        return i + 1;
    /* a word of up to 6 bytes is one token; a longer one gives 4 bytes at a time (looking
     * only 7 bytes ahead keeps long words linear) */
    size_t start = i;
    while (word_byte(t[i]) && i - start < 7)
        i++;
    if (i - start <= 6)
        return i;
    size_t end = start + 4;
    while (end < i && (t[end] & 0xc0) == 0x80)
        end++; /* never split a UTF-8 sequence */
    return end;
}

size_t llm_count_tokens(const char *text)
{
    size_t n = 0;
    for (size_t pos = 0; text[pos]; pos = llm_token_end(text, pos))
        n++;
    return n;
}

size_t llm_prefix_bytes(const char *text, size_t max_tokens)
{
    size_t pos = 0;
    for (size_t n = 0; text[pos] && n < max_tokens; n++)
        pos = llm_token_end(text, pos);
    return pos;
}

static int rule_error(char *err, size_t errlen, const char *path, int index, const char *what)
{
    snprintf(err, errlen, "%s: rule [%d].%s", path, index, what);
    return -1;
}

static int parse_rule(struct llm_rule *r, const cJSON *def, const char *path, int i, char *err,
                      size_t errlen)
{
    static const char *const allowed[] = {"match",     "contains", "model",   "reply",
                                          "tool_call", "delay_ms", "comment", NULL};
    if (!cJSON_IsObject(def))
        return rule_error(err, errlen, path, i, "(rule): expected an object");
    for (const cJSON *m = def->child; m; m = m->next) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            known = known || strcmp(*a, m->string) == 0;
        if (!known) {
            char what[160];
            snprintf(what, sizeof what,
                     "%s: unknown member; expected match, contains, model, "
                     "reply, tool_call, delay_ms",
                     m->string);
            return rule_error(err, errlen, path, i, what);
        }
    }
    const cJSON *item;
    if ((item = cJSON_GetObjectItem(def, "contains"))) {
        if (!cJSON_IsString(item))
            return rule_error(err, errlen, path, i, "contains: expected a string");
        r->contains = strdup(item->valuestring);
    }
    if ((item = cJSON_GetObjectItem(def, "match"))) {
        if (!cJSON_IsString(item))
            return rule_error(err, errlen, path, i, "match: expected a regular expression");
        r->regex = malloc(sizeof(regex_t));
        int rc = regcomp(r->regex, item->valuestring, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (rc != 0) {
            char why[128], what[256];
            regerror(rc, r->regex, why, sizeof why);
            free(r->regex);
            r->regex = NULL;
            snprintf(what, sizeof what, "match: not a POSIX extended regular expression: %s", why);
            return rule_error(err, errlen, path, i, what);
        }
    }
    if ((item = cJSON_GetObjectItem(def, "model"))) {
        if (!cJSON_IsString(item))
            return rule_error(err, errlen, path, i, "model: expected a model id");
        r->model = strdup(item->valuestring);
    }
    if ((item = cJSON_GetObjectItem(def, "reply"))) {
        if (!cJSON_IsString(item))
            return rule_error(err, errlen, path, i, "reply: expected a string");
        r->reply = strdup(item->valuestring);
    }
    if ((item = cJSON_GetObjectItem(def, "tool_call"))) {
        const cJSON *name = cJSON_GetObjectItem(item, "name");
        const cJSON *args = cJSON_GetObjectItem(item, "arguments");
        if (!cJSON_IsObject(item) || !cJSON_IsString(name) || !name->valuestring[0])
            return rule_error(err, errlen, path, i,
                              "tool_call: expected {\"name\": str, \"arguments\": object}");
        r->tool_name = strdup(name->valuestring);
        r->tool_arguments = cJSON_IsString(args) ? strdup(args->valuestring)
                            : args               ? cJSON_PrintUnformatted(args)
                                                 : strdup("{}");
    }
    if ((item = cJSON_GetObjectItem(def, "delay_ms"))) {
        if (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble > 3600e3)
            return rule_error(err, errlen, path, i, "delay_ms: expected 0..3600000");
        r->delay_ms = item->valuedouble;
    }
    if (!r->reply && !r->tool_name)
        return rule_error(err, errlen, path, i, "reply: missing (give reply or tool_call)");
    return 0;
}

int llm_rules_parse(struct llm_rules *rules, const cJSON *root, const char *name, char *err,
                    size_t errlen)
{
    memset(rules, 0, sizeof *rules);
    const cJSON *list = cJSON_IsArray(root) ? root : cJSON_GetObjectItem(root, "rules");
    if (!cJSON_IsArray(list)) {
        snprintf(err, errlen, "%s: expected a JSON array of rules or {\"rules\": [...]}", name);
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(list);
    rules->items = calloc(n ? n : 1, sizeof *rules->items);
    if (!rules->items) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    int i = 0, rc = 0;
    for (const cJSON *def = list->child; def; def = def->next, i++) {
        rules->n++;
        if ((rc = parse_rule(&rules->items[i], def, name, i, err, errlen)) != 0)
            break;
    }
    if (rc != 0)
        llm_rules_free(rules);
    return rc;
}

int llm_rules_load(struct llm_rules *rules, const char *path, char *err, size_t errlen)
{
    memset(rules, 0, sizeof *rules);
    cJSON *root = itest_json_load_file(path, 0, NULL, err, errlen);
    if (!root)
        return -1;
    int rc = llm_rules_parse(rules, root, path, err, errlen);
    cJSON_Delete(root);
    return rc;
}

void llm_rules_free(struct llm_rules *rules)
{
    for (size_t i = 0; i < rules->n; i++) {
        struct llm_rule *r = &rules->items[i];
        free(r->contains);
        if (r->regex) {
            regfree(r->regex);
            free(r->regex);
        }
        free(r->model);
        free(r->reply);
        free(r->tool_name);
        free(r->tool_arguments);
    }
    free(rules->items);
    memset(rules, 0, sizeof *rules);
}

const struct llm_rule *llm_rules_match(const struct llm_rules *rules, const char *prompt,
                                       const char *model)
{
    for (size_t i = 0; i < rules->n; i++) {
        const struct llm_rule *r = &rules->items[i];
        if (r->model && strcmp(r->model, model) != 0)
            continue;
        if (r->contains && !strcasestr(prompt, r->contains))
            continue;
        if (r->regex && regexec(r->regex, prompt, 0, NULL, 0) != 0)
            continue;
        return r;
    }
    return NULL;
}

char *llm_default_reply(const char *conversation, const char *prompt)
{
    uint64_t h = mock_hash(conversation, strlen(conversation), 0);
    /* echo the start of the prompt, cut at a character boundary */
    size_t n = strlen(prompt);
    if (n > 160) {
        n = 160;
        while (n > 0 && ((unsigned char)prompt[n] & 0xc0) == 0x80)
            n--;
    }
    char *reply = NULL;
    if (asprintf(&reply, "This is itest-mock reply %08llx to: %.*s%s",
                 (unsigned long long)(h & 0xffffffffu), (int)n, prompt,
                 n < strlen(prompt) ? "..." : "") < 0)
        return NULL;
    return reply;
}

void llm_embedding(float *out, size_t dims, const char *text, size_t len)
{
    uint64_t state = mock_hash(text, len, 0x5eed) | 1;
    double norm = 0;
    for (size_t i = 0; i < dims; i++) {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        double u = (double)((state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
        out[i] = (float)(u * 2 - 1);
        norm += (double)out[i] * out[i];
    }
    norm = sqrt(norm);
    for (size_t i = 0; i < dims && norm > 0; i++)
        out[i] = (float)(out[i] / norm);
}
