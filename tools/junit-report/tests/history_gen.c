#include "history_gen.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report_test.h"
#include "trends.h"

#include "itest/check.h"

/* A deterministic uniform number in [-1, 1) for (case, run). */
static double jitter(int c, int r)
{
    unsigned long long x = (unsigned long long)(c * 7919 + r * 104729 + 12345);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return (double)(x % 2000000) / 1000000.0 - 1.0;
}

const char *history_gen_file(const struct history_gen *g, int r)
{
    static char paths[4][1024];
    static int next;
    char *path = paths[next++ % 4];
    char name[64];
    snprintf(name, sizeof name, "run-%03d.xml", r);
    snprintf(path, 1024, "%s", work_path(name));
    FILE *f = fopen(path, "w");
    itest_check(f != NULL, "cannot write %s", path);
    fprintf(f,
            "<testsuite name=\"gen\" tests=\"%d\" timestamp=\"2026-12-01T10:00:00Z\" "
            "time=\"60\">\n",
            g->cases);
    for (int c = 0; c < g->cases; c++) {
        double secs = (0.5 + (c % 7) * 0.1) * (1 + g->noise * jitter(c, r));
        if (g->slow_from && c == g->slow_case && r >= g->slow_from)
            secs *= g->slowdown;
        int fails = (g->failing_from && c == g->failing_case && r >= g->failing_from) ||
                    (g->flaky_from && c == g->flaky_case && r >= g->flaky_from && r % 2);
        fprintf(f, "<testcase classname=\"gen\" name=\"case%03d\" time=\"%.6f\">", c, secs);
        if (c == 3 || c == 4) {
            double p95 = 100 * (1 + g->noise * jitter(c + 1000, r));
            if (c == 3 && g->slow_from && r >= g->slow_from)
                p95 *= 1.5;
            fprintf(f,
                    "<properties><property name=\"measurement.p95_ms\" value=\"%.4f\"/>"
                    "</properties>",
                    p95);
        }
        if (fails)
            fputs("<failure message=\"gen_test.c:10: error: expected 1, got 2\"/>", f);
        fputs("</testcase>\n", f);
    }
    fputs("</testsuite>\n", f);
    itest_check(fclose(f) == 0, "cannot write %s", path);
    return path;
}

void history_gen_record(const struct history_gen *g, const char *store)
{
    for (int r = 0; r < g->runs; r++) {
        char *out = NULL;
        int rc = report_run(&out,
                            "--history '%s' --record --run-meta commit=commit-%d --quiet "
                            "--fail-on never '%s'",
                            store, r, history_gen_file(g, r));
        itest_check(rc == 0, "recording run %d into %s: exit %d:\n%s", r, store, rc, out);
        free(out);
    }
}

cJSON *history_gen_trends(const char *store, const char *extra_args)
{
    const char *json = work_path("trends.json");
    char *out = NULL;
    int rc = report_run(&out, "--history '%s' --quiet --fail-on never --json '%s' %s", store, json,
                        extra_args);
    itest_check(rc == 0, "itest-report --history %s: exit %d:\n%s", store, rc, out);
    free(out);
    cJSON *report = read_json(json);
    cJSON *trends = cJSON_DetachItemFromObject(report, "trends");
    cJSON_Delete(report);
    itest_check(trends != NULL, "%s has no \"trends\"", json);
    itest_assert_str(cJSON_GetObjectItem(trends, "schema")->valuestring, TRENDS_SCHEMA);
    return trends;
}

void history_gen_concurrent(const char *store, int procs, int per)
{
    char files[16][1024];
    itest_check(procs <= 16, "at most 16 processes");
    for (int p = 0; p < procs; p++) {
        char name[64];
        snprintf(name, sizeof name, "proc-%d.xml", p);
        snprintf(files[p], sizeof files[p], "%s", work_path(name));
        FILE *f = fopen(files[p], "w");
        itest_check(f != NULL, "cannot write %s", files[p]);
        fputs("<testsuite name=\"conc\">\n", f);
        for (int c = 0; c < 10; c++)
            fprintf(f,
                    "<testcase classname=\"proc%d\" name=\"case%d\" time=\"0.1\">%s</testcase>\n",
                    p, c, c < p ? "<failure message=\"planted\"/>" : "");
        /* a case every process shares: their rows must not collide */
        fputs("<testcase classname=\"shared\" name=\"case\" time=\"0.1\"/>\n</testsuite>\n", f);
        fclose(f);
    }
    pid_t pids[16];
    for (int p = 0; p < procs; p++) {
        char log[1100];
        snprintf(log, sizeof log, "%s.log", files[p]);
        unlink(log);
    }
    for (int p = 0; p < procs; p++) {
        pids[p] = fork();
        itest_check(pids[p] >= 0, "fork failed");
        if (pids[p] == 0) {
            for (int i = 0; i < per; i++) {
                char cmd[4096];
                snprintf(cmd, sizeof cmd,
                         "'%s' --history '%s' --record --run-meta commit=proc-%d-%d --quiet "
                         "--fail-on never '%s' >>'%s.log' 2>&1",
                         REPORT_EXE, store, p, i, files[p], files[p]);
                if (system(cmd) != 0)
                    _exit(1);
            }
            _exit(0);
        }
    }
    int failed = 0;
    char *why = NULL;
    for (int p = 0; p < procs; p++) {
        int status = 0;
        waitpid(pids[p], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char log[1100];
            snprintf(log, sizeof log, "%s.log", files[p]);
            free(why);
            why = read_file(log);
            failed++;
        }
    }
    itest_check(failed == 0, "%d of %d recording processes failed; one said:\n%s", failed, procs,
                why ? why : "(nothing)");
    char args[64];
    snprintf(args, sizeof args, "--history-runs %d", procs * per + 10);
    cJSON *trends = history_gen_trends(store, args);
    const cJSON *runs = cJSON_GetObjectItem(trends, "runs"), *run;
    itest_check(cJSON_GetArraySize(runs) == procs * per, "%d runs in the store, %d recorded",
                cJSON_GetArraySize(runs), procs * per);
    cJSON_ArrayForEach(run, runs)
    {
        int p = -1, i = -1;
        const char *commit = cJSON_GetObjectItem(run, "commit")->valuestring;
        itest_check(sscanf(commit, "proc-%d-%d", &p, &i) == 2, "a run of commit '%s'", commit);
        /* process p's run: 11 cases, p failing; a mixed or torn run has another rate */
        double want = (11.0 - p) / 11.0, got = json_number(run, "pass_rate");
        itest_check(fabs(got - want) < 1e-4, "run %s: pass rate %g, its own cases give %g", commit,
                    got, want);
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(trends, "cases"))
    {
        int shared = strstr(cJSON_GetObjectItem(c, "id")->valuestring, ".shared.") != NULL;
        itest_check(json_number(c, "ran") == (shared ? procs * per : per),
                    "%s ran %g times, recorded %d", cJSON_GetObjectItem(c, "id")->valuestring,
                    json_number(c, "ran"), shared ? procs * per : per);
    }
    cJSON_Delete(trends);
}

long history_gen_count(const char *store, const char *sql)
{
    sqlite3 *db;
    itest_check(sqlite3_open_v2(store, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK,
                "cannot open %s", store);
    sqlite3_stmt *st = NULL;
    long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    itest_check(n >= 0, "%s: %s failed", store, sql);
    return n;
}
