/* The database suite has teeth: against a doctored copy of the schema (a column type changed, a
 * constraint dropped) its schema cases fail with the diff and its integrity cases name the
 * missing constraint. And its overrides work: DATABASE_URL replaces the fixture. */
#include "shell.h"

#include "itest/check.h"
#include "itest/pg.h"
#include "itest/suite.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A schema with fixtures/sql applied, then doctored with alter (may be NULL). */
static void doctored(PGconn *c, char schema[64], const char *alter)
{
    itest_pg_schema_create(c, schema);
    char err[4096];
    itest_check(itest_pg_migrate(c, NULL, err, sizeof err) > 0, "migrations: %s", err);
    if (!alter)
        return;
    PGresult *r = PQexec(c, alter); /* several statements: the simple protocol */
    itest_check(PQresultStatus(r) == PGRES_COMMAND_OK, "doctoring %s with %s: %s", schema, alter,
                PQresultErrorMessage(r));
    PQclear(r);
}

/* Runs the suite's cases matching filter against schema; returns the exit status. */
static int run_suite(char **out, const char *schema, const char *filter)
{
    return shell_run(out, 120, "ITEST_DB_SCHEMA='%s' '%s' --filter '%s'", schema, DATABASE_EXE,
                     filter);
}

static int drop_schema(void **state)
{
    (void)state;
    itest_pg_disconnect_all();
    return 0;
}

static void column_change_fails_with_diff(void **state)
{
    PGconn *c = itest_pg_connect(ITEST_PG_DIRECT);
    char schema[64];
    doctored(c, schema,
             "ALTER TABLE tasks ALTER COLUMN priority TYPE integer, "
             "ALTER COLUMN priority DROP NOT NULL");
    char *out = NULL;
    int rc = run_suite(&out, schema, "schema_columns_match");
    itest_pg_schema_drop(ITEST_PG_DIRECT, schema);
    itest_check(rc == 1, "the schema case should fail (exit 1), exit %d:\n%s", rc, out);
    assert_contains(out, "tasks.priority: expected smallint NOT NULL, found integer NULL");
    free(out);
}

static void dropped_constraint_and_index_fail_with_diff(void **state)
{
    PGconn *c = itest_pg_connect(ITEST_PG_DIRECT);
    char schema[64];
    doctored(c, schema,
             "ALTER TABLE tasks DROP CONSTRAINT tasks_priority_range; "
             "DROP INDEX task_events_task_idx; "
             "ALTER TABLE artifacts ALTER COLUMN created_at DROP DEFAULT");
    char *out = NULL;
    int rc = run_suite(&out, schema, "schema_*");
    itest_pg_schema_drop(ITEST_PG_DIRECT, schema);
    itest_check(rc == 1, "the schema cases should fail (exit 1), exit %d:\n%s", rc, out);
    assert_contains(out, "constraint tasks.tasks_priority_range: missing (expected CHECK");
    assert_contains(out, "index task_events.task_events_task_idx: missing (expected btree");
    assert_contains(out, "artifacts.created_at default: expected now(), found none");
    assert_contains(out, "[       OK ] database.schema_tables_match");
    free(out);
}

/* Every guard the integrity cases name, removed in turn, fails them with its name. */
static void each_missing_constraint_fails_integrity(void **state)
{
    PGconn *c = itest_pg_connect(ITEST_PG_DIRECT);
    char probe[64];
    doctored(c, probe, NULL);
    PGresult *r = itest_pg_exec(c,
                                "SELECT c.relname, con.conname, con.contype = 'p' "
                                "FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
                                "WHERE con.connamespace = $1::regnamespace "
                                "AND con.contype IN ('c', 'f', 'p', 'u') "
                                "AND c.relname <> 'schema_migrations' ORDER BY 2",
                                probe);
    itest_pg_schema_drop(ITEST_PG_DIRECT, probe);
    int n = PQntuples(r), caught = 0;
    char missed[4096] = "";
    size_t w = 0;
    for (int i = 0; i < n + 3; i++) {
        char alter[512], guard[128];
        if (i < n) {
            /* a primary key goes with the foreign keys that need it */
            snprintf(alter, sizeof alter, "ALTER TABLE %s DROP CONSTRAINT %s%s",
                     PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                     strcmp(PQgetvalue(r, i, 2), "t") == 0 ? " CASCADE" : "");
            snprintf(guard, sizeof guard, "%s did not reject", PQgetvalue(r, i, 1));
        } else {
            static const char *const not_null[][2] = {
                {"tasks", "title"}, {"task_events", "task_id"}, {"llm_calls", "model"}};
            const char *const *col = not_null[i - n];
            snprintf(alter, sizeof alter, "ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", col[0],
                     col[1]);
            snprintf(guard, sizeof guard, "%s.%s NOT NULL did not reject", col[0], col[1]);
        }
        char schema[64], *out = NULL;
        doctored(c, schema, alter);
        int rc = run_suite(&out, schema, "integrity_*");
        itest_pg_schema_drop(ITEST_PG_DIRECT, schema);
        if (rc == 1 && strstr(out, guard))
            caught++;
        else if (w < sizeof missed)
            w += (size_t)snprintf(missed + w, sizeof missed - w, "  %s (exit %d)\n", alter, rc);
        free(out);
    }
    PQclear(r);
    printf("the integrity cases caught %d of %d removed guards\n", caught, n + 3);
    itest_check(w == 0, "the integrity cases passed although a guard was removed:\n%s", missed);
}

static void database_url_replaces_the_fixture(void **state)
{
    char err[1024];
    const char *url = itest_pg_conninfo(ITEST_PG_DIRECT, err, sizeof err);
    itest_check(url != NULL, "%s", err);
    char *out = NULL;
    /* No state directory: only DATABASE_URL can lead the suite to the server. */
    int rc = shell_run(&out, 120,
                       "ITEST_STATE_DIR=/nonexistent DATABASE_URL='%s' '%s' "
                       "--filter 'schema_*' --filter 'integrity_tasks' "
                       "--filter 'pooling_more_clients_than_slots'",
                       url, DATABASE_EXE);
    itest_check(rc == 0, "the suite against DATABASE_URL should pass, exit %d:\n%s", rc, out);
    assert_contains(out, "[       OK ] database.schema_constraints_match");
    assert_contains(out, "[  SKIPPED ] database.pooling_more_clients_than_slots: DATABASE_URL "
                         "names the database and PGBOUNCER_URL is unset");
    free(out);
    rc = shell_run(&out, 60,
                   "DATABASE_URL='%s' '%s' start postgres --skip-configured "
                   "--state-dir /tmp",
                   url, PG_EXE);
    itest_check(rc == 0, "itest-pg with DATABASE_URL set should start nothing, exit %d:\n%s", rc,
                out);
    assert_contains(out, "starting no postgres");
    free(out);
}

static void unreachable_database_url_names_variable(void **state)
{
    char *out = NULL;
    int rc = shell_run(&out, 60,
                       "DATABASE_URL='postgresql://itest:marker-db-secret@127.0.0.1:1/itest' "
                       "INTEGRATION_TEST_TIMEOUT=5 '%s' --filter integrity_tasks",
                       DATABASE_EXE);
    itest_check(rc == 1, "an unreachable DATABASE_URL should fail the case, exit %d:\n%s", rc, out);
    assert_contains(out, "[unavailable] DATABASE_URL does not answer: connecting to "
                         "postgresql://itest:***@127.0.0.1:1/itest");
    assert_not_contains(out, "marker-db-secret");
    free(out);
    rc = shell_run(&out, 60,
                   "DATABASE_URL='postgresql://itest@127.0.0.1:1/itest' ITEST_SKIP_UNAVAILABLE=1 "
                   "'%s' --filter integrity_tasks",
                   DATABASE_EXE);
    itest_check(rc == 77, "with ITEST_SKIP_UNAVAILABLE the case should skip (77), exit %d:\n%s", rc,
                out);
    assert_contains(out, "SKIPPED");
    free(out);
    rc = shell_run(&out, 60, "DATABASE_URL='host=db port' '%s' --filter integrity_tasks",
                   DATABASE_EXE);
    itest_check(rc == 1, "an unparsable DATABASE_URL should fail the case, exit %d:\n%s", rc, out);
    assert_contains(out, "DATABASE_URL='host=db port' is not a libpq connection string or URL");
    free(out);
}

static void changed_migration_is_refused(void **state)
{
    char dir[] = "/tmp/itest-sql-XXXXXX", path[64];
    itest_check(mkdtemp(dir) != NULL, "mkdtemp failed");
    snprintf(path, sizeof path, "%s/001_table.sql", dir);
    FILE *f = fopen(path, "w");
    fputs("CREATE TABLE IF NOT EXISTS t (x int);\n", f);
    fclose(f);
    PGconn *c = itest_pg_connect(ITEST_PG_DIRECT);
    char schema[64], err[4096];
    itest_pg_schema_create(c, schema);
    int first = itest_pg_migrate(c, dir, err, sizeof err);
    f = fopen(path, "w");
    fputs("CREATE TABLE IF NOT EXISTS t (x bigint);\n", f);
    fclose(f);
    int second = itest_pg_migrate(c, dir, err, sizeof err);
    remove(path);
    rmdir(dir);
    itest_pg_schema_drop(ITEST_PG_DIRECT, schema);
    itest_check(first == 1, "the first run applied %d migration(s), expected 1", first);
    itest_check(second == -1, "an edited, already applied migration was accepted");
    assert_contains(err, "001_table.sql: migration 001 was applied with checksum");
    assert_contains(err, "write a new migration instead of editing an applied one");
}

/* A user's own database: a second PostgreSQL with password authentication only, the platform
 * schema applied by plain psql (so no schema_migrations table): no schema case fails, the
 * bookkeeping case skips naming why, the password is never shown. Then `itest-pg migrate`
 * applies the schema to a fresh database through our runner and every schema case passes. */
#define SECOND_PASSWORD "pl4tform-Secret-7"
static char second_dir[512];

static int stop_second_server(void **state)
{
    (void)state;
    char *out = NULL;
    if (second_dir[0])
        shell_run(&out, 60, "'%s' stop '%s'; rm -f '%s.log'", SECOND_SERVER, second_dir,
                  second_dir);
    free(out);
    second_dir[0] = '\0';
    return 0;
}

/* The database suite's schema cases against url alone (no fixture state); fails unless every
 * one passes or skips. Returns the output. */
static char *schema_cases_against(const char *url, const char *what)
{
    char *out = NULL;
    int rc = shell_run(&out, 300,
                       "ITEST_STATE_DIR=/nonexistent DATABASE_URL='%s' '%s' --filter 'schema_*' "
                       "2>&1",
                       url, DATABASE_EXE);
    itest_check(rc == 0, "the schema cases against %s should pass or skip, exit %d:\n%s", what, rc,
                out);
    return out;
}

/* How many migrations fixtures/sql holds. */
static size_t sql_files(void)
{
    char pattern[4096];
    snprintf(pattern, sizeof pattern, "%s/*.sql", itest_pg_sql_dir());
    glob_t g;
    size_t n = glob(pattern, 0, NULL, &g) == 0 ? g.gl_pathc : 0;
    globfree(&g);
    return n;
}

static void real_database_migrated_by_psql_passes(void **state)
{
    (void)state;
    /* below /tmp: the server's user (postgres, under root) must reach it */
    snprintf(second_dir, sizeof second_dir, "/tmp/itest-second-pg-%ld", (long)getpid());
    char *out = NULL;
    int rc = shell_run(&out, 120, "'%s' start '%s' '%s' 2>'%s.log' || cat '%s.log'", SECOND_SERVER,
                       second_dir, SECOND_PASSWORD, second_dir, second_dir);
    int port = atoi(out);
    itest_check(rc == 0 && port > 0, "the second PostgreSQL did not start (exit %d):\n%s", rc, out);
    free(out);
    char url[256];
    snprintf(url, sizeof url, "postgresql://platform:%s@127.0.0.1:%d/platform", SECOND_PASSWORD,
             port);
    rc = shell_run(&out, 120,
                   "for f in '%s'/*.sql; do psql -X -q -v ON_ERROR_STOP=1 '%s' -f \"$f\" || exit "
                   "1; done 2>&1",
                   itest_pg_sql_dir(), url);
    itest_check(rc == 0, "psql could not apply fixtures/sql (exit %d):\n%s", rc, out);
    free(out);

    out = schema_cases_against(url, "a database migrated by psql");
    assert_contains(out, "[       OK ] database.schema_tables_match");
    assert_contains(out, "[       OK ] database.schema_columns_match");
    assert_contains(out, "[  SKIPPED ] database.schema_migrations_recorded: schema public keeps "
                         "no itest schema_migrations table");
    assert_contains(out, "itest-pg migrate");
    assert_not_contains(out, SECOND_PASSWORD);
    free(out);

    /* the documented command: the platform schema through our runner, then every case passes */
    char url2[256];
    snprintf(url2, sizeof url2, "postgresql://platform:%s@127.0.0.1:%d/platform2", SECOND_PASSWORD,
             port);
    rc = shell_run(&out, 120,
                   "psql -X -q '%s' -c 'CREATE DATABASE platform2' && DATABASE_URL='%s' '%s' "
                   "migrate 2>&1",
                   url, url2, PG_EXE);
    itest_check(rc == 0, "itest-pg migrate failed (exit %d):\n%s", rc, out);
    /* every file of fixtures/sql applied, however many the schema has grown to */
    char applied[64];
    snprintf(applied, sizeof applied, "%zu migration(s) of", sql_files());
    assert_contains(out, applied);
    assert_not_contains(out, SECOND_PASSWORD);
    free(out);
    out = schema_cases_against(url2, "a database migrated by itest-pg migrate");
    assert_contains(out, "[       OK ] database.schema_migrations_recorded");
    assert_contains(out, "0 failed, 0 skipped");
    free(out);
}

static const struct itest_case cases[] = {
    {.name = "column_change_fails_with_diff",
     .fn = column_change_fails_with_diff,
     .teardown = drop_schema},
    {.name = "dropped_constraint_and_index_fail_with_diff",
     .fn = dropped_constraint_and_index_fail_with_diff,
     .teardown = drop_schema},
    {.name = "each_missing_constraint_fails_integrity",
     .fn = each_missing_constraint_fails_integrity,
     .teardown = drop_schema,
     .cost = 10},
    {.name = "database_url_replaces_the_fixture",
     .fn = database_url_replaces_the_fixture,
     .teardown = drop_schema,
     .resource_lock = "pg_connection_limit"},
    {.name = "changed_migration_is_refused",
     .fn = changed_migration_is_refused,
     .teardown = drop_schema},
    {.name = "unreachable_database_url_names_variable",
     .fn = unreachable_database_url_names_variable},
    {.name = "real_database_migrated_by_psql_passes",
     .fn = real_database_migrated_by_psql_passes,
     .teardown = stop_second_server},
};

ITEST_SUITE_MAIN(cases)
