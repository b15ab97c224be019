/* The history store in a PostgreSQL database, for a team whose CI jobs share one: libpq with
 * text parameters, a connect timeout and a lock timeout from --history-wait, and messages that
 * never show the URL's password. */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_db.h"
#include "lib_load.h"
#include "util.h"

#include "itest/number.h"
#include "itest/redact.h"

/* libpq's functions, loaded on first use (lib_load.h) */
#define PQ_FUNCTIONS(X)                                                                            \
    X(PQconnectdbParams)                                                                           \
    X(PQstatus)                                                                                    \
    X(PQerrorMessage)                                                                              \
    X(PQexec)                                                                                      \
    X(PQresultStatus)                                                                              \
    X(PQclear)                                                                                     \
    X(PQexecParams)                                                                                \
    X(PQresultErrorMessage)                                                                        \
    X(PQresultErrorField)                                                                          \
    X(PQntuples)                                                                                   \
    X(PQgetisnull)                                                                                 \
    X(PQgetvalue)                                                                                  \
    X(PQfinish)
#define DECLARE(name) __typeof__(name) *name;
#define NAME(name) #name,
static struct {
    PQ_FUNCTIONS(DECLARE)
} lib;
static const char *const lib_names[] = {PQ_FUNCTIONS(NAME)};

struct pg_db {
    PGconn *conn;
    char *shown; /* the URL, redacted */
};

struct pg_row {
    PGresult *res;
    int row;
};

/* libpq's message without its trailing newline, on one line */
static void pg_message(char *out, size_t outlen, const char *msg)
{
    snprintf(out, outlen, "%s", msg && *msg ? msg : "unknown error");
    for (char *p = out; *p; p++)
        if (*p == '\n')
            *p = p[1] ? ' ' : '\0';
}

void *history_pg_open(const char *url, double wait_seconds, char *err, size_t errlen)
{
    struct pg_db *p = xcalloc(1, sizeof *p);
    p->shown = itest_redact(url);
    if (!p->shown)
        p->shown = xstrdup("(the history URL)");
    char why[512];
    if (lib_load("libpq.so.5", "libpq5", lib_names, (void **)&lib,
                 sizeof lib_names / sizeof *lib_names, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", p->shown, why);
        free(p->shown);
        free(p);
        return NULL;
    }
    char timeout[32];
    snprintf(timeout, sizeof timeout, "%d", wait_seconds < 1 ? 1 : (int)ceil(wait_seconds));
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *values[] = {url, timeout, "itest-report", NULL};
    p->conn = lib.PQconnectdbParams(keys, values, 1);
    if (!p->conn || lib.PQstatus(p->conn) != CONNECTION_OK) {
        char msg[512];
        pg_message(msg, sizeof msg, p->conn ? lib.PQerrorMessage(p->conn) : "out of memory");
        snprintf(err, errlen, "%s: cannot connect: %s", p->shown, msg);
        history_pg_ops.close(p);
        return NULL;
    }
    /* recorders queue for a lock at most this long; warnings stay out of the terminal */
    char set[128];
    snprintf(set, sizeof set, "SET lock_timeout = '%dms'; SET client_min_messages = warning",
             (int)(wait_seconds * 1000.0));
    PGresult *r = lib.PQexec(p->conn, set);
    int ok = lib.PQresultStatus(r) == PGRES_COMMAND_OK;
    lib.PQclear(r);
    if (!ok) {
        char msg[512];
        pg_message(msg, sizeof msg, lib.PQerrorMessage(p->conn));
        snprintf(err, errlen, "%s: %s", p->shown, msg);
        history_pg_ops.close(p);
        return NULL;
    }
    return p;
}

static int pg_exec(void *db, const char *sql, int nparams, const char *const *params,
                   history_row_fn row, void *ud, char *err, size_t errlen)
{
    struct pg_db *p = db;
    PGresult *r = nparams == 0 && !row
                      ? lib.PQexec(p->conn, sql)
                      : lib.PQexecParams(p->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = lib.PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[512];
        pg_message(msg, sizeof msg, lib.PQresultErrorMessage(r));
        const char *state = lib.PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (state && strcmp(state, "55P03") == 0) /* lock_not_available */
            snprintf(err, errlen,
                     "%s: the history store is locked by another recorder (%s; --history-wait "
                     "SECS waits longer)",
                     p->shown, msg);
        else
            snprintf(err, errlen, "%s: %s", p->shown, msg);
        /* a serialization failure or a deadlock: the whole transaction may be tried again */
        int again = state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
        lib.PQclear(r);
        return again ? -2 : -1;
    }
    int stop = 0;
    if (row) {
        struct pg_row pr = {.res = r};
        struct history_row hr = {.ops = &history_pg_ops, .impl = &pr};
        int n = lib.PQntuples(r);
        for (pr.row = 0; pr.row < n && !stop; pr.row++)
            stop = row(ud, &hr);
    }
    lib.PQclear(r);
    return stop;
}

static const char *pg_text(const struct history_row *row, int col)
{
    const struct pg_row *pr = row->impl;
    return lib.PQgetisnull(pr->res, pr->row, col) ? NULL : lib.PQgetvalue(pr->res, pr->row, col);
}

static double pg_number(const struct history_row *row, int col)
{
    const char *v = pg_text(row, col);
    double d;
    return v && itest_parse_double(&d, v, -HUGE_VAL, HUGE_VAL) == 0 ? d : NAN;
}

static int64_t pg_integer(const struct history_row *row, int col)
{
    const char *v = pg_text(row, col);
    long long n;
    return v && itest_parse_long(&n, v, INT64_MIN, INT64_MAX) == 0 ? (int64_t)n : -1;
}

static void pg_close(void *db)
{
    struct pg_db *p = db;
    if (!p)
        return;
    lib.PQfinish(p->conn);
    free(p->shown);
    free(p);
}

const struct history_db_ops history_pg_ops = {
    .id_column = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    .clustered = "",
    .begin = "BEGIN",
    .begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    /* two first recorders would both create the tables; the loser's CREATE would fail */
    .migrate_lock = "SELECT pg_advisory_xact_lock(7598318412003411)",
    .batch_rows = 400,
    .exec = pg_exec,
    .text = pg_text,
    .number = pg_number,
    .integer = pg_integer,
    .close = pg_close,
};
