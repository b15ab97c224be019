/* A schema of its own for every case: empty, migrated, or a clone of the target; see database.h. */
#include "database.h"

#include "itest/check.h"
#include "itest/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const db_tables[] = {"tasks", "task_events", "artifacts", "llm_calls", "task_commits"};
const int db_n_tables = sizeof db_tables / sizeof *db_tables;

/* Copies the target's tables into the case's schema: columns, defaults, identity, checks,
 * NOT NULL, indexes, primary and unique keys (LIKE ... INCLUDING ALL), then the foreign keys,
 * whose definitions are read with search_path on the target so that they name tables
 * unqualified and so point at the copies. */
static void clone_target(struct db_case *db)
{
    char target[160], schema[160], sql[1024];
    itest_pg_ident(target, sizeof target, db->conn, db->target);
    itest_pg_ident(schema, sizeof schema, db->conn, db->schema);
    for (int i = 0; i < db_n_tables; i++) {
        long long n = itest_pg_int(db->conn,
                                   "SELECT count(*) FROM pg_class c JOIN pg_namespace n "
                                   "ON n.oid = c.relnamespace WHERE n.nspname = $1 "
                                   "AND c.relname = $2 AND c.relkind IN ('r', 'p')",
                                   db->target, db_tables[i]);
        itest_check(n == 1,
                    "table %s.%s does not exist in the target, so its constraints cannot be "
                    "exercised (ITEST_DB_SCHEMA=%s)",
                    db->target, db_tables[i], db->target);
        snprintf(sql, sizeof sql, "CREATE TABLE %s.%s (LIKE %s.%s INCLUDING ALL)", schema,
                 db_tables[i], target, db_tables[i]);
        itest_pg_run(db->conn, sql);
    }
    snprintf(sql, sizeof sql, "SET search_path TO %s", target);
    itest_pg_run(db->conn, sql);
    PGresult *fks =
        itest_pg_exec(db->conn,
                      "SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) "
                      "FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
                      "JOIN pg_namespace n ON n.oid = c.relnamespace "
                      "WHERE n.nspname = $1 AND con.contype = 'f' "
                      "AND c.relname = ANY ($2::text[])",
                      db->target, "{tasks,task_events,artifacts,llm_calls,task_commits}");
    snprintf(sql, sizeof sql, "SET search_path TO %s", schema);
    itest_pg_run(db->conn, sql);
    for (int r = 0; r < PQntuples(fks); r++) {
        char table[160], name[160], *add = NULL;
        itest_pg_ident(table, sizeof table, db->conn, PQgetvalue(fks, r, 0));
        itest_pg_ident(name, sizeof name, db->conn, PQgetvalue(fks, r, 1));
        if (asprintf(&add, "ALTER TABLE %s ADD CONSTRAINT %s %s", table, name,
                     PQgetvalue(fks, r, 2)) < 0)
            add = NULL;
        if (add)
            itest_pg_run(db->conn, add);
        free(add);
    }
    PQclear(fks);
}

struct db_case *db_begin(void **state, enum db_content content)
{
    struct db_case *db = calloc(1, sizeof *db);
    itest_check(db != NULL, "out of memory");
    *state = db;
    db->target = itest_config()->db_schema;
    db->conn = itest_pg_connect(ITEST_PG_DIRECT);
    itest_pg_schema_create(db->conn, db->schema);
    if (content == DB_MIGRATED) {
        char err[4096];
        int applied = itest_pg_migrate(db->conn, NULL, err, sizeof err);
        itest_check(applied > 0, "the migrations do not apply to an empty schema: %s",
                    applied < 0 ? err : "none applied");
    } else if (content == DB_CLONE) {
        clone_target(db);
    }
    return db;
}

PGconn *db_connect_more(const struct db_case *db)
{
    char path[160];
    itest_pg_ident(path, sizeof path, db->conn, db->schema);
    return itest_pg_connect_schema(ITEST_PG_DIRECT, path);
}

int db_teardown(void **state)
{
    struct db_case *db = *state;
    itest_pg_disconnect_all();
    if (db && db->schema[0])
        itest_pg_schema_drop(ITEST_PG_DIRECT, db->schema);
    free(db);
    *state = NULL;
    return 0;
}

void db_require_pooler(void)
{
    if (itest_pg_is_fixture(ITEST_PG_POOLED) && !itest_pg_is_fixture(ITEST_PG_DIRECT))
        itest_skip("DATABASE_URL names the database and PGBOUNCER_URL is unset, so there is no "
                   "pooler in front of it: set PGBOUNCER_URL to test pooling");
}
