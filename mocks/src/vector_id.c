/* Point ids; see vector_id.h. */
#include "vector_id.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* A UUID as 32 hex digits, hyphenated 8-4-4-4-12 or not at all. */
static int parse_uuid(struct vector_id *id, const char *s)
{
    size_t n = strlen(s);
    bool hyphens = n == 36;
    if (n != 36 && n != 32)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (hyphens && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (s[i] != '-')
                return -1;
            id->text[k++] = '-';
            continue;
        }
        if (!isxdigit((unsigned char)s[i]))
            return -1;
        id->text[k++] = (char)tolower((unsigned char)s[i]);
        if (!hyphens && (k == 8 || k == 13 || k == 18 || k == 23))
            id->text[k++] = '-';
    }
    id->text[k] = '\0';
    id->uuid = true;
    id->num = 0;
    return 0;
}

int vector_id_parse(struct vector_id *id, const cJSON *node)
{
    if (cJSON_IsString(node))
        return parse_uuid(id, node->valuestring);
    /* a double holds every integer up to 2^53 exactly; larger ids would silently merge */
    if (!cJSON_IsNumber(node) || node->valuedouble < 0 || node->valuedouble > 9007199254740992.0 ||
        node->valuedouble != floor(node->valuedouble))
        return -1;
    id->uuid = false;
    id->num = (uint64_t)node->valuedouble;
    snprintf(id->text, sizeof id->text, "%llu", (unsigned long long)id->num);
    return 0;
}

cJSON *vector_id_json(const struct vector_id *id)
{
    return id->uuid ? cJSON_CreateString(id->text) : cJSON_CreateNumber((double)id->num);
}

bool vector_id_equal(const struct vector_id *a, const struct vector_id *b)
{
    return a->uuid == b->uuid && (a->uuid ? strcmp(a->text, b->text) == 0 : a->num == b->num);
}

int vector_id_compare(const struct vector_id *a, const struct vector_id *b)
{
    if (a->uuid != b->uuid)
        return a->uuid ? 1 : -1;
    if (a->uuid)
        return strcmp(a->text, b->text);
    return a->num < b->num ? -1 : a->num > b->num;
}
