/* Bad and hostile input: every problem named with file:line:column, exit 2, the other inputs
 * still reported, memory bounded, never a crash or a hang. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_test.h"

/* Peak RSS of the tool reading a tiny file: what "bounded" is measured against (the asan
 * build's own overhead included). */
static long baseline_rss_kb(void)
{
    char *out;
    long rss;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' --quiet '%s/go/report.xml'", REPORT_EXE, DATA_DIR);
    run_measured(cmd, &rss, &out);
    free(out);
    return rss;
}

static void expect_exit(int status, int want, const char *what, const char *out)
{
    if (status != want)
        itest_fail("%s: expected exit %d, got %d\n%s", what, want, status, out);
}

/* The output names path:line: (any line when line is 0). */
static void assert_position(const char *out, const char *path, int line)
{
    char want[1200];
    if (line)
        snprintf(want, sizeof want, "%s:%d:", path, line);
    else
        snprintf(want, sizeof want, "%s:", path);
    assert_contains(out, want);
}

static char *slurp_sample(const char *sample)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DATA_DIR, sample);
    char *text = read_file(path);
    if (!text)
        itest_fail("%s: cannot read", path);
    return text;
}

static void truncated_file_gives_position_and_others_still_count(void **state)
{
    (void)state;
    char *text = slurp_sample("pytest/xunit2.xml");
    text[strlen(text) / 2] = '\0';
    const char *cut = work_path("cut.xml");
    write_text(cut, text);
    free(text);
    const char *json = work_path("report.json");
    char *out;
    int status = report_run(&out, "--json '%s' '%s' '%s/gtest/sample.xml'", json, cut, DATA_DIR);
    expect_exit(status, 2, "a truncated input", out);
    assert_position(out, cut, 0);
    assert_contains(out, "unexpected end of input");
    free(out);
    /* cut exactly after an element: nothing half-read is left over, only unclosed elements */
    char *text2 = slurp_sample("gtest/sample.xml");
    char *end = strstr(strstr(text2, "</testcase>") + 1, "</testcase>");
    end[strlen("</testcase>")] = '\0';
    const char *cut2 = work_path("cut-at-element.xml");
    write_text(cut2, text2);
    free(text2);
    status = report_run(&out, "'%s'", cut2);
    expect_exit(status, 2, "a file cut after an element", out);
    assert_contains(out, "is not closed (truncated file?)");
    free(out);
    cJSON *r = read_json(json);
    /* the good file's 6 cases are all there, next to what the cut file held before the cut */
    if (!json_case(r, "Store.Unauthorized") || !json_case(r, "Pool.TwoFailures"))
        itest_fail("the readable input's cases are missing from the report");
    if (!json_case(r, "pytest.test_sample.test_passes"))
        itest_fail("the cases before the cut are missing");
    cJSON_Delete(r);
}

static void malformed_xml_gives_line_and_column(void **state)
{
    (void)state;
    const char *bad = work_path("bad.xml");
    write_text(bad, "<testsuite name=\"s\">\n  <testcase name=\"a\">\n</testsuite>\n");
    char *out;
    int status = report_run(&out, "'%s'", bad);
    expect_exit(status, 2, "a tag mismatch", out);
    assert_position(out, bad, 3);
    assert_contains(out, "mismatch");
    free(out);
}

static void empty_garbage_and_foreign_xml_are_named(void **state)
{
    (void)state;
    const char *empty = work_path("empty.xml"), *html = work_path("page.xml"),
               *garbage = work_path("garbage.xml");
    write_text(empty, "");
    write_text(html, "<html><body>not a test report</body></html>\n");
    FILE *f = fopen(garbage, "w");
    for (int i = 0; i < 65536; i++)
        fputc((i * 7919 + 13) & 0xff, f);
    fclose(f);
    char *out;
    int status = report_run(&out, "'%s' '%s' '%s'", empty, html, garbage);
    expect_exit(status, 2, "empty, foreign and garbage inputs", out);
    assert_contains(out, "no XML content (empty input)");
    assert_contains(out, "not JUnit XML: the root element is <html>");
    assert_position(out, garbage, 1);
    free(out);
}

static void missing_and_unreadable_inputs(void **state)
{
    (void)state;
    char *out;
    int status = report_run(&out, "/nonexistent/results.xml '%s/go/report.xml'", DATA_DIR);
    expect_exit(status, 2, "a missing input", out);
    assert_contains(out, "/nonexistent/results.xml: cannot read: No such file or directory");
    assert_contains(out, "tests 4:"); /* the other input is still reported */
    free(out);
}

static void entity_expansion_is_not_performed(void **state)
{
    (void)state;
    const char *bomb = work_path("laughs.xml");
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text,
                                "<?xml version=\"1.0\"?>\n<!DOCTYPE testsuite [\n"
                                " <!ENTITY l0 \"lollollollollollollollollollol\">\n");
    for (int i = 1; i <= 9; i++)
        n += (size_t)snprintf(
            text + n, sizeof text - n,
            " <!ENTITY l%d \"&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;\">\n", i, i - 1,
            i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    snprintf(text + n, sizeof text - n,
             "]>\n<testsuite name=\"s\"><testcase name=\"&l9;\"><failure message=\"&l9;\"/>"
             "</testcase></testsuite>\n");
    write_text(bomb, text);
    long base = baseline_rss_kb(), rss;
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "timeout 60 '%s' --json '%s' '%s'", REPORT_EXE, work_path("r.json"),
             bomb);
    int status = run_measured(cmd, &rss, &out);
    /* declared entities are never expanded: the reference stays as text, or the input is refused */
    if (status != 1 && status != 2)
        itest_fail("expected a report (1) or a refusal (2), got %d\n%s", status, out);
    if (rss > base + 32 * 1024)
        itest_fail("peak RSS %ld KiB against %ld KiB for a tiny input: the entities were expanded",
                   rss, base);
    if (strstr(out, "lollollollollollollollollollollol"))
        itest_fail("an entity was expanded:\n%.300s", out);
    free(out);
}

static void deep_nesting_is_refused_with_position(void **state)
{
    (void)state;
    const char *deep = work_path("deep.xml");
    FILE *f = fopen(deep, "w");
    for (int i = 0; i < 10000; i++)
        fputs("<testsuite name=\"n\">", f);
    fputs("<testcase name=\"x\"/>", f);
    for (int i = 0; i < 10000; i++)
        fputs("</testsuite>", f);
    fputc('\n', f);
    fclose(f);
    char *out;
    int status = report_run(&out, "'%s'", deep);
    expect_exit(status, 2, "10,000-deep nesting", out);
    assert_position(out, deep, 1);
    assert_contains(out, "nested deeper than 256 levels");
    free(out);
}

static void huge_output_streams_in_bounded_memory(void **state)
{
    (void)state;
    const char *big = work_path("big-output.xml");
    FILE *f = fopen(big, "w");
    if (!f)
        itest_fail("%s: cannot create", big);
    fputs("<testsuite name=\"s\"><testcase name=\"chatty\" time=\"1.5\"><system-out>", f);
    char line[1024];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (int i = 0; i < 100 * 1024; i++) /* 100 MiB */
        fwrite(line, 1, sizeof line, f);
    fputs("&lt;DartMeasurement name=\"after_100_mib\" type=\"numeric/double\"&gt;42"
          "&lt;/DartMeasurement&gt;\n</system-out></testcase></testsuite>\n",
          f);
    if (fclose(f) != 0)
        itest_fail("%s: write failed", big);
    long base = baseline_rss_kb(), rss;
    const char *json = work_path("r.json");
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "timeout 120 '%s' --json '%s' '%s'", REPORT_EXE, json, big);
    int status = run_measured(cmd, &rss, &out);
    unlink(big);
    if (status != 0)
        itest_fail("expected exit 0, got %d\n%s", status, out);
    free(out);
    if (rss > base + 16 * 1024)
        itest_fail("peak RSS %ld KiB for 100 MiB of output against %ld KiB for a tiny input: "
                   "the output is being held",
                   rss, base);
    cJSON *r = read_json(json);
    const cJSON *m = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "metrics"), 0);
    if (!m || strcmp(cJSON_GetObjectItemCaseSensitive(m, "value")->valuestring, "42") != 0)
        itest_fail("the measurement after 100 MiB of output was not found");
    itest_progress("peak RSS %ld KiB (tiny input: %ld KiB)", rss, base);
    cJSON_Delete(r);
}

static void standard_input_and_directories(void **state)
{
    (void)state;
    char *out;
    int status = report_run(&out, "- < '%s/go/report.xml'", DATA_DIR);
    if (status != 1)
        itest_fail("stdin: expected exit 1 (failures), got %d\n%s", status, out);
    assert_contains(out, "tests 4: passed 1, failed 2");
    free(out);
    /* a directory: every *.xml below it, nothing else */
    status = report_run(&out, "'%s/itest' '%s/surefire'", DATA_DIR, DATA_DIR);
    assert_contains(out, "6 inputs");
    assert_contains(out, "tests 17:");
    free(out);
    /* a broken stdin is read leniently from its copy, like a file */
    status = report_run(&out, "- < '%s/cmocka/two-groups-de.xml'", DATA_DIR);
    assert_contains(out, "tests 5: passed 2, failed 2");
    assert_contains(out, "read leniently");
    free(out);
}

static void bad_command_lines_exit_2_naming_the_flag(void **state)
{
    (void)state;
    const char *rules = work_path("rules.json"), *badjson = work_path("bad.json"),
               *badre = work_path("badre.json");
    write_text(rules,
               "{\"rules\": [{\"pattern\": \"x\", \"category\": \"y\", \"colour\": \"red\"}]}");
    write_text(badjson, "{\"rules\": [\n  {\"pattern\": \"x\",,}\n]}");
    write_text(badre, "[{\"pattern\": \"(unclosed\", \"category\": \"y\"}]");
    const struct {
        const char *args, *says;
    } rows[] = {
        {"", "no input given"},
        {"--split 0 x.xml", "--split 0: expected a number of shards"},
        {"--split many x.xml", "--split many"},
        {"--budget llm x.xml", "--budget llm: expected NAME=SECONDS"},
        {"--budget llm=-1 x.xml", "--budget llm=-1"},
        {"--fail-on sometimes x.xml", "--fail-on sometimes"},
        {"--fail-on new-failures x.xml", "--fail-on new-failures needs --baseline"},
        {"--slower -5 x.xml", "--slower -5"},
        {"--frobnicate x.xml", "--frobnicate: unknown option"},
        {"--json", "--json: unknown option or missing value"},
        {"--categories /nonexistent.json x.xml", "/nonexistent.json: No such file or directory"},
        {"--baseline /nonexistent.json x.xml",
         "--baseline /nonexistent.json: No such file or directory"},
        {"--tests-json /nonexistent.json x.xml",
         "--tests-json /nonexistent.json: No such file or directory"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *out;
        int status = report_run(&out, "%s", rows[i].args);
        if (status != 2 || !strstr(out, rows[i].says))
            itest_fail("itest-report %s: expected exit 2 saying \"%s\", got %d:\n%s", rows[i].args,
                       rows[i].says, status, out);
        free(out);
    }
    char *out;
    report_run(&out, "--categories '%s' x.xml", rules);
    assert_contains(out, "rule 1: unknown member \"colour\"");
    free(out);
    report_run(&out, "--categories '%s' x.xml", badjson);
    assert_position(out, badjson, 2);
    free(out);
    report_run(&out, "--categories '%s' x.xml", badre);
    assert_contains(out, "rule 1: pattern \"(unclosed\"");
    free(out);
    report_run(&out, "--baseline '%s/go/report.xml' x.xml", DATA_DIR);
    assert_contains(out, "invalid JSON");
    free(out);
}

static void help_version_and_unwritable_outputs(void **state)
{
    (void)state;
    char *out;
    if (report_run(&out, "--help") != 0)
        itest_fail("--help must exit 0:\n%s", out);
    assert_contains(out, "usage: itest-report");
    assert_contains(out, "--split N");
    free(out);
    if (report_run(&out, "--version") != 0)
        itest_fail("--version must exit 0:\n%s", out);
    assert_contains(out, "itest-report ");
    free(out);
    int status = report_run(&out, "--json /nonexistent/dir/r.json '%s/go/report.xml'", DATA_DIR);
    expect_exit(status, 2, "an output that cannot be written", out);
    assert_contains(out, "/nonexistent/dir/r.json: cannot write");
    free(out);
}

static const struct itest_case cases[] = {
    ITEST_CASE(truncated_file_gives_position_and_others_still_count),
    ITEST_CASE(malformed_xml_gives_line_and_column),
    ITEST_CASE(empty_garbage_and_foreign_xml_are_named),
    ITEST_CASE(missing_and_unreadable_inputs),
    ITEST_CASE(entity_expansion_is_not_performed),
    ITEST_CASE(deep_nesting_is_refused_with_position),
    ITEST_CASE(huge_output_streams_in_bounded_memory),
    ITEST_CASE(standard_input_and_directories),
    ITEST_CASE(bad_command_lines_exit_2_naming_the_flag),
    ITEST_CASE(help_version_and_unwritable_outputs),
};

ITEST_SUITE_MAIN(cases)
