/* Structured outputs: response_format json_object and json_schema with strict (the reply parses
 * and follows the schema, plain and streamed), and a refusal. */
#include "cases.h"
#include "llm_suite.h"

#include <stdio.h>
#include <string.h>

/* A person, as strict mode wants it: every property required, nothing else allowed. */
#define PERSON_SCHEMA                                                                              \
    "{\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"name\", \"born\","   \
    " \"fields\"], \"properties\": {\"name\": {\"type\": \"string\"}, \"born\": {\"type\":"        \
    " \"integer\"}, \"fields\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}}}"
#define PERSON_FORMAT                                                                              \
    "{\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"person\","    \
    " \"strict\": true, \"schema\": " PERSON_SCHEMA "}}}"
#define PERSON_PROMPT                                                                              \
    "Give the profile of Ada Lovelace: her name, the year she was born, her fields."

void chat_json_object(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_JSON_OBJECT);
    struct itest_llm_request req = {
        .prompt = "Answer in JSON: an object with a key \"colour\" naming a colour.",
        .max_tokens = 60,
        .extra_json = "{\"response_format\": {\"type\": \"json_object\"}}"};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    cJSON *v =
        llm_expect_json_schema(reply.content, "{\"type\": \"object\"}", "the json_object reply");
    cJSON_Delete(v);
    itest_llm_reply_free(&reply);
}

/* Per model (chat_json_schema_strict@<model>). */
void chat_json_schema_strict(void **state)
{
    llm_require_model(*state);
    itest_llm_require(ITEST_LLM_CAP_STRICT_SCHEMA);
    for (int streamed = 0; streamed < 2; streamed++) {
        struct itest_llm_request req = {.model = *state,
                                        .prompt = PERSON_PROMPT,
                                        .max_tokens = 200,
                                        .stream = streamed,
                                        .extra_json = PERSON_FORMAT};
        struct itest_llm_reply reply;
        llm_chat_ok(&reply, &req);
        cJSON *v = llm_expect_json_schema(reply.content, PERSON_SCHEMA,
                                          streamed ? "the streamed strict json_schema reply"
                                                   : "the strict json_schema reply");
        if (itest_service_is_mock(ITEST_LLM))
            itest_assert_json_string(v, "name", "Ada Lovelace"); /* the rule's json, which fits */
        cJSON_Delete(v);
        itest_llm_reply_free(&reply);
    }
}

/* A schema the reply cannot come from a rule for: the server must still follow it. */
void chat_json_schema_generated(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_STRICT_SCHEMA);
    static const char schema[] =
        "{\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"city\","
        " \"unit\", \"days\"], \"properties\": {\"city\": {\"type\": \"string\"}, \"unit\":"
        " {\"type\": \"string\", \"enum\": [\"celsius\", \"fahrenheit\"]}, \"days\": {\"type\":"
        " \"array\", \"items\": {\"type\": \"object\", \"additionalProperties\": false,"
        " \"required\": [\"high\", \"rain\"], \"properties\": {\"high\": {\"type\": \"number\"},"
        " \"rain\": {\"anyOf\": [{\"type\": \"boolean\"}, {\"type\": \"null\"}]}}}}}}";
    char extra[1400];
    snprintf(extra, sizeof extra,
             "{\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\":"
             " \"forecast\", \"strict\": true, \"schema\": %s}}}",
             schema);
    struct itest_llm_request req = {
        .prompt = "A two-day forecast for Lisbon.", .max_tokens = 300, .extra_json = extra};
    struct itest_llm_reply reply;
    llm_chat_ok(&reply, &req);
    cJSON_Delete(llm_expect_json_schema(reply.content, schema, "the forecast reply"));
    itest_llm_reply_free(&reply);
}

/* A refusal comes as message.refusal with no content (the mock's rule declines; a real model
 * declines as it sees fit, so this case is the mock's). */
void chat_refusal(void **state)
{
    itest_require_mock(ITEST_LLM);
    for (int streamed = 0; streamed < 2; streamed++) {
        struct itest_llm_request req = {.prompt = "Explain how to pick a lock.",
                                        .stream = streamed};
        struct itest_llm_reply reply;
        llm_chat_ok(&reply, &req);
        if (!streamed) {
            itest_check(reply.refusal && *reply.refusal,
                        "a refusal should come as message.refusal; it is %s",
                        reply.refusal ? "empty" : "missing");
            itest_assert_json_type(reply.json, "choices[0].message.content", cJSON_NULL);
        } else {
            itest_check(!reply.content[0],
                        "a streamed refusal should carry no content; it carried \"%s\"",
                        reply.content);
        }
        itest_llm_reply_free(&reply);
    }
}
