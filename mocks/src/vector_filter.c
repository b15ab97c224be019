/* Payload filters; see vector_filter.h. The semantics are Qdrant's: a key is a dotted path into
 * the payload ("a.b", "a[].b"), arrays along it are looked into, and a condition on a key holds
 * when any value found there satisfies it. */
#include "vector_filter.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_VALUES 256 /* values one key can name in a payload (arrays flattened) */
#define MAX_DEPTH 16   /* nested filters */

static int problem(char *err, size_t len, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int problem(char *err, size_t len, const char *where, const char *fmt, ...)
{
    int n = snprintf(err, len, "%s: ", where);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < len)
        vsnprintf(err + n, len - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static bool is_filter_object(const cJSON *c)
{
    return cJSON_GetObjectItemCaseSensitive(c, "must") ||
           cJSON_GetObjectItemCaseSensitive(c, "should") ||
           cJSON_GetObjectItemCaseSensitive(c, "must_not");
}

static bool is_match_value(const cJSON *v)
{
    return cJSON_IsString(v) || cJSON_IsBool(v) ||
           (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble));
}

static int check_filter(const cJSON *f, const char *where, int depth, char *err, size_t len);

static int check_condition(const cJSON *c, const char *where, int depth, char *err, size_t len)
{
    if (!cJSON_IsObject(c))
        return problem(err, len, where, "a condition is an object, not %s",
                       cJSON_IsArray(c) ? "an array" : "a scalar");
    if (is_filter_object(c))
        return check_filter(c, where, depth + 1, err, len);
    const cJSON *has_id = cJSON_GetObjectItemCaseSensitive(c, "has_id");
    if (has_id) {
        const cJSON *e;
        struct vector_id id;
        if (!cJSON_IsArray(has_id))
            return problem(err, len, where, "has_id takes an array of point ids");
        cJSON_ArrayForEach(e, has_id) if (vector_id_parse(&id, e) != 0) return problem(
            err, len, where, "has_id: a point id is an unsigned integer or a UUID");
        return 0;
    }
    static const char *const key_only[] = {"is_empty", "is_null"};
    for (size_t k = 0; k < 2; k++) {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(c, key_only[k]);
        if (o) {
            const cJSON *key = cJSON_GetObjectItemCaseSensitive(o, "key");
            if (!cJSON_IsString(key) || !key->valuestring[0])
                return problem(err, len, where, "%s needs {\"key\": \"<field>\"}", key_only[k]);
            return 0;
        }
    }
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(c, "key");
    if (!key)
        return problem(err, len, where,
                       "a condition needs \"key\" (with match or range), has_id, is_empty, "
                       "is_null or a nested filter");
    if (!cJSON_IsString(key) || !key->valuestring[0])
        return problem(err, len, where, "key must be a non-empty string");
    const cJSON *match = cJSON_GetObjectItemCaseSensitive(c, "match");
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(c, "range");
    if (!match && !range)
        return problem(err, len, where, "the condition on '%s' has neither match nor range",
                       key->valuestring);
    if (match) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(match, "value");
        const cJSON *any = cJSON_GetObjectItemCaseSensitive(match, "any");
        const cJSON *except = cJSON_GetObjectItemCaseSensitive(match, "except");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(match, "text");
        const cJSON *list = any ? any : except;
        if (!cJSON_IsObject(match) || (!value && !list && !text))
            return problem(err, len, where,
                           "match takes {\"value\"}, {\"any\"}, {\"except\"} or "
                           "{\"text\"}");
        if (value && !is_match_value(value))
            return problem(err, len, where,
                           "match.value is a string, an integer or a boolean, not %s",
                           cJSON_IsNumber(value) ? "a fraction (use range)" : "that");
        if (list) {
            const cJSON *e;
            if (!cJSON_IsArray(list))
                return problem(err, len, where, "match.%s takes an array", any ? "any" : "except");
            cJSON_ArrayForEach(e, list) if (!is_match_value(e)) return problem(
                err, len, where, "match.%s holds strings or integers", any ? "any" : "except");
        }
        if (text && !cJSON_IsString(text))
            return problem(err, len, where, "match.text takes a string");
    }
    if (range) {
        static const char *const bounds[] = {"gt", "gte", "lt", "lte"};
        if (!cJSON_IsObject(range))
            return problem(err, len, where, "range takes an object of gt, gte, lt, lte");
        for (const cJSON *b = range->child; b; b = b->next) {
            bool known = false;
            for (size_t k = 0; k < 4; k++)
                known |= strcmp(b->string, bounds[k]) == 0;
            if (!known)
                return problem(err, len, where, "range has an unknown bound '%s'", b->string);
            if (!cJSON_IsNumber(b) && !cJSON_IsNull(b))
                return problem(err, len, where, "range.%s takes a number", b->string);
        }
    }
    return 0;
}

static int check_filter(const cJSON *f, const char *where, int depth, char *err, size_t len)
{
    static const char *const clauses[] = {"must", "should", "must_not"};
    if (depth > MAX_DEPTH)
        return problem(err, len, where, "filters nest deeper than %d", MAX_DEPTH);
    if (!cJSON_IsObject(f))
        return problem(err, len, where, "a filter is an object of must, should, must_not");
    for (const cJSON *m = f->child; m; m = m->next) {
        bool known = strcmp(m->string, "min_should") == 0;
        for (size_t k = 0; k < 3; k++)
            known |= strcmp(m->string, clauses[k]) == 0;
        if (!known)
            return problem(err, len, where, "unknown field '%s' (expected must, should, must_not)",
                           m->string);
    }
    for (size_t k = 0; k < 3; k++) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(f, clauses[k]);
        char at[256];
        if (!list || cJSON_IsNull(list))
            continue;
        if (!cJSON_IsArray(list)) { /* a single condition is accepted as it is */
            snprintf(at, sizeof at, "%s.%s", where, clauses[k]);
            if (check_condition(list, at, depth, err, len) != 0)
                return -1;
            continue;
        }
        int i = 0;
        for (const cJSON *c = list->child; c; c = c->next, i++) {
            snprintf(at, sizeof at, "%s.%s[%d]", where, clauses[k], i);
            if (check_condition(c, at, depth, err, len) != 0)
                return -1;
        }
    }
    return 0;
}

int vector_filter_check(const cJSON *filter, const char *where, char *err, size_t len)
{
    if (!filter || cJSON_IsNull(filter))
        return 0;
    return check_filter(filter, where, 0, err, len);
}

/* Collects the values at a dotted path below node, looking into arrays. */
static void collect(const cJSON *node, const char *path, const cJSON **out, size_t *n)
{
    if (!node || *n >= MAX_VALUES)
        return;
    if (cJSON_IsArray(node)) {
        for (const cJSON *e = node->child; e && *n < MAX_VALUES; e = e->next)
            collect(e, path, out, n);
        return;
    }
    if (!*path) {
        out[(*n)++] = node;
        return;
    }
    size_t seg = strcspn(path, ".[");
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)seg, path);
    const char *rest = path + seg;
    if (strncmp(rest, "[]", 2) == 0)
        rest += 2;
    if (*rest == '.')
        rest++;
    if (cJSON_IsObject(node))
        collect(cJSON_GetObjectItemCaseSensitive(node, name), rest, out, n);
}

static bool same_value(const cJSON *a, const cJSON *b)
{
    if (cJSON_IsString(a) && cJSON_IsString(b))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble;
    if (cJSON_IsBool(a) && cJSON_IsBool(b))
        return cJSON_IsTrue(a) == cJSON_IsTrue(b);
    return false;
}

static bool in_list(const cJSON *v, const cJSON *list)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, list) if (same_value(v, e)) return true;
    return false;
}

static bool in_range(const cJSON *v, const cJSON *range)
{
    if (!cJSON_IsNumber(v))
        return false;
    double x = v->valuedouble;
    const cJSON *b;
    b = cJSON_GetObjectItemCaseSensitive(range, "gt");
    if (cJSON_IsNumber(b) && !(x > b->valuedouble))
        return false;
    b = cJSON_GetObjectItemCaseSensitive(range, "gte");
    if (cJSON_IsNumber(b) && !(x >= b->valuedouble))
        return false;
    b = cJSON_GetObjectItemCaseSensitive(range, "lt");
    if (cJSON_IsNumber(b) && !(x < b->valuedouble))
        return false;
    b = cJSON_GetObjectItemCaseSensitive(range, "lte");
    if (cJSON_IsNumber(b) && !(x <= b->valuedouble))
        return false;
    return true;
}

static bool match_filter(const cJSON *f, const struct vector_id *id, const cJSON *payload);

static bool match_condition(const cJSON *c, const struct vector_id *id, const cJSON *payload)
{
    if (is_filter_object(c))
        return match_filter(c, id, payload);
    const cJSON *has_id = cJSON_GetObjectItemCaseSensitive(c, "has_id");
    if (has_id) {
        const cJSON *e;
        struct vector_id other;
        cJSON_ArrayForEach(e, has_id) if (vector_id_parse(&other, e) == 0 &&
                                          vector_id_equal(&other, id)) return true;
        return false;
    }
    const cJSON *values[MAX_VALUES];
    size_t n = 0;
    const cJSON *empty = cJSON_GetObjectItemCaseSensitive(c, "is_empty");
    const cJSON *null = cJSON_GetObjectItemCaseSensitive(c, "is_null");
    if (empty || null) {
        const char *key =
            cJSON_GetObjectItemCaseSensitive(empty ? empty : null, "key")->valuestring;
        collect(payload, key, values, &n);
        size_t nulls = 0;
        for (size_t i = 0; i < n; i++)
            nulls += cJSON_IsNull(values[i]);
        return empty ? nulls == n : nulls > 0;
    }
    collect(payload, cJSON_GetObjectItemCaseSensitive(c, "key")->valuestring, values, &n);
    const cJSON *match = cJSON_GetObjectItemCaseSensitive(c, "match");
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(c, "range");
    const cJSON *except = match ? cJSON_GetObjectItemCaseSensitive(match, "except") : NULL;
    if (except) { /* some value is none of the given ones */
        for (size_t i = 0; i < n; i++)
            if (!in_list(values[i], except))
                return true;
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const cJSON *v = values[i];
        bool ok = true;
        if (match) {
            const cJSON *value = cJSON_GetObjectItemCaseSensitive(match, "value");
            const cJSON *any = cJSON_GetObjectItemCaseSensitive(match, "any");
            const cJSON *text = cJSON_GetObjectItemCaseSensitive(match, "text");
            ok = value ? same_value(v, value)
                 : any ? in_list(v, any)
                       : cJSON_IsString(v) && strstr(v->valuestring, text->valuestring);
        }
        if (ok && range)
            ok = in_range(v, range);
        if (ok)
            return true;
    }
    return false;
}

/* Calls match_condition on one condition or each of an array: all (want_all) or any. */
static bool clause(const cJSON *list, bool want_all, const struct vector_id *id,
                   const cJSON *payload)
{
    if (!cJSON_IsArray(list))
        return match_condition(list, id, payload);
    for (const cJSON *c = list->child; c; c = c->next)
        if (match_condition(c, id, payload) != want_all)
            return !want_all;
    return want_all;
}

static bool match_filter(const cJSON *f, const struct vector_id *id, const cJSON *payload)
{
    const cJSON *must = cJSON_GetObjectItemCaseSensitive(f, "must");
    const cJSON *should = cJSON_GetObjectItemCaseSensitive(f, "should");
    const cJSON *must_not = cJSON_GetObjectItemCaseSensitive(f, "must_not");
    if (must && !cJSON_IsNull(must) && !clause(must, true, id, payload))
        return false;
    if (must_not && !cJSON_IsNull(must_not)) {
        if (!cJSON_IsArray(must_not)) {
            if (match_condition(must_not, id, payload))
                return false;
        } else {
            for (const cJSON *c = must_not->child; c; c = c->next)
                if (match_condition(c, id, payload))
                    return false;
        }
    }
    if (should && !cJSON_IsNull(should) && (!cJSON_IsArray(should) || should->child) &&
        !clause(should, false, id, payload))
        return false;
    return true;
}

bool vector_filter_match(const cJSON *filter, const struct vector_id *id, const cJSON *payload)
{
    return !filter || cJSON_IsNull(filter) || match_filter(filter, id, payload);
}
