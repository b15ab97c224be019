/* The vector suite's own checks: its fault cases fail once their faults are taken away; against
 * a real store (a second mock standing in) the cases that need the mock or a key it lacks skip,
 * saying why, and the rest pass; a key the store refuses fails as auth without being shown; an
 * unreachable store is named by its variable. */
#include "other_mock.h"
#include "shell.h"

#include "itest/check.h"
#include "itest/suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fault_cases_fail_without_their_faults(void **state)
{
    expect_fault_cases_fail_without_faults(VECTOR_EXE, "vector", 2);
}

static void real_store_without_key_skips_honestly(void **state)
{
    other_mock_start("--service vector");
    char env[512];
    snprintf(env, sizeof env, "VECTOR_DB_URL='%s'", other_mock_url("vector"));
    char *out = NULL;
    int rc = run_suite(&out, env, VECTOR_EXE, "");
    int passed, failed, skipped;
    summary_counts(out, "vector", &passed, &failed, &skipped);
    /* the two fault cases, the api-key case, and the pgvector ones where the extension is absent */
    itest_check(
        rc == 0 && failed == 0 && skipped >= 3 && passed >= 18,
        "against a real store without a key: exit %d, %d passed, %d failed, %d skipped:\n%s", rc,
        passed, failed, skipped, out);
    assert_contains(out, "needs the embedded vector mock for fault injection");
    assert_contains(out, "set QDRANT_API_KEY");
    free(out);
}

static void real_store_with_key(void **state)
{
    other_mock_start("--service vector --vector-api-key selftest-qdrant-key");
    char env[512];
    snprintf(env, sizeof env, "VECTOR_DB_URL='%s' QDRANT_API_KEY=selftest-qdrant-key",
             other_mock_url("vector"));
    char *out = NULL;
    int rc = run_suite(&out, env, VECTOR_EXE,
                       "--filter vector_api_key_required --filter vector_exact_cosine");
    itest_check(rc == 0, "with the store's own key both cases should pass (exit %d):\n%s", rc, out);
    free(out);
    snprintf(env, sizeof env, "VECTOR_DB_URL='%s' QDRANT_API_KEY=wrong-secret-key",
             other_mock_url("vector"));
    rc = run_suite(&out, env, VECTOR_EXE, "--filter vector_collection_lifecycle");
    itest_check(rc == 1, "a refused key should fail the case (exit %d):\n%s", rc, out);
    assert_contains(out, "[auth]");
    assert_not_contains(out, "wrong-secret-key");
    free(out);
}

static void unreachable_store_names_the_variable(void **state)
{
    char *out = NULL;
    int rc = run_suite(&out, "VECTOR_DB_URL=http://127.0.0.1:1", VECTOR_EXE,
                       "--filter vector_collection_lifecycle");
    itest_check(rc == 1, "an unreachable VECTOR_DB_URL should fail the case (exit %d):\n%s", rc,
                out);
    assert_contains(out, "[unavailable] VECTOR_DB_URL=http://127.0.0.1:1 does not answer");
    free(out);
}

static const struct itest_case cases[] = {
    ITEST_CASE(fault_cases_fail_without_their_faults),
    {.name = "real_store_without_key_skips_honestly",
     .fn = real_store_without_key_skips_honestly,
     .teardown = other_mock_stop},
    {.name = "real_store_with_key", .fn = real_store_with_key, .teardown = other_mock_stop},
    ITEST_CASE(unreachable_store_names_the_variable),
};

ITEST_SUITE_MAIN(cases)
