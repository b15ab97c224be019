/* libFuzzer: JSON with positions (itest/json_parse.h): parsing, the JSONC filter, locating a
 * value by path and the typed getters, on any bytes. The error position must lie inside the
 * input; a JSONC text keeps its length and its newlines; every member of the root is located. */
#include "itest/json_parse.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Names are compared as written: a text with escapes may write a name another way than it
 * decodes to, so only a text without backslashes must have every member found. */
static void locate_members(const char *text, const cJSON *root)
{
    bool escapes = strchr(text, '\\') != NULL;
    const cJSON *m;
    int line, column;
    cJSON_ArrayForEach(m, root)
    {
        if (!m->string || strpbrk(m->string, ".[\\\""))
            continue;
        if (itest_json_locate(text, m->string, &line, &column) != 0 && cJSON_IsObject(root) &&
            !escapes)
            abort(); /* a member the parser saw must be found in the text */
        const char *s;
        double d;
        long long i;
        bool b;
        itest_json_get_string(&s, root, m->string);
        itest_json_get_number(&d, root, m->string);
        itest_json_get_int(&i, root, m->string);
        itest_json_get_bool(&b, root, m->string);
        char buf[128];
        itest_json_describe(buf, sizeof buf, m);
    }
    if (cJSON_IsArray(root) && cJSON_GetArraySize(root) > 0)
        itest_json_locate(text, "[0]", &line, &column);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct itest_json_error e;
    cJSON *root = itest_json_parse_at((const char *)data, size, &e);
    if (!root && e.offset > size)
        abort();
    cJSON_Delete(root);

    char err[512], *parsed = NULL;
    root = itest_json_load_text("fuzz.jsonc", (const char *)data, size, ITEST_JSON_COMMENTS,
                                &parsed, err, sizeof err);
    if (root) {
        if (strlen(parsed) != size)
            abort(); /* comments are blanked, not removed */
        for (size_t i = 0; i < size; i++)
            if ((data[i] == '\n') != (parsed[i] == '\n'))
                abort();
        locate_members(parsed, root);
        itest_json_get(root, (const char *)parsed + (size > 8 ? size - 8 : 0));
    }
    cJSON_Delete(root);
    free(parsed);
    return 0;
}
