/* libFuzzer: one request to a mock service, decided without a socket (mock_request_decide): the
 * routing and body parsing of the Task Registry, the Repo Pool, the Artifact Store, the LLM (its
 * chat, streams and embeddings), the vector store (collections, points, filters, search) and the
 * admin API (fault definitions registered and obeyed).
 *
 * Input: byte 0 picks the service; then "METHOD TARGET\n", header lines "Name: value\n", an
 * empty line and the body. Every request must be answered, unless a fault breaks its
 * connection or it is GET /health (answered from a ready response). */
#include "server.h"

#include "itest/file.h"
#include "itest/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RULES_PATH
#define RULES_PATH "fixtures/data/mock-llm-rules.json"
#endif

static const struct mock_routes *const routes[ITEST_SERVICE_COUNT] = {
    [ITEST_TASK_REGISTRY] = &mock_task_registry_routes,
    [ITEST_REPO_POOL] = &mock_repo_pool_routes,
    [ITEST_ARTIFACT_STORE] = &mock_artifact_store_routes,
    [ITEST_LLM] = &mock_llm_routes,
    [ITEST_VECTOR] = &mock_vector_routes,
};
static struct mock_service services[ITEST_SERVICE_COUNT];
static struct mock_options opts;
static char data_dir[] = "/tmp/itest-fuzz-request-XXXXXX";
static unsigned long inputs;

static void setup(void)
{
    if (!mkdtemp(data_dir))
        abort();
    opts = (struct mock_options){.bind = "127.0.0.1",
                                 .api_key = "itest-mock-key",
                                 .capacity = 8,
                                 .max_artifact_bytes = 1u << 20,
                                 .rules_path = RULES_PATH,
                                 .data_dir = data_dir,
                                 .journal_size = 256,
                                 .threads = 1,
                                 .max_records = 2000,
                                 .max_points = 2000,
                                 .models = ITEST_MOCK_MODELS};
    for (int k = 0; k < ITEST_SERVICE_COUNT; k++)
        if (mock_service_init(&services[k], (enum itest_service)k, routes[k], &mock_admin_routes,
                              &opts) != 0)
            abort();
}

/* Forgets what the services hold, so that memory stays bounded over millions of inputs. */
static void reset_all(void)
{
    for (int k = 0; k < ITEST_SERVICE_COUNT; k++) {
        if (services[k].routes->reset)
            services[k].routes->reset(&services[k]);
        mock_fault_set_clear(services[k].faults, NULL);
        mock_journal_clear(services[k].journal, NULL);
    }
}

/* The next line of [*p, end) (without its newline), NUL-terminated in place; NULL at the end. */
static char *next_line(char **p, char *end)
{
    if (*p >= end)
        return NULL;
    char *line = *p, *nl = memchr(line, '\n', (size_t)(end - line));
    if (!nl)
        nl = end;
    *nl = '\0';
    *p = nl + (nl < end);
    return line;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!services[0].faults)
        setup();
    if (size < 2)
        return 0;
    if (++inputs % 512 == 0)
        reset_all();
    struct mock_service *svc = &services[data[0] % ITEST_SERVICE_COUNT];
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *p = text, *end = text + size - 1;
    char *request_line = next_line(&p, end);
    char *space = request_line ? strchr(request_line, ' ') : NULL;
    if (!space || space == request_line || space[1] != '/') {
        free(text);
        return 0;
    }
    *space = '\0';
    const char *method = request_line;
    char *target = space + 1, *q = strchr(target, '?');
    const char *query[33] = {NULL}, *headers[33] = {NULL};
    size_t nq = 0, nh = 0;
    if (q) {
        *q++ = '\0';
        for (char *save = NULL, *kv = strtok_r(q, "&", &save); kv && nq < 32;
             kv = strtok_r(NULL, "&", &save))
            if (strchr(kv, '='))
                query[nq++] = kv;
    }
    char *line;
    while ((line = next_line(&p, end)) && *line && nh < 32)
        if (strchr(line, ':'))
            headers[nh++] = line;
    const char *body = p;
    size_t body_len = (size_t)(end - p);

    struct mock_request *req = mock_request_new(svc, NULL, method, target, headers, query);
    if (!req) {
        free(text);
        return 0;
    }
    mock_request_begin(req);
    if (!req->answered && body_len)
        mock_body_append(&req->body, body, body_len);
    mock_request_decide(req);
    bool health = strcmp(req->path, "/health") == 0 &&
                  (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
    bool broken = req->fault && req->fault->kind != MOCK_FAULT_NONE;
    if (!req->answered && !broken && !health) {
        fprintf(stderr, "fuzz_request: %s %s on %s was not answered\n", method, req->path,
                svc->name);
        abort();
    }
    if (req->answered && (req->status < 100 || req->status > 599)) {
        fprintf(stderr, "fuzz_request: %s %s answered status %d\n", method, req->path, req->status);
        abort();
    }
    mock_request_free(req);
    free(text);
    return 0;
}
