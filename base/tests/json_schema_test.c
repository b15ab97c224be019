/* JSON Schema (itest/json_schema.h): the official JSON-Schema-Test-Suite (draft 7, Debian's
 * json-schema-test-suite) for every keyword of the subset, the strict-mode shapes structured
 * outputs use, messages that point at the problem, and schemas outside the subset refused. */
#include "itest/check.h"
#include "itest/json_parse.h"
#include "itest/json_schema.h"
#include "itest/suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SUITE_DIR "/usr/share/json-schema-test-suite/tests/draft7"

static cJSON *parse(const char *text)
{
    char err[256];
    cJSON *v = itest_json_parse(text, strlen(text), err, sizeof err);
    itest_check(v, "not JSON (%s): %s", err, text);
    return v;
}

/* Every test of every group whose schema keeps to the subset must come out as the suite says. */
static void official_test_suite_agrees(void **state)
{
    (void)state;
    if (access(SUITE_DIR, R_OK) != 0)
        itest_skip("the official test suite is not at %s: apt-get install json-schema-test-suite "
                   "(scripts/bootstrap installs it)",
                   SUITE_DIR);
    static const char *const files[] = {"type",
                                        "properties",
                                        "required",
                                        "additionalProperties",
                                        "items",
                                        "enum",
                                        "const",
                                        "anyOf",
                                        "allOf",
                                        "minItems",
                                        "maxItems",
                                        "minimum",
                                        "maximum",
                                        "exclusiveMinimum",
                                        "exclusiveMaximum",
                                        "multipleOf",
                                        "pattern",
                                        "minLength",
                                        "maxLength",
                                        "ref",
                                        "definitions",
                                        "boolean_schema"};
    int groups = 0, outside = 0, tests = 0;
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        char path[512], err[512];
        snprintf(path, sizeof path, "%s/%s.json", SUITE_DIR, files[f]);
        cJSON *doc = itest_json_load_file(path, 0, NULL, err, sizeof err);
        itest_check(doc, "%s", err);
        const cJSON *group;
        cJSON_ArrayForEach(group, doc)
        {
            const cJSON *schema = cJSON_GetObjectItem(group, "schema");
            const char *about = cJSON_GetStringValue(cJSON_GetObjectItem(group, "description"));
            if (itest_json_schema_check(schema, err, sizeof err) != 0) {
                itest_progress("%s: \"%s\" is outside the subset (%s)", files[f], about, err);
                outside++;
                continue;
            }
            groups++;
            const cJSON *t;
            cJSON_ArrayForEach(t, cJSON_GetObjectItem(group, "tests"))
            {
                bool expected = cJSON_IsTrue(cJSON_GetObjectItem(t, "valid"));
                bool got = itest_json_schema_valid(schema, cJSON_GetObjectItem(t, "data"), err,
                                                   sizeof err);
                itest_check(got == expected, "%s: \"%s\" / \"%s\": %s, expected %s%s%s", files[f],
                            about, cJSON_GetStringValue(cJSON_GetObjectItem(t, "description")),
                            got ? "valid" : "invalid", expected ? "valid" : "invalid",
                            got ? "" : ": ", got ? "" : err);
                tests++;
            }
        }
        cJSON_Delete(doc);
    }
    itest_progress("%d groups (%d tests) checked, %d groups outside the subset", groups, tests,
                   outside);
    /* a suite that checked almost nothing would prove nothing */
    itest_check(groups >= 50 && tests >= 150, "only %d groups, %d tests were checked", groups,
                tests);
}

/* A strict-mode schema as structured outputs send it, with $defs, anyOf and a nullable field. */
static void strict_mode_schema_reads_values(void **state)
{
    (void)state;
    cJSON *schema = parse(
        "{\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"name\", \"age\","
        " \"tags\", \"pet\"], \"properties\": {\"name\": {\"type\": \"string\", \"minLength\": 1},"
        " \"age\": {\"type\": \"integer\", \"minimum\": 0}, \"tags\": {\"type\": \"array\","
        " \"items\": {\"type\": \"string\", \"enum\": [\"a\", \"b\"]}, \"maxItems\": 2},"
        " \"pet\": {\"anyOf\": [{\"$ref\": \"#/$defs/pet\"}, {\"type\": \"null\"}]}},"
        " \"$defs\": {\"pet\": {\"type\": \"object\", \"additionalProperties\": false,"
        " \"required\": [\"kind\"], \"properties\": {\"kind\": {\"const\": \"cat\"}}}}}");
    char err[256];
    assert_int_equal(itest_json_schema_check(schema, err, sizeof err), 0);
    static const struct {
        const char *value, *problem; /* NULL: valid */
    } table[] = {
        {"{\"name\": \"Ada\", \"age\": 36, \"tags\": [\"a\"], \"pet\": null}", NULL},
        {"{\"name\": \"Ada\", \"age\": 36, \"tags\": [], \"pet\": {\"kind\": \"cat\"}}", NULL},
        {"{\"name\": \"Ada\", \"age\": 3.5, \"tags\": [], \"pet\": null}",
         "at /age: 3.5 is not an integer"},
        {"{\"name\": \"Ada\", \"age\": 1, \"tags\": [], \"pet\": null, \"x\": 1}",
         "at /: property \"x\" is not allowed (additionalProperties: false)"},
        {"{\"name\": \"Ada\", \"age\": 1, \"tags\": []}",
         "at /: the required property \"pet\" is missing"},
        {"{\"name\": \"\", \"age\": 1, \"tags\": [], \"pet\": null}",
         "at /name: 0 characters, fewer than minLength 1"},
        {"{\"name\": \"A\", \"age\": 1, \"tags\": [\"c\"], \"pet\": null}",
         "at /tags/0: \"c\" is not one of the enum"},
        {"{\"name\": \"A\", \"age\": 1, \"tags\": [\"a\", \"a\", \"b\"], \"pet\": null}",
         "at /tags: 3 items, more than maxItems 2"},
        {"{\"name\": \"A\", \"age\": 1, \"tags\": [], \"pet\": {\"kind\": \"dog\"}}",
         "at /pet: {\"kind\":\"dog\"} matches none of anyOf"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        cJSON *v = parse(table[i].value);
        bool ok = itest_json_schema_valid(schema, v, err, sizeof err);
        if (!table[i].problem)
            itest_check(ok, "%s should be valid: %s", table[i].value, err);
        else
            itest_check(!ok && strcmp(err, table[i].problem) == 0,
                        "%s: expected \"%s\", got %s \"%s\"", table[i].value, table[i].problem,
                        ok ? "valid" : "invalid", err);
        cJSON_Delete(v);
    }
    cJSON_Delete(schema);
}

static void schemas_outside_the_subset_are_named(void **state)
{
    (void)state;
    static const struct {
        const char *schema, *problem;
    } table[] = {
        {"{\"oneOf\": [true]}", "at /oneOf: keyword \"oneOf\" is outside the subset"},
        {"{\"properties\": {\"a\": {\"patternProperties\": {}}}}",
         "at /properties/a/patternProperties: keyword \"patternProperties\""},
        {"{\"items\": [{}, {}]}", "at /items: items as an array of schemas (tuple form)"},
        {"{\"$ref\": \"#/$defs/missing\"}", "at /$ref: $ref #/$defs/missing does not name"},
        {"{\"type\": \"float\"}", "at /type: unknown type \"float\""},
        {"{\"minItems\": -1}", "at /minItems: minItems must be a whole number >= 0"},
        {"[]", "at /: a schema must be an object or true/false"},
        /* stacked quantifiers: POSIX takes them and compiles them in exponential time */
        {"{\"pattern\": \"^\\\\*****d+$\"}", "at /pattern: pattern repeats a quantifier"},
        {"{\"pattern\": \"a+*\"}", "at /pattern: pattern repeats a quantifier"},
        {"{\"pattern\": \"a{2}{3}\"}", "at /pattern: pattern repeats a quantifier"},
        {"{\"pattern\": \"a*??\"}", "at /pattern: pattern repeats a quantifier"},
        {"{\"pattern\": 5}", "at /pattern: pattern must be a string"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        cJSON *s = parse(table[i].schema);
        char err[256];
        itest_check(itest_json_schema_check(s, err, sizeof err) == -1 &&
                        strncmp(err, table[i].problem, strlen(table[i].problem)) == 0,
                    "%s: expected \"%s...\", got \"%s\"", table[i].schema, table[i].problem, err);
        cJSON_Delete(s);
    }
}

/* What ECMA-262 takes stays taken: lazy quantifiers, quantifier characters in classes and
 * escapes, a literal brace. */
static void patterns_that_ecma_takes_are_taken(void **state)
{
    (void)state;
    static const char *const good[] = {"^a*?b+?c??$", "[*+]+",        "\\*+",
                                       "a{2,3}?",     "^[a-z]{1}x*$", "[]*]*"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "pattern", good[i]);
        char err[256];
        itest_check(itest_json_schema_check(s, err, sizeof err) == 0, "pattern %s refused: %s",
                    good[i], err);
        cJSON_Delete(s);
    }
}

static const struct itest_case cases[] = {
    ITEST_CASE(official_test_suite_agrees),
    ITEST_CASE(patterns_that_ecma_takes_are_taken),
    ITEST_CASE(strict_mode_schema_reads_values),
    ITEST_CASE(schemas_outside_the_subset_are_named),
};

ITEST_SUITE_MAIN(cases)
