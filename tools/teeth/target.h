/* The harness's private targets: its own itest-mock per worker (started with the fault under
 * test), and its own PostgreSQL + PgBouncer (itest-pg), all under the harness's work directory
 * so that they never touch the CTest fixtures other tests use. */
#ifndef ITEST_TEETH_TARGET_H
#define ITEST_TEETH_TARGET_H

#include <stddef.h>

struct pg_conn; /* libpq's PGconn */

struct teeth_tools {
    const char *mock, *pg, *report, *rules;
    const char *gateway; /* itest-gateway-fixture, or NULL: the gateway faults cannot run */
    const char *seeds;   /* the pool's seed projects (--seeds), or NULL: no working trees */
};

/* The database: work/pg (template cache, PgBouncer) and work/pg-state (postgres.json,
 * pgbouncer.json, logs). start stops whatever an earlier run left, so it also restores a
 * doctored or stopped cluster. 0 or -1 (the reason printed). */
int target_db_start(const struct teeth_tools *t, const char *work, int pool_size);
int target_db_stop(const struct teeth_tools *t, const char *work);

/* A member of work/pg-state/<file> ("url", "socket_conninfo"), copied into out. 0 or -1. */
int target_db_get(const char *work, const char *file, const char *member, char *out, size_t len);

/* The pooler's server connections (itest-pg --pool-size) the harness asks for. */
enum { TARGET_POOL_SIZE = 2 };

/* Holds every server connection of the pooler in an open transaction (held[n], PQfinish them to
 * let go), so that a client gets none. 0 or -1 (the reason printed). */
int target_db_hold_pool(const char *work, struct pg_conn **held, int n);

/* Runs sql (several statements may follow one another) on the cluster's public schema. 0 or -1. */
int target_db_doctor(const char *work, const char *sql);

/* A worker's state directory dir: the suites' ITEST_STATE_DIR, with the database's state files
 * linked in from work/pg-state. 0 or -1. */
int target_worker_init(const char *work, const char *dir);

/* What the private mocks are started with. */
struct target_mock {
    const char *faults; /* the text of a --faults file, or NULL */
    const char *mutate; /* --mutate NAME, or NULL */
    const char *down;   /* a service left stopped ("all": every one), or NULL */
};

/* Starts the mocks (every service) as m says and writes dir/mocks.json. A service that is down
 * has an entry in mocks.json naming a port nothing listens on, as when a mock dies under a run.
 * 0 or -1 (the reason in dir/mock.log and on stderr). */
int target_mock_start(const struct teeth_tools *t, const char *dir, const struct target_mock *m);
void target_mock_stop(const struct teeth_tools *t, const char *dir);

/* The gateway fixture in dir (gateway.json, the suites' ITEST_STATE_DIR): its backend `server`
 * started with faults (a --faults file's text), or, with faults NULL, `server` ("nginx" or a
 * backend) killed after the start, so that gateway.json names a dead server as when one dies
 * under a run. 0 or -1 (the reason printed). */
int target_gateway_start(const struct teeth_tools *t, const char *dir, const char *server,
                         const char *faults);
void target_gateway_stop(const struct teeth_tools *t, const char *dir);

#endif
