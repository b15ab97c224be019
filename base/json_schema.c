#include "itest/json_schema.h"

#include "itest/regex.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A JSON pointer being built: where in the schema (check) or the value (validation) we are. */
struct where {
    char path[512];
    size_t len;
};

static size_t push(struct where *w, const char *segment)
{
    size_t was = w->len;
    int n = snprintf(w->path + w->len, sizeof w->path - w->len, "/");
    w->len += (size_t)(n > 0 ? n : 0);
    for (const char *c = segment; *c && w->len + 3 < sizeof w->path; c++) {
        if (*c == '~' || *c == '/') { /* RFC 6901: ~0 and ~1 */
            w->path[w->len++] = '~';
            w->path[w->len++] = *c == '~' ? '0' : '1';
        } else {
            w->path[w->len++] = *c;
        }
    }
    w->path[w->len] = '\0';
    return was;
}

static size_t push_index(struct where *w, int i)
{
    char n[16];
    snprintf(n, sizeof n, "%d", i);
    return push(w, n);
}

static void pop(struct where *w, size_t was)
{
    w->len = was;
    w->path[was] = '\0';
}

struct ctx {
    const cJSON *root; /* for $ref */
    struct where at;
    char *err;
    size_t len;
    int depth; /* $ref recursion */
};

static bool problem(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool problem(struct ctx *c, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->len, "at %s: %s", c->at.len ? c->at.path : "/", what);
    return false;
}

/* ---- $ref within the document ---- */

const cJSON *itest_json_schema_resolve(const cJSON *root, const char *ref)
{
    if (strcmp(ref, "#") == 0)
        return root;
    if (strncmp(ref, "#/", 2) != 0)
        return NULL;
    const cJSON *node = root;
    char segment[256];
    for (const char *p = ref + 2; node && *p;) {
        size_t n = strcspn(p, "/"), k = 0;
        for (size_t i = 0; i < n && k + 1 < sizeof segment; i++) {
            if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
                segment[k++] = p[i + 1] == '0' ? '~' : '/';
                i++;
            } else if (p[i] == '%' && i + 2 < n) { /* URI-escaped, as in "#/$defs/a%25b" */
                char hex[3] = {p[i + 1], p[i + 2], 0};
                segment[k++] = (char)strtol(hex, NULL, 16);
                i += 2;
            } else {
                segment[k++] = p[i];
            }
        }
        segment[k] = '\0';
        if (cJSON_IsArray(node)) {
            char *end;
            long idx = strtol(segment, &end, 10);
            node = *end ? NULL : cJSON_GetArrayItem(node, (int)idx);
        } else {
            node = cJSON_GetObjectItemCaseSensitive(node, segment);
        }
        p += n + (p[n] == '/');
    }
    return node;
}

/* ---- the subset check ---- */

static bool is_schema(const cJSON *s)
{
    return cJSON_IsObject(s) || cJSON_IsBool(s);
}

static const char *const type_names[] = {"object",  "array",   "string", "number",
                                         "integer", "boolean", "null"};

static bool known_type(const char *t)
{
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (strcmp(type_names[i], t) == 0)
            return true;
    return false;
}

static bool check(struct ctx *c, const cJSON *s);

static bool check_map(struct ctx *c, const cJSON *map, const char *keyword)
{
    if (!cJSON_IsObject(map))
        return problem(c, "%s must be an object of schemas", keyword);
    for (const cJSON *m = map->child; m; m = m->next) {
        size_t was = push(&c->at, m->string);
        bool ok = check(c, m);
        pop(&c->at, was);
        if (!ok)
            return false;
    }
    return true;
}

static bool check_list(struct ctx *c, const cJSON *list, const char *keyword)
{
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
        return problem(c, "%s must be a non-empty array of schemas", keyword);
    int i = 0;
    for (const cJSON *m = list->child; m; m = m->next, i++) {
        size_t was = push_index(&c->at, i);
        bool ok = check(c, m);
        pop(&c->at, was);
        if (!ok)
            return false;
    }
    return true;
}

static bool non_negative_whole(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble == floor(v->valuedouble);
}

static bool check_keyword(struct ctx *c, const cJSON *k)
{
    const char *name = k->string;
    static const char *const annotations[] = {"title",    "description", "default",   "examples",
                                              "format",   "$schema",     "$comment",  "$id",
                                              "readOnly", "writeOnly",   "deprecated"};
    for (size_t i = 0; i < sizeof annotations / sizeof *annotations; i++)
        if (strcmp(name, annotations[i]) == 0)
            return true;
    if (strcmp(name, "type") == 0) {
        if (cJSON_IsString(k))
            return known_type(k->valuestring) || problem(c, "unknown type \"%s\"", k->valuestring);
        if (!cJSON_IsArray(k) || !k->child)
            return problem(c, "type must be a type name or a non-empty array of them");
        for (const cJSON *t = k->child; t; t = t->next)
            if (!cJSON_IsString(t) || !known_type(t->valuestring))
                return problem(c, "type lists something that is not a type name");
        return true;
    }
    if (strcmp(name, "properties") == 0 || strcmp(name, "$defs") == 0 ||
        strcmp(name, "definitions") == 0)
        return check_map(c, k, name);
    if (strcmp(name, "additionalProperties") == 0 || strcmp(name, "items") == 0) {
        if (cJSON_IsArray(k))
            return problem(c, "%s as an array of schemas (tuple form) is outside the subset", name);
        return check(c, k);
    }
    if (strcmp(name, "anyOf") == 0 || strcmp(name, "allOf") == 0)
        return check_list(c, k, name);
    if (strcmp(name, "required") == 0) {
        if (!cJSON_IsArray(k))
            return problem(c, "required must be an array of property names");
        for (const cJSON *r = k->child; r; r = r->next)
            if (!cJSON_IsString(r))
                return problem(c, "required lists something that is not a name");
        return true;
    }
    if (strcmp(name, "enum") == 0)
        return cJSON_IsArray(k) || problem(c, "enum must be an array");
    if (strcmp(name, "const") == 0)
        return true;
    if (strcmp(name, "minItems") == 0 || strcmp(name, "maxItems") == 0 ||
        strcmp(name, "minLength") == 0 || strcmp(name, "maxLength") == 0)
        return non_negative_whole(k) || problem(c, "%s must be a whole number >= 0", name);
    if (strcmp(name, "minimum") == 0 || strcmp(name, "maximum") == 0 ||
        strcmp(name, "exclusiveMinimum") == 0 || strcmp(name, "exclusiveMaximum") == 0)
        return cJSON_IsNumber(k) || problem(c, "%s must be a number", name);
    if (strcmp(name, "multipleOf") == 0)
        return (cJSON_IsNumber(k) && k->valuedouble > 0) ||
               problem(c, "multipleOf must be a number > 0");
    if (strcmp(name, "pattern") == 0) {
        if (!cJSON_IsString(k))
            return problem(c, "pattern must be a string");
        regex_t rx;
        char why[160];
        int rc =
            itest_regex_compile(&rx, k->valuestring, REG_EXTENDED | REG_NOSUB, why, sizeof why);
        if (rc == -1) /* found by fuzz.json_schema: seconds in regcomp */
            return problem(c, "pattern %s", why);
        if (rc != 0)
            return problem(c, "pattern must be a regular expression (POSIX extended)");
        regfree(&rx);
        return true;
    }
    if (strcmp(name, "$ref") == 0) {
        if (!cJSON_IsString(k) || !itest_json_schema_resolve(c->root, k->valuestring))
            return problem(c, "$ref %s does not name a schema in this document",
                           cJSON_IsString(k) ? k->valuestring : "(not a string)");
        return true;
    }
    return problem(c, "keyword \"%s\" is outside the subset structured outputs use", name);
}

static bool check(struct ctx *c, const cJSON *s)
{
    if (cJSON_IsBool(s))
        return true;
    if (!cJSON_IsObject(s))
        return problem(c, "a schema must be an object or true/false");
    if (++c->depth > 64)
        return problem(c, "schemas nest more than 64 deep");
    for (const cJSON *k = s->child; k; k = k->next) {
        size_t was = push(&c->at, k->string);
        bool ok = check_keyword(c, k);
        pop(&c->at, was);
        if (!ok) {
            c->depth--;
            return false;
        }
    }
    c->depth--;
    return true;
}

int itest_json_schema_check(const cJSON *schema, char *err, size_t len)
{
    struct ctx c = {.root = schema, .err = err, .len = len};
    if (!is_schema(schema)) {
        snprintf(err, len, "at /: a schema must be an object or true/false");
        return -1;
    }
    return check(&c, schema) ? 0 : -1;
}

/* ---- validation ---- */

static const char *type_of(const cJSON *v)
{
    if (cJSON_IsObject(v))
        return "object";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNull(v))
        return "null";
    return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) && isfinite(v->valuedouble)
               ? "integer"
               : "number";
}

static bool has_type(const cJSON *v, const char *t)
{
    const char *is = type_of(v);
    return strcmp(is, t) == 0 || (strcmp(t, "number") == 0 && strcmp(is, "integer") == 0);
}

/* The value as short text, for messages. */
static const char *shown(const cJSON *v, char *buf, size_t len)
{
    char *text = cJSON_PrintUnformatted(v);
    snprintf(buf, len, "%.60s%s", text ? text : "?", text && strlen(text) > 60 ? "..." : "");
    free(text);
    return buf;
}

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static bool valid(struct ctx *c, const cJSON *s, const cJSON *v);

static bool valid_type(struct ctx *c, const cJSON *t, const cJSON *v)
{
    char buf[80];
    if (cJSON_IsString(t))
        return has_type(v, t->valuestring) ||
               problem(c, "%s is not %s %s", shown(v, buf, sizeof buf),
                       strchr("aeiou", t->valuestring[0]) ? "an" : "a", t->valuestring);
    for (const cJSON *x = t->child; x; x = x->next)
        if (has_type(v, x->valuestring))
            return true;
    char *types = cJSON_PrintUnformatted(t);
    problem(c, "%s is none of the types %s", shown(v, buf, sizeof buf), types ? types : "?");
    free(types);
    return false;
}

static bool valid_object(struct ctx *c, const cJSON *s, const cJSON *v)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(s, "additionalProperties");
    const cJSON *required = cJSON_GetObjectItemCaseSensitive(s, "required");
    for (const cJSON *r = required ? required->child : NULL; r; r = r->next)
        if (!cJSON_GetObjectItemCaseSensitive(v, r->valuestring))
            return problem(c, "the required property \"%s\" is missing", r->valuestring);
    for (const cJSON *m = v->child; m; m = m->next) {
        const cJSON *sub = props ? cJSON_GetObjectItemCaseSensitive(props, m->string) : NULL;
        if (!sub && cJSON_IsFalse(extra))
            return problem(c, "property \"%s\" is not allowed (additionalProperties: false)",
                           m->string);
        if (!sub && !extra)
            continue;
        size_t was = push(&c->at, m->string);
        bool ok = valid(c, sub ? sub : extra, m);
        pop(&c->at, was);
        if (!ok)
            return false;
    }
    return true;
}

static bool valid_array(struct ctx *c, const cJSON *s, const cJSON *v)
{
    int n = cJSON_GetArraySize(v);
    const cJSON *min = cJSON_GetObjectItemCaseSensitive(s, "minItems");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(s, "maxItems");
    if (min && n < min->valuedouble)
        return problem(c, "%d items, fewer than minItems %.0f", n, min->valuedouble);
    if (max && n > max->valuedouble)
        return problem(c, "%d items, more than maxItems %.0f", n, max->valuedouble);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(s, "items");
    int i = 0;
    for (const cJSON *x = items ? v->child : NULL; x; x = x->next, i++) {
        size_t was = push_index(&c->at, i);
        bool ok = valid(c, items, x);
        pop(&c->at, was);
        if (!ok)
            return false;
    }
    return true;
}

/* JSON Schema's regexes are ECMA-262; POSIX extended lacks \d \w \s, so those become classes. */
static char *posix_pattern(const char *ecma)
{
    size_t n = strlen(ecma);
    char *out = malloc(n * 12 + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = ecma; *p; p++) {
        if (p[0] == '\\' && p[1] && strchr("dws", p[1])) {
            const char *cls = p[1] == 'd' ? "[0-9]" : p[1] == 'w' ? "[A-Za-z0-9_]" : "[[:space:]]";
            o += sprintf(o, "%s", cls);
            p++;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

static bool valid_string(struct ctx *c, const cJSON *s, const cJSON *v)
{
    size_t n = code_points(v->valuestring);
    const cJSON *min = cJSON_GetObjectItemCaseSensitive(s, "minLength");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(s, "maxLength");
    if (min && (double)n < min->valuedouble)
        return problem(c, "%zu characters, fewer than minLength %.0f", n, min->valuedouble);
    if (max && (double)n > max->valuedouble)
        return problem(c, "%zu characters, more than maxLength %.0f", n, max->valuedouble);
    const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(s, "pattern");
    if (pattern) {
        char *p = posix_pattern(pattern->valuestring);
        regex_t rx;
        char why[160];
        /* guarded as the schema check is: a value is never checked against a pattern that
         * regcomp would spend seconds or gigabytes on */
        int rc = p ? itest_regex_compile(&rx, p, REG_EXTENDED | REG_NOSUB, why, sizeof why) : -1;
        bool match = rc == 0 && regexec(&rx, v->valuestring, 0, NULL, 0) == 0;
        if (rc == 0)
            regfree(&rx);
        free(p);
        if (!match)
            return problem(c, "\"%.60s\" does not match the pattern %s", v->valuestring,
                           pattern->valuestring);
    }
    return true;
}

static bool valid_number(struct ctx *c, const cJSON *s, const cJSON *v)
{
    double x = v->valuedouble;
    const cJSON *k;
    if ((k = cJSON_GetObjectItemCaseSensitive(s, "minimum")) && x < k->valuedouble)
        return problem(c, "%g is less than the minimum %g", x, k->valuedouble);
    if ((k = cJSON_GetObjectItemCaseSensitive(s, "maximum")) && x > k->valuedouble)
        return problem(c, "%g is more than the maximum %g", x, k->valuedouble);
    if ((k = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMinimum")) && x <= k->valuedouble)
        return problem(c, "%g is not more than the exclusiveMinimum %g", x, k->valuedouble);
    if ((k = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMaximum")) && x >= k->valuedouble)
        return problem(c, "%g is not less than the exclusiveMaximum %g", x, k->valuedouble);
    if ((k = cJSON_GetObjectItemCaseSensitive(s, "multipleOf"))) {
        double q = x / k->valuedouble;
        if (!isfinite(q) || fabs(q - nearbyint(q)) > 1e-9 * fmax(1, fabs(q)))
            return problem(c, "%g is not a multiple of %g", x, k->valuedouble);
    }
    return true;
}

static bool valid_choice(struct ctx *c, const cJSON *s, const cJSON *v)
{
    char buf[80];
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(s, "enum");
    if (k) {
        bool found = false;
        for (const cJSON *e = k->child; e && !found; e = e->next)
            found = cJSON_Compare(e, v, true);
        if (!found)
            return problem(c, "%s is not one of the enum", shown(v, buf, sizeof buf));
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(s, "const")) && !cJSON_Compare(k, v, true))
        return problem(c, "%s is not the const", shown(v, buf, sizeof buf));
    if ((k = cJSON_GetObjectItemCaseSensitive(s, "allOf"))) {
        for (const cJSON *sub = k->child; sub; sub = sub->next)
            if (!valid(c, sub, v))
                return false;
    }
    if ((k = cJSON_GetObjectItemCaseSensitive(s, "anyOf"))) {
        for (const cJSON *sub = k->child; sub; sub = sub->next)
            if (valid(c, sub, v))
                return true;
        return problem(c, "%s matches none of anyOf", shown(v, buf, sizeof buf));
    }
    return true;
}

static bool valid(struct ctx *c, const cJSON *s, const cJSON *v)
{
    char buf[80];
    if (cJSON_IsTrue(s))
        return true;
    if (cJSON_IsFalse(s))
        return problem(c, "%s: no value is allowed here (schema false)", shown(v, buf, sizeof buf));
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(s, "$ref");
    if (ref) {
        if (++c->depth > 64)
            return problem(c, "$ref recursion deeper than 64");
        bool ok = valid(c, itest_json_schema_resolve(c->root, ref->valuestring), v);
        c->depth--;
        /* draft 7: $ref overrides its siblings */
        return ok;
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "type");
    if (t && !valid_type(c, t, v))
        return false;
    if (!valid_choice(c, s, v))
        return false;
    if (cJSON_IsObject(v))
        return valid_object(c, s, v);
    if (cJSON_IsArray(v))
        return valid_array(c, s, v);
    if (cJSON_IsString(v))
        return valid_string(c, s, v);
    if (cJSON_IsNumber(v))
        return valid_number(c, s, v);
    return true;
}

bool itest_json_schema_valid(const cJSON *schema, const cJSON *value, char *err, size_t len)
{
    struct ctx c = {.root = schema, .err = err, .len = len};
    if (len)
        err[0] = '\0';
    return valid(&c, schema, value);
}
