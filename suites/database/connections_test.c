/* Connection handling: many concurrent sessions, a clean refusal past max_connections, and a
 * terminated backend that the helper notices and replaces. (Bounded waits on ports without a
 * server need no target: fixtures/tests/pg_test.c.) */
#include "database.h"

#include "itest/check.h"
#include "itest/config.h"
#include "itest/measure.h"
#include "itest/suite.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SESSIONS 16

struct session {
    const char *conninfo;
    pthread_barrier_t *all_connected;
    int pid;
    char error[1024];
};

static void *run_session(void *arg)
{
    struct session *s = arg;
    PGconn *c = itest_pg_open(s->conninfo, 0, NULL, s->error, sizeof s->error);
    pthread_barrier_wait(s->all_connected); /* every session is open at once */
    if (!c)
        return NULL;
    PGresult *r = NULL;
    if (itest_pg_try(&r, NULL, s->error, sizeof s->error, c,
                     "SELECT pg_backend_pid(), pg_sleep(0.1)", NULL, 0) == 0)
        s->pid = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    pthread_barrier_wait(s->all_connected); /* the case counts them before any closes */
    PQfinish(c);
    return NULL;
}

void connections_many_concurrent(void **state)
{
    struct db_case *db = db_begin(state, DB_EMPTY);
    char err[1024];
    const char *conninfo = itest_pg_conninfo(ITEST_PG_DIRECT, err, sizeof err);
    struct session sessions[SESSIONS];
    pthread_t threads[SESSIONS];
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, SESSIONS + 1);
    for (int i = 0; i < SESSIONS; i++) {
        sessions[i] = (struct session){.conninfo = conninfo, .all_connected = &barrier};
        pthread_create(&threads[i], NULL, run_session, &sessions[i]);
    }
    pthread_barrier_wait(&barrier);
    long long open = itest_pg_int(db->conn,
                                  "SELECT count(*) FROM pg_stat_activity "
                                  "WHERE application_name = $1 AND pid <> pg_backend_pid()",
                                  itest_current_case());
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < SESSIONS; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&barrier);
    int distinct = 0;
    for (int i = 0; i < SESSIONS; i++) {
        itest_check(sessions[i].pid > 0, "session %d of %d failed: %s", i + 1, SESSIONS,
                    sessions[i].error);
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= sessions[j].pid == sessions[i].pid;
        distinct += !seen;
    }
    itest_check(open >= SESSIONS, "the server saw %lld of the %d sessions open at once", open,
                SESSIONS);
    itest_check(distinct == SESSIONS, "%d sessions ran on only %d backends", SESSIONS, distinct);
    itest_measure("concurrent_sessions", SESSIONS);
}

void connections_past_max_connections(void **state)
{
    if (!itest_pg_is_fixture(ITEST_PG_DIRECT))
        itest_skip("exhausting max_connections of the server DATABASE_URL names would lock out its "
                   "other users; this case runs on the fixture cluster");
    struct db_case *db = db_begin(state, DB_EMPTY);
    long long max = itest_pg_int(db->conn, "SELECT current_setting('max_connections')::int");
    char err[1024];
    const char *conninfo = itest_pg_conninfo(ITEST_PG_DIRECT, err, sizeof err);
    PGconn **held = calloc((size_t)max + 1, sizeof *held);
    itest_check(held != NULL, "out of memory");
    int opened = 0;
    char refusal[1024] = "";
    while (opened <= max) {
        PGconn *c = itest_pg_open_once(conninfo, 10, refusal, sizeof refusal);
        if (!c)
            break;
        held[opened++] = c;
    }
    for (int i = 0; i < opened; i++)
        PQfinish(held[i]);
    free(held);
    itest_check(opened < max,
                "opened %d sessions (with this case's own) past max_connections=%lld without a "
                "refusal",
                opened + 1, max);
    itest_check(strstr(refusal, "53300") && strstr(refusal, "too many clients"),
                "past max_connections the refusal should be SQLSTATE 53300 \"sorry, too many "
                "clients already\", got: %s",
                refusal);
    printf("session %d was refused (max_connections=%lld, %lld held elsewhere): %s\n", opened + 2,
           max, max - opened - 1, refusal);
    /* Once sessions close, the server takes new ones again. */
    PGconn *again = itest_pg_open(conninfo, 10, NULL, err, sizeof err);
    itest_check(again != NULL, "after closing the sessions no new one could open: %s", err);
    PQfinish(again);
}

void connections_terminated_backend_reconnects(void **state)
{
    struct db_case *db = db_begin(state, DB_EMPTY);
    PGconn *victim = itest_pg_connect(ITEST_PG_DIRECT);
    PGconn *raw = itest_pg_connect(ITEST_PG_DIRECT);
    char *pid = itest_pg_value(victim, "SELECT pg_backend_pid()::text");
    char *raw_pid = itest_pg_value(raw, "SELECT pg_backend_pid()::text");
    char *done = itest_pg_value(db->conn,
                                "SELECT bool_and(pg_terminate_backend(p::int, 5000))::text "
                                "FROM unnest(ARRAY[$1, $2]) p",
                                pid, raw_pid);
    itest_check(done && strcmp(done, "true") == 0, "pg_terminate_backend(%s, %s) did not end them",
                pid, raw_pid);
    free(done);

    /* Plain libpq sees the loss on its next statement... */
    PGresult *r = PQexec(raw, "SELECT 1");
    itest_check(PQresultStatus(r) == PGRES_FATAL_ERROR && PQstatus(raw) == CONNECTION_BAD,
                "a statement on a terminated session should fail and mark the connection bad, "
                "got %s",
                PQresStatus(PQresultStatus(r)));
    printf("libpq on the terminated session: %s", PQresultErrorMessage(r));
    PQclear(r);

    /* ...and the helper replaces the session and runs the statement again. */
    unsigned before = itest_pg_reconnects();
    char *new_pid = itest_pg_value(victim, "SELECT pg_backend_pid()::text");
    itest_check(itest_pg_reconnects() == before + 1,
                "the helper should have reconnected once, it did %u time(s)",
                itest_pg_reconnects() - before);
    itest_check(strcmp(new_pid, pid) != 0, "the statement ran on the terminated backend %s", pid);
    printf("backend %s was terminated; the helper reconnected to backend %s\n", pid, new_pid);
    free(pid);
    free(raw_pid);
    free(new_pid);
}
