/* The services suite's own checks: its fault cases fail once their faults are taken away,
 * against real deployments (a second mock standing in) the fault cases skip and the rest pass,
 * and an unreachable service is named by its variable. */
#include "other_mock.h"
#include "shell.h"

#include "itest/check.h"
#include "itest/suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fault_cases_fail_without_their_faults(void **state)
{
    expect_fault_cases_fail_without_faults(SERVICES_EXE, "services", 8);
}

static void real_targets_skip_fault_cases(void **state)
{
    other_mock_start("--service task-registry --service repo-pool --service artifact-store "
                     "--capacity 4");
    char env[1024];
    int n = snprintf(env, sizeof env, "TASK_REGISTRY_URL='%s'", other_mock_url("task-registry"));
    n += snprintf(env + n, sizeof env - (size_t)n, " REPO_POOL_URL='%s'",
                  other_mock_url("repo-pool"));
    snprintf(env + n, sizeof env - (size_t)n, " ARTIFACT_STORE_URL='%s'",
             other_mock_url("artifact-store"));
    const char *filters;
    int faults = cases_with_label(SERVICES_EXE, "faults", &filters);
    char *out = NULL;
    int rc = run_suite(&out, env, SERVICES_EXE, "");
    int passed, failed, skipped;
    summary_counts(out, "services", &passed, &failed, &skipped);
    itest_check(rc == 0 && failed == 0 && skipped == faults,
                "against real services the %d fault cases should skip and the rest pass; exit %d, "
                "%d passed, %d failed, %d skipped:\n%s",
                faults, rc, passed, failed, skipped, out);
    assert_contains(out, "TASK_REGISTRY_URL");
    free(out);
}

static void unreachable_service_names_the_variable(void **state)
{
    char *out = NULL;
    int rc = run_suite(&out, "REPO_POOL_URL=http://itest:secret@127.0.0.1:1", SERVICES_EXE,
                       "--filter pool_allocate_and_release");
    itest_check(rc == 1, "an unreachable REPO_POOL_URL should fail the case (exit %d):\n%s", rc,
                out);
    assert_contains(out,
                    "[unavailable] REPO_POOL_URL=http://itest:***@127.0.0.1:1 does not answer");
    assert_not_contains(out, "secret");
    free(out);
}

static const struct itest_case cases[] = {
    ITEST_CASE(fault_cases_fail_without_their_faults),
    ITEST_CASE_SETUP(real_targets_skip_fault_cases, NULL, other_mock_stop),
    ITEST_CASE(unreachable_service_names_the_variable),
};

ITEST_SUITE_MAIN(cases)
