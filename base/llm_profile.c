#include "itest/llm_profile.h"

#include "itest/json_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[ITEST_LLM_CAP_COUNT] = {
#define ITEST_LLM_CAP_NAME(e, name, what) [ITEST_LLM_CAP_##e] = name,
    ITEST_LLM_CAPABILITIES(ITEST_LLM_CAP_NAME)
#undef ITEST_LLM_CAP_NAME
};
static const char *const whats[ITEST_LLM_CAP_COUNT] = {
#define ITEST_LLM_CAP_WHAT(e, name, what) [ITEST_LLM_CAP_##e] = what,
    ITEST_LLM_CAPABILITIES(ITEST_LLM_CAP_WHAT)
#undef ITEST_LLM_CAP_WHAT
};

const char *itest_llm_capability_name(enum itest_llm_capability c)
{
    return names[c];
}

const char *itest_llm_capability_what(enum itest_llm_capability c)
{
    return whats[c];
}

int itest_llm_capability_parse(const char *name)
{
    for (int c = 0; name && c < ITEST_LLM_CAP_COUNT; c++)
        if (strcmp(names[c], name) == 0)
            return c;
    return -1;
}

int itest_llm_profile_load(const char *path, struct itest_llm_profile *out, char *err, size_t len)
{
    memset(out, 0, sizeof *out);
    cJSON *root = itest_json_load_file(path, 0, NULL, err, len);
    if (!root)
        return -1;
    int rc = 0;
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "profile"));
    const char *source = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "source"));
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(root, "capabilities");
    if (!name || !source || !cJSON_IsObject(caps)) {
        snprintf(err, len,
                 "%s: expected {\"profile\": name, \"version\": ..., \"source\": ..., "
                 "\"capabilities\": {...}}",
                 path);
        rc = -1;
    }
    for (const cJSON *c = rc == 0 ? caps->child : NULL; c && rc == 0; c = c->next) {
        int k = itest_llm_capability_parse(c->string);
        if (k < 0 || !cJSON_IsBool(c)) {
            snprintf(err, len, "%s: capabilities.%s: %s", path, c->string,
                     k < 0 ? "not a capability the suites know" : "expected true or false");
            rc = -1;
        } else {
            out->has[k] = cJSON_IsTrue(c);
        }
    }
    for (int k = 0; rc == 0 && k < ITEST_LLM_CAP_COUNT; k++)
        if (!cJSON_GetObjectItemCaseSensitive(caps, names[k])) {
            snprintf(err, len,
                     "%s: capabilities.%s is missing: every profile says yes or no to "
                     "each capability",
                     path, names[k]);
            rc = -1;
        }
    if (rc == 0) {
        snprintf(out->name, sizeof out->name, "%s", name);
        snprintf(out->source, sizeof out->source, "%s", source);
    }
    cJSON_Delete(root);
    return rc;
}

int itest_llm_profile_adjust(struct itest_llm_profile *p, const char *adjust, char *err, size_t len)
{
    char *copy = strdup(adjust ? adjust : "");
    if (!copy) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    int rc = 0;
    /* strsep, not strtok: an empty part ("+a,,+b") is a typo to name, not to skip */
    for (char *rest = *copy ? copy : NULL, *part; rc == 0 && (part = strsep(&rest, ","));) {
        while (*part == ' ')
            part++;
        int k = (*part == '+' || *part == '-') ? itest_llm_capability_parse(part + 1) : -1;
        if (k < 0) {
            snprintf(err, len, "'%s' is not +name or -name of a capability", part);
            rc = -1;
        } else {
            p->has[k] = *part == '+';
        }
    }
    free(copy);
    return rc;
}
