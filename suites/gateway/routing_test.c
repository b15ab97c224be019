/* The gateway routes by model and balances over a model's replicas. */
#include "cases.h"
#include "gw.h"

#include "itest/check.h"
#include "itest/measure.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gateway_health(void **state)
{
    (void)state;
    char url[600];
    snprintf(url, sizeof url, "%s/health", gw_url());
    struct itest_http_response r;
    itest_http_json(&r, "GET", url, NULL);
    itest_assert_http_status(&r, "GET", url, 200);
    cJSON *body = cJSON_Parse(r.body);
    itest_check(body && cJSON_IsObject(body), "GET %s: the body is not a JSON object: %.200s", url,
                r.body);
    cJSON_Delete(body);
    itest_http_response_free(&r);
}

/* `model` of a reply, or "" */
static void reply_model(char *out, size_t len, const struct itest_http_response *r)
{
    cJSON *body = cJSON_Parse(r->body);
    const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(body, "model"));
    snprintf(out, len, "%s", m ? m : "");
    cJSON_Delete(body);
}

/* n requests of model on path, each answered 200 naming the model. */
static void send_routed(const char *model, const char *path, const char *body, int n)
{
    for (int i = 0; i < n; i++) {
        struct itest_http_response r;
        gw_post(&r, NULL, path, body, NULL, 0);
        itest_assert_http_status(&r, "POST", path, 200);
        char got[128];
        reply_model(got, sizeof got, &r);
        itest_check(strncmp(got, model, strlen(model)) == 0,
                    "POST %s for %s through the gateway: the reply names model '%s'", path, model,
                    got);
        itest_http_response_free(&r);
    }
}

/* What the distinct backends among lists journaled for the case. */
static long journaled(const char *const *lists[], const size_t *sizes, size_t nlists)
{
    long sum = 0;
    for (size_t l = 0; l < nlists; l++)
        for (size_t i = 0; i < sizes[l]; i++) {
            bool seen = false;
            for (size_t m = 0; m <= l && !seen; m++)
                for (size_t j = 0; j < (m == l ? i : sizes[m]) && !seen; j++)
                    seen = strcmp(lists[m][j], lists[l][i]) == 0;
            if (!seen)
                sum += gw_count(lists[l][i]);
        }
    return sum;
}

#define ROUTED 10

void gateway_routes_by_model(void **state)
{
    (void)state;
    const char *a[GW_MAX_BACKENDS], *b[GW_MAX_BACKENDS], *e[GW_MAX_BACKENDS];
    size_t na = gw_backends(GW_MODEL, a, 1), nb = gw_backends(GW_SINGLE, b, 1),
           ne = gw_backends(GW_EMBEDDING, e, 1);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb + ne; j++)
            if (strcmp(a[i], j < nb ? b[j] : e[j - nb]) == 0)
                itest_skip("%s shares backend %s with %s or %s: routing cannot be told apart",
                           GW_MODEL, a[i], GW_SINGLE, GW_EMBEDDING);
    char *chat_a = gw_chat_body(GW_MODEL, "route me");
    char *chat_b = gw_chat_body(GW_SINGLE, "route me");
    char embed[256];
    snprintf(embed, sizeof embed, "{\"model\": \"%s\", \"input\": \"route me\"}", GW_EMBEDDING);
    send_routed(GW_MODEL, "/v1/chat/completions", chat_a, ROUTED);
    send_routed(GW_SINGLE, "/v1/chat/completions", chat_b, ROUTED);
    send_routed(GW_EMBEDDING, "/v1/embeddings", embed, 3);
    free(chat_a);
    free(chat_b);
    const char *const *only_a[] = {a}, *const * rest[] = {b, e};
    size_t sizes_a[] = {na}, sizes_rest[] = {nb, ne};
    long got_a = journaled(only_a, sizes_a, 1), got_rest = journaled(rest, sizes_rest, 2);
    itest_check(got_a == ROUTED,
                "%d requests for %s through the gateway: its %zu backend(s) journaled %ld (the "
                "others: %ld)",
                ROUTED, GW_MODEL, na, got_a, got_rest);
    itest_check(got_rest == ROUTED + 3,
                "%d requests for %s and 3 for %s through the gateway: their backends journaled "
                "%ld (%s's: %ld)",
                ROUTED, GW_SINGLE, GW_EMBEDDING, got_rest, GW_MODEL, got_a);
}

void gateway_unknown_model(void **state)
{
    (void)state;
    struct itest_http_response r;
    gw_chat(&r, NULL, "itest-no-such-model", "hello", NULL, 0);
    itest_assert_http_status(&r, "POST", "/v1/chat/completions", 404);
    cJSON *err = cJSON_Parse(r.body);
    const char *code =
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(err, "error"), "code"));
    itest_check(code && strcmp(code, "model_not_found") == 0,
                "an unknown model through the gateway: expected the OpenAI error with code "
                "model_not_found, got %.300s",
                r.body);
    cJSON_Delete(err);
    itest_http_response_free(&r);
}

/* Each replica's share of REQUESTS may stray this far from an even split. */
#define BALANCE_REQUESTS 200
#define BALANCE_TOLERANCE 0.15

void gateway_replicas_share_load(void **state)
{
    (void)state;
    const char *a[GW_MAX_BACKENDS];
    size_t n = gw_backends(GW_MODEL, a, 2);
    for (int i = 0; i < BALANCE_REQUESTS; i++) {
        struct itest_http_response r;
        gw_chat(&r, NULL, GW_MODEL, "share the load", NULL, 0);
        itest_assert_http_status(&r, "POST", "/v1/chat/completions", 200);
        itest_http_response_free(&r);
    }
    double even = 1.0 / (double)n;
    for (size_t i = 0; i < n; i++) {
        double share = (double)gw_count(a[i]) / BALANCE_REQUESTS;
        char name[64];
        snprintf(name, sizeof name, "replica_%zu_share", i);
        itest_measure(name, share);
        itest_check(share >= even - BALANCE_TOLERANCE && share <= even + BALANCE_TOLERANCE,
                    "%d requests for %s over %zu replicas: %s took %.0f%%, outside %.0f%% +- "
                    "%.0f%%",
                    BALANCE_REQUESTS, GW_MODEL, n, a[i], share * 100, even * 100,
                    BALANCE_TOLERANCE * 100);
    }
}
