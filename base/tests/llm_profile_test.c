/* LLM profiles (itest/llm_profile.h): every shipped profile loads, names its version and source
 * and says something about every capability; a profile file with a mistake is refused naming
 * the file and the problem; LLM_CAPABILITIES' +name,-name adjusts and refuses what is not a
 * capability. */
#include "itest/check.h"
#include "itest/file.h"
#include "itest/llm_profile.h"
#include "itest/suite.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const shipped[] = {"openai", "vllm", "ollama", "llamacpp", "litellm", "minimal"};

static void shipped_profiles_load(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof shipped / sizeof *shipped; i++) {
        char path[1024], err[1024];
        snprintf(path, sizeof path, "%s/%s.json", PROFILES_DIR, shipped[i]);
        struct itest_llm_profile p;
        itest_check(itest_llm_profile_load(path, &p, err, sizeof err) == 0, "%s", err);
        itest_check(strcmp(p.name, shipped[i]) == 0, "%s says it is the profile %s", path, p.name);
        itest_check(strstr(p.source, "http") != NULL,
                    "%s: its source should name the documentation it comes from: %s", path,
                    p.source);
        int offered = 0;
        for (int c = 0; c < ITEST_LLM_CAP_COUNT; c++)
            offered += p.has[c];
        if (strcmp(shipped[i], "openai") == 0)
            itest_check(offered == ITEST_LLM_CAP_COUNT, "openai should offer everything");
        if (strcmp(shipped[i], "minimal") == 0)
            itest_check(offered == 0, "minimal should offer nothing optional (%d)", offered);
    }
}

/* Writes text to a file in the work directory and loads it; returns the error. */
static const char *load_text(const char *text, char *err, size_t len)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/profile-%d.json", WORK_DIR, (int)getpid());
    char why[512];
    itest_check(itest_write_file(path, text, strlen(text), why, sizeof why) == 0, "%s", why);
    struct itest_llm_profile p;
    int rc = itest_llm_profile_load(path, &p, err, len);
    unlink(path);
    itest_check(rc == -1, "the profile loaded:\n%s", text);
    itest_check(strstr(err, path) != NULL, "the error does not name the file: %s", err);
    return err;
}

static void bad_profile_files_are_named(void **state)
{
    (void)state;
    char err[1024];
    assert_non_null(
        strstr(load_text("{\"profile\": \"x\", \"capabilities\": {\n  \"n_choices\": tru\n}}", err,
                         sizeof err),
               ":2:"));
    assert_non_null(strstr(load_text("{\"profile\": \"x\", \"version\": \"1\", \"source\": \"s\", "
                                     "\"capabilities\": {\"teleport\": true}}",
                                     err, sizeof err),
                           "teleport"));
    assert_non_null(strstr(load_text("{\"profile\": \"x\", \"version\": \"1\", \"source\": \"s\", "
                                     "\"capabilities\": {\"n_choices\": \"yes\"}}",
                                     err, sizeof err),
                           "n_choices"));
    /* a capability left out is a mistake, not a silent false */
    assert_non_null(strstr(load_text("{\"profile\": \"x\", \"version\": \"1\", \"source\": \"s\", "
                                     "\"capabilities\": {\"n_choices\": true}}",
                                     err, sizeof err),
                           "ratelimit_headers"));
    assert_non_null(strstr(load_text("[1, 2]", err, sizeof err), "capabilities"));
    char path[1100];
    snprintf(path, sizeof path, "%s/no-such-profile.json", WORK_DIR);
    struct itest_llm_profile p;
    itest_check(itest_llm_profile_load(path, &p, err, sizeof err) == -1 && strstr(err, path),
                "a missing file should be named: %s", err);
}

static void adjust_adds_removes_and_refuses(void **state)
{
    (void)state;
    char path[1024], err[1024];
    snprintf(path, sizeof path, "%s/minimal.json", PROFILES_DIR);
    struct itest_llm_profile p;
    itest_check(itest_llm_profile_load(path, &p, err, sizeof err) == 0, "%s", err);
    itest_check(itest_llm_profile_adjust(&p, "+n_choices,+tools, -tools", err, sizeof err) == 0,
                "%s", err);
    assert_true(p.has[ITEST_LLM_CAP_N_CHOICES]);
    assert_false(p.has[ITEST_LLM_CAP_TOOLS]);
    static const char *const bad[] = {"+teleport", "tools", "+", "+n_choices,,", "-N_CHOICES"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        itest_check(itest_llm_profile_adjust(&p, bad[i], err, sizeof err) == -1 &&
                        strstr(err, "is not"),
                    "LLM_CAPABILITIES=%s should be refused (%s)", bad[i], err);
    assert_int_equal(itest_llm_capability_parse("reasoning_tokens"),
                     ITEST_LLM_CAP_REASONING_TOKENS);
    assert_int_equal(itest_llm_capability_parse("reasoning"), -1);
}

static const struct itest_case cases[] = {
    ITEST_CASE(shipped_profiles_load),
    ITEST_CASE(bad_profile_files_are_named),
    ITEST_CASE(adjust_adds_removes_and_refuses),
};

ITEST_SUITE_MAIN(cases)
