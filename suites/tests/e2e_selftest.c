/* The e2e suite's own checks: E2E_LLM_API takes chat or responses, and any other value fails
 * every case naming the variable and the value, before a workflow starts. */
#include "other_mock.h"
#include "shell.h"

#include "itest/check.h"
#include "itest/suite.h"

#include <stdlib.h>

static void bad_llm_api_is_named(void **state)
{
    char *out = NULL;
    int rc = run_suite(&out, "E2E_LLM_API=soap", E2E_EXE,
                       "--filter e2e_workflow_succeeds --filter e2e_workflow_through_responses");
    int passed, failed, skipped;
    summary_counts(out, "e2e", &passed, &failed, &skipped);
    itest_check(rc == 1 && failed == 2 && passed == 0,
                "E2E_LLM_API=soap should fail both cases (exit 1); exit %d, %d passed, %d failed, "
                "%d skipped:\n%s",
                rc, passed, failed, skipped, out);
    assert_contains(out, "E2E_LLM_API='soap' is not chat or responses");
    free(out);
}

static const struct itest_case cases[] = {
    ITEST_CASE(bad_llm_api_is_named),
};

ITEST_SUITE_MAIN(cases)
