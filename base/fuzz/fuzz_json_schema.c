/* libFuzzer: JSON Schema (itest/json_schema.h) on [schema, value] documents. A schema is checked
 * before it is used, as every caller does; checking and validating never crash, recurse without
 * bound or leave an unterminated message. */
#include "itest/json_parse.h"
#include "itest/json_schema.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char err[256];
    cJSON *doc = itest_json_parse((const char *)data, size, err, sizeof err);
    const cJSON *schema = cJSON_GetArrayItem(doc, 0), *value = cJSON_GetArrayItem(doc, 1);
    if (schema && itest_json_schema_check(schema, err, sizeof err) == 0) {
        err[0] = 'x';
        if (!itest_json_schema_valid(schema, value ? value : schema, err, sizeof err) &&
            strncmp(err, "at ", 3) != 0)
            abort(); /* every problem says where */
        if (memchr(err, '\0', sizeof err) == NULL)
            abort();
    }
    cJSON_Delete(doc);
    return 0;
}
