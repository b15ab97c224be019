/* JSON with positions; see itest/json_parse.h. */
#include "itest/json_parse.h"

#include "itest/file.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE_BYTES ((size_t)64 << 20)

void itest_json_position(const char *text, size_t offset, int *line, int *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset && text[i]; i++) {
        if (text[i] == '\n')
            ++*line, *column = 1;
        else
            ++*column;
    }
}

cJSON *itest_json_parse_at(const char *text, size_t len, struct itest_json_error *e)
{
    memset(e, 0, sizeof *e);
    e->line = e->column = 1;
    if (!text) {
        snprintf(e->problem, sizeof e->problem, "no text to parse");
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (root) {
        /* cJSON stops at the end of the first value; anything but space after it is an error */
        size_t at = (size_t)(end - text);
        while (at < len && isspace((unsigned char)text[at]))
            at++;
        if (at == len || text[at] == '\0')
            return root;
        cJSON_Delete(root);
        end = text + at;
    }
    size_t at = end && end >= text && (size_t)(end - text) <= len ? (size_t)(end - text) : len;
    e->offset = at;
    /* positions count up to the offset even past a NUL byte */
    e->line = 1;
    e->column = 1;
    for (size_t i = 0; i < at; i++) {
        if (text[i] == '\n')
            e->line++, e->column = 1;
        else
            e->column++;
    }
    size_t n = 0;
    for (size_t i = at; i < len && n < 24; i++)
        e->near[n++] = isprint((unsigned char)text[i]) ? text[i] : '?';
    e->near[n] = '\0';
    snprintf(e->problem, sizeof e->problem, "%s",
             len == 0       ? "empty input"
             : at >= len    ? "unexpected end of input"
             : root == NULL ? "invalid JSON"
                            : "unexpected text after the value");
    return NULL;
}

/* "<problem> near '<text>'" */
static void describe_problem(char *buf, size_t len, const struct itest_json_error *e)
{
    snprintf(buf, len, "%s%s%s%s", e->problem, e->near[0] ? " near '" : "", e->near,
             e->near[0] ? "'" : "");
}

cJSON *itest_json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    struct itest_json_error e;
    cJSON *root = itest_json_parse_at(text, len, &e);
    if (!root) {
        char problem[128];
        describe_problem(problem, sizeof problem, &e);
        snprintf(err, errlen, "line %d, column %d (byte %zu): %s", e.line, e.column, e.offset,
                 problem);
    }
    return root;
}

int itest_jsonc_strip(char *t, size_t len, size_t *bad)
{
    size_t last_comma = (size_t)-1; /* a comma not yet followed by anything but space */
    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (c == '"') {
            size_t start = i;
            for (i++; i < len && t[i] != '"'; i++) {
                if (t[i] == '\\')
                    i++;
                if (i < len && t[i] == '\n') {
                    *bad = start;
                    return -1;
                }
            }
            if (i >= len) {
                *bad = start;
                return -1;
            }
            last_comma = (size_t)-1;
        } else if (c == '/' && i + 1 < len && t[i + 1] == '/') {
            while (i < len && t[i] != '\n')
                t[i++] = ' ';
        } else if (c == '/' && i + 1 < len && t[i + 1] == '*') {
            size_t start = i;
            t[i++] = ' ';
            t[i++] = ' ';
            while (i + 1 < len && !(t[i] == '*' && t[i + 1] == '/')) {
                if (t[i] != '\n')
                    t[i] = ' ';
                i++;
            }
            if (i + 1 >= len) {
                *bad = start;
                return -1;
            }
            t[i] = t[i + 1] = ' ';
            i++;
        } else if (c == ',') {
            last_comma = i;
        } else if ((c == '}' || c == ']') && last_comma != (size_t)-1) {
            t[last_comma] = ' ';
            last_comma = (size_t)-1;
        } else if (!isspace((unsigned char)c)) {
            last_comma = (size_t)-1;
        }
    }
    return 0;
}

/* Parses text (malloc'd, len bytes, NUL-terminated; taken) as the file name. */
static cJSON *parse_named(const char *name, char *text, size_t len, unsigned flags, char **text_out,
                          char *err, size_t errlen)
{
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        int line, column;
        itest_json_position(text, (size_t)(nul - text), &line, &column);
        snprintf(err, errlen, "%s:%d:%d: a NUL byte: this is not a text file", name, line, column);
        free(text);
        return NULL;
    }
    size_t bad;
    if ((flags & ITEST_JSON_COMMENTS) && itest_jsonc_strip(text, len, &bad) != 0) {
        int line, column;
        itest_json_position(text, bad, &line, &column);
        snprintf(err, errlen, "%s:%d:%d: an unterminated %s", name, line, column,
                 text[bad] == '"' ? "string" : "comment");
        free(text);
        return NULL;
    }
    struct itest_json_error e;
    cJSON *root = itest_json_parse_at(text, len, &e);
    if (!root) {
        char problem[128];
        describe_problem(problem, sizeof problem, &e);
        snprintf(err, errlen, "%s:%d:%d: %s", name, e.line, e.column, problem);
        free(text);
        return NULL;
    }
    if (text_out)
        *text_out = text;
    else
        free(text);
    return root;
}

cJSON *itest_json_load_file(const char *path, unsigned flags, char **text_out, char *err,
                            size_t errlen)
{
    if (text_out)
        *text_out = NULL;
    size_t len = 0;
    char *text = itest_read_file(path, MAX_FILE_BYTES, &len, err, errlen);
    if (!text)
        return NULL;
    return parse_named(path, text, len, flags, text_out, err, errlen);
}

cJSON *itest_json_load_text(const char *name, const char *data, size_t len, unsigned flags,
                            char **text_out, char *err, size_t errlen)
{
    if (text_out)
        *text_out = NULL;
    char *text = malloc(len + 1);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    memcpy(text, data ? data : "", len);
    text[len] = '\0';
    return parse_named(name, text, len, flags, text_out, err, errlen);
}

/* ---- finding a value's place: a small walker over text already known to be valid JSON ---- */

/* What cJSON skips between tokens: every byte up to the space (control bytes included). */
static const char *skip_space(const char *p)
{
    while (*p && (unsigned char)*p <= ' ')
        p++;
    return p;
}

static const char *skip_value(const char *p)
{
    p = skip_space(p);
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && p[1])
                p++;
        return *p ? p + 1 : p;
    }
    if (*p == '{' || *p == '[') {
        int depth = 0;
        do {
            if (*p == '"') {
                p = skip_value(p);
                continue;
            }
            if (*p == '{' || *p == '[')
                depth++;
            else if (*p == '}' || *p == ']')
                depth--;
            p++;
        } while (*p && depth > 0);
        return p;
    }
    while ((unsigned char)*p > ' ' && !strchr(",}]", *p))
        p++;
    return p;
}

/* The start of the value at path, or NULL. */
static const char *value_at(const char *text, const char *path)
{
    const char *p = skip_space(text);
    while (*path) {
        if (*path == '.')
            path++;
        if (*path == '[') {
            char *after;
            long index = strtol(path + 1, &after, 10);
            if (after == path + 1 || *after != ']' || index < 0 || *p != '[')
                return NULL;
            path = after + 1;
            p = skip_space(p + 1);
            for (long i = 0; i < index; i++) {
                p = skip_space(skip_value(p));
                if (*p != ',')
                    return NULL;
                p = skip_space(p + 1);
            }
            continue;
        }
        size_t n = strcspn(path, ".[");
        if (*p != '{')
            return NULL;
        p = skip_space(p + 1);
        for (;;) {
            if (*p != '"')
                return NULL;
            const char *key = p + 1, *end = skip_value(p) - 1;
            p = skip_space(skip_value(p));
            if (*p != ':')
                return NULL;
            p = skip_space(p + 1);
            if ((size_t)(end - key) == n && strncmp(key, path, n) == 0)
                break;
            p = skip_space(skip_value(p));
            if (*p != ',')
                return NULL;
            p = skip_space(p + 1);
        }
        path += n;
    }
    return p;
}

int itest_json_locate(const char *text, const char *path, int *line, int *column)
{
    const char *at = text && path ? value_at(text, path) : NULL;
    itest_json_position(text ? text : "", at ? (size_t)(at - text) : 0, line, column);
    return at ? 0 : -1;
}

const cJSON *itest_json_get(const cJSON *root, const char *path)
{
    const cJSON *node = root;
    const char *p = path;
    if (!root || !path)
        return NULL;
    while (*p && node) {
        if (*p == '.') {
            p++;
            continue;
        }
        if (*p == '[') {
            char *end;
            long index = strtol(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || index < 0 || !cJSON_IsArray(node))
                return NULL;
            node = cJSON_GetArrayItem(node, (int)index);
            p = end + 1;
            continue;
        }
        size_t n = strcspn(p, ".[");
        char name[256];
        if (n >= sizeof name || !cJSON_IsObject(node))
            return NULL;
        memcpy(name, p, n);
        name[n] = '\0';
        node = cJSON_GetObjectItemCaseSensitive(node, name);
        p += n;
    }
    return node;
}

int itest_json_get_string(const char **out, const cJSON *root, const char *path)
{
    const cJSON *n = itest_json_get(root, path);
    if (!cJSON_IsString(n))
        return -1;
    *out = n->valuestring;
    return 0;
}

int itest_json_get_number(double *out, const cJSON *root, const char *path)
{
    const cJSON *n = itest_json_get(root, path);
    if (!cJSON_IsNumber(n))
        return -1;
    *out = n->valuedouble;
    return 0;
}

int itest_json_get_int(long long *out, const cJSON *root, const char *path)
{
    double d;
    if (itest_json_get_number(&d, root, path) != 0 || d != floor(d) || fabs(d) > 9.007e15)
        return -1;
    *out = (long long)d;
    return 0;
}

int itest_json_get_bool(bool *out, const cJSON *root, const char *path)
{
    const cJSON *n = itest_json_get(root, path);
    if (!cJSON_IsBool(n))
        return -1;
    *out = cJSON_IsTrue(n);
    return 0;
}

const char *itest_json_type_name(const cJSON *n)
{
    if (!n)
        return "missing";
    switch (n->type & 0xFF) {
    case cJSON_False:
    case cJSON_True:
        return "boolean";
    case cJSON_NULL:
        return "null";
    case cJSON_Number:
        return "number";
    case cJSON_String:
        return "string";
    case cJSON_Array:
        return "array";
    case cJSON_Object:
        return "object";
    default:
        return "invalid";
    }
}

const char *itest_json_describe(char *buf, size_t len, const cJSON *node)
{
    if (!node) {
        snprintf(buf, len, "missing");
        return buf;
    }
    char *text = cJSON_PrintUnformatted(node);
    size_t max = len > 90 ? 80 : len / 2;
    snprintf(buf, len, "%s %.*s%s", itest_json_type_name(node), (int)max, text ? text : "?",
             text && strlen(text) > max ? "..." : "");
    free(text);
    return buf;
}
