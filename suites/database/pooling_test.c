/* PgBouncer in transaction pooling: more clients than server connections all complete, and
 * session state (SET, advisory locks, named prepared statements) belongs to the server
 * connection, not to the client. The cases on the fixture's single-connection pool
 * (itest_single) assert exactly what the pooler does with that state. */
#include "database.h"

#include "itest/check.h"
#include "itest/clock.h"
#include "itest/measure.h"
#include "itest/stats.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *pooled_url(void)
{
    db_require_pooler();
    char err[2048];
    const char *url = itest_pg_conninfo(ITEST_PG_POOLED, err, sizeof err);
    itest_check(url != NULL, "%s", err);
    return url;
}

/* The fixture's pool of one server connection, where session state visibly carries over. */
static const char *single_url(void)
{
    db_require_pooler();
    const char *url = itest_pg_fixture_string(ITEST_PG_POOLED, "single_url");
    if (!url)
        itest_skip("needs the fixture PgBouncer's one-connection pool (itest_single) to see "
                   "where session state goes; PGBOUNCER_URL names a pooler whose pools this "
                   "suite does not control");
    return url;
}

static PGconn *open_or_fail(const char *url)
{
    char err[2048];
    PGconn *c = itest_pg_open(url, 0, NULL, err, sizeof err);
    itest_check(c != NULL, "%s", err);
    return c;
}

/* A client of the single pool, its server connection's state cleared first. */
static PGconn *single_client(void)
{
    PGconn *c = open_or_fail(single_url());
    itest_pg_run(c, "DISCARD ALL");
    return c;
}

#define CLIENTS 12
#define ROUNDS 5

struct client {
    const char *url;
    int pids[ROUNDS];
    char error[1024];
};

static void *run_client(void *arg)
{
    struct client *c = arg;
    PGconn *conn = itest_pg_open(c->url, 0, NULL, c->error, sizeof c->error);
    for (int i = 0; conn && i < ROUNDS; i++) {
        PGresult *r = NULL;
        if (itest_pg_try(NULL, NULL, c->error, sizeof c->error, conn, "BEGIN", NULL, 0) != 0 ||
            itest_pg_try(&r, NULL, c->error, sizeof c->error, conn, "SELECT pg_backend_pid()", NULL,
                         0) != 0 ||
            itest_pg_try(NULL, NULL, c->error, sizeof c->error, conn, "SELECT pg_sleep(0.02)", NULL,
                         0) != 0 ||
            itest_pg_try(NULL, NULL, c->error, sizeof c->error, conn, "COMMIT", NULL, 0) != 0) {
            PQclear(r);
            break;
        }
        c->pids[i] = atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    if (conn)
        PQfinish(conn);
    return NULL;
}

void pooling_more_clients_than_slots(void **state)
{
    const char *url = pooled_url();
    long pool = itest_pg_fixture_number(ITEST_PG_POOLED, "pool_size");
    struct client clients[CLIENTS];
    pthread_t threads[CLIENTS];
    double t0 = itest_now_s();
    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = (struct client){.url = url};
        pthread_create(&threads[i], NULL, run_client, &clients[i]);
    }
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(threads[i], NULL);
    double took = itest_now_s() - t0;
    int backends[CLIENTS * ROUNDS], distinct = 0;
    for (int i = 0; i < CLIENTS; i++)
        for (int r = 0; r < ROUNDS; r++) {
            itest_check(clients[i].pids[r] > 0, "client %d of %d failed in transaction %d: %s",
                        i + 1, CLIENTS, r + 1, clients[i].error);
            bool seen = false;
            for (int k = 0; k < distinct && !seen; k++)
                seen = backends[k] == clients[i].pids[r];
            if (!seen)
                backends[distinct++] = clients[i].pids[r];
        }
    printf("%d clients ran %d transactions each on %d server connection(s) in %.0f ms\n", CLIENTS,
           ROUNDS, distinct, took * 1e3);
    if (pool > 0)
        itest_check(distinct <= pool,
                    "transaction pooling with a pool of %ld used %d server connections", pool,
                    distinct);
    itest_measure("clients", CLIENTS);
    itest_measure("server_connections", distinct);
}

static char *setting(PGconn *c)
{
    return itest_pg_value(c, "SELECT coalesce(current_setting('itest.marker', true), '')");
}

void pooling_set_stays_with_server_connection(void **state)
{
    PGconn *a = single_client(), *b = open_or_fail(single_url());
    itest_pg_run(a, "SET itest.marker = 'from-a'");
    char *seen = setting(b);
    itest_check(strcmp(seen, "from-a") == 0,
                "client B should see client A's SET on the shared server connection (transaction "
                "pooling keeps no session per client), found '%s'",
                seen);
    free(seen);
    /* SET LOCAL ends with its transaction, so it never leaks. */
    itest_pg_run(a, "BEGIN");
    itest_pg_run(a, "SET LOCAL itest.marker = 'local'");
    itest_pg_run(a, "COMMIT");
    seen = setting(b);
    itest_check(strcmp(seen, "from-a") == 0, "SET LOCAL outlived its transaction: B sees '%s'",
                seen);
    free(seen);
    itest_pg_run(a, "DISCARD ALL");

    /* Direct sessions, for contrast: each keeps its own. */
    PGconn *x = itest_pg_connect(ITEST_PG_DIRECT), *y = itest_pg_connect(ITEST_PG_DIRECT);
    itest_pg_run(x, "SET itest.marker = 'from-x'");
    seen = setting(y);
    itest_check(strcmp(seen, "") == 0, "a direct session saw another's SET: '%s'", seen);
    free(seen);
    PQfinish(a);
    PQfinish(b);
    printf("through the pooler, B saw A's SET (state of the server connection); directly it did "
           "not\n");
}

void pooling_advisory_lock_stays_with_server_connection(void **state)
{
    PGconn *a = single_client(), *b = open_or_fail(single_url());
    PGconn *direct = itest_pg_connect(ITEST_PG_DIRECT);
    char key[32];
    snprintf(key, sizeof key, "%ld", 4200000L + (long)getpid());
    itest_pg_run(a, "SELECT pg_advisory_lock($1::bigint)", key);
    char *got = itest_pg_value(b, "SELECT pg_try_advisory_lock($1::bigint)::text", key);
    itest_check(strcmp(got, "true") == 0,
                "client B should get A's session lock too (the same server session holds it), "
                "pg_try_advisory_lock answered %s",
                got);
    free(got);
    got = itest_pg_value(direct, "SELECT pg_try_advisory_lock($1::bigint)::text", key);
    itest_check(strcmp(got, "false") == 0,
                "a direct session took the lock the pooler's server connection holds");
    free(got);
    itest_pg_run(a, "SELECT pg_advisory_unlock_all()");

    /* Transaction-level locks do what they say through the pooler. */
    PGconn *pooled = open_or_fail(pooled_url());
    itest_pg_run(pooled, "BEGIN");
    itest_pg_run(pooled, "SELECT pg_advisory_xact_lock($1::bigint)", key);
    got = itest_pg_value(direct, "SELECT pg_try_advisory_xact_lock($1::bigint)::text", key);
    itest_check(strcmp(got, "false") == 0, "pg_advisory_xact_lock held inside a pooled transaction "
                                           "did not keep a direct session out");
    free(got);
    itest_pg_run(pooled, "COMMIT");
    got = itest_pg_value(direct, "SELECT pg_try_advisory_xact_lock($1::bigint)::text", key);
    itest_check(strcmp(got, "true") == 0, "the transaction lock outlived its transaction");
    free(got);
    PQfinish(a);
    PQfinish(b);
    PQfinish(pooled);
}

void pooling_prepared_statement_stays_with_server_connection(void **state)
{
    PGconn *a = single_client(), *b = open_or_fail(single_url());
    PGresult *r = PQprepare(a, "itest_stmt", "SELECT 42", 0, NULL);
    itest_check(PQresultStatus(r) == PGRES_COMMAND_OK, "PQprepare through the pooler: %s",
                PQresultErrorMessage(r));
    PQclear(r);
    r = PQprepare(b, "itest_stmt", "SELECT 43", 0, NULL);
    const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    itest_check(code && strcmp(code, "42P05") == 0,
                "client B preparing the same name should meet A's statement (42P05) on the shared "
                "server connection, got %s %s",
                PQresStatus(PQresultStatus(r)), PQresultErrorMessage(r));
    PQclear(r);
    r = PQexecPrepared(b, "itest_stmt", 0, NULL, NULL, NULL, 0);
    itest_check(PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "42") == 0,
                "client B could not run A's prepared statement: %s", PQresultErrorMessage(r));
    PQclear(r);

    /* A new server connection has none of it: A's statement is gone. */
    char *backend = itest_pg_value(b, "SELECT pg_backend_pid()::text");
    PGconn *direct = itest_pg_connect(ITEST_PG_DIRECT);
    itest_pg_run(direct, "SELECT pg_terminate_backend($1::int, 5000)", backend);
    free(backend);
    char state_code[6] = "", err[1024] = "";
    for (int attempt = 0; attempt < 3; attempt++) {
        /* the pooler may hand out the dead connection once before it notices */
        r = PQexecPrepared(a, "itest_stmt", 0, NULL, NULL, NULL, 0);
        code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        snprintf(state_code, sizeof state_code, "%s", code ? code : "");
        snprintf(err, sizeof err, "%s", PQresultErrorMessage(r));
        PQclear(r);
        if (strcmp(state_code, "26000") == 0 || PQstatus(a) == CONNECTION_BAD)
            break;
        usleep(50000);
    }
    itest_check(strcmp(state_code, "26000") == 0,
                "after the server connection was replaced, A's prepared statement should be gone "
                "(26000), got SQLSTATE '%s': %s",
                state_code, err);
    printf("on a new server connection A's statement no longer exists: %s", err);
    PQfinish(a);
    PQfinish(b);
}

/* Median and p95 of n connects (with a first query) and of n queries on one session. */
static void latency(const char *url, const char *label, int connects, int queries)
{
    struct itest_stats *conn_ms = itest_stats_new(), *query_ms = itest_stats_new();
    char err[2048], name[64];
    for (int i = 0; i < connects; i++) {
        double t0 = itest_now_s();
        PGconn *c = itest_pg_open(url, 0, NULL, err, sizeof err);
        itest_check(c != NULL, "%s: %s", label, err);
        itest_check(itest_pg_try(NULL, NULL, err, sizeof err, c, "SELECT 1", NULL, 0) == 0,
                    "%s: %s", label, err);
        itest_stats_add(conn_ms, (itest_now_s() - t0) * 1e3);
        PQfinish(c);
    }
    PGconn *c = itest_pg_open(url, 0, NULL, err, sizeof err);
    itest_check(c != NULL, "%s: %s", label, err);
    for (int i = 0; i < queries; i++) {
        double t0 = itest_now_s();
        itest_check(itest_pg_try(NULL, NULL, err, sizeof err, c, "SELECT 1", NULL, 0) == 0,
                    "%s: %s", label, err);
        itest_stats_add(query_ms, (itest_now_s() - t0) * 1e3);
    }
    PQfinish(c);
    snprintf(name, sizeof name, "connect_%s_p50_ms", label);
    itest_measure(name, itest_stats_percentile(conn_ms, 50));
    snprintf(name, sizeof name, "connect_%s_p95_ms", label);
    itest_measure(name, itest_stats_percentile(conn_ms, 95));
    snprintf(name, sizeof name, "query_%s_p50_ms", label);
    itest_measure(name, itest_stats_percentile(query_ms, 50));
    snprintf(name, sizeof name, "query_%s_p95_ms", label);
    itest_measure(name, itest_stats_percentile(query_ms, 95));
    itest_stats_free(conn_ms);
    itest_stats_free(query_ms);
}

void pooling_latency_pooled_vs_direct(void **state)
{
    const char *pooled = pooled_url();
    char err[2048];
    const char *direct = itest_pg_conninfo(ITEST_PG_DIRECT, err, sizeof err);
    itest_check(direct != NULL, "%s", err);
    latency(direct, "direct", 20, 200);
    latency(pooled, "pooled", 20, 200);
}
