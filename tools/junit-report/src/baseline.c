#include "baseline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "itest/json_parse.h"
#include "model.h"
#include "strtab.h"
#include "util.h"

static int outcome_of(const char *s)
{
    for (int o = OUT_PASSED; o <= OUT_FLAKY; o++)
        if (strcmp(s, outcome_name((enum outcome)o)) == 0)
            return o;
    return -1;
}

static void put(struct baseline *b, uint32_t index)
{
    const char *id = b->entries[index].id;
    size_t j = hash_bytes(id, strlen(id), 0) & (b->nslots - 1);
    while (b->slots[j])
        j = (j + 1) & (b->nslots - 1);
    b->slots[j] = index + 1;
}

int baseline_load(struct baseline *b, const char *path, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->path = xstrdup(path);
    cJSON *root = itest_json_load_file(path, 0, NULL, err, errlen);
    if (!root)
        return -1;
    int rc = -1;
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
    if (!cJSON_IsString(schema) || strncmp(schema->valuestring, "itest-report/", 13) != 0 ||
        !cJSON_IsArray(cases)) {
        snprintf(err, errlen,
                 "%s: not an itest-report --json file (needs \"schema\": \"itest-report/1\" and "
                 "a \"cases\" array)",
                 path);
        goto out;
    }
    size_t count = (size_t)cJSON_GetArraySize(cases), i = 0;
    b->entries = xcalloc(count, sizeof *b->entries);
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id");
        const cJSON *outcome = cJSON_GetObjectItemCaseSensitive(c, "outcome");
        const cJSON *seconds = cJSON_GetObjectItemCaseSensitive(c, "seconds");
        int o = cJSON_IsString(outcome) ? outcome_of(outcome->valuestring) : -1;
        if (!cJSON_IsString(id) || o < 0) {
            snprintf(err, errlen,
                     "%s: cases[%zu]: needs a string \"id\" and an \"outcome\" of "
                     "passed, skipped, failed, errored or flaky",
                     path, i);
            goto out;
        }
        b->entries[i].id = xstrdup(id->valuestring);
        b->entries[i].outcome = o;
        b->entries[i].has_seconds = cJSON_IsNumber(seconds);
        b->entries[i].seconds = cJSON_IsNumber(seconds) ? seconds->valuedouble : 0;
        b->n = ++i;
    }
    b->nslots = 16;
    while (b->nslots < b->n * 2)
        b->nslots *= 2;
    b->slots = xcalloc(b->nslots, sizeof *b->slots);
    for (size_t k = 0; k < b->n; k++)
        put(b, (uint32_t)k);
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

const struct baseline_entry *baseline_find(const struct baseline *b, const char *id)
{
    if (!b->nslots)
        return NULL;
    size_t j = hash_bytes(id, strlen(id), 0) & (b->nslots - 1);
    for (; b->slots[j]; j = (j + 1) & (b->nslots - 1))
        if (strcmp(b->entries[b->slots[j] - 1].id, id) == 0)
            return &b->entries[b->slots[j] - 1];
    return NULL;
}

void baseline_free(struct baseline *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->entries[i].id);
    free(b->entries);
    free(b->slots);
    free(b->path);
    memset(b, 0, sizeof *b);
}
