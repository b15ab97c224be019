/* What every LLM endpoint checks the same way: the model, optional whole-number parameters,
 * and OpenAI's answer to a bad request. */
#include "llm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

bool llm_known_model(const struct llm *l, const char *model)
{
    for (size_t i = 0; i < l->n_models; i++)
        if (strcmp(l->models[i], model) == 0)
            return true;
    return false;
}

bool llm_bad_request(struct mock_request *req, const char *param, const char *message)
{
    mock_reply_openai_error(req, 400, "invalid_request_error", NULL, param, "%s", message);
    return false;
}

bool llm_whole_param(struct mock_request *req, const cJSON *body, const char *name, long min,
                     long max, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    if (!v || cJSON_IsNull(v))
        return true;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < min ||
        v->valuedouble > max) {
        char message[160];
        snprintf(message, sizeof message, "Invalid '%s': expected an integer %ld..%ld.", name, min,
                 max);
        return llm_bad_request(req, name, message);
    }
    *out = (long)v->valuedouble;
    return true;
}
