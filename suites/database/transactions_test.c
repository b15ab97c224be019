/* Transactions on the target's tables (cloned into the case's schema): atomic rollback, foreign
 * keys that cascade or restrict as declared, and concurrent writers that serialise. */
#include "database.h"

#include "itest/check.h"
#include "itest/clock.h"
#include "itest/measure.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T1 "00000000-0000-4000-8000-000000000001"
#define T2 "00000000-0000-4000-8000-000000000002"
#define T3 "00000000-0000-4000-8000-000000000003"

void transaction_rolls_back_whole(void **state)
{
    struct db_case *db = db_begin(state, DB_CLONE);
    itest_pg_run(db->conn, "BEGIN");
    itest_pg_run(db->conn, "INSERT INTO tasks (id, title) VALUES ($1, 'half done')", T1);
    itest_pg_run(db->conn, "INSERT INTO task_events (task_id, type) VALUES ($1, 'created')", T1);
    free(itest_pg_expect_error(db->conn, "23514",
                               "INSERT INTO artifacts (task_id, key, sha256, size_bytes) "
                               "VALUES ($1, 'out.c', 'not-a-sha', 1)",
                               T1));
    /* Once a statement failed, the transaction accepts nothing until it ends. */
    free(itest_pg_expect_error(db->conn, "25P02", "SELECT 1"));
    PGresult *r = itest_pg_exec(db->conn, "COMMIT");
    char status[64];
    snprintf(status, sizeof status, "%s", PQcmdStatus(r));
    PQclear(r);
    itest_check(strcmp(status, "ROLLBACK") == 0,
                "COMMIT of a failed transaction answered %s, expected ROLLBACK", status);
    long long tasks = itest_pg_int(db->conn, "SELECT count(*) FROM tasks WHERE id = $1", T1);
    long long events =
        itest_pg_int(db->conn, "SELECT count(*) FROM task_events WHERE task_id = $1", T1);
    itest_check(tasks == 0 && events == 0,
                "after the rollback %lld task(s) and %lld event(s) of the failed transaction "
                "remain, expected none",
                tasks, events);
}

void foreign_keys_cascade_and_restrict(void **state)
{
    struct db_case *db = db_begin(state, DB_CLONE);
    itest_pg_run(db->conn, "INSERT INTO tasks (id, title) VALUES ($1, 'parent')", T1);
    itest_pg_run(db->conn, "INSERT INTO task_events (task_id, type) VALUES ($1, 'a'), ($1, 'b')",
                 T1);
    itest_pg_run(db->conn,
                 "INSERT INTO artifacts (task_id, key, sha256, size_bytes) "
                 "VALUES ($1, 'x.c', repeat('a', 64), 1)",
                 T1);
    itest_pg_run(db->conn,
                 "INSERT INTO llm_calls (task_id, model, prompt_tokens, completion_tokens, "
                 "total_tokens, latency_ms) VALUES ($1, 'm', 1, 1, 2, 5)",
                 T1);
    /* llm_calls restricts: recorded spend keeps its task. */
    char *msg = itest_pg_expect_error(db->conn, "23503", "DELETE FROM tasks WHERE id = $1", T1);
    printf("deleting a task with LLM calls: %s\n", msg);
    free(msg);
    itest_check(itest_pg_int(db->conn, "SELECT count(*) FROM task_events") == 2,
                "the refused delete still removed events");
    itest_pg_run(db->conn, "DELETE FROM llm_calls WHERE task_id = $1", T1);
    itest_pg_run(db->conn, "DELETE FROM tasks WHERE id = $1", T1);
    long long events = itest_pg_int(db->conn, "SELECT count(*) FROM task_events");
    long long artifacts = itest_pg_int(db->conn, "SELECT count(*) FROM artifacts");
    itest_check(events == 0 && artifacts == 0,
                "task_events and artifacts cascade from tasks, but %lld event(s) and %lld "
                "artifact(s) outlived their task",
                events, artifacts);
    /* An LLM call needs no task. */
    itest_pg_run(db->conn,
                 "INSERT INTO llm_calls (model, prompt_tokens, completion_tokens, total_tokens, "
                 "latency_ms) VALUES ('m', 0, 0, 0, 0)");
}

/* Waits until session pid waits for a lock held by holder_pid (via pg_blocking_pids). */
static void await_blocked(PGconn *observer, const char *pid, const char *holder_pid)
{
    double deadline = itest_now_s() + 10;
    for (;;) {
        char *blocked = itest_pg_value(observer, "SELECT $2::int = ANY (pg_blocking_pids($1::int))",
                                       pid, holder_pid);
        bool yes = blocked && strcmp(blocked, "t") == 0;
        free(blocked);
        if (yes)
            return;
        itest_check(itest_now_s() < deadline,
                    "session %s was not blocked by session %s within 10 s: the row lock did not "
                    "hold it back",
                    pid, holder_pid);
        poll(NULL, 0, 5);
    }
}

void for_update_blocks_second_writer(void **state)
{
    struct db_case *db = db_begin(state, DB_CLONE);
    itest_pg_run(db->conn, "INSERT INTO tasks (id, title, priority) VALUES ($1, 'shared', 3)", T1);
    PGconn *a = db->conn, *b = db_connect_more(db);
    char *a_pid = itest_pg_value(a, "SELECT pg_backend_pid()::text");
    char *b_pid = itest_pg_value(b, "SELECT pg_backend_pid()::text");

    itest_pg_run(a, "BEGIN");
    itest_pg_run(a, "SELECT priority FROM tasks WHERE id = $1 FOR UPDATE", T1);
    const char *p[] = {T1};
    itest_check(PQsendQueryParams(b, "UPDATE tasks SET priority = priority + 1 WHERE id = $1", 1,
                                  NULL, p, NULL, NULL, 0) == 1,
                "sending the second writer's UPDATE failed: %s", PQerrorMessage(b));
    double t0 = itest_now_s();
    await_blocked(a, b_pid, a_pid);
    PQconsumeInput(b);
    itest_check(PQisBusy(b), "the second writer finished while the first held FOR UPDATE");
    itest_pg_run(a, "UPDATE tasks SET priority = priority + 1 WHERE id = $1", T1);
    itest_pg_run(a, "COMMIT");

    PGresult *r = PQgetResult(b);
    double waited = itest_now_s() - t0;
    itest_check(PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdTuples(r), "1") == 0,
                "the blocked UPDATE did not update its row once released: %s %s",
                PQresStatus(PQresultStatus(r)), PQresultErrorMessage(r));
    PQclear(r);
    while ((r = PQgetResult(b)))
        PQclear(r);
    long long priority = itest_pg_int(a, "SELECT priority FROM tasks WHERE id = $1", T1);
    itest_check(priority == 5,
                "two serialised increments of 3 should give 5, found %lld (an update was lost)",
                priority);
    printf("session %s waited %.0f ms behind session %s's FOR UPDATE, then applied its update\n",
           b_pid, waited * 1e3, a_pid);
    free(a_pid);
    free(b_pid);
}

/* BEGIN SERIALIZABLE; read; write; COMMIT. Returns 0, or -1 with the SQLSTATE of the failure
 * (the transaction rolled back). */
static int transfer(PGconn *c, const char *read_sql, const char *write_sql, const char *id,
                    char code[6])
{
    char err[1024];
    const char *p[] = {id};
    if (itest_pg_try(NULL, code, err, sizeof err, c, "BEGIN ISOLATION LEVEL SERIALIZABLE", NULL,
                     0) != 0 ||
        itest_pg_try(NULL, code, err, sizeof err, c, read_sql, NULL, 0) != 0 ||
        itest_pg_try(NULL, code, err, sizeof err, c, write_sql, p, 1) != 0 ||
        itest_pg_try(NULL, code, err, sizeof err, c, "COMMIT", NULL, 0) != 0) {
        PQclear(PQexec(c, "ROLLBACK"));
        return -1;
    }
    return 0;
}

void serializable_conflict_retries(void **state)
{
    struct db_case *db = db_begin(state, DB_CLONE);
    itest_pg_run(db->conn,
                 "INSERT INTO tasks (id, title, priority) VALUES ($1, 'x', 5), ($2, 'y', 5)", T2,
                 T3);
    PGconn *a = db->conn, *b = db_connect_more(db);
    const char *read = "SELECT sum(priority) FROM tasks WHERE id IN ('" T2 "', '" T3 "')";
    const char *write = "UPDATE tasks SET priority = 0 WHERE id = $1";
    /* Write skew: each reads both rows, then writes the one the other did not. */
    itest_pg_run(a, "BEGIN ISOLATION LEVEL SERIALIZABLE");
    itest_pg_run(a, read);
    itest_pg_run(b, "BEGIN ISOLATION LEVEL SERIALIZABLE");
    itest_pg_run(b, read);
    itest_pg_run(a, write, T2);
    char code[6] = "", err[1024];
    int rc = itest_pg_try(NULL, code, err, sizeof err, b, write, ITEST_PG_PARAMS(T3));
    itest_pg_run(a, "COMMIT");
    if (rc == 0)
        rc = itest_pg_try(NULL, code, err, sizeof err, b, "COMMIT", NULL, 0);
    itest_check(rc != 0 && strcmp(code, "40001") == 0,
                "the second of two conflicting SERIALIZABLE transactions should fail with "
                "SQLSTATE 40001 (serialization_failure); it %s%s",
                rc == 0 ? "committed" : "failed otherwise: ", rc == 0 ? "" : err);
    printf("the conflicting transaction failed as documented: %s\n", err);
    PQclear(PQexec(b, "ROLLBACK"));

    int retries = 0;
    for (;;) {
        retries++;
        if (transfer(b, read, write, T3, code) == 0)
            break;
        itest_check(strcmp(code, "40001") == 0 && retries < 3,
                    "retry %d of the transaction failed (SQLSTATE %s)", retries, code);
    }
    long long sum = itest_pg_int(a, read);
    itest_check(sum == 0, "after the retry both rows should be 0, their sum is %lld", sum);
    printf("retry %d of at most 3 succeeded\n", retries);
}
