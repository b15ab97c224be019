/* The database suite: the target's schema against fixtures/sql, data integrity, transactions,
 * connection handling and PgBouncer's transaction pooling. Each case works in a schema of its
 * own (created when it begins, dropped in teardown), so parallel cases never collide. */
#ifndef DATABASE_H
#define DATABASE_H

#include "itest/pg.h"

/* The platform's tables, in the order their foreign keys allow. */
extern const char *const db_tables[];
extern const int db_n_tables;

enum db_content {
    DB_EMPTY,    /* an empty schema */
    DB_MIGRATED, /* fixtures/sql applied: what the target should look like */
    DB_CLONE     /* the target schema's tables copied with every constraint and index: what
                    the target enforces, without touching its rows */
};

struct db_case {
    PGconn *conn;       /* direct; search_path = schema */
    char schema[64];    /* the case's own */
    const char *target; /* the schema under test (ITEST_DB_SCHEMA, default public) */
};

/* Connects, creates the case's schema and fills it; the struct is kept in *state for
 * db_teardown(). Fails the case on error. */
struct db_case *db_begin(void **state, enum db_content content);

/* Closes the case's connections and drops its schema. */
int db_teardown(void **state);

/* A second direct connection for the case, its search_path on the case's schema. */
PGconn *db_connect_more(const struct db_case *db);

/* Skips unless the pooled target exists: the fixture's PgBouncer, or PGBOUNCER_URL. */
void db_require_pooler(void);

/* schema_test.c */
void schema_tables_match(void **state);
void schema_columns_match(void **state);
void schema_constraints_match(void **state);
void schema_indexes_match(void **state);
void schema_migrations_recorded(void **state);
void schema_migrations_idempotent(void **state);

/* integrity_test.c */
void integrity_tasks(void **state);
void integrity_task_events(void **state);
void integrity_artifacts(void **state);
void integrity_llm_calls(void **state);
void integrity_task_commits(void **state);
void integrity_covers_every_constraint(void **state);

/* transactions_test.c */
void transaction_rolls_back_whole(void **state);
void foreign_keys_cascade_and_restrict(void **state);
void for_update_blocks_second_writer(void **state);
void serializable_conflict_retries(void **state);

/* connections_test.c */
void connections_many_concurrent(void **state);
void connections_past_max_connections(void **state);
void connections_terminated_backend_reconnects(void **state);

/* pooling_test.c */
void pooling_more_clients_than_slots(void **state);
void pooling_set_stays_with_server_connection(void **state);
void pooling_advisory_lock_stays_with_server_connection(void **state);
void pooling_prepared_statement_stays_with_server_connection(void **state);
void pooling_latency_pooled_vs_direct(void **state);

#endif
