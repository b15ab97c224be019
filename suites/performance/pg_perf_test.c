/* PostgreSQL query latency, directly and through PgBouncer: a few sessions each run the
 * registry's hottest read (a task by primary key) back to back. */
#include "cases.h"
#include "perf.h"

#include "itest/check.h"
#include "itest/config.h"
#include "itest/pg.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_SESSIONS 4

struct pg_load {
    const char *conninfo;
    char schema[256]; /* quoted */
    char select_sql[512];
    char task_id[64];
    PGconn *conns[PG_SESSIONS];
};

static enum itest_load_error query_once(void *arg, int thread, char *err, size_t errlen)
{
    struct pg_load *l = arg;
    PGconn **conn = &l->conns[thread];
    if (!*conn || PQstatus(*conn) != CONNECTION_OK) {
        PQfinish(*conn);
        *conn = itest_pg_open(l->conninfo, 0, NULL, err, errlen);
        if (!*conn)
            return ITEST_LOAD_ERR_CONNECTION;
    }
    const char *params[] = {l->task_id};
    PGresult *res = NULL;
    char sqlstate[6];
    if (itest_pg_try(&res, sqlstate, err, errlen, *conn, l->select_sql, params, 1) != 0)
        return sqlstate[0] ? ITEST_LOAD_ERR_OTHER : ITEST_LOAD_ERR_CONNECTION;
    enum itest_load_error e = PQntuples(res) == 1 ? ITEST_LOAD_OK : ITEST_LOAD_ERR_OTHER;
    if (e != ITEST_LOAD_OK)
        snprintf(err, errlen, "the task row was not found (%d rows)", PQntuples(res));
    PQclear(res);
    return e;
}

static void pg_query_load(enum itest_pg_target target, const char *what)
{
    char err[512];
    struct pg_load l = {0};
    l.conninfo = itest_pg_conninfo(target, err, sizeof err);
    itest_check(l.conninfo, "%s", err);
    /* one row to read, written directly and removed at the end */
    PGconn *setup = itest_pg_connect(ITEST_PG_DIRECT);
    const char *schema = itest_config()->db_schema;
    itest_pg_ident(l.schema, sizeof l.schema, setup, schema ? schema : "public");
    /* the schema is qualified in the statements: PgBouncer refuses search_path options */
    snprintf(l.select_sql, sizeof l.select_sql,
             "SELECT id, title, status, updated_at FROM %s.tasks WHERE id = $1", l.schema);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.tasks (title, spec) VALUES ('perf query', $1) RETURNING id", l.schema);
    char *id = itest_pg_value(setup, sql, what);
    snprintf(l.task_id, sizeof l.task_id, "%s", id);
    free(id);
    struct itest_load_result res;
    itest_progress("%s: %d sessions, %.1f s", what, PG_SESSIONS, perf_duration());
    int rc = itest_load_run_calls(&res, PG_SESSIONS, perf_warmup(), perf_duration(), query_once, &l,
                                  err, sizeof err);
    for (int i = 0; i < PG_SESSIONS; i++)
        PQfinish(l.conns[i]);
    snprintf(sql, sizeof sql, "DELETE FROM %s.tasks WHERE id = $1", l.schema);
    itest_pg_run(setup, sql, l.task_id);
    itest_pg_disconnect(setup);
    itest_check(rc == 0, "%s: %s", what, err);
    perf_finish_at(__FILE__, __LINE__, what, "", &res);
}

void perf_pg_query_direct(void **state)
{
    (void)state;
    pg_query_load(ITEST_PG_DIRECT, "SELECT a task by id (direct)");
}

void perf_pg_query_pooled(void **state)
{
    (void)state;
    pg_query_load(ITEST_PG_POOLED, "SELECT a task by id (PgBouncer)");
}
