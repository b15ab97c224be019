/* libFuzzer: the definitions the mock reads from its users: a fault (the admin API and
 * --faults), the LLM's reply rules (--rules), and the tokenizer that paces the SSE writer over
 * any text. Input byte 0 picks which; the rest is the JSON or the text. */
#include "faults.h"
#include "llm_rules.h"
#include "llm_text.h"

#include "itest/json_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tokenize(const char *text)
{
    size_t len = strlen(text), pos = 0, tokens = 0;
    while (pos < len) { /* tokens cover the text exactly, so streamed pieces join to it */
        size_t next = llm_token_end(text, pos);
        if (next <= pos || next > len)
            abort();
        pos = next;
        tokens++;
    }
    if (tokens != llm_count_tokens(text) || llm_prefix_bytes(text, tokens) != len)
        abort();
    free(llm_default_reply(text, text));
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char err[512];
    switch (data[0] % 3) {
    case 0: {
        cJSON *def = itest_json_parse(text, size - 1, err, sizeof err);
        struct mock_fault *f = def ? mock_fault_parse(def, err, sizeof err) : NULL;
        if (f) {
            char what[64];
            mock_fault_describe(f, what, sizeof what);
            mock_fault_delay_ms(f);
            mock_fault_release(f);
        }
        cJSON_Delete(def);
        break;
    }
    case 1: {
        cJSON *root = itest_json_parse(text, size - 1, err, sizeof err);
        struct llm_rules rules;
        if (root && llm_rules_parse(&rules, root, "fuzz", err, sizeof err) == 0) {
            llm_rules_match(&rules, "Write a C function that adds two ints", "gpt-4o-mini");
            llm_rules_match(&rules, text, "gpt-4o");
            llm_rules_free(&rules);
        }
        cJSON_Delete(root);
        break;
    }
    default:
        tokenize(text);
        break;
    }
    free(text);
    return 0;
}
