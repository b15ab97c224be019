/* Retrieval end to end: chunks embedded through the LLM's /v1/embeddings, upserted into the
 * vector store, a question embedded and searched, the top chunks put into a chat request, and
 * the answer checked to cite them. The workflow cleans up after itself whatever happens; the
 * fault cases make the vector store fail mid-run and check the category and that nothing is
 * left behind. */
#include "cases.h"
#include "vec.h"

#include "itest/category.h"
#include "itest/llm.h"
#include "itest/mock_admin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const chunks[] = {
    "PgBouncer in transaction pooling mode gives a server connection to a client for one "
    "transaction only, so session state and prepared statements do not survive between "
    "transactions.",
    "The Repo Pool Manager leases git workspaces to agents; a slot expires when its lease time "
    "runs out and returns to the pool.",
    "The Artifact Store keeps build outputs and patches under keys, answers range requests and "
    "refuses bodies larger than its limit.",
    "Prometheus scrapes every service's metrics endpoint and Alertmanager routes the alerts its "
    "rules fire to a receiver.",
    "The Task Registry records tasks, their status transitions and the events an agent reports "
    "while it works.",
    "A gateway routes requests by model to that model's backends and takes a failing backend out "
    "of rotation.",
    "Embeddings map texts to vectors so that a vector database can find the texts nearest to a "
    "question.",
    "Streaming answers arrive as server-sent events, each carrying a delta of the reply.",
};
#define NCHUNKS (sizeof chunks / sizeof *chunks)
#define TOP 3

static const char *const question =
    "Do prepared statements survive between transactions in PgBouncer transaction pooling?";
#define EXPECTED_FIRST 0 /* the chunk sharing most words with the question */

struct rag {
    char collection[VEC_NAME_MAX];
    double vector_timeout_s; /* 0: INTEGRATION_TEST_TIMEOUT */
    size_t dim;
    float *vectors; /* NCHUNKS + 1 embeddings: the chunks, then the question */
    size_t top[TOP], ntop;
    char *answer;
    const char *category; /* of the failure, or NULL */
    char error[1024];
};

static int fail_with(struct rag *r, const char *category, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_with(struct rag *r, const char *category, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
    r->category = category;
    return -1;
}

static int http_failed(struct rag *r, const struct itest_http_response *resp, const char *what)
{
    const char *category = itest_http_category(resp);
    char outcome[700];
    itest_http_outcome(outcome, sizeof outcome, resp, 200);
    return fail_with(r, category ? category : ITEST_CATEGORY_INVALID_JSON, "%s: %s", what, outcome);
}

/* Embeds the chunks and the question in one request. */
static int embed(struct rag *r)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "model", itest_llm_embedding_model());
    cJSON *input = cJSON_AddArrayToObject(body, "input");
    for (size_t i = 0; i < NCHUNKS; i++)
        cJSON_AddItemToArray(input, cJSON_CreateString(chunks[i]));
    cJSON_AddItemToArray(input, cJSON_CreateString(question));
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    struct itest_http_response resp;
    itest_llm_post(&resp, "/embeddings", text, NULL);
    free(text);
    if (resp.status != 200) {
        int rc = http_failed(r, &resp, "POST /embeddings");
        itest_http_response_free(&resp);
        return rc;
    }
    cJSON *tree = cJSON_ParseWithLength(resp.body, resp.body_len);
    itest_http_response_free(&resp);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(tree, "data");
    if (cJSON_GetArraySize(data) != (int)NCHUNKS + 1) {
        cJSON_Delete(tree);
        return fail_with(r, ITEST_CATEGORY_INVALID_JSON,
                         "POST /embeddings for %zu inputs answered %d embeddings", NCHUNKS + 1,
                         cJSON_GetArraySize(data));
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, data)
    {
        double index = -1;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "embedding");
        itest_json_get_number(&index, e, "index");
        if (!r->dim) {
            r->dim = (size_t)cJSON_GetArraySize(v);
            r->vectors = calloc((NCHUNKS + 1) * (r->dim ? r->dim : 1), sizeof *r->vectors);
        }
        if (!r->dim || (size_t)cJSON_GetArraySize(v) != r->dim || index < 0 ||
            index > (double)NCHUNKS) {
            cJSON_Delete(tree);
            return fail_with(r, ITEST_CATEGORY_INVALID_JSON,
                             "POST /embeddings: an embedding without a vector of the first one's "
                             "size or a valid index");
        }
        size_t d = 0;
        for (const cJSON *x = v->child; x; x = x->next)
            r->vectors[(size_t)index * r->dim + d++] = (float)cJSON_GetNumberValue(x);
    }
    cJSON_Delete(tree);
    return 0;
}

/* Sends to the vector store; 0 on a 200 with Qdrant's envelope ({"result", "status": "ok"}),
 * whose tree goes to *tree when asked for, else the failure recorded. */
static int store(struct rag *r, const char *method, const char *path, const char *json,
                 cJSON **tree)
{
    struct itest_http_response resp;
    vec_send_within(&resp, method, path, json, false, r->vector_timeout_s);
    char what[VEC_URL_MAX];
    snprintf(what, sizeof what, "%s %s", method, path);
    int rc = resp.status == 200 ? 0 : http_failed(r, &resp, what);
    cJSON *body = rc == 0 ? cJSON_ParseWithLength(resp.body, resp.body_len) : NULL;
    const char *status = NULL;
    if (rc == 0 && (itest_json_get_string(&status, body, "status") != 0 ||
                    strcmp(status, "ok") != 0 || !cJSON_GetObjectItemCaseSensitive(body, "result")))
        rc = fail_with(r, ITEST_CATEGORY_INVALID_JSON,
                       "%s: the answer is not Qdrant's envelope {\"result\", \"status\": \"ok\"}",
                       what);
    itest_http_response_free(&resp);
    if (rc == 0 && tree)
        *tree = body;
    else
        cJSON_Delete(body);
    return rc;
}

static int index_and_search(struct rag *r)
{
    char path[VEC_NAME_MAX + 48], body[160];
    snprintf(path, sizeof path, "/collections/%s", r->collection);
    snprintf(body, sizeof body, "{\"vectors\": {\"size\": %zu, \"distance\": \"Cosine\"}}", r->dim);
    if (store(r, "PUT", path, body, NULL) != 0)
        return -1;
    cJSON *points = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(points, "points");
    for (size_t i = 0; i < NCHUNKS; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "id", (double)i + 1);
        cJSON_AddItemToObject(p, "vector",
                              cJSON_CreateFloatArray(r->vectors + i * r->dim, (int)r->dim));
        char id[32];
        snprintf(id, sizeof id, "chunk-%zu", i + 1);
        cJSON *payload = cJSON_AddObjectToObject(p, "payload");
        cJSON_AddStringToObject(payload, "chunk", id);
        cJSON_AddStringToObject(payload, "text", chunks[i]);
        cJSON_AddItemToArray(list, p);
    }
    char *text = cJSON_PrintUnformatted(points);
    cJSON_Delete(points);
    snprintf(path, sizeof path, "/collections/%s/points?wait=true", r->collection);
    int rc = store(r, "PUT", path, text, NULL);
    free(text);
    if (rc != 0)
        return -1;
    char *q = vec_floats_json(r->vectors + NCHUNKS * r->dim, r->dim);
    size_t n = strlen(q) + 128;
    char *search = malloc(n);
    snprintf(search, n, "{\"vector\": %s, \"limit\": %d, \"with_payload\": true}", q, TOP);
    free(q);
    snprintf(path, sizeof path, "/collections/%s/points/search", r->collection);
    cJSON *tree = NULL;
    rc = store(r, "POST", path, search, &tree);
    free(search);
    if (rc != 0)
        return -1;
    const cJSON *hit;
    cJSON_ArrayForEach(hit, cJSON_GetObjectItemCaseSensitive(tree, "result"))
    {
        double id = 0;
        itest_json_get_number(&id, hit, "id");
        if (id < 1 || id > (double)NCHUNKS || r->ntop == TOP) {
            cJSON_Delete(tree);
            return fail_with(r, ITEST_CATEGORY_INVALID_JSON,
                             "the search answered point %.0f, which was not upserted", id);
        }
        r->top[r->ntop++] = (size_t)id - 1;
    }
    cJSON_Delete(tree);
    return 0;
}

static int ask(struct rag *r)
{
    size_t cap = 256 + strlen(question), len = 0;
    for (size_t i = 0; i < r->ntop; i++)
        cap += strlen(chunks[r->top[i]]) + 32;
    char *prompt = malloc(cap);
    len += (size_t)snprintf(prompt, cap, "Context:\n");
    for (size_t i = 0; i < r->ntop; i++)
        len += (size_t)snprintf(prompt + len, cap - len, "[chunk-%zu] %s\n", r->top[i] + 1,
                                chunks[r->top[i]]);
    snprintf(prompt + len, cap - len,
             "Question: %s\nAnswer from the context only and cite the context chunks you use "
             "as [chunk-N].",
             question);
    struct itest_llm_request req = {.prompt = prompt,
                                    .system = "You answer questions about the platform from the "
                                              "context you are given.",
                                    .max_tokens = 200};
    struct itest_llm_reply reply;
    int rc = itest_llm_chat(&reply, &req);
    free(prompt);
    if (rc != 0)
        rc = fail_with(r, reply.category, "the chat request: %s", reply.error);
    else
        r->answer = strdup(reply.content);
    itest_llm_reply_free(&reply);
    return rc;
}

/* The whole workflow; the collection is removed at the end whatever happened. */
static int rag_run(struct rag *r)
{
    vec_name(r->collection);
    vec_track(r->collection); /* the teardown's, should this process die half-way */
    int rc = embed(r);
    if (rc == 0)
        rc = index_and_search(r);
    if (rc == 0)
        rc = ask(r);
    char path[VEC_NAME_MAX + 16];
    snprintf(path, sizeof path, "/collections/%s", r->collection);
    struct itest_http_response resp;
    vec_send(&resp, "DELETE", path, NULL, false);
    itest_http_response_free(&resp);
    return rc;
}

static void rag_free(struct rag *r)
{
    free(r->vectors);
    free(r->answer);
}

void vector_retrieval_end_to_end(void **state)
{
    (void)state;
    itest_require_service(ITEST_VECTOR);
    itest_require_service(ITEST_LLM);
    struct rag r = {0};
    if (rag_run(&r) != 0) {
        char msg[1100];
        snprintf(msg, sizeof msg, "%s", r.error);
        const char *category = r.category;
        rag_free(&r);
        itest_fail("[%s] the retrieval workflow failed: %s", category ? category : "assertion",
                   msg);
    }
    /* the retrieval half: the store's top chunks are the exact nearest by the embeddings */
    struct vec_hit want[TOP];
    size_t nwant = vec_exact_top(want, TOP, "Cosine", r.vectors + NCHUNKS * r.dim, r.vectors,
                                 NCHUNKS, r.dim, 1, NULL);
    char got_ids[64] = "", want_ids[64] = "";
    for (size_t i = 0; i < TOP; i++) {
        snprintf(got_ids + strlen(got_ids), sizeof got_ids - strlen(got_ids), " %zu",
                 i < r.ntop ? r.top[i] + 1 : 0);
        snprintf(want_ids + strlen(want_ids), sizeof want_ids - strlen(want_ids), " %llu",
                 i < nwant ? (unsigned long long)want[i].id : 0ull);
    }
    bool same = r.ntop == nwant;
    for (size_t i = 0; same && i < r.ntop; i++)
        same = r.top[i] + 1 == want[i].id;
    bool mock = itest_service_is_mock(ITEST_LLM);
    char answer[600];
    snprintf(answer, sizeof answer, "%.560s", r.answer ? r.answer : "");
    size_t first = r.ntop ? r.top[0] : NCHUNKS;
    bool cites_all = true, cites_other = false;
    for (size_t i = 0; i < NCHUNKS; i++) {
        char id[32];
        snprintf(id, sizeof id, "[chunk-%zu]", i + 1);
        bool retrieved = false;
        for (size_t k = 0; k < r.ntop; k++)
            retrieved |= r.top[k] == i;
        bool cited = strstr(answer, id) != NULL;
        cites_all &= !retrieved || cited;
        cites_other |= !retrieved && cited;
    }
    rag_free(&r);
    printf("retrieved chunks:%s; the answer: %s\n", got_ids, answer);
    itest_check(same, "the vector store's top %d chunks are%s; by the embeddings the nearest are%s",
                TOP, got_ids, want_ids);
    if (!mock) { /* a real model: its answer's wording is its own; the request shape was sent */
        itest_check(answer[0], "the model's answer from the context is empty");
        return;
    }
    itest_check(first == EXPECTED_FIRST,
                "the question about PgBouncer's transaction pooling retrieved chunk-%zu first, not "
                "chunk-%d (the mock's embeddings put texts that share words near each other)",
                first + 1, EXPECTED_FIRST + 1);
    itest_check(cites_all && !cites_other,
                "the answer should cite exactly the retrieved chunks (%s): %s", got_ids, answer);
}

/* Runs the workflow with the fault on the vector store's search and checks the failure. */
static void store_fails_mid_run(const char *fault, double timeout_s, const char *category)
{
    itest_require_mock(ITEST_VECTOR);
    itest_require_service(ITEST_LLM);
    itest_mock_fault(ITEST_VECTOR, fault);
    struct rag r = {.vector_timeout_s = timeout_s};
    int rc = rag_run(&r);
    char collection[VEC_NAME_MAX], error[1100];
    snprintf(collection, sizeof collection, "%s", r.collection);
    snprintf(error, sizeof error, "%s", r.error);
    const char *got = r.category;
    rag_free(&r);
    itest_check(rc != 0, "the workflow succeeded although every search of the vector store %s",
                strcmp(category, ITEST_CATEGORY_TIMEOUT) == 0 ? "hangs" : "fails");
    itest_check(got && strcmp(got, category) == 0, "the workflow failed as [%s], not [%s]: %s",
                got ? got : "no category", category, error);
    char path[VEC_NAME_MAX + 16];
    snprintf(path, sizeof path, "/collections/%s", collection);
    itest_mock_reset_scope(ITEST_VECTOR); /* the fault off, to look */
    vec_expect_error("GET", path, NULL, 404, NULL);
}

void vector_retrieval_store_down(void **state)
{
    (void)state;
    store_fails_mid_run("{\"request\": {\"method\": \"POST\", \"urlPathPattern\": "
                        "\".*/points/search\"}, \"response\": {\"status\": 503}}",
                        0, ITEST_CATEGORY_HTTP_5XX);
}

void vector_retrieval_store_slow(void **state)
{
    (void)state;
    store_fails_mid_run("{\"request\": {\"method\": \"POST\", \"urlPathPattern\": "
                        "\".*/points/search\"}, \"response\": {\"fixedDelayMilliseconds\": 3000}}",
                        0.5, ITEST_CATEGORY_TIMEOUT);
}
