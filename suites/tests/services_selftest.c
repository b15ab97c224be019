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
#include <unistd.h>

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
    /* an error case against an unavailable registry says only that: no stray "sent:" line */
    rc = run_suite(&out, "TASK_REGISTRY_URL=http://127.0.0.1:1", SERVICES_EXE,
                   "--filter registry_unknown_task_not_found");
    itest_check(rc == 1, "an unreachable TASK_REGISTRY_URL should fail the case (exit %d):\n%s", rc,
                out);
    assert_contains(out, "[unavailable] TASK_REGISTRY_URL=http://127.0.0.1:1 does not answer");
    assert_not_contains(out, "sent:");
    free(out);
}

/* scripts/serve, as the README runs a suite by hand: started, a suite finds the mocks through
 * the variable it prints, and --stop ends them and removes their state. */
static void serve_runs_a_suite_by_hand(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/serve-%ld", WORK_DIR, (long)getpid());
    char *out = NULL;
    int rc = shell_run(&out, 120,
                       "eval \"$('%s/scripts/serve' --build-dir '%s' --state-dir '%s' "
                       "--no-database 2>/dev/null)\" && '%s' --filter registry_create_and_get; "
                       "rc=$?; '%s/scripts/serve' --build-dir '%s' --state-dir '%s' --stop 2>&1; "
                       "test -e '%s' && echo 'state left behind'; exit $rc",
                       SOURCE_DIR, BUILD_DIR, dir, SERVICES_EXE, SOURCE_DIR, BUILD_DIR, dir, dir);
    itest_check(rc == 0, "a suite by hand against scripts/serve failed (exit %d):\n%s", rc, out);
    assert_contains(out, "[       OK ] services.registry_create_and_get");
    assert_contains(out, "serve: stopped");
    assert_not_contains(out, "state left behind");
    free(out);
}

/* INTEGRATION_TEST_LOG_LEVEL=debug: every exchange of a case goes to the log next to its JUnit
 * (credentials masked), and a failing case's message names the log. */
static void debug_log_records_every_exchange(void **state)
{
    char *text = run_case_with_debug_log(SERVICES_EXE, "registry_create_and_get", WORK_DIR,
                                         "debug-log", 240);
    assert_contains(text, "services.registry_create_and_get");
    assert_contains(text, "> POST http://");
    assert_contains(text, "/tasks (attempt 1)");
    assert_contains(text, "> Content-Type: application/json");
    assert_contains(text, "< got 201 Created after 1 attempt in ");
    assert_contains(text, "> body (");
    free(text);

    /* a failing case: its message names the log, which holds the failed attempts */
    char junit[1200], log[1200];
    snprintf(junit, sizeof junit, "%s/debug-log.xml", WORK_DIR);
    snprintf(log, sizeof log, "%s/debug-log.log", WORK_DIR);
    unlink(log);
    char *out = NULL;
    int rc = shell_run(&out, 240,
                       "INTEGRATION_TEST_LOG_LEVEL=debug INTEGRATION_TEST_RETRY_COUNT=0 "
                       "TASK_REGISTRY_URL=http://itest:s3cret-pw@127.0.0.1:1 '%s' "
                       "--filter registry_create_and_get --junit '%s'",
                       SERVICES_EXE, junit);
    itest_check(rc == 1, "the case should fail against a closed port (exit %d):\n%s", rc, out);
    char names[1300];
    snprintf(names, sizeof names, "(every exchange of this case is in %s)", log);
    assert_contains(out, names);
    free(out);
    text = read_file(log);
    itest_check(text != NULL, "no debug log at %s", log);
    assert_contains(text, "> POST http://itest:***@127.0.0.1:1/tasks");
    assert_contains(text, "no response arrived");
    assert_not_contains(text, "s3cret-pw");
    free(text);
}

/* ITEST_MOCK_ADMIN_TOKEN end to end: a mock started with it refuses the admin API without it,
 * and the suites' admin client sends it, masked in what they print. */
static void admin_token_end_to_end(void **state)
{
    char dir[256], *out = NULL;
    snprintf(dir, sizeof dir, "%s/admin-token-%ld", WORK_DIR, (long)getpid());
    int rc = shell_run(&out, 30,
                       "mkdir -p '%s' && ITEST_MOCK_ADMIN_TOKEN=tok-4f1d9a '%s' --service "
                       "task-registry --detach --replace --state-file '%s/mocks.json'",
                       dir, MOCK_EXE, dir);
    itest_check(rc == 0, "itest-mock with an admin token did not start (exit %d):\n%s", rc, out);
    free(out);
    char env[512];
    snprintf(env, sizeof env, "ITEST_STATE_DIR='%s' ITEST_MOCK_ADMIN_TOKEN=tok-4f1d9a", dir);
    rc = run_suite(&out, env, SERVICES_EXE, "--filter fault_5xx_retried_then_succeeds");
    int ok = rc == 0;
    char *with = out;
    snprintf(env, sizeof env, "ITEST_STATE_DIR='%s'", dir);
    rc = run_suite(&out, env, SERVICES_EXE, "--filter fault_5xx_retried_then_succeeds");
    char *stop = NULL;
    shell_run(&stop, 30, "'%s' --stop --state-file '%s/mocks.json'", MOCK_EXE, dir);
    free(stop);
    itest_check(ok, "with the mock's admin token the fault case should pass:\n%s", with);
    free(with);
    itest_check(rc == 1, "without the admin token the fault case should fail (exit %d):\n%s", rc,
                out);
    assert_contains(out, "admin_unauthorized");
    assert_not_contains(out, "tok-4f1d9a");
    free(out);
}

static const struct itest_case cases[] = {
    ITEST_CASE(fault_cases_fail_without_their_faults),
    ITEST_CASE_SETUP(real_targets_skip_fault_cases, NULL, other_mock_stop),
    ITEST_CASE(unreachable_service_names_the_variable),
    ITEST_CASE(debug_log_records_every_exchange),
    ITEST_CASE(serve_runs_a_suite_by_hand),
    ITEST_CASE(admin_token_end_to_end),
};

ITEST_SUITE_MAIN(cases)
