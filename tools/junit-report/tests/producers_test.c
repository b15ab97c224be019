/* Every producer's sample (tests/data, see producers/generate) read into the totals, outcomes,
 * categories, times, models and measurements that data/expected.json says it holds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_test.h"

static void expect_sample(const char *sample)
{
    char *expected_path = NULL;
    if (asprintf(&expected_path, "%s/expected.json", DATA_DIR) < 0)
        itest_fail("out of memory");
    cJSON *all = read_json(expected_path);
    free(expected_path);
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(all, sample);
    if (!want)
        itest_fail("expected.json has no entry for %s", sample);

    const char *json = work_path("report.json");
    char *out;
    int status = report_run(&out, "--quiet --json '%s' '%s/%s'", json, DATA_DIR, sample);
    int failures = (int)json_number(cJSON_GetObjectItemCaseSensitive(want, "totals"), "failed") +
                   (int)json_number(cJSON_GetObjectItemCaseSensitive(want, "totals"), "errored");
    if (status != (failures ? 1 : 0))
        itest_fail("%s: itest-report exited %d (expected %d)\n%s", sample, status, failures ? 1 : 0,
                   out);
    free(out);
    cJSON *got = read_json(json);

    const cJSON *totals = cJSON_GetObjectItemCaseSensitive(got, "totals");
    const cJSON *w;
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(want, "totals"))
    {
        double g = json_number(totals, w->string);
        if (g != w->valuedouble)
            itest_fail("%s: totals.%s is %g, expected %g", sample, w->string, g, w->valuedouble);
    }
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(got, "cases");
    if (cJSON_GetArraySize(cases) !=
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(want, "cases")))
        itest_fail("%s: %d cases read, expected %d", sample, cJSON_GetArraySize(cases),
                   cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(want, "cases")));
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(want, "cases"))
    {
        const cJSON *c = json_case(got, w->string);
        if (!c)
            itest_fail("%s: no case \"%s\" in the report", sample, w->string);
        const char *outcome = cJSON_GetArrayItem(w, 0)->valuestring;
        const cJSON *category = cJSON_GetArrayItem(w, 1);
        const cJSON *seconds = cJSON_GetArrayItem(w, 2);
        const cJSON *g_out = cJSON_GetObjectItemCaseSensitive(c, "outcome");
        const cJSON *g_cat = cJSON_GetObjectItemCaseSensitive(c, "category");
        const cJSON *g_sec = cJSON_GetObjectItemCaseSensitive(c, "seconds");
        if (strcmp(g_out->valuestring, outcome) != 0)
            itest_fail("%s: \"%s\" is %s, expected %s", sample, w->string, g_out->valuestring,
                       outcome);
        /* schema 2 leaves out a member at its default: no category */
        if (cJSON_IsNull(category) != (g_cat == NULL || cJSON_IsNull(g_cat)) ||
            (cJSON_IsString(category) && strcmp(category->valuestring, g_cat->valuestring) != 0))
            itest_fail("%s: \"%s\" has category %s, expected %s", sample, w->string,
                       cJSON_IsString(g_cat) ? g_cat->valuestring : "none",
                       cJSON_IsString(category) ? category->valuestring : "none");
        if (cJSON_IsNull(seconds) != (g_sec == NULL || cJSON_IsNull(g_sec)) ||
            (cJSON_IsNumber(seconds) && fabs(seconds->valuedouble - g_sec->valuedouble) > 1e-6))
            itest_fail("%s: \"%s\" took %g s, expected %g s", sample, w->string,
                       cJSON_IsNumber(g_sec) ? g_sec->valuedouble : -1,
                       cJSON_IsNumber(seconds) ? seconds->valuedouble : -1);
    }
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(want, "models"))
    {
        const cJSON *m, *found = NULL;
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(got, "models"))
        {
            if (strcmp(cJSON_GetObjectItemCaseSensitive(m, "model")->valuestring, w->string) == 0)
                found = m;
        }
        if (!found || json_number(found, "passed") != cJSON_GetArrayItem(w, 0)->valuedouble ||
            json_number(found, "tests") != cJSON_GetArrayItem(w, 1)->valuedouble)
            itest_fail("%s: model %s: expected %g of %g passed", sample, w->string,
                       cJSON_GetArrayItem(w, 0)->valuedouble,
                       cJSON_GetArrayItem(w, 1)->valuedouble);
    }
    int nmetrics = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(got, "metrics"));
    if (nmetrics != cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(want, "metrics")))
        itest_fail("%s: %d measurements, expected %d", sample, nmetrics,
                   cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(want, "metrics")));
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(want, "metrics"))
    {
        int seen = 0;
        const cJSON *m;
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(got, "metrics"))
        {
            char key[1024];
            snprintf(key, sizeof key, "%s %s",
                     cJSON_GetObjectItemCaseSensitive(m, "id")->valuestring,
                     cJSON_GetObjectItemCaseSensitive(m, "name")->valuestring);
            seen |= strcmp(key, w->string) == 0 &&
                    strcmp(cJSON_GetObjectItemCaseSensitive(m, "value")->valuestring,
                           w->valuestring) == 0;
        }
        if (!seen)
            itest_fail("%s: measurement \"%s\" = %s not reported", sample, w->string,
                       w->valuestring);
    }
    int repaired = 0;
    const cJSON *in;
    cJSON_ArrayForEach(in, cJSON_GetObjectItemCaseSensitive(got, "inputs"))
    {
        repaired += json_number(in, "repaired") > 0;
        if (!cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(in, "error")))
            itest_fail("%s: input error %s", sample,
                       cJSON_GetObjectItemCaseSensitive(in, "error")->valuestring);
    }
    if (repaired != (int)json_number(want, "repaired"))
        itest_fail("%s: %d inputs read leniently, expected %g", sample, repaired,
                   json_number(want, "repaired"));
    cJSON_Delete(got);
    cJSON_Delete(all);
}

#define SAMPLE_CASE(fn, path)                                                                      \
    static void fn(void **state)                                                                   \
    {                                                                                              \
        (void)state;                                                                               \
        expect_sample(path);                                                                       \
    }

/* Two roots in one file, names with <, & and quotes written raw, "0,013" seconds. */
SAMPLE_CASE(cmocka_two_roots_unescaped_names_decimal_comma, "cmocka/two-groups-de.xml")
/* Bare <testsuite>, status run/fail/notrun/disabled, empty failure messages. */
SAMPLE_CASE(ctest_status_words_and_empty_messages, "ctest/sample.xml")
/* Labels per case in cmake_labels, a thousands separator, a missing time, a model suffix. */
SAMPLE_CASE(ctest_newer_labels_separators_missing_time, "ctest-labels/sample.xml")
/* Two <failure>s in one case, result="suppressed", NonTestSuiteFailure. */
SAMPLE_CASE(googletest_several_failures_suppressed_outside_test, "gtest/sample.xml")
/* message="Failed" with the reason in the body; a skip with CDATA. */
SAMPLE_CASE(go_junit_report_reason_in_body, "go/report.xml")
/* Name equal to classname, one suite for two describes, @model in names. */
SAMPLE_CASE(jest_junit_models_in_names, "jest/sample.xml")
/* Raw ESC and a character reference to it: read leniently. */
SAMPLE_CASE(jest_junit_raw_control_characters, "jest-control/old-jest-junit.xml")
/* Name and classname swapped, a suite count the cases do not match, CDATA bodies. */
SAMPLE_CASE(mocha_swapped_names_and_wrong_counts, "mocha/sample.xml")
/* Messages with &#10;, a teardown error as a second testcase of the same name. */
SAMPLE_CASE(pytest_xunit1, "pytest/xunit1.xml")
SAMPLE_CASE(pytest_xunit2, "pytest/xunit2.xml")
/* flakyFailure and flakyError pass as flaky; rerunFailure stays failed. */
SAMPLE_CASE(surefire_flaky_and_rerun, "surefire/TEST-com.example.PoolTest.xml")
/* Our own per-case files: labels, measurements, [category] tags, skips. */
SAMPLE_CASE(itest_per_case_files, "itest")

static const struct itest_case cases[] = {
    ITEST_CASE(cmocka_two_roots_unescaped_names_decimal_comma),
    ITEST_CASE(ctest_status_words_and_empty_messages),
    ITEST_CASE(ctest_newer_labels_separators_missing_time),
    ITEST_CASE(googletest_several_failures_suppressed_outside_test),
    ITEST_CASE(go_junit_report_reason_in_body),
    ITEST_CASE(jest_junit_models_in_names),
    ITEST_CASE(jest_junit_raw_control_characters),
    ITEST_CASE(mocha_swapped_names_and_wrong_counts),
    ITEST_CASE(pytest_xunit1),
    ITEST_CASE(pytest_xunit2),
    ITEST_CASE(surefire_flaky_and_rerun),
    ITEST_CASE(itest_per_case_files),
};

ITEST_SUITE_MAIN(cases)
