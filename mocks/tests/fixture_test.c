/* The CTest fixture `mocks` and the fixtures library's services module: URLs from the state
 * file, scoped faults, the journal, and skips against real targets. */
#include "itest/check.h"
#include "itest/http.h"
#include "itest/json.h"
#include "itest/llm.h"
#include "itest/mock_admin.h"
#include "itest/suite.h"
#include "itest/targets.h"
#include "shell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void every_service_answers(void **state)
{
    for (int s = 0; s < ITEST_SERVICE_COUNT; s++) {
        const char *base = itest_require_service((enum itest_service)s);
        char url[512];
        /* the LLM's base ends in /v1, as OpenAI base URLs do, and it wants the fixture's key */
        snprintf(url, sizeof url, "%s%s", base, s == ITEST_LLM ? "/models" : "/health");
        struct itest_http_response r;
        if (s == ITEST_LLM)
            itest_llm_get(&r, "/models");
        else
            itest_http_json(&r, "GET", url, NULL);
        itest_assert_http_status(&r, "GET", url, 200);
        itest_http_response_free(&r);
    }
}

/* The fixture's pool serves the seed projects (SEEDS): a wordcount slot is a working tree of
 * it, gone once the slot is released. */
static void seeded_repository_is_served(void **state)
{
    (void)state;
    itest_require_mock(ITEST_REPO_POOL);
    char url[512], where[700];
    snprintf(url, sizeof url, "%s/slots", itest_require_service(ITEST_REPO_POOL));
    struct itest_http_response r;
    itest_http_json(&r, "POST", url, "{\"repo\": \"wordcount\", \"ttl_s\": 60}");
    itest_assert_http_status(&r, "POST", url, 201);
    cJSON *slot = itest_json_parse_or_fail(r.body, r.body_len, url);
    const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(slot, "path"));
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(slot, "slot_id"));
    char makefile[4200];
    snprintf(makefile, sizeof makefile, "%s/Makefile", path ? path : "(no path)");
    bool tree = access(makefile, F_OK) == 0;
    snprintf(where, sizeof where, "%s/%s", url, id ? id : "none");
    itest_http_response_free(&r);
    itest_http_json(&r, "DELETE", where, NULL);
    itest_assert_http_status(&r, "DELETE", where, 204);
    itest_http_response_free(&r);
    itest_check(tree,
                "the fixture's pool should clone the wordcount seed into the slot's path: "
                "no %s",
                makefile);
    itest_check(access(makefile, F_OK) != 0, "the released slot's tree %s is still there",
                makefile);
    cJSON_Delete(slot);
}

static void scoped_fault_is_retried_and_journaled(void **state)
{
    itest_require_mock(ITEST_TASK_REGISTRY);
    const char *base = itest_require_service(ITEST_TASK_REGISTRY);
    itest_mock_fault(ITEST_TASK_REGISTRY,
                     "{\"request\":{\"method\":\"GET\",\"urlPath\":\"/tasks\"},"
                     "\"response\":{\"status\":503,\"headers\":{\"Retry-After\":"
                     "\"0\"}},\"times\":1}");
    char url[512];
    snprintf(url, sizeof url, "%s/tasks", base);
    struct itest_http_response r;
    itest_http_json(&r, "GET", url, NULL); /* the helper sends this case's scope and retries */
    itest_assert_http_status(&r, "GET", url, 200);
    assert_int_equal(r.attempts, 2);
    itest_http_response_free(&r);
    assert_int_equal(itest_mock_request_count(ITEST_TASK_REGISTRY, "GET", "/tasks"), 2);
    assert_int_equal(itest_mock_request_count(ITEST_TASK_REGISTRY, "POST", NULL), 0);
    assert_int_equal(itest_mock_reset_scope(ITEST_TASK_REGISTRY), 0);
    assert_int_equal(itest_mock_request_count(ITEST_TASK_REGISTRY, NULL, NULL), 0);
}

/* A mutation planted for this case only: its own task comes back broken, and the reset gives
 * the mock back its contract. */
static void scoped_mutation_breaks_this_case_only(void **state)
{
    itest_require_mock(ITEST_TASK_REGISTRY);
    char url[512];
    snprintf(url, sizeof url, "%s/tasks", itest_require_service(ITEST_TASK_REGISTRY));
    static const char body[] = "{\"title\": \"mutated\", \"spec\": \"keep me\"}";
    for (int round = 0; round < 2; round++) {
        if (round == 0)
            itest_mock_mutate(ITEST_TASK_REGISTRY, "registry.spec_dropped");
        struct itest_http_response r;
        itest_http_json(&r, "POST", url, body);
        itest_assert_http_status(&r, "POST", url, 201);
        cJSON *task = itest_json_parse_or_fail(r.body, r.body_len, "the task");
        itest_assert_json_string(task, "spec", round == 0 ? "" : "keep me");
        cJSON_Delete(task);
        itest_http_response_free(&r);
        assert_int_equal(itest_mock_reset_scope(ITEST_TASK_REGISTRY), 0);
    }
}

/* Run as a child by the case below, with TASK_REGISTRY_URL set; through CTest it checks the
 * mock side. */
static void fault_case_probe(void **state)
{
    const char *root = itest_require_mock(ITEST_TASK_REGISTRY);
    assert_true(itest_service_is_mock(ITEST_TASK_REGISTRY));
    assert_non_null(strstr(root, "http://127.0.0.1:"));
    /* a fault of this case only, which ITEST_MOCK_FAULTS governs */
    itest_mock_fault(ITEST_TASK_REGISTRY, "{\"request\": {\"urlPath\": \"/probe\"}, "
                                          "\"response\": {\"status\": 500}, \"times\": 1}");
    itest_mock_reset_scope(ITEST_TASK_REGISTRY);
}

static void real_targets_skip_fault_cases_and_missing_mocks_fail(void **state)
{
    char *out;
    int rc = shell_run(
        &out, 30, "TASK_REGISTRY_URL=http://127.0.0.1:9 '%s' --filter fault_case_probe", SELF_EXE);
    assert_int_equal(rc, 77);
    assert_contains(out, "TASK_REGISTRY_URL points at a real deployment");
    free(out);
    rc = shell_run(&out, 30, "ITEST_STATE_DIR=/nonexistent '%s' --filter every_service_answers",
                   SELF_EXE);
    assert_int_equal(rc, 1);
    assert_contains(out, "TASK_REGISTRY_URL is unset and no embedded task-registry mock is "
                         "running: /nonexistent/mocks.json");
    free(out);
    rc =
        shell_run(&out, 30, "ITEST_MOCK_FAULTS=sometimes '%s' --filter fault_case_probe", SELF_EXE);
    assert_int_equal(rc, 1);
    assert_contains(out, "ITEST_MOCK_FAULTS='sometimes': expected on or off");
    free(out);
}

static const struct itest_case cases[] = {
    ITEST_CASE(every_service_answers),
    ITEST_CASE(seeded_repository_is_served),
    ITEST_CASE(scoped_fault_is_retried_and_journaled),
    ITEST_CASE(scoped_mutation_breaks_this_case_only),
    ITEST_CASE(fault_case_probe),
    ITEST_CASE(real_targets_skip_fault_cases_and_missing_mocks_fail),
};

ITEST_SUITE_MAIN(cases)
