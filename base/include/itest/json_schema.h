/* JSON Schema, the subset structured outputs' strict mode documents (and the plain keywords around
 * it): type (one or a list), properties, required, additionalProperties, items (one schema),
 * enum, const, anyOf, allOf, minItems, maxItems, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, multipleOf, pattern, minLength, maxLength, $ref to the same document
 * ("#", "#/$defs/x", "#/definitions/x") and boolean schemas. Annotations (title, description,
 * default, examples, format, $schema, $comment, $id at the root) are read and ignored. Checked
 * against the official JSON-Schema-Test-Suite (draft 7) in base_json_schema. */
#ifndef ITEST_JSON_SCHEMA_H
#define ITEST_JSON_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

/* Whether schema keeps to the subset: 0, or -1 with "at <pointer>: <problem>" in err (a keyword
 * outside the subset, a member of the wrong type, a $ref that does not resolve). */
int itest_json_schema_check(const cJSON *schema, char *err, size_t len);

/* Whether value is valid under schema (which must pass itest_json_schema_check): true, or false
 * with the first problem in err: "at <pointer>: <problem>" ("at /age: 3.5 is not an integer"). */
bool itest_json_schema_valid(const cJSON *schema, const cJSON *value, char *err, size_t len);

/* The schema a $ref within root names ("#", "#/$defs/x"), or NULL. */
const cJSON *itest_json_schema_resolve(const cJSON *root, const char *ref);

#endif
