/* Embeddings: float arrays or base64 little-endian float32, one vector per input, derived from
 * the text so that the same text always gives the same vector. */
#include "llm_shared.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void llm_embeddings(struct mock_service *svc, struct mock_request *req)
{
    struct llm *l = svc->state;
    cJSON *body = mock_request_json(req);
    if (!body)
        return;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(body, "input");
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(body, "encoding_format");
    long dims = 1536;
    if (cJSON_IsString(model) && strstr(model->valuestring, "large"))
        dims = 3072;
    bool base64 = false;
    if (!cJSON_IsObject(body)) {
        llm_bad_request(req, NULL, "The request body must be a JSON object.");
    } else if (!cJSON_IsString(model) || !model->valuestring[0]) {
        llm_bad_request(req, "model", "You must provide a model parameter.");
    } else if (!input || (!cJSON_IsString(input) && !cJSON_IsArray(input)) ||
               (cJSON_IsString(input) && !input->valuestring[0]) ||
               (cJSON_IsArray(input) && cJSON_GetArraySize(input) == 0)) {
        llm_bad_request(req, "input",
                        "'$.input' is invalid: expected a non-empty string or array.");
    } else if (format && !cJSON_IsNull(format) &&
               (!cJSON_IsString(format) || (strcmp(format->valuestring, "float") != 0 &&
                                            strcmp(format->valuestring, "base64") != 0))) {
        llm_bad_request(req, "encoding_format",
                        "Invalid value for 'encoding_format': expected 'float' or 'base64'.");
    } else if (cJSON_IsString(format) && strcmp(format->valuestring, "base64") == 0 &&
               !llm_offers(l, ITEST_LLM_CAP_BASE64_EMBEDDINGS)) {
        llm_bad_request(req, "encoding_format", "encoding_format 'base64' is not supported.");
    } else if (cJSON_GetObjectItemCaseSensitive(body, "dimensions") &&
               !llm_offers(l, ITEST_LLM_CAP_EMBEDDINGS_DIMENSIONS)) {
        llm_bad_request(req, "dimensions", "This model does not support 'dimensions'.");
    } else if (!mock_mutated(req, MOCK_MUT_LLM_EMBEDDINGS_DIMENSIONS_IGNORED) &&
               !llm_whole_param(req, body, "dimensions", 1, 4096, &dims)) {
        /* answered */
    } else if (!llm_known_model(l, model->valuestring) &&
               !mock_mutated(req, MOCK_MUT_LLM_UNKNOWN_MODEL_SERVED)) {
        mock_reply_openai_error(req, 404, "invalid_request_error", "model_not_found", "model",
                                "The model `%s` does not exist or you do not have access to it.",
                                model->valuestring);
    } else {
        base64 = cJSON_IsString(format) && strcmp(format->valuestring, "base64") == 0;
        /* inputs: a string, strings, token ids, or arrays of token ids */
        cJSON *one = cJSON_IsString(input)
                         ? cJSON_CreateStringArray((const char *[]){input->valuestring}, 1)
                         : NULL;
        const cJSON *list = one ? one : input;
        if (cJSON_IsArray(list) && list->child && cJSON_IsNumber(list->child)) {
            one = cJSON_CreateArray();
            cJSON_AddItemToArray(one, cJSON_Duplicate(input, 1));
            list = one;
        }
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "object", "list");
        cJSON *data = cJSON_AddArrayToObject(root, "data");
        float *vec = malloc((size_t)dims * sizeof *vec);
        size_t tokens = 0;
        int index = 0;
        bool ok = vec != NULL;
        for (const cJSON *item = list->child; item && ok; item = item->next, index++) {
            char *text =
                cJSON_IsString(item) ? strdup(item->valuestring) : cJSON_PrintUnformatted(item);
            ok = text && (cJSON_IsString(item) ? item->valuestring[0] != '\0'
                                               : cJSON_IsArray(item) && item->child);
            if (!ok) {
                char param[32];
                snprintf(param, sizeof param, "input[%d]", index);
                free(text);
                llm_bad_request(req, param,
                                "Each input must be a non-empty string or token array.");
                break;
            }
            tokens +=
                cJSON_IsString(item) ? llm_count_tokens(text) : (size_t)cJSON_GetArraySize(item);
            llm_embedding(vec, (size_t)dims, text, strlen(text));
            free(text);
            if (mock_mutated(req, MOCK_MUT_LLM_EMBEDDINGS_NOT_UNIT))
                for (long d = 0; d < dims; d++)
                    vec[d] *= 2;
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "object", "embedding");
            cJSON_AddNumberToObject(
                e, "index", mock_mutated(req, MOCK_MUT_LLM_EMBEDDINGS_INDEX_ZERO) ? 0 : index);
            if (base64) {
                if (mock_mutated(req, MOCK_MUT_LLM_EMBEDDINGS_BIG_ENDIAN))
                    for (long d = 0; d < dims; d++) {
                        uint32_t bits;
                        memcpy(&bits, &vec[d], sizeof bits);
                        bits = __builtin_bswap32(bits);
                        memcpy(&vec[d], &bits, sizeof bits);
                    }
                char *b64 = mock_base64(vec, (size_t)dims * sizeof *vec); /* little endian */
                cJSON_AddStringToObject(e, "embedding", b64 ? b64 : "");
                free(b64);
            } else {
                /* "%.9g" is the shortest text that reads back as the same float32 */
                char *values = malloc((size_t)dims * 18 + 3), *at = values;
                if (values) {
                    *at++ = '[';
                    for (long d = 0; d < dims; d++)
                        at += sprintf(at, "%s%.9g", d ? "," : "", (double)vec[d]);
                    strcpy(at, "]");
                    cJSON_AddRawToObject(e, "embedding", values);
                    free(values);
                }
            }
            cJSON_AddItemToArray(data, e);
        }
        free(vec);
        cJSON_Delete(one);
        if (ok && mock_mutated(req, MOCK_MUT_LLM_EMBEDDINGS_REVERSED)) {
            /* the vectors in reverse order, each index member still its position */
            int n = cJSON_GetArraySize(data);
            cJSON *reversed = cJSON_CreateArray();
            for (int i = n - 1; i >= 0; i--) {
                cJSON *e = cJSON_DetachItemFromArray(data, i);
                cJSON_ReplaceItemInObjectCaseSensitive(e, "index", cJSON_CreateNumber(n - 1 - i));
                cJSON_AddItemToArray(reversed, e);
            }
            cJSON_ReplaceItemInObjectCaseSensitive(root, "data", reversed);
        }
        if (ok) {
            cJSON_AddStringToObject(root, "model", model->valuestring);
            cJSON *usage = cJSON_AddObjectToObject(root, "usage");
            cJSON_AddNumberToObject(usage, "prompt_tokens", (double)tokens);
            cJSON_AddNumberToObject(usage, "total_tokens", (double)tokens);
            l->embeddings++;
            mock_reply_json(req, 200, root);
        } else {
            cJSON_Delete(root);
        }
    }
    cJSON_Delete(body);
}
