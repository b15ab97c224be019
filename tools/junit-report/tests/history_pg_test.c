/* The result history in PostgreSQL (--history postgresql://...), against the throwaway
 * cluster (or DATABASE_URL): the same known answers as in SQLite, recorders at once, pruning
 * and a store of another schema version. Each case works in a schema of its own (the URL's
 * search_path) and drops it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_gen.h"
#include "report_test.h"

#include "itest/check.h"
#include "itest/pg.h"

/* The case's own schema and a history URL that works in it; NULL (the case skipped) when the
 * target is not a postgresql:// URL. */
static char *case_store(PGconn **conn, const char *schema)
{
    char err[512];
    const char *url = itest_pg_conninfo(ITEST_PG_DIRECT, err, sizeof err);
    itest_check(url != NULL, "%s", err);
    if (strncmp(url, "postgresql://", 13) != 0 && strncmp(url, "postgres://", 11) != 0)
        itest_skip("DATABASE_URL is a keyword connection string; --history takes a "
                   "postgresql:// URL (set DATABASE_URL to one to run this case)");
    *conn = itest_pg_connect(ITEST_PG_DIRECT);
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", schema);
    itest_pg_run(*conn, sql);
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
    itest_pg_run(*conn, sql);
    char *store = NULL;
    if (asprintf(&store, "%s%coptions=-csearch_path%%3D%s", url, strchr(url, '?') ? '&' : '?',
                 schema) < 0)
        itest_fail("out of memory");
    return store;
}

static void drop(PGconn *conn, const char *schema)
{
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    itest_pg_run(conn, sql);
    itest_pg_disconnect(conn);
}

static void known_answers_in_postgresql(void **state)
{
    PGconn *conn;
    char *store = case_store(&conn, "history_known");
    struct history_gen g = {.cases = 100,
                            .runs = 24,
                            .flaky_case = 17,
                            .flaky_from = 6,
                            .failing_case = 42,
                            .failing_from = 15};
    history_gen_record(&g, store);
    cJSON *trends = history_gen_trends(store, "");
    const cJSON *flaky = cJSON_GetObjectItem(trends, "flaky");
    itest_check(cJSON_GetArraySize(flaky) >= 1, "no flaky case ranked");
    itest_assert_str(cJSON_GetArrayItem(flaky, 0)->valuestring, "gen.case017");
    const cJSON *c, *since = NULL;
    cJSON_ArrayForEach(
        c,
        cJSON_GetObjectItem(trends, "cases")) if (strcmp(cJSON_GetObjectItem(c, "id")->valuestring,
                                                         "gen.case042") == 0) since =
        cJSON_GetObjectItem(c, "failing_since");
    itest_check(since != NULL, "gen.case042 fails since run 15, yet has no failing_since");
    itest_assert_str(cJSON_GetObjectItem(since, "commit")->valuestring, "commit-15");
    cJSON_Delete(trends);
    free(store);
    drop(conn, "history_known");
}

static void recorders_at_once_in_postgresql(void **state)
{
    PGconn *conn;
    char *store = case_store(&conn, "history_concurrent");
    history_gen_concurrent(store, 4, 6);
    free(store);
    drop(conn, "history_concurrent");
}

static void another_schema_version_in_postgresql(void **state)
{
    PGconn *conn;
    char *store = case_store(&conn, "history_version");
    struct history_gen g = {.cases = 5, .runs = 2};
    history_gen_record(&g, store);
    itest_pg_run(conn, "INSERT INTO history_version.history_migrations VALUES (99, 'later', "
                       "'2030-01-01T00:00:00Z')");
    char *out = NULL;
    int rc = report_run(&out, "--history '%s' --record '%s'", store, history_gen_file(&g, 0));
    itest_check(rc == 2 && strstr(out, "schema version 99"), "exit %d:\n%s", rc, out);
    free(out);
    char *n = itest_pg_value(conn, "SELECT count(*) FROM history_version.history_runs");
    itest_assert_str(n, "2");
    free(n);
    free(store);
    drop(conn, "history_version");
}

static const struct itest_case cases[] = {
    ITEST_CASE(known_answers_in_postgresql),
    ITEST_CASE(recorders_at_once_in_postgresql),
    ITEST_CASE(another_schema_version_in_postgresql),
};

ITEST_SUITE_MAIN(cases)
