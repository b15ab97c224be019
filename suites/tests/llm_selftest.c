/* The llm suite's own checks: SKIP_LLM_TESTS skips every case (prompt cases too), its fault
 * cases fail once their faults are taken away, a broken prompt file stops the listing with its
 * position, and against other servers it runs to the end, reporting what they lack. */
#include "other_mock.h"
#include "shell.h"

#include "itest/check.h"
#include "itest/suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void skip_variable_skips_every_case(void **state)
{
    char *out = NULL;
    int rc = shell_run(&out, 60, "'%s' --list | wc -l", LLM_EXE);
    int listed = atoi(out);
    free(out);
    rc = run_suite(&out, "SKIP_LLM_TESTS=1", LLM_EXE, "");
    int passed, failed, skipped;
    summary_counts(out, "llm", &passed, &failed, &skipped);
    itest_check(rc == 77 && passed == 0 && failed == 0 && skipped == listed && listed > 40,
                "SKIP_LLM_TESTS=1 should skip all %d cases (exit 77); exit %d, %d passed, %d "
                "failed, %d skipped",
                listed, rc, passed, failed, skipped);
    assert_contains(out, "[  SKIPPED ] llm.prompt.say_pong@");
    assert_contains(out, "SKIP_LLM_TESTS");
    free(out);
}

static void fault_cases_fail_without_their_faults(void **state)
{
    const char *filters = expect_fault_cases_fail_without_faults(LLM_EXE, "llm", 6);
    /* and with their faults they pass */
    char *out = NULL;
    int rc = run_suite(&out, "", LLM_EXE, filters);
    itest_check(rc == 0, "the fault cases fail with their faults in place (exit %d):\n%s", rc, out);
    free(out);
}

static void broken_prompt_file_names_its_place(void **state)
{
    char path[256];
    snprintf(path, sizeof path, "%s/broken-%ld.jsonc", WORK_DIR, (long)getpid());
    FILE *f = fopen(path, "w");
    fputs("// a case with a typo in a validator\n{\"cases\": [\n  {\"id\": \"x\", \"prompt\": "
          "\"hi\",\n   \"validators\": [{\"contain\": \"hi\"}]}\n]}\n",
          f);
    fclose(f);
    char env[300];
    snprintf(env, sizeof env, "ITEST_PROMPTS_FILE='%s'", path);
    char *out = NULL;
    int rc = run_suite(&out, env, LLM_EXE, "--list");
    unlink(path);
    itest_check(rc != 0, "listing with a broken prompt file succeeded:\n%s", out);
    char expected[300];
    snprintf(expected, sizeof expected, "%s:4:19: unknown validator \"contain\"", path);
    assert_contains(out, expected);
    free(out);
}

static void second_openai_server_runs_to_the_end(void **state)
{
    /* a first token after 100 ms, as a real model is never instant */
    other_mock_start("--service llm --api-key other-key --ttft-ms 100 --rules " RULES_FILE);
    char env[512];
    snprintf(env, sizeof env, "LLM_BASE_URL='%s/v1' OPENAI_API_KEY=other-key",
             other_mock_url("llm"));
    char *out = NULL;
    int rc = run_suite(&out, env, LLM_EXE, "");
    int passed, failed, skipped;
    summary_counts(out, "llm", &passed, &failed, &skipped);
    itest_check(rc == 0 && failed == 0 && skipped >= 6 && passed > 40,
                "against a second OpenAI-compatible server every case should pass or skip; exit "
                "%d, %d passed, %d failed, %d skipped:\n%s",
                rc, passed, failed, skipped, out);
    assert_contains(out, "LLM_BASE_URL");
    assert_not_contains(out, "other-key");
    free(out);
}

/* A server that offers only chat and /v1/models (the mock playing one, --llm-profile minimal):
 * with LLM_PROFILE=minimal nothing fails and every optional case skips naming its capability;
 * with LLM_PROFILE=auto the probe finds the same; told it is an OpenAI server, the cases of the
 * features it lacks fail, so the profile is what keeps a run honest. */
static void another_server_runs_to_the_end(void **state)
{
    other_mock_start("--service llm --api-key other-key --rules " RULES_FILE
                     " --llm-profile " PROFILES_DIR "/minimal.json");
    char env[900];
    const char *profiles[] = {"minimal", "auto"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(
            env, sizeof env,
            "LLM_BASE_URL='%s/v1' OPENAI_API_KEY=other-key LLM_PROFILE=%s ITEST_STATE_DIR='%s'",
            other_mock_url("llm"), profiles[i], WORK_DIR);
        char cache[600];
        snprintf(cache, sizeof cache, "%s/llm-capabilities.json", WORK_DIR);
        unlink(cache);
        char *out = NULL;
        int rc = run_suite(&out, env, LLM_EXE, "");
        int passed, failed, skipped;
        summary_counts(out, "llm", &passed, &failed, &skipped);
        itest_check(rc == 0 && failed == 0 && skipped >= 20 && passed > 30,
                    "LLM_PROFILE=%s against a server with chat and models only: every case "
                    "should pass or skip; exit %d, %d passed, %d failed, %d skipped:\n%s",
                    profiles[i], rc, passed, failed, skipped, out);
        char says[160];
        snprintf(says, sizeof says,
                 "the LLM target does not offer n_choices (n > 1 gives that many choices): "
                 "LLM_PROFILE=%s says so; LLM_CAPABILITIES=+n_choices runs this case",
                 profiles[i]);
        assert_contains(out, says);
        assert_contains(out, "does not offer responses");
        free(out);
    }
    /* the same server said to be OpenAI: what it lacks fails, naming the feature's case */
    snprintf(env, sizeof env, "LLM_BASE_URL='%s/v1' OPENAI_API_KEY=other-key LLM_PROFILE=openai",
             other_mock_url("llm"));
    char *out = NULL;
    int rc =
        run_suite(&out, env, LLM_EXE, "--filter chat_n_choices --filter 'responses_round_trip@*'");
    int passed, failed, skipped;
    summary_counts(out, "llm", &passed, &failed, &skipped);
    itest_check(rc == 1 && failed >= 2,
                "LLM_PROFILE=openai claims n > 1 and the Responses API, which the server lacks: "
                "those cases should fail; exit %d, %d failed:\n%s",
                rc, failed, out);
    free(out);
    /* a bad profile name is a configuration error, naming the variable */
    rc = run_suite(&out, "LLM_PROFILE=llama", LLM_EXE, "--filter models_list");
    itest_check(rc != 0, "LLM_PROFILE=llama should be refused (exit %d):\n%s", rc, out);
    assert_contains(out, "LLM_PROFILE='llama' is not openai, vllm, ollama, llamacpp, litellm");
    free(out);
    rc = run_suite(&out, "LLM_CAPABILITIES=+teleport", LLM_EXE, "--filter models_list");
    itest_check(rc != 0, "LLM_CAPABILITIES=+teleport should be refused (exit %d):\n%s", rc, out);
    assert_contains(out, "LLM_CAPABILITIES='+teleport' is not a comma list");
    free(out);
}

static void non_openai_server_fails_cleanly(void **state)
{
    other_mock_start("--service task-registry");
    char env[512];
    snprintf(env, sizeof env, "LLM_BASE_URL='%s/v1' INTEGRATION_TEST_TIMEOUT=5",
             other_mock_url("task-registry"));
    char *out = NULL;
    int rc = run_suite(&out, env, LLM_EXE, "");
    int passed, failed, skipped;
    summary_counts(out, "llm", &passed, &failed, &skipped);
    itest_check(rc == 1 && passed == 0 && failed > 40,
                "against a server that is no LLM every case should fail or skip; exit %d, %d "
                "passed, %d failed, %d skipped:\n%s",
                rc, passed, failed, skipped, out);
    assert_contains(out, "[HTTP 4xx]");
    assert_not_contains(out, "signal");
    free(out);
}

static void unreachable_server_names_the_variable(void **state)
{
    char *out = NULL;
    int rc = run_suite(&out, "LLM_BASE_URL=http://127.0.0.1:1/v1", LLM_EXE,
                       "--filter 'chat_round_trip@*' --filter 'prompt.say_pong@*'");
    itest_check(rc == 1, "an unreachable LLM_BASE_URL should fail the cases (exit %d):\n%s", rc,
                out);
    assert_contains(out, "[unavailable] LLM_BASE_URL=http://127.0.0.1:1/v1 does not answer");
    free(out);
    rc = run_suite(&out, "LLM_BASE_URL=http://127.0.0.1:1/v1 ITEST_SKIP_UNAVAILABLE=1", LLM_EXE,
                   "--filter 'chat_round_trip@*' --filter 'prompt.say_pong@*'");
    itest_check(rc == 77, "with ITEST_SKIP_UNAVAILABLE they should skip (exit %d):\n%s", rc, out);
    free(out);
}

/* The debug log masks the key the LLM client sends. */
static void debug_log_masks_the_key(void **state)
{
    char *text = run_case_with_debug_log(LLM_EXE, "models_list", WORK_DIR, "llm-debug", 120);
    assert_contains(text, "> GET http://");
    assert_contains(text, "> Authorization: ***");
    assert_not_contains(text, "Bearer");
    free(text);
}

static const struct itest_case cases[] = {
    ITEST_CASE(debug_log_masks_the_key),
    ITEST_CASE(skip_variable_skips_every_case),
    ITEST_CASE(fault_cases_fail_without_their_faults),
    ITEST_CASE(broken_prompt_file_names_its_place),
    ITEST_CASE_SETUP(second_openai_server_runs_to_the_end, NULL, other_mock_stop),
    ITEST_CASE_SETUP(another_server_runs_to_the_end, NULL, other_mock_stop),
    ITEST_CASE_SETUP(non_openai_server_fails_cleanly, NULL, other_mock_stop),
    ITEST_CASE(unreachable_server_names_the_variable),
};

ITEST_SUITE_MAIN(cases)
