/* The result history (--history, --record): generated histories with known answers (a case
 * made flaky at run k ranks first, a failure that began at run k names run k's commit, a 30%
 * slowdown is found and noise of +-10% is not), recorders at once that never lose or mix a run,
 * pruning, the run's shape, GitHub annotations, and the bad stores: another schema version, a
 * locked file, not a database, an unreachable PostgreSQL. The same known answers against the
 * throwaway PostgreSQL are in history_pg_test.c. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "history_gen.h"
#include "report_test.h"
#include "trends.h"

#include "itest/check.h"

static char *must_read(const char *path)
{
    char *text = read_file(path);
    itest_check(text != NULL, "cannot read %s", path);
    return text;
}

static void a_flaky_case_ranks_first_and_a_failure_names_its_first_commit(void **state)
{
    char store[1024];
    snprintf(store, sizeof store, "%s", work_path("store.sqlite"));
    unlink(store);
    struct history_gen g = {.cases = 200,
                            .runs = 30,
                            .flaky_case = 17,
                            .flaky_from = 12,
                            .failing_case = 42,
                            .failing_from = 21};
    history_gen_record(&g, store);
    cJSON *trends = history_gen_trends(store, "");
    const cJSON *flaky = cJSON_GetObjectItem(trends, "flaky");
    itest_check(cJSON_GetArraySize(flaky) >= 1, "no flaky case ranked");
    char want[64];
    snprintf(want, sizeof want, "gen.case%03d", g.flaky_case);
    itest_assert_str(cJSON_GetArrayItem(flaky, 0)->valuestring, want);
    const cJSON *c = NULL, *failing = NULL;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(trends, "cases"))
    {
        snprintf(want, sizeof want, "gen.case%03d", g.failing_case);
        if (strcmp(cJSON_GetObjectItem(c, "id")->valuestring, want) == 0)
            failing = cJSON_GetObjectItem(c, "failing_since");
    }
    itest_check(failing != NULL, "%s is failing in every run since %d, yet has no failing_since",
                want, g.failing_from);
    itest_assert_str(cJSON_GetObjectItem(failing, "commit")->valuestring, "commit-21");
    itest_assert_int(json_number(failing, "runs"), g.runs - g.failing_from);
    cJSON_Delete(trends);
}

static void a_slowdown_of_30_percent_is_found_and_noise_is_not(void **state)
{
    char store[1024];
    snprintf(store, sizeof store, "%s", work_path("store.sqlite"));
    unlink(store);
    struct history_gen g = {
        .cases = 200, .runs = 40, .slow_case = 7, .slow_from = 30, .slowdown = 1.3, .noise = 0.1};
    history_gen_record(&g, store);
    cJSON *trends = history_gen_trends(store, "");
    const cJSON *moved = cJSON_GetObjectItem(trends, "durations");
    itest_check(cJSON_GetArraySize(moved) == 1,
                "%d cases moved; only gen.case007 was slowed (the others are +-10%% noise):\n%s",
                cJSON_GetArraySize(moved), cJSON_PrintUnformatted(moved));
    const cJSON *d = cJSON_GetArrayItem(moved, 0);
    itest_assert_str(cJSON_GetObjectItem(d, "id")->valuestring, "gen.case007");
    double change = json_number(d, "change");
    itest_check(change > 0.2 && change < 0.45, "the change is %g, the slowdown 30%%", change);
    /* the measurement series: p95 of case 3 is up by half from run 30; the rest is noise */
    const cJSON *m = cJSON_GetObjectItem(trends, "measurements");
    itest_check(cJSON_GetArraySize(m) == 1, "%d measurements moved; one did:\n%s",
                cJSON_GetArraySize(m), cJSON_PrintUnformatted(m));
    itest_assert_str(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 0), "name")->valuestring, "p95_ms");
    cJSON_Delete(trends);
}

static void recorders_at_once_never_lose_or_mix_a_run(void **state)
{
    char store[1024];
    snprintf(store, sizeof store, "%s", work_path("store.sqlite"));
    unlink(store);
    history_gen_concurrent(store, 4, 8);
}

static void keep_prunes_the_oldest_runs(void **state)
{
    char store[1024];
    snprintf(store, sizeof store, "%s", work_path("store.sqlite"));
    unlink(store);
    struct history_gen g = {.cases = 20, .runs = 10};
    history_gen_record(&g, store);
    char *out = NULL;
    int rc = report_run(
        &out,
        "--history '%s' --record --history-keep 3 --run-meta commit=commit-10 --fail-on never "
        "--json '%s' '%s'",
        store, work_path("trends.json"), history_gen_file(&g, 9));
    itest_check(rc == 0, "exit %d:\n%s", rc, out);
    itest_check(strstr(out, "pruned 8 old runs") != NULL, "no word of the pruning:\n%s", out);
    free(out);
    cJSON *report = read_json(work_path("trends.json"));
    const cJSON *runs = cJSON_GetObjectItem(cJSON_GetObjectItem(report, "trends"), "runs");
    itest_assert_int(cJSON_GetArraySize(runs), 3);
    itest_assert_str(cJSON_GetObjectItem(cJSON_GetArrayItem(runs, 2), "commit")->valuestring,
                     "commit-10");
    cJSON_Delete(report);
}

static void every_format_shows_the_trends(void **state)
{
    char store[1024];
    snprintf(store, sizeof store, "%s", work_path("store.sqlite"));
    unlink(store);
    struct history_gen g = {.cases = 30,
                            .runs = 12,
                            .flaky_case = 5,
                            .flaky_from = 2,
                            .failing_case = 9,
                            .failing_from = 8};
    history_gen_record(&g, store);
    const char *md = work_path("r.md"), *html = work_path("r.html");
    char *out = NULL;
    int rc = report_run(&out, "--history '%s' --markdown '%s' --html '%s' --fail-on never", store,
                        md, html);
    itest_check(rc == 0, "exit %d:\n%s", rc, out);
    itest_check(strstr(out, "trends over 12 recorded runs") &&
                    strstr(out, "failing gen.case009 since run 9") &&
                    strstr(out, "flaky gen.case005"),
                "the terminal summary lacks the trends:\n%s", out);
    free(out);
    char *text = must_read(md);
    itest_check(strstr(text, "### Trends over 12 recorded runs") &&
                    strstr(text, "| `gen.case009` | 9 |") && strstr(text, "`commit-8`"),
                "the Markdown lacks the trends:\n%s", text);
    free(text);
    text = must_read(html);
    itest_check(strstr(text, "<section id=\"trends\">") && strstr(text, "<polyline") &&
                    !strstr(text, "http://") && !strstr(text, "https://"),
                "the HTML lacks its charts, or names an external asset");
    free(text);
}

static void the_run_shape_comes_from_the_timestamps(void **state)
{
    const char *xml = work_path("shape.xml");
    write_text(xml,
               "<testsuites>\n"
               "<testsuite name=\"a\" tests=\"1\" timestamp=\"2026-12-01T10:00:00\" time=\"10\">"
               "<testcase classname=\"a\" name=\"one\" time=\"10\"/></testsuite>\n"
               "<testsuite name=\"b\" tests=\"1\" timestamp=\"2026-12-01T10:00:05Z\" time=\"10\">"
               "<testcase classname=\"b\" name=\"two\" time=\"10\"/></testsuite>\n"
               "</testsuites>\n");
    const char *json = work_path("shape.json");
    char *out = NULL;
    int rc = report_run(&out, "--jobs 2 --json '%s' '%s'", json, xml);
    itest_check(rc == 0, "exit %d:\n%s", rc, out);
    itest_check(strstr(out, "run: 15.000 s wall, 20.000 s of case time, 2 jobs, parallel "
                            "efficiency 67%"),
                "the run's shape is not in the summary:\n%s", out);
    free(out);
    cJSON *report = read_json(json);
    const cJSON *run = cJSON_GetObjectItem(report, "run");
    itest_check(fabs(json_number(run, "wall_seconds") - 15) < 1e-6, "wall_seconds %g, not 15",
                json_number(run, "wall_seconds"));
    itest_check(fabs(json_number(run, "parallel_efficiency") - 20.0 / 30) < 1e-4,
                "parallel_efficiency %g, not 0.667", json_number(run, "parallel_efficiency"));
    cJSON_Delete(report);
}

static void github_annotations_name_file_and_line_and_stop_at_50(void **state)
{
    const char *xml = work_path("many.xml");
    FILE *f = fopen(xml, "w");
    itest_check(f != NULL, "cannot write %s", xml);
    fputs("<testsuite name=\"s\">\n", f);
    for (int i = 0; i < 60; i++)
        fprintf(f,
                "<testcase classname=\"s\" name=\"c%02d\"><failure message=\"src/x_test.c:%d: "
                "error: status 500, expected 200\"/></testcase>\n",
                i, 100 + i);
    fputs("</testsuite>\n", f);
    fclose(f);
    char *out = NULL;
    int rc = report_run(&out, "--quiet --annotations github '%s'", xml);
    itest_check(rc == 1, "exit %d, not 1 (failures):\n%s", rc, out);
    itest_check(strstr(out, "::error file=src/x_test.c,line=100,title=s.c00::") != NULL,
                "no annotation with the file and line:\n%s", out);
    size_t lines = 0;
    for (const char *p = out; (p = strstr(p, "::error ")); p++)
        lines++;
    itest_assert_size(lines, 50);
    itest_check(strstr(out, "::notice title=itest-report::10 more failures not annotated"),
                "the ten beyond 50 are not summed up:\n%s", out);
    free(out);
}

static void a_store_of_another_schema_version_is_refused_untouched(void **state)
{
    char store[1024];
    snprintf(store, sizeof store, "%s", work_path("store.sqlite"));
    unlink(store);
    struct history_gen g = {.cases = 5, .runs = 2};
    history_gen_record(&g, store);
    sqlite3 *db;
    itest_check(sqlite3_open(store, &db) == SQLITE_OK, "cannot open %s", store);
    itest_check(sqlite3_exec(db,
                             "INSERT INTO history_migrations VALUES (99, 'from the future', "
                             "'2030-01-01T00:00:00Z')",
                             NULL, NULL, NULL) == SQLITE_OK,
                "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    char *out = NULL;
    int rc = report_run(&out, "--history '%s' --record '%s'", store, history_gen_file(&g, 0));
    itest_check(rc == 2, "exit %d, not 2:\n%s", rc, out);
    itest_check(strstr(out, "schema version 99") && strstr(out, "nothing was written"),
                "the message does not name the version:\n%s", out);
    free(out);
    itest_assert_int(history_gen_count(store, "SELECT count(*) FROM history_runs"), 2);
}

static void a_locked_store_is_a_clear_error_and_the_reports_still_come(void **state)
{
    char store[1024];
    snprintf(store, sizeof store, "%s", work_path("store.sqlite"));
    unlink(store);
    struct history_gen g = {.cases = 5, .runs = 1};
    history_gen_record(&g, store);
    sqlite3 *db;
    itest_check(sqlite3_open(store, &db) == SQLITE_OK, "cannot open %s", store);
    itest_check(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK, "%s",
                sqlite3_errmsg(db));
    const char *json = work_path("locked.json");
    unlink(json);
    char *out = NULL;
    int rc = report_run(&out, "--history '%s' --record --history-wait 0.3 --json '%s' '%s'", store,
                        json, history_gen_file(&g, 0));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    itest_check(rc == 2, "exit %d, not 2:\n%s", rc, out);
    itest_check(strstr(out, "locked by another process") && strstr(out, "--history-wait"),
                "the message does not say the store is locked:\n%s", out);
    free(out);
    cJSON *report = read_json(json); /* written, without trends */
    itest_check(cJSON_GetObjectItem(report, "trends") == NULL, "trends from a locked store");
    cJSON_Delete(report);
    itest_assert_int(history_gen_count(store, "SELECT count(*) FROM history_runs"), 1);
}

static void a_file_that_is_no_database_is_named(void **state)
{
    char store[1024];
    snprintf(store, sizeof store, "%s", work_path("not-a-db.sqlite"));
    write_text(store, "this is a text file, not an SQLite database, and long enough to look\n"
                      "like one's header would be: sixteen bytes and more of it.\n");
    char *out = NULL;
    int rc = report_run(&out, "--history '%s'", store);
    itest_check(rc == 2, "exit %d, not 2:\n%s", rc, out);
    itest_check(strstr(out, store) && strstr(out, "not a database"), "unclear:\n%s", out);
    free(out);
    char *text = must_read(store);
    itest_check(strncmp(text, "this is a text file", 19) == 0, "the file was changed");
    free(text);
}

static void an_unreachable_postgresql_is_named_without_its_password(void **state)
{
    char *out = NULL;
    int rc = report_run(&out, "--history 'postgresql://ci:s3cretpw@127.0.0.1:1/history' "
                              "--history-wait 2");
    itest_check(rc == 2, "exit %d, not 2:\n%s", rc, out);
    itest_check(strstr(out, "cannot connect") && strstr(out, "127.0.0.1:1"),
                "the message does not name the store:\n%s", out);
    itest_check(!strstr(out, "s3cretpw"), "the password reached the output:\n%s", out);
    free(out);
}

static void bad_history_options_are_named(void **state)
{
    static const struct {
        const char *args, *expect;
    } bad[] = {{"--record x.xml", "need --history"},
               {"--history h.sqlite --record", "--record needs the run's JUnit inputs"},
               {"--history h.sqlite --history-runs 0 x.xml", "--history-runs='0'"},
               {"--history h.sqlite --trend-window 2 x.xml", "--trend-window='2'"},
               {"--history h.sqlite --history-wait soon x.xml", "--history-wait='soon'"},
               {"--jobs -1 x.xml", "--jobs='-1'"},
               {"--annotations gitlab x.xml", "--annotations='gitlab'"},
               {"--history h.sqlite --run-meta commit x.xml", "--run-meta commit: expected"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *out = NULL;
        int rc = report_run(&out, "%s", bad[i].args);
        itest_check(rc == 2 && strstr(out, bad[i].expect), "itest-report %s: exit %d:\n%s",
                    bad[i].args, rc, out);
        free(out);
    }
}

static void the_change_test_and_the_case_key(void **state)
{
    /* Mann-Whitney: complete separation of 10 and 20 is p < 0.001; equal samples p = 1 */
    double a[20], b[20];
    for (int i = 0; i < 20; i++) {
        a[i] = 1 + i * 0.01;
        b[i] = 2 + i * 0.01;
    }
    double p = mann_whitney_p(a, 20, b, 10);
    itest_check(p < 0.001, "p = %g for separate samples", p);
    p = mann_whitney_p(a, 10, a, 10);
    itest_check(p > 0.9, "p = %g for equal samples", p);
    /* the store's key for a case never changes: a change would split every history in two */
    itest_assert_int(history_case_id("suite", "suite.case") > 0, 1);
    itest_check(history_case_id("suite", "suite.case") == 5371049292601265649LL,
                "the case key changed: %lld", (long long)history_case_id("suite", "suite.case"));
}

static const struct itest_case cases[] = {
    ITEST_CASE(a_flaky_case_ranks_first_and_a_failure_names_its_first_commit),
    ITEST_CASE(a_slowdown_of_30_percent_is_found_and_noise_is_not),
    ITEST_CASE(recorders_at_once_never_lose_or_mix_a_run),
    ITEST_CASE(keep_prunes_the_oldest_runs),
    ITEST_CASE(every_format_shows_the_trends),
    ITEST_CASE(the_run_shape_comes_from_the_timestamps),
    ITEST_CASE(github_annotations_name_file_and_line_and_stop_at_50),
    ITEST_CASE(a_store_of_another_schema_version_is_refused_untouched),
    ITEST_CASE(a_locked_store_is_a_clear_error_and_the_reports_still_come),
    ITEST_CASE(a_file_that_is_no_database_is_named),
    ITEST_CASE(an_unreachable_postgresql_is_named_without_its_password),
    ITEST_CASE(bad_history_options_are_named),
    ITEST_CASE(the_change_test_and_the_case_key),
};

ITEST_SUITE_MAIN(cases)
