/* Every output format: the JSON schema's top level, a merged JUnit that validates against
 * Jenkins' junit-10.xsd and reads back to the same totals, Markdown that fits a step summary
 * and renders (cmark-gfm) without entity text,
 * self-contained HTML, CSV with one row per case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_test.h"

#define ALL_SAMPLES                                                                                \
    "'" DATA_DIR "/cmocka' '" DATA_DIR "/ctest' '" DATA_DIR "/gtest' '" DATA_DIR "/go' '" DATA_DIR \
    "/jest' '" DATA_DIR "/mocha' '" DATA_DIR "/pytest/xunit2.xml' '" DATA_DIR                      \
    "/surefire' '" DATA_DIR "/itest'"

static void json_top_level_follows_the_schema(void **state)
{
    (void)state;
    const char *json = work_path("r.json");
    char *out;
    report_run(&out, "--quiet --json '%s' " ALL_SAMPLES, json);
    free(out);
    cJSON *r = read_json(json);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(r, "schema");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, "itest-report/2") != 0)
        itest_fail("\"schema\" must be \"itest-report/2\"");
    const cJSON *totals = cJSON_GetObjectItemCaseSensitive(r, "totals");
    double sum = 0;
    static const char *const parts[] = {"passed", "failed", "errored", "skipped", "flaky"};
    for (int i = 0; i < 5; i++)
        sum += json_number(totals, parts[i]);
    if (sum != json_number(totals, "tests"))
        itest_fail("totals: passed+failed+errored+skipped+flaky = %g, tests = %g", sum,
                   json_number(totals, "tests"));
    static const char *const members[] = {"inputs", "categories", "suites_most_affected",
                                          "timing", "budgets",    "baseline",
                                          "flaky",  "models",     "metrics",
                                          "cases"};
    for (size_t i = 0; i < sizeof members / sizeof *members; i++)
        if (!cJSON_GetObjectItemCaseSensitive(r, members[i]))
            itest_fail("the report lacks \"%s\"", members[i]);
    const cJSON *cat = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "categories"), 0);
    static const char *const cat_members[] = {"name", "severity", "fix", "failures", "groups"};
    for (size_t i = 0; i < 5; i++)
        if (!cJSON_GetObjectItemCaseSensitive(cat, cat_members[i]))
            itest_fail("a category lacks \"%s\"", cat_members[i]);
    const cJSON *row = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "timing"), "suites"),
        0);
    static const char *const stats[] = {"count", "total", "mean", "min",
                                        "max",   "p50",   "p95",  "p99"};
    for (size_t i = 0; i < 8; i++)
        json_number(row, stats[i]);
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "cases")) !=
        (int)json_number(totals, "tests"))
        itest_fail("\"cases\" must hold every test once");
    cJSON_Delete(r);
}

static void merged_junit_validates_and_reads_back(void **state)
{
    (void)state;
    const char *merged = work_path("merged.xml"), *j1 = work_path("r1.json"),
               *j2 = work_path("r2.json");
    char *out;
    report_run(&out, "--quiet --junit '%s' --json '%s' " ALL_SAMPLES, merged, j1);
    free(out);
    int status = shell_run(&out, 60, "xmllint --noout --schema '%s' '%s'", SCHEMA_PATH, merged);
    if (status != 0)
        itest_fail("the merged JUnit does not validate against junit-10.xsd:\n%s", out);
    free(out);
    report_run(&out, "--quiet --json '%s' '%s'", j2, merged);
    free(out);
    cJSON *a = read_json(j1), *b = read_json(j2);
    static const char *const keys[] = {"tests", "passed", "failed", "errored", "skipped", "flaky"};
    for (int i = 0; i < 6; i++) {
        double x = json_number(cJSON_GetObjectItemCaseSensitive(a, "totals"), keys[i]);
        double y = json_number(cJSON_GetObjectItemCaseSensitive(b, "totals"), keys[i]);
        if (x != y)
            itest_fail("totals.%s: %g from the inputs, %g from the merged file", keys[i], x, y);
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static void markdown_fits_a_step_summary(void **state)
{
    (void)state;
    /* 3,000 suites make a timing table far over the limit */
    const char *many = work_path("many.xml"), *md = work_path("r.md");
    FILE *f = fopen(many, "w");
    fputs("<testsuites>\n", f);
    for (int i = 0; i < 3000; i++)
        fprintf(f,
                "<testsuite name=\"suite_with_a_long_name_%04d\"><testcase name=\"c\" "
                "time=\"0.5\"/></testsuite>\n",
                i);
    fputs("</testsuites>\n", f);
    fclose(f);
    char *out;
    report_run(&out, "--quiet --markdown '%s' '%s'", md, many);
    free(out);
    char *text = read_file(md);
    size_t n = strlen(text);
    if (n >= 65000)
        itest_fail("the Markdown is %zu bytes; a step summary needs it under 65,000", n);
    assert_contains(text, "cut here to fit a CI step summary");
    free(text);
    report_run(&out, "--quiet --markdown '%s' '%s/jest/sample.xml'", md, DATA_DIR);
    free(out);
    text = read_file(md);
    assert_contains(text, "| tests | passed | failed |");
    assert_contains(text, "### Failures by category");
    assert_contains(text, "### Pass rate per model");
    assert_not_contains(text, "cut here");
    free(text);
}

/* The Markdown as GitHub shows it (cmark-gfm with tables, Debian's cmark-gfm): no entity text
 * inside code spans (a signature's <n> and <tmp> read as such), the tables are tables. */
static void markdown_renders_without_entity_text(void **state)
{
    (void)state;
    char *out = NULL;
    if (shell_run(&out, 10, "command -v cmark-gfm") != 0) {
        free(out);
        itest_skip("cmark-gfm is not installed (scripts/bootstrap installs Debian's cmark-gfm)");
    }
    free(out);
    const char *md = work_path("r.md"), *html = work_path("r.html");
    report_run(&out, "--quiet --markdown '%s' " ALL_SAMPLES, md);
    free(out);
    int rc = shell_run(&out, 30, "cmark-gfm -e table '%s' > '%s'", md, html);
    itest_check(rc == 0, "cmark-gfm failed on %s (exit %d): %s", md, rc, out);
    free(out);
    char *text = read_file(html);
    static const char *const shown[] = {"&amp;lt;", "&amp;gt;", "&amp;amp;", "&amp;quot;",
                                        "raw HTML omitted"};
    for (size_t i = 0; i < sizeof shown / sizeof *shown; i++) {
        const char *at = strstr(text, shown[i]);
        itest_check(at == NULL, "the rendered Markdown shows the text '%s' near: %.160s", shown[i],
                    at ? (at > text + 60 ? at - 60 : text) : "");
    }
    assert_contains(text, "&lt;n&gt;</code>"); /* a folded number in a signature, as <n> */
    assert_contains(text, "<table>");
    assert_contains(text, "<th>suggested fix</th>");
    free(text);
}

/* --fact reaches the top of every report; measurements carry their units, four significant
 * digits, one row per case, and stay out of the Markdown unless asked for. */
static void facts_and_measurements_read_as_written(void **state)
{
    (void)state;
    const char *in = work_path("m.xml"), *md = work_path("m.md"), *json = work_path("m.json"),
               *html = work_path("m.html");
    write_text(in, "<testsuite name=\"perf\"><testcase name=\"get\" time=\"1.5\"><properties>"
                   "<property name=\"measurement.p95_ms\" value=\"12.50490001\"/>"
                   "<property name=\"measurement.throughput_rps\" value=\"77.93223231\"/>"
                   "<property name=\"measurement.requests\" value=\"117\"/>"
                   "</properties></testcase></testsuite>");
    char *out;
    report_run(&out,
               "--quiet --fact 'commit=1a2b3c4' --fact 'wall time=50 s' --fact "
               "'DATABASE_URL=postgresql://app:hunter2@db.test/app' --markdown '%s' --json '%s' "
               "--html '%s' '%s'",
               md, json, html, in);
    free(out);
    char *text = read_file(md);
    assert_contains(text, "**commit:** 1a2b3c4 · **wall time:** 50 s");
    assert_contains(text, "sum of case times s");
    assert_contains(text, "3 measurements are in the JSON and HTML reports");
    assert_not_contains(text, "12.5049");
    free(text);
    text = read_file(html);
    assert_contains(text, "<th>commit</th><td>1a2b3c4</td>");
    assert_contains(text, "postgresql://app:***@db.test/app"); /* a fact's password is redacted */
    assert_not_contains(text, "hunter2");
    assert_contains(text, "p95 12.5 ms<br>requests 117<br>throughput 77.93 req/s");
    assert_contains(text, "<summary>Every case (1)</summary>");
    free(text);
    cJSON *r = read_json(json);
    const cJSON *facts = cJSON_GetObjectItemCaseSensitive(r, "facts");
    const cJSON *wall = cJSON_GetObjectItemCaseSensitive(facts, "wall time");
    itest_check(cJSON_IsString(wall) && strcmp(wall->valuestring, "50 s") == 0,
                "the JSON's facts lack \"wall time\": \"50 s\"");
    cJSON_Delete(r);
    report_run(&out, "--quiet --markdown-measurements --markdown '%s' '%s'", md, in);
    free(out);
    text = read_file(md);
    assert_contains(text, "| perf.get | p95 12.5 ms, requests 117, throughput 77.93 req/s |");
    free(text);
    /* a fact needs a name */
    int rc = report_run(&out, "--fact '=x' '%s'", in);
    itest_check(rc == 2, "--fact =x should be refused (exit 2), exit %d", rc);
    assert_contains(out, "--fact =x: expected NAME=VALUE");
    free(out);
}

static void html_is_one_self_contained_page(void **state)
{
    (void)state;
    const char *html = work_path("r.html");
    char *out;
    report_run(&out, "--quiet --html '%s' " ALL_SAMPLES, html);
    free(out);
    char *text = read_file(html);
    assert_contains(text, "<!DOCTYPE html>");
    static const char *const charts[] = {"aria-label=\"outcome totals\"",
                                         "aria-label=\"duration histogram\"",
                                         "aria-label=\"time per suite\""};
    for (int i = 0; i < 3; i++)
        assert_contains(text, charts[i]);
    static const char *const external[] = {"<script", "src=",    "href=\"http",
                                           "url(",    "@import", "<link"};
    for (size_t i = 0; i < sizeof external / sizeof *external; i++)
        assert_not_contains(text, external[i]);
    assert_contains(text, "status &lt;pending&gt; &amp; &quot;running&quot;"); /* escaped */
    free(text);
}

/* The HTML page as a reader sees it, laid out by headless Chromium (Debian's chromium): the run's
 * facts under the title, the per-case list, and no chart label cut off or running into its
 * neighbour (browser/check.js measures them). A screenshot stays in the work directory for
 * reviewers: <work>/report_outputs.html_in_a_browser-report.png. */
static void html_in_a_browser(void **state)
{
    (void)state;
    char *out = NULL;
    if (shell_run(&out, 10, "command -v chromium") != 0) {
        free(out);
        itest_skip("chromium is not installed (scripts/bootstrap installs Debian's chromium)");
    }
    free(out);
    const char *html = work_path("r.html"), *check = work_path("check.html"),
               *png = work_path("report.png"), *profile = work_path("profile");
    report_run(&out,
               "--quiet --fact commit=1a2b3c4 --fact 'targets=the embedded default (mocks)' "
               "--html '%s' " ALL_SAMPLES,
               html);
    free(out);
    char *page = read_file(html), *script = read_file(CHECK_JS);
    itest_check(page && script, "cannot read %s or %s", html, CHECK_JS);
    char *end = strstr(page, "</body>");
    itest_check(end != NULL, "%s has no </body>", html);
    FILE *f = fopen(check, "w");
    itest_check(f != NULL, "cannot write %s", check);
    fprintf(f, "%.*s<script>\n%s</script>\n%s", (int)(end - page), page, script, end);
    fclose(f);
    free(page);
    free(script);
    static const char flags[] = "--headless --no-sandbox --disable-gpu --no-first-run "
                                "--disable-dev-shm-usage --hide-scrollbars";
    int rc = shell_run(&out, 120,
                       "rm -rf '%s' && chromium %s --user-data-dir='%s' --virtual-time-budget=5000 "
                       "--dump-dom 'file://%s' 2>/dev/null",
                       profile, flags, profile, check);
    itest_check(rc == 0, "chromium --dump-dom exited %d:\n%.2000s", rc, out);
    const char *verdict = strstr(out, "<pre id=\"verdict\">");
    itest_check(verdict != NULL, "the check did not run (no verdict in the page):\n%.2000s", out);
    verdict += strlen("<pre id=\"verdict\">");
    const char *close = strstr(verdict, "</pre>");
    itest_check(close && strncmp(verdict, "ok</pre>", 8) == 0, "in the browser:\n%.*s",
                close ? (int)(close - verdict) : 2000, verdict);
    free(out);
    rc = shell_run(&out, 120,
                   "chromium %s --user-data-dir='%s' --window-size=1280,2400 --screenshot='%s' "
                   "'file://%s' 2>/dev/null; test -s '%s'",
                   flags, profile, png, html, png);
    itest_check(rc == 0, "no screenshot at %s:\n%.2000s", png, out);
    free(out);
    printf("screenshot of the report: %s\n", png);
}

static void csv_has_one_row_per_case(void **state)
{
    (void)state;
    const char *csv = work_path("r.csv");
    char *out;
    report_run(&out, "--quiet --csv '%s' '%s/cmocka' '%s/ctest-labels'", csv, DATA_DIR, DATA_DIR);
    free(out);
    char *text = read_file(csv);
    int rows = 0;
    for (const char *p = text; *p; p++)
        rows += *p == '\n';
    if (rows != 1 + 5 + 3)
        itest_fail("%d lines; expected a header and 8 cases:\n%s", rows, text);
    assert_contains(text, "suite,case,labels,outcome,seconds,category\n");
    assert_contains(text,
                    "registry,\"status <pending> & \"\"running\"\"\",,failed,0.000,assertion\n");
    assert_contains(text, "database,login,integration;database,failed,4.250,auth\n");
    free(text);
}

static const struct itest_case cases[] = {
    ITEST_CASE(json_top_level_follows_the_schema),
    ITEST_CASE(merged_junit_validates_and_reads_back),
    ITEST_CASE(markdown_fits_a_step_summary),
    ITEST_CASE(markdown_renders_without_entity_text),
    ITEST_CASE(html_is_one_self_contained_page),
    ITEST_CASE(html_in_a_browser),
    ITEST_CASE(facts_and_measurements_read_as_written),
    ITEST_CASE(csv_has_one_row_per_case),
};

ITEST_SUITE_MAIN(cases)
