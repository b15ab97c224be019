/* Data integrity: every constraint of the target rejects its bad row with the right SQLSTATE.
 * The case's schema is a clone of the target's tables (constraints and indexes included), so a
 * constraint missing from the target lets its bad row in and the case names it. */
#include "database.h"

#include "itest/check.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define T1 "'00000000-0000-4000-8000-000000000001'"
#define T2 "'00000000-0000-4000-8000-000000000002'"
#define COMMIT "'0123456789abcdef0123456789abcdef01234567'"
#define NO_TASK "'00000000-0000-4000-8000-0000000000ff'"
#define SHA                                                                                        \
    "'"                                                                                            \
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"                             \
    "'"

struct bad_row {
    const char *table;
    const char *guard;    /* the constraint (or NOT NULL column) that must reject the row */
    const char *sqlstate; /* 23502 not null, 23503 foreign key, 23505 unique, 23514 check */
    const char *sql;
};

/* Each row is valid but for the one value its guard forbids. */
static const struct bad_row bad_rows[] = {
    {"tasks", "tasks.title NOT NULL", "23502", "INSERT INTO tasks (title) VALUES (NULL)"},
    {"tasks", "tasks.priority NOT NULL", "23502",
     "INSERT INTO tasks (title, priority) VALUES ('t', NULL)"},
    {"tasks", "tasks.status NOT NULL", "23502",
     "INSERT INTO tasks (title, status) VALUES ('t', NULL)"},
    {"tasks", "tasks_pkey", "23505", "INSERT INTO tasks (id, title) VALUES (" T1 ", 'again')"},
    {"tasks", "tasks_title_not_blank", "23514", "INSERT INTO tasks (title) VALUES ('   ')"},
    {"tasks", "tasks_priority_range", "23514",
     "INSERT INTO tasks (title, priority) VALUES ('t', 10)"},
    {"tasks", "tasks_priority_range", "23514",
     "INSERT INTO tasks (title, priority) VALUES ('t', -1)"},
    {"tasks", "tasks_status_known", "23514",
     "INSERT INTO tasks (title, status) VALUES ('t', 'done')"},
    {"tasks", "tasks_updated_after_created", "23514",
     "INSERT INTO tasks (title, created_at, updated_at) "
     "VALUES ('t', now(), now() - interval '1 second')"},

    {"task_events", "task_events.task_id NOT NULL", "23502",
     "INSERT INTO task_events (task_id, type) VALUES (NULL, 'note')"},
    {"task_events", "task_events_pkey", "23505",
     "INSERT INTO task_events (id, task_id, type) OVERRIDING SYSTEM VALUE "
     "VALUES ((SELECT min(id) FROM task_events), " T1 ", 'note')"},
    {"task_events", "task_events.id GENERATED ALWAYS", "428C9",
     "INSERT INTO task_events (id, task_id, type) VALUES (424242, " T1 ", 'note')"},
    {"task_events", "task_events_task_fkey", "23503",
     "INSERT INTO task_events (task_id, type) VALUES (" NO_TASK ", 'note')"},
    {"task_events", "task_events_type_format", "23514",
     "INSERT INTO task_events (task_id, type) VALUES (" T1 ", 'Not A Type')"},

    {"artifacts", "artifacts_pkey", "23505",
     "INSERT INTO artifacts (id, task_id, key, sha256, size_bytes) OVERRIDING SYSTEM VALUE "
     "VALUES ((SELECT min(id) FROM artifacts), " T1 ", 'other.c', " SHA ", 1)"},
    {"artifacts", "artifacts_task_fkey", "23503",
     "INSERT INTO artifacts (task_id, key, sha256, size_bytes) "
     "VALUES (" NO_TASK ", 'b.c', " SHA ", 1)"},
    {"artifacts", "artifacts_task_key_unique", "23505",
     "INSERT INTO artifacts (task_id, key, sha256, size_bytes) "
     "VALUES (" T1 ", 'out/a.c', " SHA ", 1)"},
    {"artifacts", "artifacts_key_format", "23514",
     "INSERT INTO artifacts (task_id, key, sha256, size_bytes) "
     "VALUES (" T1 ", 'out/../etc', " SHA ", 1)"},
    {"artifacts", "artifacts_key_format", "23514",
     "INSERT INTO artifacts (task_id, key, sha256, size_bytes) "
     "VALUES (" T1 ", 'a key with spaces', " SHA ", 1)"},
    {"artifacts", "artifacts_key_format", "23514",
     "INSERT INTO artifacts (task_id, key, sha256, size_bytes) "
     "VALUES (" T1 ", repeat('k', 513), " SHA ", 1)"},
    {"artifacts", "artifacts_sha256_hex", "23514",
     "INSERT INTO artifacts (task_id, key, sha256, size_bytes) "
     "VALUES (" T1 ", 'c.c', 'XYZ', 1)"},
    {"artifacts", "artifacts_size_nonnegative", "23514",
     "INSERT INTO artifacts (task_id, key, sha256, size_bytes) "
     "VALUES (" T1 ", 'd.c', " SHA ", -1)"},

    {"llm_calls", "llm_calls_pkey", "23505",
     "INSERT INTO llm_calls (id, model, prompt_tokens, completion_tokens, total_tokens, "
     "latency_ms) OVERRIDING SYSTEM VALUE VALUES ((SELECT min(id) FROM llm_calls), 'm', 1, 1, 2, "
     "1)"},
    {"llm_calls", "llm_calls_task_fkey", "23503",
     "INSERT INTO llm_calls (task_id, model, prompt_tokens, completion_tokens, total_tokens, "
     "latency_ms) VALUES (" NO_TASK ", 'm', 1, 1, 2, 1)"},
    {"llm_calls", "llm_calls_request_unique", "23505",
     "INSERT INTO llm_calls (request_id, model, prompt_tokens, completion_tokens, total_tokens, "
     "latency_ms) VALUES ('req-1', 'm', 1, 1, 2, 1)"},
    {"llm_calls", "llm_calls_model_not_blank", "23514",
     "INSERT INTO llm_calls (model, prompt_tokens, completion_tokens, total_tokens, latency_ms) "
     "VALUES ('', 1, 1, 2, 1)"},
    {"llm_calls", "llm_calls_tokens_nonnegative", "23514",
     "INSERT INTO llm_calls (model, prompt_tokens, completion_tokens, total_tokens, latency_ms) "
     "VALUES ('m', -1, 5, 4, 1)"},
    {"llm_calls", "llm_calls_total_tokens_sum", "23514",
     "INSERT INTO llm_calls (model, prompt_tokens, completion_tokens, total_tokens, latency_ms) "
     "VALUES ('m', 1, 2, 4, 1)"},
    {"llm_calls", "llm_calls_latency_nonnegative", "23514",
     "INSERT INTO llm_calls (model, prompt_tokens, completion_tokens, total_tokens, latency_ms) "
     "VALUES ('m', 1, 1, 2, -1)"},
    {"llm_calls", "llm_calls_ttft_within_latency", "23514",
     "INSERT INTO llm_calls (model, prompt_tokens, completion_tokens, total_tokens, latency_ms, "
     "ttft_ms) VALUES ('m', 1, 1, 2, 10, 50)"},
    {"llm_calls", "llm_calls_finish_reason_known", "23514",
     "INSERT INTO llm_calls (model, prompt_tokens, completion_tokens, total_tokens, latency_ms, "
     "finish_reason) VALUES ('m', 1, 1, 2, 1, 'weird')"},
    {"llm_calls", "llm_calls.model NOT NULL", "23502",
     "INSERT INTO llm_calls (model, prompt_tokens, completion_tokens, total_tokens, latency_ms) "
     "VALUES (NULL, 1, 1, 2, 1)"},

    {"task_commits", "task_commits_pkey", "23505",
     "INSERT INTO task_commits (task_id, repo, branch, commit_id) VALUES (" T1
     ", 'r', 'itest/b', " COMMIT ")"},
    {"task_commits", "task_commits_task_fkey", "23503",
     "INSERT INTO task_commits (task_id, repo, branch, commit_id) VALUES (" NO_TASK
     ", 'r', 'itest/b', " COMMIT ")"},
    {"task_commits", "task_commits_repo_not_blank", "23514",
     "INSERT INTO task_commits (task_id, repo, branch, commit_id) VALUES (" T2
     ", ' ', 'itest/b', " COMMIT ")"},
    {"task_commits", "task_commits_branch_not_blank", "23514",
     "INSERT INTO task_commits (task_id, repo, branch, commit_id) VALUES (" T2 ", 'r', '', " COMMIT
     ")"},
    {"task_commits", "task_commits_commit_hex", "23514",
     "INSERT INTO task_commits (task_id, repo, branch, commit_id) VALUES (" T2
     ", 'r', 'itest/b', 'HEAD')"},
    {"task_commits", "task_commits.commit_id NOT NULL", "23502",
     "INSERT INTO task_commits (task_id, repo, branch, commit_id) VALUES (" T2
     ", 'r', 'itest/b', NULL)"},
};

/* One good row per table: the bad rows above differ from these in one value. */
static const char *const good_rows[] = {
    "INSERT INTO tasks (id, title, spec, priority) VALUES (" T1 ", 'write a parser', 'C', 3)",
    "INSERT INTO task_events (task_id, type, message) VALUES (" T1 ", 'status.running', 'go')",
    "INSERT INTO artifacts (task_id, key, sha256, size_bytes) VALUES (" T1 ", 'out/a.c', " SHA
    ", 42)",
    "INSERT INTO llm_calls (task_id, request_id, model, prompt_tokens, completion_tokens, "
    "total_tokens, latency_ms, ttft_ms, finish_reason) "
    "VALUES (" T1 ", 'req-1', 'mock-small', 12, 30, 42, 250, 40, 'stop')",
    "INSERT INTO tasks (id, title) VALUES (" T2 ", 'a second task')",
    "INSERT INTO task_commits (task_id, repo, branch, commit_id) VALUES (" T1
    ", 'file:///srv/wordcount.git', 'itest/"
    "00000000-0000-4000-8000-000000000001', " COMMIT ")",
};

static void check_table(void **state, const char *table)
{
    struct db_case *db = db_begin(state, DB_CLONE);
    for (size_t i = 0; i < sizeof good_rows / sizeof *good_rows; i++)
        itest_pg_run(db->conn, good_rows[i]);
    char failures[8192] = "";
    size_t w = 0;
    int checked = 0, missed = 0;
    for (size_t i = 0; i < sizeof bad_rows / sizeof *bad_rows; i++) {
        const struct bad_row *b = &bad_rows[i];
        if (strcmp(b->table, table) != 0)
            continue;
        checked++;
        char code[6], err[1024];
        int rc = itest_pg_try(NULL, code, err, sizeof err, db->conn, b->sql, NULL, 0);
        if (rc == 0 || strcmp(code, b->sqlstate) != 0) {
            missed++;
            int m = rc == 0 ? snprintf(failures + w, sizeof failures - w,
                                       "%s did not reject its bad row (expected SQLSTATE %s; it "
                                       "was inserted)\n  SQL: %s\n",
                                       b->guard, b->sqlstate, b->sql)
                            : snprintf(failures + w, sizeof failures - w,
                                       "%s: expected SQLSTATE %s, got %s\n  SQL: %s\n", b->guard,
                                       b->sqlstate, err, b->sql);
            w = m > 0 && (size_t)m < sizeof failures - w ? w + (size_t)m : sizeof failures - 1;
        } else {
            printf("%s rejects its bad row: %s\n", b->guard, err);
        }
    }
    itest_check(missed == 0, "%d of %d bad %s rows were not rejected as expected (schema %s):\n%s",
                missed, checked, table, db->target, failures);
}

void integrity_tasks(void **state)
{
    check_table(state, "tasks");
}

void integrity_task_events(void **state)
{
    check_table(state, "task_events");
}

void integrity_artifacts(void **state)
{
    check_table(state, "artifacts");
}

void integrity_llm_calls(void **state)
{
    check_table(state, "llm_calls");
}

void integrity_task_commits(void **state)
{
    check_table(state, "task_commits");
}

/* A constraint added to fixtures/sql without a bad row here fails this case. */
void integrity_covers_every_constraint(void **state)
{
    struct db_case *db = db_begin(state, DB_MIGRATED);
    PGresult *r = itest_pg_exec(db->conn,
                                "SELECT con.conname FROM pg_constraint con "
                                "JOIN pg_namespace n ON n.oid = con.connamespace "
                                "JOIN pg_class c ON c.oid = con.conrelid "
                                "WHERE n.nspname = $1 AND con.contype IN ('c', 'f', 'p', 'u') "
                                "AND c.relname <> 'schema_migrations' ORDER BY 1",
                                db->schema);
    char uncovered[4096] = "";
    size_t w = 0;
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        const char *name = PQgetvalue(r, i, 0);
        bool covered = false;
        for (size_t b = 0; b < sizeof bad_rows / sizeof *bad_rows && !covered; b++)
            covered = strcmp(bad_rows[b].guard, name) == 0;
        if (!covered && w < sizeof uncovered)
            w += (size_t)snprintf(uncovered + w, sizeof uncovered - w, " %s", name);
    }
    PQclear(r);
    itest_check(w == 0,
                "constraints defined in fixtures/sql without a bad row in integrity_test.c:%s",
                uncovered);
    printf("each of the %d constraints in fixtures/sql has a bad row\n", n);
}
