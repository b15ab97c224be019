#include "tests_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "itest/json_parse.h"
#include "strtab.h"
#include "util.h"

int tests_json_load(struct tests_json *t, const char *path, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    cJSON *root = itest_json_load_file(path, 0, NULL, err, errlen);
    if (!root)
        return -1;
    const cJSON *tests = cJSON_GetObjectItemCaseSensitive(root, "tests");
    if (!cJSON_IsArray(tests)) {
        snprintf(err, errlen,
                 "%s: no \"tests\" array; expected the output of ctest --show-only=json-v1", path);
        cJSON_Delete(root);
        return -1;
    }
    size_t count = (size_t)cJSON_GetArraySize(tests);
    t->names = xcalloc(count, sizeof *t->names);
    t->labels = xcalloc(count, sizeof *t->labels);
    const cJSON *test;
    cJSON_ArrayForEach(test, tests)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(test, "name");
        if (!cJSON_IsString(name))
            continue;
        struct buf labels = {0};
        buf_add(&labels, "", 0);
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(test, "properties");
        const cJSON *prop;
        cJSON_ArrayForEach(prop, props)
        {
            const cJSON *pn = cJSON_GetObjectItemCaseSensitive(prop, "name");
            const cJSON *pv = cJSON_GetObjectItemCaseSensitive(prop, "value");
            if (!cJSON_IsString(pn) || strcmp(pn->valuestring, "LABELS") != 0)
                continue;
            const cJSON *label;
            cJSON_ArrayForEach(label, pv)
            {
                if (!cJSON_IsString(label))
                    continue;
                if (labels.len)
                    buf_putc(&labels, ';');
                buf_puts(&labels, label->valuestring);
            }
        }
        t->names[t->n] = xstrdup(name->valuestring);
        t->labels[t->n++] = labels.data;
    }
    cJSON_Delete(root);
    t->nslots = 16;
    while (t->nslots < t->n * 2)
        t->nslots *= 2;
    t->slots = xcalloc(t->nslots, sizeof *t->slots);
    for (size_t i = 0; i < t->n; i++) {
        size_t j = hash_bytes(t->names[i], strlen(t->names[i]), 0) & (t->nslots - 1);
        while (t->slots[j])
            j = (j + 1) & (t->nslots - 1);
        t->slots[j] = (uint32_t)i + 1;
    }
    return 0;
}

long tests_json_find(const struct tests_json *t, const char *name)
{
    if (!t->nslots)
        return -1;
    size_t j = hash_bytes(name, strlen(name), 0) & (t->nslots - 1);
    for (; t->slots[j]; j = (j + 1) & (t->nslots - 1))
        if (strcmp(t->names[t->slots[j] - 1], name) == 0)
            return (long)t->slots[j] - 1;
    return -1;
}

size_t tests_json_apply(const struct tests_json *t, struct model *m)
{
    size_t matched = 0;
    struct buf id = {0};
    for (size_t i = 0; i < m->ntests; i++) {
        struct test *x = &m->tests[i];
        if (x->labels)
            continue;
        model_full_name(m, x, &id);
        long k = tests_json_find(t, id.data);
        if (k < 0 || !*t->labels[k])
            continue;
        x->labels = strtab_intern(&m->str, t->labels[k], strlen(t->labels[k]));
        matched++;
    }
    buf_free(&id);
    return matched;
}

void tests_json_free(struct tests_json *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->names[i]);
        free(t->labels[i]);
    }
    free(t->names);
    free(t->labels);
    free(t->slots);
    memset(t, 0, sizeof *t);
}
