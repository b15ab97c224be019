/* A value that follows a JSON schema, for structured outputs and generated tool arguments: every
 * property of an object, the first non-null branch of an anyOf, lengths and ranges kept, all
 * derived from a seed. Patterns are not followed (a rule's "json" answers schemas with one). */
#include "llm_shared.h"
#include "util.h"

#include "itest/json_schema.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static uint64_t mix(uint64_t seed, const char *salt)
{
    return mock_hash(salt, strlen(salt), seed);
}

static const cJSON *member(const cJSON *s, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(s, name);
}

/* The type to produce: the schema's (the first non-null one of a list), else from its members. */
static const char *type_to_make(const cJSON *s)
{
    const cJSON *t = member(s, "type");
    if (cJSON_IsString(t))
        return t->valuestring;
    if (cJSON_IsArray(t)) {
        const cJSON *x;
        cJSON_ArrayForEach(x, t)
        {
            if (cJSON_IsString(x) && strcmp(x->valuestring, "null") != 0)
                return x->valuestring;
        }
        return "null";
    }
    if (member(s, "properties") || member(s, "required"))
        return "object";
    if (member(s, "items"))
        return "array";
    return "string";
}

static double number_in(const cJSON *s, uint64_t seed, bool whole)
{
    double lo = -1e9, hi = 1e9;
    const cJSON *k;
    if ((k = member(s, "minimum")))
        lo = k->valuedouble;
    if ((k = member(s, "exclusiveMinimum")))
        lo = fmax(lo, k->valuedouble + (whole ? 1 : 0.5));
    if ((k = member(s, "maximum")))
        hi = k->valuedouble;
    if ((k = member(s, "exclusiveMaximum")))
        hi = fmin(hi, k->valuedouble - (whole ? 1 : 0.5));
    double v = (double)(seed % 40) + (whole ? 0 : 0.5);
    if (v < lo || v > hi)
        v = lo > -1e9 ? lo : hi;
    if (whole)
        v = ceil(v);
    if ((k = member(s, "multipleOf"))) {
        double m = k->valuedouble, q = ceil(v / m) * m;
        v = q <= hi ? q : floor(v / m) * m;
    }
    return v;
}

static cJSON *make_string(const cJSON *s, uint64_t seed)
{
    const cJSON *min = member(s, "minLength"), *max = member(s, "maxLength");
    char text[96];
    snprintf(text, sizeof text, "itest-%08llx", (unsigned long long)(seed & 0xffffffffu));
    size_t n = strlen(text), want = n;
    if (min && (double)want < min->valuedouble)
        want = (size_t)min->valuedouble;
    if (max && (double)want > max->valuedouble)
        want = (size_t)max->valuedouble;
    if (want >= sizeof text)
        want = sizeof text - 1;
    for (size_t i = n; i < want; i++)
        text[i] = 'x';
    text[want] = '\0';
    return cJSON_CreateString(text);
}

static cJSON *make(const cJSON *root, const cJSON *s, uint64_t seed, int depth);

static cJSON *make_object(const cJSON *root, const cJSON *s, uint64_t seed, int depth)
{
    cJSON *o = cJSON_CreateObject();
    const cJSON *p;
    cJSON_ArrayForEach(p, member(s, "properties"))
    {
        cJSON *v = make(root, p, mix(seed, p->string), depth + 1);
        if (!v) {
            cJSON_Delete(o);
            return NULL;
        }
        cJSON_AddItemToObject(o, p->string, v);
    }
    return o;
}

static cJSON *make_array(const cJSON *root, const cJSON *s, uint64_t seed, int depth)
{
    const cJSON *min = member(s, "minItems"), *max = member(s, "maxItems");
    double n = depth > 8 ? 0 : 2;
    if (min && n < min->valuedouble)
        n = min->valuedouble;
    if (max && n > max->valuedouble)
        n = max->valuedouble;
    cJSON *a = cJSON_CreateArray();
    const cJSON *items = member(s, "items");
    for (int i = 0; i < (int)n && n <= 64; i++) {
        char salt[16];
        snprintf(salt, sizeof salt, "%d", i);
        cJSON *v =
            items ? make(root, items, mix(seed, salt), depth + 1) : cJSON_CreateString("itest");
        if (!v) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON_AddItemToArray(a, v);
    }
    return a;
}

static cJSON *make(const cJSON *root, const cJSON *s, uint64_t seed, int depth)
{
    if (depth > 32 || cJSON_IsFalse(s) || !s)
        return NULL;
    if (cJSON_IsTrue(s))
        return cJSON_CreateString("itest");
    const cJSON *k;
    if ((k = member(s, "$ref")))
        return make(root, itest_json_schema_resolve(root, k->valuestring), seed, depth + 1);
    if ((k = member(s, "const")))
        return cJSON_Duplicate(k, true);
    if ((k = member(s, "enum")) && cJSON_GetArraySize(k) > 0)
        return cJSON_Duplicate(cJSON_GetArrayItem(k, (int)(seed % (uint64_t)cJSON_GetArraySize(k))),
                               true);
    if ((k = member(s, "anyOf")) && k->child) {
        const cJSON *pick = k->child;
        for (const cJSON *b = k->child; b; b = b->next) {
            const cJSON *t = member(b, "type");
            if (!(cJSON_IsString(t) && strcmp(t->valuestring, "null") == 0)) {
                pick = b;
                break;
            }
        }
        return make(root, pick, seed, depth + 1);
    }
    if ((k = member(s, "allOf")) && k->child)
        return make(root, k->child, seed, depth + 1);
    const char *type = type_to_make(s);
    if (strcmp(type, "object") == 0)
        return make_object(root, s, seed, depth);
    if (strcmp(type, "array") == 0)
        return make_array(root, s, seed, depth);
    if (strcmp(type, "integer") == 0)
        return cJSON_CreateNumber(number_in(s, seed, true));
    if (strcmp(type, "number") == 0)
        return cJSON_CreateNumber(number_in(s, seed, false));
    if (strcmp(type, "boolean") == 0)
        return cJSON_CreateBool(seed & 1);
    if (strcmp(type, "null") == 0)
        return cJSON_CreateNull();
    return make_string(s, seed);
}

cJSON *llm_schema_example(const cJSON *schema, uint64_t seed)
{
    return make(schema, schema, seed, 0);
}
