/* Embeddings: float and base64 encodings of the same input decode to the same vector; a batch
 * comes back in order. */
#include "cases.h"
#include "llm_suite.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* POSTs /embeddings with input and one more member (`"name": value`) and returns the parsed
 * reply (fails the case on any error). */
static cJSON *embed_with(const char *input_json, const char *member)
{
    char body[1024];
    snprintf(body, sizeof body, "{\"model\": \"%s\", \"input\": %s, %s}",
             itest_llm_embedding_model(), input_json, member);
    struct itest_http_response r;
    char url[1024];
    itest_llm_post(&r, "/embeddings", body, NULL);
    itest_assert_http_status(&r, "POST", itest_llm_url(url, sizeof url, "/embeddings"), 200);
    cJSON *reply = itest_json_parse_or_fail(r.body, r.body_len, "the embeddings reply");
    itest_http_response_free(&r);
    itest_assert_json_string(reply, "object", "list");
    return reply;
}

/* embed_with() in an encoding_format, "float" or "base64". */
static cJSON *embed(const char *input_json, const char *format)
{
    char member[64];
    snprintf(member, sizeof member, "\"encoding_format\": \"%s\"", format);
    return embed_with(input_json, member);
}

static int b64_value(char c)
{
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

/* Decodes base64 into out (at most cap bytes); returns the length or -1. */
static long b64_decode(unsigned char *out, size_t cap, const char *in)
{
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    for (; *in && *in != '='; in++) {
        int v = b64_value(*in);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == cap)
                return -1;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return (long)n;
}

void embeddings_float_and_base64_agree(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_BASE64_EMBEDDINGS);
    cJSON *f = embed("\"The quick brown fox\"", "float");
    cJSON *b = embed("\"The quick brown fox\"", "base64");
    const cJSON *floats = itest_json_require(f, "data[0].embedding");
    const char *text = NULL;
    itest_check(cJSON_IsArray(floats) && cJSON_GetArraySize(floats) > 0,
                "encoding_format float should give an array of numbers");
    itest_check(itest_json_get_string(&text, b, "data[0].embedding") == 0,
                "encoding_format base64 should give a string");
    size_t dims = (size_t)cJSON_GetArraySize(floats);
    unsigned char *raw = malloc(dims * 4 + 8);
    long len = b64_decode(raw, dims * 4 + 8, text);
    itest_check(len == (long)(dims * 4),
                "the base64 embedding decodes to %ld bytes; %zu float32s need %zu", len, dims,
                dims * 4);
    double norm = 0;
    for (size_t i = 0; i < dims; i++) {
        uint32_t bits = (uint32_t)raw[4 * i] | (uint32_t)raw[4 * i + 1] << 8 |
                        (uint32_t)raw[4 * i + 2] << 16 | (uint32_t)raw[4 * i + 3] << 24;
        float v;
        memcpy(&v, &bits, sizeof v);
        double want = cJSON_GetArrayItem(floats, (int)i)->valuedouble;
        itest_check(fabs((double)v - want) <= 1e-6 + 1e-5 * fabs(want),
                    "dimension %zu: base64 gives %.9g, float gives %.9g", i, (double)v, want);
        norm += want * want;
    }
    itest_check(fabs(sqrt(norm) - 1) < 0.01, "the embedding's length is %.4f, not ~1 (unit vector)",
                sqrt(norm));
    free(raw);
    cJSON_Delete(f);
    cJSON_Delete(b);
}

/* Each input of a batch embeds (nearly) as it does alone, at its own position and index. */
void embeddings_batch_in_order(void **state)
{
    static const char *const inputs[] = {"first", "second", "third"};
    cJSON *batch = embed("[\"first\", \"second\", \"third\"]", "float");
    itest_check(cJSON_GetArraySize(cJSON_GetObjectItem(batch, "data")) == 3,
                "three inputs gave %d embeddings",
                cJSON_GetArraySize(cJSON_GetObjectItem(batch, "data")));
    for (int k = 0; k < 3; k++) {
        char path[32], input[32];
        snprintf(path, sizeof path, "data[%d].index", k);
        itest_assert_json_int(batch, path, k);
        snprintf(input, sizeof input, "\"%s\"", inputs[k]);
        cJSON *one = embed(input, "float");
        const cJSON *alone = itest_json_require(one, "data[0].embedding");
        snprintf(path, sizeof path, "data[%d].embedding", k);
        const cJSON *in_batch = itest_json_require(batch, path);
        itest_check(cJSON_GetArraySize(alone) == cJSON_GetArraySize(in_batch),
                    "the same model gave %d and %d dimensions", cJSON_GetArraySize(alone),
                    cJSON_GetArraySize(in_batch));
        double dot = 0;
        for (int i = 0; i < cJSON_GetArraySize(alone); i++)
            dot += cJSON_GetArrayItem(alone, i)->valuedouble *
                   cJSON_GetArrayItem(in_batch, i)->valuedouble;
        itest_check(dot > 0.99,
                    "\"%s\" alone and data[%d] of the batch have cosine %.4f; data[i] should be "
                    "the embedding of input i",
                    inputs[k], k, dot);
        cJSON_Delete(one);
    }
    itest_assert_json_type(batch, "usage.prompt_tokens", cJSON_Number);
    cJSON_Delete(batch);
}

/* dimensions shortens the vectors (text-embedding-3 models, and the mock): embeddings_dimensions.
 */
void embeddings_dimensions_honoured(void **state)
{
    itest_llm_require(ITEST_LLM_CAP_EMBEDDINGS_DIMENSIONS);
    cJSON *reply = embed_with("\"a short text\"", "\"dimensions\": 256");
    int got = cJSON_GetArraySize(itest_json_require(reply, "data[0].embedding"));
    itest_check(got == 256, "dimensions 256 asked for vectors of 256 numbers; got %d", got);
    cJSON_Delete(reply);
}
