/* What the reports conclude: flaky cases across files, the comparison with a baseline, budgets,
 * timing-balanced shards, user category rules, labels from ctest's JSON, signature groups. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_test.h"

static const char *suite_file(const char *name, const char *cases)
{
    const char *path = work_path(name);
    char text[8192];
    snprintf(text, sizeof text, "<testsuite name=\"s\">\n%s</testsuite>\n", cases);
    write_text(path, text);
    return path;
}

static void mixed_outcomes_across_files_are_flaky(void **state)
{
    (void)state;
    const char *a = suite_file("a.xml", "<testcase name=\"t\" time=\"1\"/><testcase name=\"u\"/>"
                                        "<testcase name=\"v\"><skipped/></testcase>");
    const char *b = suite_file("b.xml", "<testcase name=\"t\" time=\"3\"><failure message=\"x\"/>"
                                        "</testcase><testcase name=\"u\"/><testcase name=\"v\"/>");
    /* within one file the same name twice is one run with the worse outcome, not flakiness */
    const char *c = suite_file("c.xml", "<testcase name=\"w\"/><testcase name=\"w\">"
                                        "<error message=\"teardown\"/></testcase>");
    const char *json = work_path("r.json");
    char *out;
    int status = report_run(&out, "--json '%s' --fail-on failures '%s' '%s' '%s'", json, a, b, c);
    assert_contains(out, "flaky (1): s.t");
    free(out);
    if (status != 1) /* w errored */
        itest_fail("expected exit 1 for the errored case, got %d", status);
    cJSON *r = read_json(json);
    const cJSON *totals = cJSON_GetObjectItemCaseSensitive(r, "totals");
    if (json_number(totals, "tests") != 4 || json_number(totals, "flaky") != 1 ||
        json_number(totals, "passed") != 2 || json_number(totals, "errored") != 1 ||
        json_number(totals, "runs") != 7)
        itest_fail("expected 4 tests (t flaky, u and v passed, w errored) over 7 runs");
    const cJSON *t = json_case(r, "s.t");
    if (json_number(t, "seconds") != 2)
        itest_fail("a test's time is the mean of its runs: expected 2 s, got %g",
                   json_number(t, "seconds"));
    cJSON_Delete(r);
}

static void baseline_gives_new_failures_fixed_and_slower(void **state)
{
    (void)state;
    const char *v1 = suite_file(
        "v1.xml", "<testcase name=\"stays_green\" time=\"0.2\"/>"
                  "<testcase name=\"breaks\" time=\"0.1\"/>"
                  "<testcase name=\"gets_fixed\" time=\"0.1\"><failure message=\"x\"/></testcase>"
                  "<testcase name=\"stays_red\" time=\"0.1\"><failure message=\"y\"/></testcase>"
                  "<testcase name=\"slows_down\" time=\"0.2\"/>");
    const char *v2 = suite_file(
        "v2.xml", "<testcase name=\"stays_green\" time=\"0.21\"/>"
                  "<testcase name=\"breaks\" time=\"0.1\"><failure message=\"z\"/></testcase>"
                  "<testcase name=\"gets_fixed\" time=\"0.1\"/>"
                  "<testcase name=\"stays_red\" time=\"0.1\"><failure message=\"y\"/></testcase>"
                  "<testcase name=\"slows_down\" time=\"0.6\"/>"
                  "<testcase name=\"is_new\" time=\"0.1\"/>");
    const char *base = work_path("base.json"), *now = work_path("now.json");
    char *out;
    report_run(&out, "--quiet --json '%s' '%s'", base, v1);
    free(out);
    int status =
        report_run(&out, "--json '%s' --baseline '%s' --fail-on new-failures '%s'", now, base, v2);
    if (status != 1)
        itest_fail("a new failure with --fail-on new-failures must exit 1, got %d\n%s", status,
                   out);
    assert_contains(out, "1 new failure, 1 fixed, 1 slower by > 50%");
    assert_contains(out, "new failure: s.breaks");
    free(out);
    cJSON *r = read_json(now);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(r, "baseline");
    const cJSON *slower = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "slower"), 0);
    if (strcmp(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "new_failures"), 0)->valuestring,
            "s.breaks") ||
        strcmp(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "fixed"), 0)->valuestring,
               "s.gets_fixed") ||
        strcmp(cJSON_GetObjectItemCaseSensitive(slower, "id")->valuestring, "s.slows_down"))
        itest_fail("baseline lists are wrong");
    cJSON_Delete(r);
    /* old failures only: --fail-on new-failures passes, --fail-on failures does not */
    status = report_run(&out, "--quiet --baseline '%s' --fail-on new-failures '%s'", base, v1);
    if (status != 0)
        itest_fail("no new failure: expected exit 0, got %d\n%s", status, out);
    free(out);
    status = report_run(&out, "--quiet --fail-on never '%s'", v2);
    if (status != 0)
        itest_fail("--fail-on never: expected exit 0, got %d", status);
    free(out);
}

static void budgets_for_suites_and_labels(void **state)
{
    (void)state;
    char *out;
    int status = report_run(&out,
                            "--budget database=1000 --budget integration=2000 "
                            "--budget llm=1 --budget nosuch=5 '%s/ctest-labels'",
                            DATA_DIR);
    assert_contains(out, "budget database exceeded: 1204.500 s > 1000.000 s");
    assert_not_contains(out, "budget integration exceeded");
    assert_contains(out, "budget nosuch: no suite or label of that name");
    free(out);
    if (status != 1)
        itest_fail("an exceeded budget fails the run: expected exit 1, got %d", status);
}

static void split_balances_shards_that_ctest_can_select(void **state)
{
    (void)state;
    char cases[6000] = "";
    size_t n = 0;
    double total = 0;
    for (int i = 0; i < 40; i++) {
        double secs = 0.1 * ((i * 37) % 23 + 1);
        total += secs;
        n += (size_t)snprintf(cases + n, sizeof cases - n,
                              "<testcase name=\"case_%02d(x)\" time=\"%.1f\"/>\n", i, secs);
    }
    const char *in = suite_file("timed.xml", cases);
    const char *tests = work_path("tests.json"), *dir = work_path("shards");
    write_text(tests, "{\"kind\": \"ctestInfo\", \"tests\": [{\"name\": \"s.case_00(x)\"}, "
                      "{\"name\": \"s.brand_new\", \"properties\": [{\"name\": \"LABELS\", "
                      "\"value\": [\"integration\"]}]}]}");
    char *out;
    report_run(&out, "--quiet --split 3 --split-dir '%s' '%s'", dir, in);
    free(out);
    double load[3] = {0};
    int seen[40] = {0};
    for (int s = 0; s < 3; s++) {
        char path[1200], *list, *re_text;
        snprintf(path, sizeof path, "%s/shard-%d.txt", dir, s + 1);
        list = read_file(path);
        snprintf(path, sizeof path, "%s/shard-%d.regex", dir, s + 1);
        re_text = read_file(path);
        if (!list || !re_text)
            itest_fail("shard %d: missing files", s + 1);
        re_text[strcspn(re_text, "\n")] = '\0';
        regex_t re;
        if (regcomp(&re, re_text, REG_EXTENDED | REG_NOSUB) != 0)
            itest_fail("shard %d: the regex does not compile: %s", s + 1, re_text);
        for (int i = 0; i < 40; i++) {
            char name[64];
            snprintf(name, sizeof name, "s.case_%02d(x)", i);
            char line[80];
            snprintf(line, sizeof line, "%s\n", name);
            int listed = strstr(list, line) != NULL;
            int matched = regexec(&re, name, 0, NULL, 0) == 0;
            if (listed != matched)
                itest_fail("shard %d: %s is %s the list but %s the regex", s + 1, name,
                           listed ? "in" : "not in", matched ? "matches" : "does not match");
            if (listed) {
                seen[i]++;
                load[s] += 0.1 * ((i * 37) % 23 + 1);
            }
        }
        regfree(&re);
        free(list);
        free(re_text);
    }
    for (int i = 0; i < 40; i++)
        if (seen[i] != 1)
            itest_fail("case_%02d is in %d shards", i, seen[i]);
    double lo = load[0], hi = load[0];
    for (int s = 1; s < 3; s++) {
        lo = load[s] < lo ? load[s] : lo;
        hi = load[s] > hi ? load[s] : hi;
    }
    if (hi - lo > 2.3 + 1e-9) /* greedy longest-first: within the longest case */
        itest_fail("shards hold %.1f to %.1f s of %.1f s; not balanced", lo, hi, total);
    /* with --tests-json: only registered tests, new ones at the median time */
    report_run(&out, "--split 2 --split-dir '%s' --tests-json '%s' '%s'", dir, tests, in);
    assert_contains(out, "split: 2 tests into 2 shards");
    assert_contains(out, "1 without a recorded time");
    free(out);
}

static void user_rules_come_first_and_override(void **state)
{
    (void)state;
    const char *rules = work_path("rules.json"), *json = work_path("r.json");
    write_text(rules, "{\"rules\": [\n"
                      " {\"pattern\": \"ECONNREFUSED\", \"category\": \"network\", \"severity\": "
                      "\"high\", \"fix\": \"Start the registry first.\"},\n"
                      " {\"pattern\": \"^Timeout of\", \"category\": \"timeout\", \"severity\": "
                      "\"low\", \"field\": \"message\"}\n]}");
    char *out;
    report_run(&out, "--quiet --categories '%s' --json '%s' '%s/jest' '%s/mocha'", rules, json,
               DATA_DIR, DATA_DIR);
    free(out);
    cJSON *r = read_json(json);
    const cJSON *c = json_case(r, "registry.registry connects");
    if (strcmp(cJSON_GetObjectItemCaseSensitive(c, "category")->valuestring, "network") != 0)
        itest_fail("the user rule did not classify ECONNREFUSED as network");
    const cJSON *k;
    int checked = 0;
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(r, "categories"))
    {
        const char *name = cJSON_GetObjectItemCaseSensitive(k, "name")->valuestring;
        const char *sev = cJSON_GetObjectItemCaseSensitive(k, "severity")->valuestring;
        if (strcmp(name, "network") == 0) {
            checked++;
            if (strcmp(sev, "high") != 0 ||
                strcmp(cJSON_GetObjectItemCaseSensitive(k, "fix")->valuestring,
                       "Start the registry first.") != 0)
                itest_fail("network: severity or fix not taken from the rule");
        }
        if (strcmp(name, "timeout") == 0) {
            checked++;
            if (strcmp(sev, "low") != 0)
                itest_fail("timeout: the rule's severity did not override the built-in one");
        }
    }
    if (checked != 2)
        itest_fail("expected the network and timeout categories in the report");
    cJSON_Delete(r);
}

static void labels_from_ctest_json(void **state)
{
    (void)state;
    const char *tests = work_path("tests.json"), *json = work_path("r.json");
    write_text(
        tests,
        "{\"kind\": \"ctestInfo\", \"version\": {\"major\": 1, \"minor\": 0}, \"tests\": [\n"
        " {\"name\": \"registry.refused\", \"properties\": [{\"name\": \"LABELS\", "
        "\"value\": [\"integration\", \"registry\"]}, {\"name\": \"TIMEOUT\", \"value\": 30}]},\n"
        " {\"name\": \"store.slow\", \"properties\": [{\"name\": \"LABELS\", "
        "\"value\": [\"integration\"]}]}]}");
    char *out;
    report_run(&out, "--quiet --tests-json '%s' --json '%s' '%s/ctest'", tests, json, DATA_DIR);
    free(out);
    cJSON *r = read_json(json);
    const cJSON *labels =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "timing"), "labels");
    const cJSON *row;
    int found = 0;
    cJSON_ArrayForEach(row, labels)
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(row, "name")->valuestring, "integration") ==
            0) {
            found = 1;
            if (json_number(row, "count") != 2 || json_number(row, "failed") != 2)
                itest_fail("label integration: expected 2 cases, 2 failed");
        }
    }
    if (!found)
        itest_fail("no timing row for the label integration");
    cJSON_Delete(r);
}

static void signatures_fold_what_varies(void **state)
{
    (void)state;
    const char *in = suite_file(
        "sig.xml",
        "<testcase name=\"a\"><failure message=\"GET http://127.0.0.1:41234/tasks/"
        "0b7f3c1e-2a4d-4c8e-9f10-1234567890ab failed after 12 ms in "
        "/tmp/itest-a1b2/x\"/></testcase>"
        "<testcase name=\"b\"><failure message=\"GET http://127.0.0.1:50999/tasks/"
        "5d2e9c3a-1b4f-4e7d-8a2b-abcdefabcdef failed after 7 ms in /tmp/itest-zz99/y\"/></testcase>"
        "<testcase name=\"c\"><failure message=\"POST /tasks: HTTP 503 Service "
        "Unavailable\"/></testcase>"
        "<testcase name=\"d\"><failure message=\"POST /tasks: HTTP 404 Not Found\"/></testcase>"
        "<testcase name=\"e\"><failure message=\"sha256 0xdeadbeef differs\"/></testcase>"
        "<testcase name=\"f\"><failure message=\"sha256 0x00c0ffee differs\"/></testcase>"
        "<testcase name=\"g\"><failure message=\"response status=&quot;404&quot; after 3 "
        "tries\"/></testcase>");
    char *out;
    report_run(&out, "'%s'", in);
    assert_contains(out, "2 x GET http://<n>:<port>/tasks/<uuid> failed after <n> ms in <tmp>");
    assert_contains(out, "1 x POST /tasks: HTTP 503 Service Unavailable");
    assert_contains(out, "1 x POST /tasks: HTTP 404 Not Found");
    assert_contains(out, "2 x sha256 <hex> differs");
    /* a status stays however it is quoted */
    assert_contains(out, "1 x response status=\"404\" after <n> tries");
    free(out);
    in = suite_file("sig2.xml", "<testcase name=\"h\"><failure message=\"body {&quot;status&quot;: "
                                "409} after 5 tries\"/></testcase>");
    report_run(&out, "'%s'", in);
    assert_contains(out, "1 x body {\"status\": 409} after <n> tries");
    free(out);
}

static const struct itest_case cases[] = {
    ITEST_CASE(mixed_outcomes_across_files_are_flaky),
    ITEST_CASE(baseline_gives_new_failures_fixed_and_slower),
    ITEST_CASE(budgets_for_suites_and_labels),
    ITEST_CASE(split_balances_shards_that_ctest_can_select),
    ITEST_CASE(user_rules_come_first_and_override),
    ITEST_CASE(labels_from_ctest_json),
    ITEST_CASE(signatures_fold_what_varies),
};

ITEST_SUITE_MAIN(cases)
