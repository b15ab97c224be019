/* The LLM as the official OpenAI SDKs speak to it: models, chat completions (plain and SSE),
 * the Responses API (plain, SSE, stored), embeddings (float and base64), Bearer auth, OpenAI
 * error bodies, rate-limit headers. Replies are deterministic: the rule table first, else a
 * stable reply derived from the prompt. This module is the service itself: its state, the
 * models, auth and routing. */
#include "llm_shared.h"
#include "llm_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int init(struct mock_service *svc)
{
    struct llm *l = calloc(1, sizeof *l);
    if (!l)
        return -1;
    svc->state = l;
    pthread_mutex_init(&l->prefix_lock, NULL);
    l->store = llm_store_new(1024);
    if (!l->store)
        return -1;
    l->models_text = strdup(svc->opts->models);
    for (char *save = NULL, *m = strtok_r(l->models_text, ",", &save);
         m && l->n_models < MAX_MODELS; m = strtok_r(NULL, ",", &save)) {
        while (*m == ' ')
            m++;
        if (*m)
            l->models[l->n_models++] = m;
    }
    if (l->n_models == 0) {
        fprintf(stderr, "itest-mock: --models %s: no model id in it\n", svc->opts->models);
        return -1;
    }
    for (int c = 0; c < ITEST_LLM_CAP_COUNT; c++)
        l->profile.has[c] = true;
    if (svc->opts->llm_profile) {
        char err[1024];
        if (itest_llm_profile_load(svc->opts->llm_profile, &l->profile, err, sizeof err) != 0) {
            fprintf(stderr, "itest-mock: --llm-profile %s\n", err);
            return -1;
        }
    }
    if (svc->opts->rules_path) {
        char err[512];
        if (llm_rules_load(&l->rules, svc->opts->rules_path, err, sizeof err) != 0) {
            fprintf(stderr, "itest-mock: --rules %s\n", err);
            return -1;
        }
    }
    return 0;
}

static void destroy(struct mock_service *svc)
{
    struct llm *l = svc->state;
    if (!l)
        return;
    llm_rules_free(&l->rules);
    llm_store_free(l->store);
    pthread_mutex_destroy(&l->prefix_lock);
    free(l->models_text);
    free(l);
    svc->state = NULL;
}

static cJSON *model_json(const char *id)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "object", "model");
    cJSON_AddNumberToObject(o, "created", 1700000000);
    cJSON_AddStringToObject(o, "owned_by", "itest-mock");
    return o;
}

static void common_headers(const struct llm *l, struct mock_request *req, unsigned long long id)
{
    char value[48];
    snprintf(value, sizeof value, "req_itest%llu", id);
    if (llm_offers(l, ITEST_LLM_CAP_REQUEST_ID) &&
        !mock_mutated(req, MOCK_MUT_LLM_REQUEST_ID_MISSING))
        mock_add_header(req, "x-request-id", value);
    if (!llm_offers(l, ITEST_LLM_CAP_RATELIMIT_HEADERS))
        return;
    mock_add_header(req, "openai-processing-ms", "1");
    mock_add_header(req, "x-ratelimit-limit-requests", "10000");
    mock_add_header(req, "x-ratelimit-remaining-requests",
                    mock_mutated(req, MOCK_MUT_LLM_RATELIMIT_REMAINING_OVER) ? "20000" : "9999");
    mock_add_header(req, "x-ratelimit-reset-requests", "6ms");
    mock_add_header(req, "x-ratelimit-limit-tokens", "10000000");
    mock_add_header(req, "x-ratelimit-remaining-tokens", "9999000");
    mock_add_header(req, "x-ratelimit-reset-tokens", "6ms");
}

static bool authorized(struct mock_service *svc, struct mock_request *req)
{
    const char *key = svc->opts->api_key;
    if (!key || !llm_offers(svc->state, ITEST_LLM_CAP_KEY_ENFORCED) ||
        mock_mutated(req, MOCK_MUT_LLM_KEY_NOT_CHECKED))
        return true;
    const char *auth = mock_request_header(req, "Authorization");
    if (auth && strncmp(auth, "Bearer ", 7) == 0 && strcmp(auth + 7, key) == 0)
        return true;
    /* never echo the key that was sent: it may be a real one */
    if (!auth)
        mock_reply_openai_error(req, 401, "invalid_request_error", "invalid_api_key", NULL,
                                "You didn't provide an API key. Send it as \"Authorization: "
                                "Bearer <key>\".");
    else
        mock_reply_openai_error(req, 401, "invalid_request_error", "invalid_api_key", NULL,
                                "Incorrect API key provided.");
    return false;
}

static void handle(struct mock_service *svc, struct mock_request *req)
{
    struct llm *l = svc->state;
    unsigned long long seq = ++l->next_id;
    const char *path = req->path;
    if (strncmp(path, "/v1/", 4) == 0)
        path += 3; /* "/v1/models" and "/models" are the same, for base URLs with or without */
    bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    req->numeric_codes = !llm_offers(l, ITEST_LLM_CAP_MODEL_NOT_FOUND_CODE);
    req->flat_errors = !llm_offers(l, ITEST_LLM_CAP_ERROR_OBJECT);
    bool responses = llm_offers(l, ITEST_LLM_CAP_RESPONSES);
    if (!authorized(svc, req)) {
        /* answered */
    } else if (strcmp(path, "/models") == 0 && get) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "object", "list");
        cJSON *data = cJSON_AddArrayToObject(root, "data");
        size_t first = mock_mutated(req, MOCK_MUT_LLM_MODELS_LIST_SHORT) && l->n_models > 1;
        for (size_t i = first; i < l->n_models; i++)
            cJSON_AddItemToArray(data, model_json(l->models[i]));
        mock_reply_json(req, 200, root);
    } else if (strncmp(path, "/models/", 8) == 0 && get &&
               llm_offers(l, ITEST_LLM_CAP_MODEL_RETRIEVE)) {
        if (llm_known_model(l, path + 8))
            mock_reply_json(req, 200, model_json(path + 8));
        else
            mock_reply_openai_error(req, 404, "invalid_request_error", "model_not_found", "model",
                                    "The model `%s` does not exist or you do not have access to "
                                    "it.",
                                    path + 8);
    } else if (strcmp(path, "/chat/completions") == 0 && post) {
        llm_chat_completions(svc, req, seq);
    } else if (strcmp(path, "/embeddings") == 0 && post) {
        llm_embeddings(svc, req);
    } else if (strcmp(path, "/responses") == 0 && responses) {
        llm_responses(svc, req, NULL, seq);
    } else if (strncmp(path, "/responses/", 11) == 0 && path[11] && !strchr(path + 11, '/') &&
               responses) {
        llm_responses(svc, req, path + 11, seq);
    } else if (strcmp(path, "/models") == 0 || strcmp(path, "/chat/completions") == 0 ||
               strcmp(path, "/embeddings") == 0) {
        mock_reply_openai_error(req, 405, "invalid_request_error", "method_not_allowed", NULL,
                                "Method %s is not allowed on %s.", req->method, req->path);
    } else {
        mock_reply_openai_error(req, 404, "invalid_request_error", "unknown_url", NULL,
                                "Unknown request URL: %s %s.", req->method, req->path);
    }
    common_headers(l, req, seq);
}

static char *metrics(struct mock_service *svc)
{
    struct llm *l = svc->state;
    char *text = NULL;
    int rc =
        asprintf(&text,
                 "# HELP itest_mock_llm_completions_total Chat completions answered, by stream.\n"
                 "# TYPE itest_mock_llm_completions_total counter\n"
                 "itest_mock_llm_completions_total{stream=\"false\"} %llu\n"
                 "itest_mock_llm_completions_total{stream=\"true\"} %llu\n"
                 "# HELP itest_mock_llm_embeddings_total Embeddings requests answered.\n"
                 "# TYPE itest_mock_llm_embeddings_total counter\n"
                 "itest_mock_llm_embeddings_total %llu\n"
                 "# HELP itest_mock_llm_responses_total Responses API requests answered.\n"
                 "# TYPE itest_mock_llm_responses_total counter\n"
                 "itest_mock_llm_responses_total %llu\n"
                 "# HELP itest_mock_llm_tokens_total Tokens counted in usage, by kind.\n"
                 "# TYPE itest_mock_llm_tokens_total counter\n"
                 "itest_mock_llm_tokens_total{kind=\"prompt\"} %llu\n"
                 "itest_mock_llm_tokens_total{kind=\"completion\"} %llu\n",
                 (unsigned long long)l->completions, (unsigned long long)l->streams,
                 (unsigned long long)l->embeddings, (unsigned long long)l->responses,
                 (unsigned long long)l->prompt_tokens, (unsigned long long)l->completion_tokens);
    return rc < 0 ? NULL : text;
}

static void reset(struct mock_service *svc)
{
    struct llm *l = svc->state;
    llm_store_clear(l->store);
    pthread_mutex_lock(&l->prefix_lock);
    memset(l->prefixes, 0, sizeof l->prefixes);
    pthread_mutex_unlock(&l->prefix_lock);
}

const struct mock_routes mock_llm_routes = {
    .init = init, .destroy = destroy, .reset = reset, .handle = handle, .metrics = metrics};
