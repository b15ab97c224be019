/* The database suite's cases (labels integration, database). */
#include "database.h"

#include "itest/suite.h"

/* Cases that go through PgBouncer, and the one that fills max_connections, take this lock:
 * while every slot is held the pooler cannot open a server connection. */
#define CONNECTION_LIMIT "pg_connection_limit"

#define DB_CASE(fn_)                                                                               \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = db_teardown                                           \
    }
#define DB_CASE_LOCKED(fn_)                                                                        \
    {                                                                                              \
        .name = #fn_, .fn = fn_, .teardown = db_teardown, .resource_lock = CONNECTION_LIMIT        \
    }

static const struct itest_case cases[] = {
    DB_CASE(schema_tables_match),
    DB_CASE(schema_columns_match),
    DB_CASE(schema_constraints_match),
    DB_CASE(schema_indexes_match),
    DB_CASE(schema_migrations_recorded),
    DB_CASE(schema_migrations_idempotent),
    DB_CASE(integrity_tasks),
    DB_CASE(integrity_task_events),
    DB_CASE(integrity_artifacts),
    DB_CASE(integrity_llm_calls),
    DB_CASE(integrity_task_commits),
    DB_CASE(integrity_covers_every_constraint),
    DB_CASE(transaction_rolls_back_whole),
    DB_CASE(foreign_keys_cascade_and_restrict),
    DB_CASE(for_update_blocks_second_writer),
    DB_CASE(serializable_conflict_retries),
    DB_CASE(connections_many_concurrent),
    DB_CASE_LOCKED(connections_past_max_connections),
    DB_CASE(connections_terminated_backend_reconnects),
    DB_CASE_LOCKED(pooling_more_clients_than_slots),
    DB_CASE_LOCKED(pooling_set_stays_with_server_connection),
    DB_CASE_LOCKED(pooling_advisory_lock_stays_with_server_connection),
    DB_CASE_LOCKED(pooling_prepared_statement_stays_with_server_connection),
    DB_CASE_LOCKED(pooling_latency_pooled_vs_direct),
};

ITEST_SUITE_MAIN(cases)
