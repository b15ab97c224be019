#include "llm_rules.h"

#include "itest/json_parse.h"
#include "itest/regex.h"

#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rule_error(char *err, size_t errlen, const char *path, int index, const char *what)
{
    snprintf(err, errlen, "%s: rule [%d].%s", path, index, what);
    return -1;
}

/* One {"name": str, "arguments": object or JSON text} into c; false when it is not one. */
static bool read_call(struct llm_rule_call *c, const cJSON *def)
{
    const cJSON *name = cJSON_GetObjectItem(def, "name");
    const cJSON *args = cJSON_GetObjectItem(def, "arguments");
    if (!cJSON_IsObject(def) || !cJSON_IsString(name) || !name->valuestring[0] ||
        (args && !cJSON_IsObject(args) && !cJSON_IsString(args)))
        return false;
    c->name = strdup(name->valuestring);
    c->arguments = cJSON_IsString(args) ? strdup(args->valuestring)
                   : args               ? cJSON_PrintUnformatted(args)
                                        : strdup("{}");
    return true;
}

static int read_calls(struct llm_rule *r, const cJSON *def, const char *path, int i, char *err,
                      size_t errlen)
{
    const cJSON *one = cJSON_GetObjectItem(def, "tool_call");
    const cJSON *many = cJSON_GetObjectItem(def, "tool_calls");
    if (one && many)
        return rule_error(err, errlen, path, i, "tool_calls: give tool_call or tool_calls");
    if (one) {
        r->calls = calloc(1, sizeof *r->calls);
        if (!r->calls || !read_call(&r->calls[0], one))
            return rule_error(err, errlen, path, i,
                              "tool_call: expected {\"name\": str, \"arguments\": object}");
        r->n_calls = 1;
    }
    if (many) {
        int n = cJSON_GetArraySize(many);
        if (!cJSON_IsArray(many) || n == 0 || n > 8)
            return rule_error(
                err, errlen, path, i,
                "tool_calls: expected 1..8 of {\"name\": str, \"arguments\": object}");
        r->calls = calloc((size_t)n, sizeof *r->calls);
        int k = 0;
        for (const cJSON *c = many->child; c && r->calls; c = c->next, k++) {
            if (!read_call(&r->calls[k], c)) {
                char what[96];
                snprintf(what, sizeof what,
                         "tool_calls[%d]: expected {\"name\": str, \"arguments\": object}", k);
                return rule_error(err, errlen, path, i, what);
            }
            r->n_calls++;
        }
    }
    return 0;
}

static int parse_rule(struct llm_rule *r, const cJSON *def, const char *path, int i, char *err,
                      size_t errlen)
{
    static const char *const allowed[] = {"match",    "contains", "model",     "reply",
                                          "json",     "refusal",  "tool_call", "tool_calls",
                                          "delay_ms", "comment",  "cite",      NULL};
    if (!cJSON_IsObject(def))
        return rule_error(err, errlen, path, i, "(rule): expected an object");
    for (const cJSON *m = def->child; m; m = m->next) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            known = known || strcmp(*a, m->string) == 0;
        if (!known) {
            char what[200];
            snprintf(what, sizeof what,
                     "%s: unknown member; expected match, contains, model, reply, json, "
                     "refusal, tool_call, tool_calls, cite, delay_ms",
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
        char why[160], what[256];
        if (itest_regex_compile(r->regex, item->valuestring, REG_EXTENDED | REG_ICASE | REG_NOSUB,
                                why, sizeof why) != 0) {
            free(r->regex);
            r->regex = NULL;
            snprintf(what, sizeof what, "match: not a POSIX extended regular expression: %s", why);
            return rule_error(err, errlen, path, i, what);
        }
    }
    if ((item = cJSON_GetObjectItem(def, "cite"))) {
        char why[160], what[256];
        r->cite = malloc(sizeof(regex_t));
        if (!cJSON_IsString(item) ||
            itest_regex_compile(r->cite, item->valuestring, REG_EXTENDED | REG_ICASE, why,
                                sizeof why) != 0) {
            free(r->cite);
            r->cite = NULL;
            snprintf(what, sizeof what, "cite: not a POSIX extended regular expression%s%s",
                     cJSON_IsString(item) ? ": " : "", cJSON_IsString(item) ? why : "");
            return rule_error(err, errlen, path, i, what);
        }
        if (!cJSON_IsString(cJSON_GetObjectItem(def, "reply")))
            return rule_error(err, errlen, path, i, "cite: needs a reply to add the citations to");
    }
    static const char *const strings[] = {"model", "reply", "refusal"};
    char **slots[] = {&r->model, &r->reply, &r->refusal};
    for (size_t k = 0; k < 3; k++) {
        if ((item = cJSON_GetObjectItem(def, strings[k]))) {
            if (!cJSON_IsString(item)) {
                char what[64];
                snprintf(what, sizeof what, "%s: expected a string", strings[k]);
                return rule_error(err, errlen, path, i, what);
            }
            *slots[k] = strdup(item->valuestring);
        }
    }
    if ((item = cJSON_GetObjectItem(def, "json")))
        r->json = cJSON_PrintUnformatted(item);
    if (read_calls(r, def, path, i, err, errlen) != 0)
        return -1;
    if ((item = cJSON_GetObjectItem(def, "delay_ms"))) {
        if (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble > 3600e3)
            return rule_error(err, errlen, path, i, "delay_ms: expected 0..3600000");
        r->delay_ms = item->valuedouble;
    }
    int answers = (r->reply != NULL) + (r->json != NULL) + (r->refusal != NULL) + (r->n_calls > 0);
    if (answers != 1)
        return rule_error(err, errlen, path, i,
                          "reply: give exactly one of reply, json, refusal, tool_call, tool_calls");
    return 0;
}

static int read_reasoning(struct llm_rules *rules, const cJSON *list, const char *name, char *err,
                          size_t errlen)
{
    if (!list)
        return 0;
    int n = cJSON_GetArraySize(list);
    if (!cJSON_IsArray(list)) {
        snprintf(err, errlen, "%s: reasoning_models: expected an array of model ids", name);
        return -1;
    }
    rules->reasoning_models = calloc((size_t)(n ? n : 1), sizeof *rules->reasoning_models);
    for (const cJSON *m = list->child; m && rules->reasoning_models; m = m->next) {
        if (!cJSON_IsString(m) || !m->valuestring[0]) {
            snprintf(err, errlen, "%s: reasoning_models[%zu]: expected a model id", name,
                     rules->n_reasoning);
            return -1;
        }
        rules->reasoning_models[rules->n_reasoning++] = strdup(m->valuestring);
    }
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
    if (rc == 0 && !cJSON_IsArray(root))
        rc =
            read_reasoning(rules, cJSON_GetObjectItem(root, "reasoning_models"), name, err, errlen);
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
        void *regexes[] = {r->regex, r->cite};
        for (size_t k = 0; k < 2; k++)
            if (regexes[k]) {
                regfree(regexes[k]);
                free(regexes[k]);
            }
        free(r->model);
        free(r->reply);
        free(r->json);
        free(r->refusal);
        for (size_t k = 0; k < r->n_calls; k++) {
            free(r->calls[k].name);
            free(r->calls[k].arguments);
        }
        free(r->calls);
    }
    free(rules->items);
    for (size_t i = 0; i < rules->n_reasoning; i++)
        free(rules->reasoning_models[i]);
    free(rules->reasoning_models);
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

int llm_rules_reasons(const struct llm_rules *rules, const char *model)
{
    for (size_t i = 0; i < rules->n_reasoning; i++)
        if (strcmp(rules->reasoning_models[i], model) == 0)
            return 1;
    return 0;
}
