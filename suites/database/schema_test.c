/* Schema validation: the target's tables, columns, types, nullability, defaults, constraints and
 * indexes against what fixtures/sql defines, applied to the case's own schema on the same
 * server; a difference fails with a precise diff. */
#include "catalog.h"
#include "database.h"

#include "itest/check.h"
#include "itest/file.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The expected tables' names, for reading only those from the target. */
static int table_names(const struct catalog *c, const char **names, int max)
{
    int n = 0;
    for (size_t i = 0; i < c->n && n < max; i++)
        if (c->facts[i].kind == CATALOG_TABLE)
            names[n++] = c->facts[i].name;
    return n;
}

static void read_or_fail(struct catalog *out, PGconn *conn, const char *schema,
                         const char *const *tables, int n)
{
    char err[2048];
    itest_check(catalog_read(out, conn, schema, tables, n, err, sizeof err) == 0, "schema %s: %s",
                schema, err);
}

static void compare(void **state, const enum catalog_kind *kinds, int n_kinds, const char *what)
{
    struct db_case *db = db_begin(state, DB_MIGRATED);
    struct catalog expected, found;
    read_or_fail(&expected, db->conn, db->schema, NULL, 0);
    /* the platform's tables only: schema_migrations is our runner's bookkeeping, which a
     * platform migrated by Flyway, Alembic or sqitch does not have (schema_migrations_recorded
     * checks it where it belongs) */
    catalog_drop_table(&expected, ITEST_PG_MIGRATIONS_TABLE);
    const char *names[64];
    int n_names = table_names(&expected, names, 64);
    read_or_fail(&found, db->conn, db->target, names, n_names);
    char *report = NULL;
    size_t differences = 0;
    for (int k = 0; k < n_kinds; k++)
        differences += catalog_diff(&report, &expected, &found, kinds[k]);
    size_t checked = 0;
    for (size_t i = 0; i < expected.n; i++)
        for (int k = 0; k < n_kinds; k++)
            checked += expected.facts[i].kind == kinds[k];
    catalog_free(&expected);
    catalog_free(&found);
    /* (report leaks when the case fails: cmocka unwinds past the free) */
    itest_check(differences == 0, "schema %s differs from fixtures/sql in %zu %s:\n%s", db->target,
                differences, what, report);
    printf("%zu %s of schema %s match fixtures/sql\n%s", checked, what, db->target,
           report ? report : "");
    free(report);
}

void schema_tables_match(void **state)
{
    const enum catalog_kind k[] = {CATALOG_TABLE};
    compare(state, k, 1, "table(s)");
}

void schema_columns_match(void **state)
{
    const enum catalog_kind k[] = {CATALOG_COLUMN, CATALOG_DEFAULT};
    compare(state, k, 2, "column fact(s) (type, nullability, default)");
}

void schema_constraints_match(void **state)
{
    const enum catalog_kind k[] = {CATALOG_CONSTRAINT};
    compare(state, k, 1, "constraint(s)");
}

void schema_indexes_match(void **state)
{
    const enum catalog_kind k[] = {CATALOG_INDEX};
    compare(state, k, 1, "index(es)");
}

/* Which migration tool's bookkeeping the target schema has, for a skip that names it. */
static const char *other_tool(PGconn *conn, const char *schema)
{
    static const struct {
        const char *table, *tool;
    } tools[] = {{"flyway_schema_history", "Flyway"},
                 {"alembic_version", "Alembic"},
                 {"databasechangelog", "Liquibase"},
                 {"goose_db_version", "goose"},
                 {"knex_migrations", "Knex"}};
    for (size_t i = 0; i < sizeof tools / sizeof *tools; i++) {
        const char *params[] = {schema, tools[i].table};
        PGresult *r = NULL;
        char code[6], err[512];
        bool found = itest_pg_try(&r, code, err, sizeof err, conn,
                                  "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND "
                                  "tablename = $2",
                                  params, 2) == 0 &&
                     PQntuples(r) == 1;
        PQclear(r);
        if (found)
            return tools[i].tool;
    }
    const char *sqitch[] = {"sqitch"};
    PGresult *r = NULL;
    char code[6], err[512];
    bool found =
        itest_pg_try(&r, code, err, sizeof err, conn,
                     "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", sqitch, 1) == 0 &&
        PQntuples(r) == 1;
    PQclear(r);
    return found ? "sqitch" : NULL;
}

void schema_migrations_recorded(void **state)
{
    struct db_case *db = db_begin(state, DB_MIGRATED);
    char target[160], sql[1024], err[2048], code[6];
    itest_pg_ident(target, sizeof target, db->conn, db->target);
    /* A real database (DATABASE_URL) migrated by another tool keeps another tool's table, or a
     * schema_migrations of another shape (golang-migrate's, Rails'): nothing of ours to check.
     * The fixture's database is migrated by our runner, so there a missing table fails. */
    if (!itest_pg_is_fixture(ITEST_PG_DIRECT)) {
        const char *params[] = {db->target};
        PGresult *shape = NULL;
        long long ours =
            itest_pg_try(&shape, code, err, sizeof err, db->conn,
                         "SELECT count(*) FROM information_schema.columns WHERE "
                         "table_schema = $1 AND table_name = '" ITEST_PG_MIGRATIONS_TABLE
                         "' AND column_name IN ('version', 'name', 'checksum')",
                         params, 1) == 0
                ? atoll(PQgetvalue(shape, 0, 0))
                : -1;
        PQclear(shape);
        if (ours == 0) {
            const char *tool = other_tool(db->conn, db->target);
            itest_skip("schema %s keeps no itest " ITEST_PG_MIGRATIONS_TABLE
                       " table (version, name, "
                       "checksum)%s%s%s: this case checks migrations applied by itest's runner; "
                       "`DATABASE_URL=... itest-pg migrate` applies fixtures/sql that way",
                       db->target, tool ? "; its migrations are " : "", tool ? tool : "",
                       tool ? "'s" : "");
        }
    }
    snprintf(sql, sizeof sql,
             "SELECT e.version, e.name, e.checksum, t.checksum "
             "FROM " ITEST_PG_MIGRATIONS_TABLE " e LEFT JOIN %s." ITEST_PG_MIGRATIONS_TABLE
             " t USING (version) "
             "ORDER BY e.version",
             target);
    PGresult *r = NULL;
    if (itest_pg_try(&r, code, err, sizeof err, db->conn, sql, NULL, 0) != 0) {
        itest_check(strcmp(code, "42P01") != 0,
                    "schema %s has no schema_migrations table, so nothing says which migrations "
                    "made it: %s",
                    db->target, err);
        itest_fail("reading %s.schema_migrations: %s", db->target, err);
    }
    char problems[4096] = "";
    size_t w = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *version = PQgetvalue(r, i, 0), *name = PQgetvalue(r, i, 1);
        if (PQgetisnull(r, i, 3))
            w += (size_t)snprintf(problems + w, sizeof problems - w,
                                  "migration %s (%s) is not recorded in %s\n", version, name,
                                  db->target);
        else if (strcmp(PQgetvalue(r, i, 2), PQgetvalue(r, i, 3)) != 0)
            w += (size_t)snprintf(problems + w, sizeof problems - w,
                                  "migration %s (%s): applied with checksum %s, the file has %s\n",
                                  version, name, PQgetvalue(r, i, 3), PQgetvalue(r, i, 2));
        if (w >= sizeof problems)
            break;
    }
    int n = PQntuples(r);
    PQclear(r);
    itest_check(w == 0, "schema %s does not record the migrations of fixtures/sql:\n%s", db->target,
                problems);
    printf("all %d migrations are recorded in %s.schema_migrations with their checksums\n", n,
           db->target);
}

static int sql_file(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 4 && e->d_name[0] != '.' && strcmp(e->d_name + n - 4, ".sql") == 0;
}

void schema_migrations_idempotent(void **state)
{
    struct db_case *db = db_begin(state, DB_MIGRATED);
    struct catalog before, after;
    read_or_fail(&before, db->conn, db->schema, NULL, 0);
    long long recorded = itest_pg_int(db->conn, "SELECT count(*) FROM schema_migrations");

    char err[4096];
    int again = itest_pg_migrate(db->conn, NULL, err, sizeof err);
    itest_check(again == 0, "a second run of the migrations %s%s",
                again < 0 ? "failed: " : "applied some again", again < 0 ? err : "");

    /* Each file on its own, outside the runner, must change nothing either. */
    struct dirent **files = NULL;
    const char *dir = itest_pg_sql_dir();
    int n = scandir(dir, &files, sql_file, alphasort);
    itest_check(n > 0, "%s: no migrations", dir);
    char failures[4096] = "";
    size_t w = 0;
    for (int i = 0; i < n; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]->d_name);
        free(files[i]);
        char why[4600];
        char *text = itest_read_file(path, 0, NULL, why, sizeof why);
        PGresult *r = text ? PQexec(db->conn, text) : NULL;
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
            w += (size_t)snprintf(failures + w, w < sizeof failures ? sizeof failures - w : 0,
                                  "%s%s%s\n", r ? path : "", r ? ": " : "",
                                  r ? PQresultErrorMessage(r) : why);
        PQclear(r);
        free(text);
    }
    free(files);
    itest_check(w == 0, "applying a migration file a second time fails:\n%s", failures);

    read_or_fail(&after, db->conn, db->schema, NULL, 0);
    char *report = NULL;
    size_t changes = 0;
    for (int k = 0; k < CATALOG_KINDS; k++)
        changes += catalog_diff(&report, &before, &after, (enum catalog_kind)k);
    size_t facts = before.n;
    catalog_free(&before);
    catalog_free(&after);
    itest_check(changes == 0, "applying the migrations twice changed %zu thing(s):\n%s", changes,
                report);
    free(report);
    long long recorded_after = itest_pg_int(db->conn, "SELECT count(*) FROM schema_migrations");
    itest_check(recorded_after == recorded,
                "schema_migrations had %lld rows, %lld after the second run", recorded,
                recorded_after);
    printf("a second run applied nothing and every file ran again without effect: %zu catalog "
           "facts unchanged\n",
           facts);
}
